// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/strategy_editor.h"

#include "field_form.h"
#include "nnb/strategy/strategy.h"

namespace nnb::widgets {
namespace {

using strategy::Strategy;
using F = detail::Field<Strategy>;
using Kind = F::Kind;

template <class V>
F field(Kind kind, QString key, QString label, QString unit, double min, double max, int decimals, QString help,
        std::function<V&(Strategy&)> ref)
{
    F f;
    f.key = std::move(key);
    f.label = std::move(label);
    f.unit = std::move(unit);
    f.help = std::move(help);
    f.kind = kind;
    f.min = min;
    f.max = max;
    f.decimals = decimals;
    f.step = decimals >= 2 ? 0.01 : (decimals == 1 ? 0.1 : 1);
    f.get = [ref](const Strategy& s) { return QVariant::fromValue(ref(const_cast<Strategy&>(s))); };
    f.set = [ref](Strategy& s, const QVariant& v) { ref(s) = v.value<V>(); };
    return f;
}

template <class E>
F choice(QString key, QString label, QString help, std::vector<std::pair<QString, E>> choices,
         std::function<E&(Strategy&)> ref)
{
    F f;
    f.key = std::move(key);
    f.label = std::move(label);
    f.help = std::move(help);
    f.kind = Kind::Choice;
    for (const auto& c : choices)
        f.choices << c.first;
    f.get = [ref, choices](const Strategy& s) {
        for (const auto& c : choices)
            if (c.second == ref(const_cast<Strategy&>(s)))
                return QVariant(c.first);
        return QVariant();
    };
    f.set = [ref, choices](Strategy& s, const QVariant& v) {
        for (const auto& c : choices)
            if (c.first == v.toString())
                ref(s) = c.second;
    };
    return f;
}

std::vector<F> strategyFields()
{
    using namespace Qt::StringLiterals;
    std::vector<F> f;
    f.push_back(choice<strategy::FunctionPolicy>(
        u"functions.policy"_s, QObject::tr("Unsupported functions"),
        QObject::tr("What to do with a function the hardware neuron cannot compute (sigmoid, tanh, ...): approximate "
                    "it with a small network of the hardware's own neurons, or run it on the host CPU."),
        {{u"mlp_approximator"_s, strategy::FunctionPolicy::MlpApproximator}, {u"host"_s, strategy::FunctionPolicy::Host}},
        [](Strategy& s) -> strategy::FunctionPolicy& { return s.functions; }));
    f.push_back(field<int>(Kind::Int, u"functions.approximator_width"_s, QObject::tr("Approximator width"),
                           QObject::tr("neurons"), 1, 4096, 0,
                           QObject::tr("Hidden neurons of each function approximator: wider is more exact but uses more cores."),
                           [](Strategy& s) -> int& { return s.approximatorWidth; }));
    f.push_back(choice<strategy::PoolingPolicy>(
        u"pooling.policy"_s, QObject::tr("Pooling"),
        QObject::tr("core_ops: average pooling becomes a linear core-op and max pooling an exact tree of ReLU neurons "
                    "(max(a, b) = relu(a − b) + b); host: pooling runs off-chip."),
        {{u"core_ops"_s, strategy::PoolingPolicy::CoreOps}, {u"host"_s, strategy::PoolingPolicy::Host}},
        [](Strategy& s) -> strategy::PoolingPolicy& { return s.pooling; }));
    f.push_back(choice<strategy::SplitPolicy>(
        u"split.policy"_s, QObject::tr("Split policy"),
        QObject::tr("How a weight matrix larger than a crossbar is cut: exact_partial_sums adds row-split results "
                    "digitally (exact); merge_layer merges them through an extra layer of hardware neurons; "
                    "block_diagonal prunes to crossbar-sized blocks (NEUTRAMS, loses accuracy without retraining); auto "
                    "picks exact sums when the chip can add digitally."),
        {{u"auto"_s, strategy::SplitPolicy::Auto},
         {u"exact_partial_sums"_s, strategy::SplitPolicy::ExactPartialSums},
         {u"merge_layer"_s, strategy::SplitPolicy::MergeLayer},
         {u"block_diagonal"_s, strategy::SplitPolicy::BlockDiagonal}},
        [](Strategy& s) -> strategy::SplitPolicy& { return s.split; }));
    f.push_back(field<int>(Kind::Int, u"calibration.images"_s, QObject::tr("Calibration images"), QObject::tr("images"), 16,
                           60000, 0,
                           QObject::tr("Training images run through the float network to find each signal's range before "
                                       "quantising. More images give steadier ranges but take longer."),
                           [](Strategy& s) -> int& { return s.calibrationImages; }));
    f.push_back(choice<quant::WeightScheme>(
        u"quantization.weights"_s, QObject::tr("Weight quantiser"),
        QObject::tr("How real weights become the few values the hardware stores: uniform = an even grid; power_of_two = "
                    "±2^k steps; ternary = {−α, 0, +α}; binary = {−α, +α}; kmeans = learned levels (no integer form: "
                    "no bit-accurate simulation)."),
        {{u"uniform"_s, quant::WeightScheme::Uniform},
         {u"power_of_two"_s, quant::WeightScheme::PowerOfTwo},
         {u"ternary"_s, quant::WeightScheme::Ternary},
         {u"binary"_s, quant::WeightScheme::Binary},
         {u"kmeans"_s, quant::WeightScheme::KMeans}},
        [](Strategy& s) -> quant::WeightScheme& { return s.quantization.weights; }));
    f.push_back(field<int>(Kind::Int, u"quantization.weight_bits"_s, QObject::tr("Weight bits"), QObject::tr("bits"), 0, 16, 0,
                           QObject::tr("Bits of the quantised weights; 0 uses the hardware profile's weight bits."),
                           [](Strategy& s) -> int& { return s.quantization.weightBits; }));
    f.push_back(choice<strategy::WeightGranularity>(
        u"quantization.granularity"_s, QObject::tr("Scale shared by"),
        QObject::tr("Which weights share one scale: per_output_channel = each neuron its own (most exact); per_tensor = "
                    "one per layer; per_crossbar = one per crossbar tile."),
        {{u"per_output_channel"_s, strategy::WeightGranularity::PerOutputChannel},
         {u"per_tensor"_s, strategy::WeightGranularity::PerTensor},
         {u"per_crossbar"_s, strategy::WeightGranularity::PerCrossbar}},
        [](Strategy& s) -> strategy::WeightGranularity& { return s.quantization.granularity; }));
    f.push_back(field<int>(Kind::Int, u"quantization.levels"_s, QObject::tr("k-means levels"), QObject::tr("levels"), 2, 65536, 0,
                           QObject::tr("Codebook size of the k-means quantiser."),
                           [](Strategy& s) -> int& { return s.quantization.levels; }));
    f.push_back(choice<quant::RangeMethod>(
        u"quantization.signal_range"_s, QObject::tr("Signal range"),
        QObject::tr("How each signal's range is chosen from the calibration images: max = nothing clips; percentile = "
                    "clip rare outliers; mse_optimal = the clipping point with the least rounding error."),
        {{u"percentile"_s, quant::RangeMethod::Percentile}, {u"max"_s, quant::RangeMethod::Max},
         {u"mse_optimal"_s, quant::RangeMethod::MseOptimal}},
        [](Strategy& s) -> quant::RangeMethod& { return s.quantization.signalRange; }));
    f.push_back(field<double>(Kind::Double, u"quantization.percentile"_s, QObject::tr("Percentile"), u"%"_s, 50, 100, 3,
                              QObject::tr("For the percentile range: the share of calibration values the range covers."),
                              [](Strategy& s) -> double& { return s.quantization.percentile; }));
    f.push_back(choice<strategy::AdcRangePolicy>(
        u"quantization.adc_range"_s, QObject::tr("ADC range"),
        QObject::tr("How each crossbar's ADC step is chosen: calibrated = from the reads the calibration images "
                    "produce; weights = from the largest read the weights allow (never clips, coarser); full_scale = one "
                    "step for the crossbar's worst case."),
        {{u"calibrated"_s, strategy::AdcRangePolicy::Calibrated}, {u"weights"_s, strategy::AdcRangePolicy::Weights},
         {u"full_scale"_s, strategy::AdcRangePolicy::FullScale}},
        [](Strategy& s) -> strategy::AdcRangePolicy& { return s.quantization.adcRange; }));
    f.push_back(choice<bool>(
        u"quantization.adc_steps"_s, QObject::tr("ADC steps"),
        QObject::tr("Calibrated or weights ADC range: per_column = one step per array, input cycle and column (assumes "
                    "the ADC takes a reference per column); per_cycle = one per array and input cycle (the top bit-planes "
                    "of an input are sparse, so their reads get a finer step)."),
        {{u"per_column"_s, true}, {u"per_cycle"_s, false}},
        [](Strategy& s) -> bool& { return s.quantization.adcStepPerColumn; }));
    f.push_back(field<double>(Kind::Double, u"quantization.adc_percentile"_s, QObject::tr("ADC percentile"), u"%"_s, 50, 100, 3,
                              QObject::tr("Calibrated ADC: the share of reads each array's range covers; rarer, larger "
                                          "reads clip."),
                              [](Strategy& s) -> double& { return s.quantization.adcPercentile; }));
    f.push_back(field<int>(Kind::Int, u"quantization.output_expansion"_s, QObject::tr("Output re-encoding"), QObject::tr("copies"),
                           1, 64, 0,
                           QObject::tr("Carry each network output on this many neurons with offset biases; the host "
                                       "averages them into a grid this many times finer. 1 = off."),
                           [](Strategy& s) -> int& { return s.quantization.outputExpansion; }));
    F seed;
    seed.key = u"seed"_s;
    seed.label = QObject::tr("Seed");
    seed.help = QObject::tr("Seeds every random choice (calibration order, placement, approximators): the same seed "
                            "gives the same result.");
    seed.kind = Kind::Int;
    seed.min = 0;
    seed.max = 1e9;
    seed.get = [](const Strategy& s) { return QVariant(static_cast<int>(s.seed)); };
    seed.set = [](Strategy& s, const QVariant& v) { s.seed = static_cast<uint64_t>(std::max(0, v.toInt())); };
    f.push_back(seed);
    return f;
}

} // namespace

StrategyEditor::StrategyEditor(QWidget* parent)
    : QWidget(parent)
{
    using namespace Qt::StringLiterals;
    const QMap<QString, QString> titles{{u"functions"_s, tr("Function approximation")},
                                        {u"pooling"_s, tr("Pooling")},
                                        {u"split"_s, tr("Splitting large layers")},
                                        {u"calibration"_s, tr("Calibration")},
                                        {u"quantization"_s, tr("Quantisation")},
                                        {u"seed"_s, tr("Reproducibility")}};
    m_form = std::make_unique<detail::FieldForm<Strategy>>(this, strategyFields(), titles, nullptr,
                                                           [this] { emit strategyEdited(); });
}

StrategyEditor::~StrategyEditor() = default;

void StrategyEditor::setStrategy(const strategy::Strategy& strategy)
{
    m_form->setValue(strategy);
}

const strategy::Strategy& StrategyEditor::strategy() const
{
    return m_form->value();
}

QWidget* StrategyEditor::editor(const QString& key) const
{
    return m_form->editor(key);
}

} // namespace nnb::widgets
