// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/profile_editor.h"

#include <QRegularExpression>

#include "field_form.h"
#include "nnb/hw/profile.h"
#include "nnb/hw/profile_io.h"

namespace nnb::widgets {
namespace {

using hw::Profile;
using F = detail::Field<Profile>;
using Kind = F::Kind;

F intField(QString key, QString label, QString unit, int min, int max, QString help,
           std::function<int&(Profile&)> ref)
{
    F f;
    f.key = std::move(key);
    f.label = std::move(label);
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.kind = Kind::Int;
    f.min = min;
    f.max = max;
    f.get = [ref](const Profile& p) { return QVariant(ref(const_cast<Profile&>(p))); };
    f.set = [ref](Profile& p, const QVariant& v) { ref(p) = v.toInt(); };
    return f;
}

F numField(QString key, QString label, QString unit, double min, double max, int decimals, QString help,
           std::function<double&(Profile&)> ref)
{
    F f;
    f.key = std::move(key);
    f.label = std::move(label);
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.kind = Kind::Double;
    f.min = min;
    f.max = max;
    f.decimals = decimals;
    f.step = decimals >= 3 ? 0.001 : (decimals >= 1 ? 0.1 : 1);
    f.get = [ref](const Profile& p) { return QVariant(ref(const_cast<Profile&>(p))); };
    f.set = [ref](Profile& p, const QVariant& v) { ref(p) = v.toDouble(); };
    return f;
}

F boolField(QString key, QString label, QString help, std::function<bool&(Profile&)> ref)
{
    F f;
    f.key = std::move(key);
    f.label = std::move(label);
    f.help = std::move(help);
    f.kind = Kind::Bool;
    f.get = [ref](const Profile& p) { return QVariant(ref(const_cast<Profile&>(p))); };
    f.set = [ref](Profile& p, const QVariant& v) { ref(p) = v.toBool(); };
    return f;
}

template <class E>
F choiceField(QString key, QString label, QString help, std::vector<std::pair<QString, E>> choices,
              std::function<E&(Profile&)> ref)
{
    F f;
    f.key = std::move(key);
    f.label = std::move(label);
    f.help = std::move(help);
    f.kind = Kind::Choice;
    for (const auto& c : choices)
        f.choices << c.first;
    f.get = [ref, choices](const Profile& p) {
        const E value = ref(const_cast<Profile&>(p));
        for (const auto& c : choices)
            if (c.second == value)
                return QVariant(c.first);
        return QVariant();
    };
    f.set = [ref, choices](Profile& p, const QVariant& v) {
        for (const auto& c : choices)
            if (c.first == v.toString())
                ref(p) = c.second;
    };
    return f;
}

std::vector<F> profileFields()
{
    using namespace Qt::StringLiterals;
    std::vector<F> f;
    auto add = [&f](F field) { f.push_back(std::move(field)); };
    const int big = 65536;
    // Crossbar.
    add(intField(u"crossbar.rows"_s, QObject::tr("Rows"), QObject::tr("inputs"), 1, big,
                 QObject::tr("How many inputs one crossbar (one core) can take: its word lines or axons. A layer with "
                             "more inputs than this is split over several crossbars and their partial sums are added."),
                 [](Profile& p) -> int& { return p.crossbar.rows; }));
    add(intField(u"crossbar.cols"_s, QObject::tr("Columns"), QObject::tr("outputs"), 1, big,
                 QObject::tr("How many outputs (neurons) one crossbar computes at once: its bit lines. More outputs "
                             "than this are spread over more crossbars side by side, which costs nothing in accuracy."),
                 [](Profile& p) -> int& { return p.crossbar.cols; }));
    // Weights.
    add(intField(u"weights.bits"_s, QObject::tr("Weight bits"), QObject::tr("bits"), 1, 32,
                 QObject::tr("Precision of one stored weight, sign included. 8 bits give 255 values; 4 bits only 15, "
                             "so the trained weights must be rounded much more coarsely."),
                 [](Profile& p) -> int& { return p.weights.bits; }));
    add(boolField(u"weights.signed"_s, QObject::tr("Signed weights"),
                  QObject::tr("Whether a weight can be negative. Networks need negative weights; hardware without them "
                              "must use two columns (differential pairs)."),
                  [](Profile& p) -> bool& { return p.weights.isSigned; }));
    add(choiceField<hw::WeightEncoding>(u"weights.encoding"_s, QObject::tr("Encoding"),
                                        QObject::tr("How a weight is stored: integer = one memory word per weight; "
                                                    "bit_sliced = its bits spread over several multi-level cells, one "
                                                    "crossbar per slice; value_set = each neuron keeps a few weight values "
                                                    "and every input picks one of them by its type (TrueNorth)."),
                                        {{u"integer"_s, hw::WeightEncoding::Integer},
                                         {u"bit_sliced"_s, hw::WeightEncoding::BitSliced},
                                         {u"value_set"_s, hw::WeightEncoding::ValueSet}},
                                        [](Profile& p) -> hw::WeightEncoding& { return p.weights.encoding; }));
    add(intField(u"weights.cell_bits"_s, QObject::tr("Bits per cell"), QObject::tr("bits"), 1, 32,
                 QObject::tr("For bit-sliced weights: how many bits one memristor cell stores. Fewer bits per cell "
                             "mean more slices, so more crossbars for the same weights."),
                 [](Profile& p) -> int& { return p.weights.cellBits; }));
    add(boolField(u"weights.differential"_s, QObject::tr("Differential pairs"),
                  QObject::tr("Store positive and negative parts of each weight on two separate columns and subtract "
                              "them after reading. Doubles the crossbars."),
                  [](Profile& p) -> bool& { return p.weights.differential; }));
    add(intField(u"weights.axon_types"_s, QObject::tr("Axon types"), QObject::tr("types"), 0, 16,
                 QObject::tr("For value-set weights: how many different weight values each neuron can hold (TrueNorth: "
                             "4). Every input line is given one type."),
                 [](Profile& p) -> int& { return p.weights.axonTypes; }));
    // Signals.
    add(intField(u"signals.input_bits"_s, QObject::tr("Input bits"), QObject::tr("bits"), 1, 32,
                 QObject::tr("Precision of a value entering a crossbar. Activations are rounded to this many bits at "
                             "every core boundary. Spiking profiles: the width of one tick's spike (1); a value is "
                             "its spike count over the ticks per inference, so its precision is set by the ticks."),
                 [](Profile& p) -> int& { return p.io.inputBits; }));
    add(intField(u"signals.output_bits"_s, QObject::tr("Output bits"), QObject::tr("bits"), 1, 32,
                 QObject::tr("Precision of a value leaving a core."), [](Profile& p) -> int& { return p.io.outputBits; }));
    add(intField(u"signals.dac_bits"_s, QObject::tr("DAC bits"), QObject::tr("bits"), 1, 32,
                 QObject::tr("Bits the digital-to-analog converter feeds per step. Fewer than the input bits means the "
                             "input is fed bit-serially in several steps, which takes longer. Must not exceed the input bits."),
                 [](Profile& p) -> int& { return p.io.dacBits; }));
    add(intField(u"signals.adc_bits"_s, QObject::tr("ADC bits"), QObject::tr("bits"), 0, 32,
                 QObject::tr("Resolution of the analog-to-digital converter that reads each column's current. Too few "
                             "bits and large sums clip or lose detail. 0 means no ADC (a digital or spiking core)."),
                 [](Profile& p) -> int& { return p.io.adcBits; }));
    add(boolField(u"signals.input_signed"_s, QObject::tr("Signed inputs"),
                  QObject::tr("Whether inputs can be negative; otherwise they are shifted by an offset."),
                  [](Profile& p) -> bool& { return p.io.inputSigned; }));
    // Neuron.
    add(choiceField<hw::NeuronModel>(u"neuron.model"_s, QObject::tr("Neuron"),
                                     QObject::tr("The only activation function the hardware has: relu = a saturating "
                                                 "ReLU; lif/if = (leaky) integrate-and-fire spiking neurons."),
                                     {{u"relu"_s, hw::NeuronModel::Relu}, {u"lif"_s, hw::NeuronModel::Lif}, {u"if"_s, hw::NeuronModel::If}},
                                     [](Profile& p) -> hw::NeuronModel& { return p.neuron.model; }));
    add(intField(u"neuron.output_bits"_s, QObject::tr("Neuron output bits"), QObject::tr("bits"), 1, 32,
                 QObject::tr("Precision of the neuron's output (ReLU): values are rounded and saturate at the top."),
                 [](Profile& p) -> int& { return p.neuron.outputBits; }));
    add(intField(u"neuron.leak_bits"_s, QObject::tr("Leak bits"), QObject::tr("bits"), 0, 32,
                 QObject::tr("Leaky integrate-and-fire: width of the signed leak added every tick."), [](Profile& p) -> int& { return p.neuron.leakBits; }));
    add(intField(u"neuron.threshold_bits"_s, QObject::tr("Threshold bits"), QObject::tr("bits"), 0, 32,
                 QObject::tr("Spiking neurons: width of the firing threshold."), [](Profile& p) -> int& { return p.neuron.thresholdBits; }));
    add(intField(u"neuron.ticks_per_inference"_s, QObject::tr("Ticks per inference"), QObject::tr("ticks"), 1, 1 << 20,
                 QObject::tr("Spiking neurons: how many time steps one inference lasts. A value is a spike count over "
                             "this window, so more ticks mean finer values but slower inference."),
                 [](Profile& p) -> int& { return p.neuron.ticksPerInference; }));
    add(boolField(u"accumulation.digital_partial_sums"_s, QObject::tr("Digital partial sums"),
                  QObject::tr("When a layer is split over several crossbars by rows, can the chip add the partial "
                              "results exactly in digital logic? If not, an extra layer of hardware neurons merges them."),
                  [](Profile& p) -> bool& { return p.digitalPartialSums; }));
    // Chip and NoC.
    auto mesh = [](Profile& p) { p.chip.cores = p.chip.meshWidth * p.chip.meshHeight; };
    F width = intField(u"chip.mesh_width"_s, QObject::tr("Mesh width"), QObject::tr("cores"), 1, 4096,
                       QObject::tr("Cores along x of the chip's mesh. Each core holds one crossbar-sized tile; the chip "
                                   "has width × height cores."),
                       [](Profile& p) -> int& { return p.chip.meshWidth; });
    width.set = [mesh](Profile& p, const QVariant& v) {
        p.chip.meshWidth = v.toInt();
        mesh(p);
    };
    add(width);
    F height = intField(u"chip.mesh_height"_s, QObject::tr("Mesh height"), QObject::tr("cores"), 1, 4096,
                        QObject::tr("Cores along y of the chip's mesh."), [](Profile& p) -> int& { return p.chip.meshHeight; });
    height.set = [mesh](Profile& p, const QVariant& v) {
        p.chip.meshHeight = v.toInt();
        mesh(p);
    };
    add(height);
    add(numField(u"noc.hop_latency_ns"_s, QObject::tr("Hop latency"), u"ns"_s, 0, 1e6, 2,
                 QObject::tr("Time a packet needs to move from one core to its neighbour."),
                 [](Profile& p) -> double& { return p.noc.hopLatencyNs; }));
    add(numField(u"noc.hop_energy_pj"_s, QObject::tr("Hop energy"), u"pJ"_s, 0, 1e6, 2,
                 QObject::tr("Energy to move one packet (or spike) one hop."),
                 [](Profile& p) -> double& { return p.noc.hopEnergyPj; }));
    add(numField(u"noc.link_bandwidth_gbit_per_s"_s, QObject::tr("Link bandwidth"), u"Gbit/s"_s, 0.001, 1e6, 3,
                 QObject::tr("How fast one mesh link moves bits; a busy link limits the pipelined throughput."),
                 [](Profile& p) -> double& { return p.noc.linkBandwidthGbitPerS; }));
    // Latency and energy per operation.
    add(numField(u"latency.crossbar_mvm_ns"_s, QObject::tr("Crossbar read"), u"ns"_s, 0, 1e9, 2,
                 QObject::tr("Time of one analog matrix-vector multiplication (one read of the crossbar)."),
                 [](Profile& p) -> double& { return p.costs.crossbarMvmLatencyNs; }));
    add(numField(u"latency.adc_conversion_ns"_s, QObject::tr("ADC conversion"), u"ns"_s, 0, 1e9, 2,
                 QObject::tr("Time of one analog-to-digital conversion."),
                 [](Profile& p) -> double& { return p.costs.adcConversionLatencyNs; }));
    add(numField(u"latency.dac_conversion_ns"_s, QObject::tr("DAC conversion"), u"ns"_s, 0, 1e9, 2,
                 QObject::tr("Time of one digital-to-analog conversion."),
                 [](Profile& p) -> double& { return p.costs.dacConversionLatencyNs; }));
    add(numField(u"latency.digital_op_ns"_s, QObject::tr("Digital operation"), u"ns"_s, 0, 1e9, 2,
                 QObject::tr("Time of one digital step (shift-and-add, bias, neuron)."),
                 [](Profile& p) -> double& { return p.costs.digitalOpLatencyNs; }));
    add(numField(u"latency.spike_ns"_s, QObject::tr("Spike"), u"ns"_s, 0, 1e9, 2,
                 QObject::tr("Time to emit one spike (spiking cores)."),
                 [](Profile& p) -> double& { return p.costs.spikeLatencyNs; }));
    add(numField(u"energy.crossbar_mvm_pj"_s, QObject::tr("Crossbar read"), u"pJ"_s, 0, 1e9, 3,
                 QObject::tr("Energy of one crossbar read, per array."),
                 [](Profile& p) -> double& { return p.costs.crossbarMvmEnergyPj; }));
    add(numField(u"energy.adc_conversion_pj"_s, QObject::tr("ADC conversion"), u"pJ"_s, 0, 1e9, 3,
                 QObject::tr("Energy of one analog-to-digital conversion; ADCs often dominate a crossbar's energy."),
                 [](Profile& p) -> double& { return p.costs.adcConversionEnergyPj; }));
    add(numField(u"energy.dac_conversion_pj"_s, QObject::tr("DAC conversion"), u"pJ"_s, 0, 1e9, 3,
                 QObject::tr("Energy of one digital-to-analog conversion."),
                 [](Profile& p) -> double& { return p.costs.dacConversionEnergyPj; }));
    add(numField(u"energy.digital_op_pj"_s, QObject::tr("Digital operation"), u"pJ"_s, 0, 1e9, 3,
                 QObject::tr("Energy of one digital step."), [](Profile& p) -> double& { return p.costs.digitalOpEnergyPj; }));
    add(numField(u"energy.spike_pj"_s, QObject::tr("Spike"), u"pJ"_s, 0, 1e9, 3,
                 QObject::tr("Energy of one spike."), [](Profile& p) -> double& { return p.costs.spikeEnergyPj; }));
    // Device non-idealities.
    add(numField(u"device.conductance_variation_sigma"_s, QObject::tr("Conductance variation σ"), QString(), 0, 1, 3,
                 QObject::tr("Relative spread of each cell's conductance: 0.02 means a stored value is off by about 2 % "
                             "at random. Used by the Monte Carlo runs."),
                 [](Profile& p) -> double& { return p.device.conductanceVariationSigma; }));
    add(numField(u"device.stuck_at_zero_rate"_s, QObject::tr("Stuck-at-zero cells"), QString(), 0, 1, 4,
                 QObject::tr("Fraction of cells stuck at their lowest level (a broken device)."),
                 [](Profile& p) -> double& { return p.device.stuckAtZeroRate; }));
    add(numField(u"device.stuck_at_max_rate"_s, QObject::tr("Stuck-at-max cells"), QString(), 0, 1, 4,
                 QObject::tr("Fraction of cells stuck at their highest level."),
                 [](Profile& p) -> double& { return p.device.stuckAtMaxRate; }));
    return f;
}

QMap<QString, QString> sectionTitles()
{
    using namespace Qt::StringLiterals;
    return {{u"crossbar"_s, QObject::tr("Crossbar")},
            {u"weights"_s, QObject::tr("Weights")},
            {u"signals"_s, QObject::tr("Signals (I/O precision)")},
            {u"neuron"_s, QObject::tr("Neuron")},
            {u"accumulation"_s, QObject::tr("Partial sums")},
            {u"chip"_s, QObject::tr("Chip")},
            {u"noc"_s, QObject::tr("Network-on-chip")},
            {u"latency"_s, QObject::tr("Latency per operation")},
            {u"energy"_s, QObject::tr("Energy per operation")},
            {u"device"_s, QObject::tr("Device non-idealities")}};
}

} // namespace

ProfileEditor::ProfileEditor(QWidget* parent)
    : QWidget(parent)
{
    auto validator = [](const Profile& p, QString& key) -> QString {
        auto ok = hw::validateProfile(p);
        if (ok)
            return {};
        const QString message = QString::fromStdString(ok.error().message);
        static const QRegularExpression keyPattern(QStringLiteral("key ([a-z_.]+)"));
        const auto match = keyPattern.match(message);
        key = match.hasMatch() ? match.captured(1) : QString();
        return message;
    };
    m_form = std::make_unique<detail::FieldForm<Profile>>(this, profileFields(), sectionTitles(), validator,
                                                          [this] { emit profileEdited(); });
}

ProfileEditor::~ProfileEditor() = default;

void ProfileEditor::setProfile(const hw::Profile& profile)
{
    m_form->setValue(profile);
    m_form->markIllustrative(profile.illustrative);
}

const hw::Profile& ProfileEditor::profile() const
{
    return m_form->value();
}

QString ProfileEditor::validationMessage() const
{
    return m_form->message();
}

QWidget* ProfileEditor::editor(const QString& key) const
{
    return m_form->editor(key);
}

} // namespace nnb::widgets
