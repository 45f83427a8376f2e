// SPDX-License-Identifier: GPL-3.0-or-later
// Profile files: YAML read with yaml-cpp (private to this file). Parsing walks a table of known
// keys so that a typo is an error ("unknown key"), not a silently ignored setting, and every
// message names the file, the dotted key and its line.
#include "nnb/hw/profile_io.h"

#include <fstream>
#include <sstream>


#include "support/yaml_section.h"

namespace nnb::hw {
namespace {

using detail::fail;
using detail::Section;

const std::map<std::string, WeightEncoding> kEncodings{
    {"integer", WeightEncoding::Integer}, {"bit_sliced", WeightEncoding::BitSliced}, {"value_set", WeightEncoding::ValueSet}};
const std::map<std::string, NeuronModel> kNeurons{
    {"relu", NeuronModel::Relu}, {"lif", NeuronModel::Lif}, {"if", NeuronModel::If}};
const std::map<std::string, ResetMode> kResets{{"zero", ResetMode::Zero}, {"subtract", ResetMode::Subtract}};

// Every key path the schema knows; `illustrative:` entries must name one of these or a section.
const std::set<std::string> kKnownKeys{
    "crossbar", "crossbar.rows", "crossbar.cols",
    "weights", "weights.bits", "weights.signed", "weights.encoding", "weights.cell_bits", "weights.differential",
    "weights.axon_types",
    "signals", "signals.input_bits", "signals.input_signed", "signals.output_bits", "signals.dac_bits", "signals.adc_bits",
    "neuron", "neuron.model", "neuron.output_bits", "neuron.leak_bits", "neuron.threshold_bits", "neuron.reset",
    "neuron.ticks_per_inference",
    "accumulation", "accumulation.digital_partial_sums",
    "chip", "chip.cores", "chip.mesh_width", "chip.mesh_height",
    "noc", "noc.hop_latency_ns", "noc.hop_energy_pj", "noc.link_bandwidth_gbit_per_s",
    "latency", "latency.crossbar_mvm_ns", "latency.adc_conversion_ns", "latency.dac_conversion_ns", "latency.spike_ns",
    "latency.digital_op_ns",
    "energy", "energy.crossbar_mvm_pj", "energy.adc_conversion_pj", "energy.dac_conversion_pj", "energy.spike_pj",
    "energy.digital_op_pj",
    "device", "device.conductance_variation_sigma", "device.stuck_at_zero_rate", "device.stuck_at_max_rate"};

constexpr double kBig = 1e12;

Profile readProfile(const YAML::Node& root)
{
    const Section top(root, "", root);
    Profile p;
    p.schemaVersion = top.integer("schema_version", 1, 1);
    p.id = top.string("id");
    if (p.id.empty() || p.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
        fail("id", root["id"], "must be a non-empty kebab-case identifier (a-z, 0-9, -), got '" + p.id + "'");
    p.name = top.string("name");
    p.description = top.stringOr("description", "");
    if (top.has("illustrative")) {
        const YAML::Node list = top.require("illustrative");
        if (!list.IsSequence())
            fail("illustrative", list, "must be a list of keys, e.g. [energy, latency.adc_conversion_ns]");
        for (const auto& item : list) {
            const auto key = item.as<std::string>();
            if (!kKnownKeys.count(key))
                fail("illustrative", item, "names '" + key + "', which is not a key of the schema");
            p.illustrative.push_back(key);
        }
    }

    const Section xbar = top.child("crossbar");
    p.crossbar.rows = xbar.integer("rows", 1, 65536);
    p.crossbar.cols = xbar.integer("cols", 1, 65536);
    xbar.rejectUnknownKeys();

    const Section w = top.child("weights");
    p.weights.bits = w.integer("bits", 1, 32);
    p.weights.isSigned = w.boolean("signed");
    p.weights.encoding = w.choice("encoding", kEncodings);
    p.weights.differential = w.booleanOr("differential", false);
    if (p.weights.encoding == WeightEncoding::BitSliced)
        p.weights.cellBits = w.integer("cell_bits", 1, p.weights.bits);
    else
        p.weights.cellBits = w.integerOr("cell_bits", 1, 32, p.weights.bits);
    if (p.weights.encoding == WeightEncoding::ValueSet)
        p.weights.axonTypes = w.integer("axon_types", 1, 16);
    else
        p.weights.axonTypes = w.integerOr("axon_types", 0, 16, 0);
    w.rejectUnknownKeys();

    const Section s = top.child("signals");
    p.io.inputBits = s.integer("input_bits", 1, 32);
    p.io.inputSigned = s.booleanOr("input_signed", false);
    p.io.outputBits = s.integer("output_bits", 1, 32);
    p.io.dacBits = s.integerOr("dac_bits", 1, p.io.inputBits, p.io.inputBits);
    p.io.adcBits = s.integerOr("adc_bits", 0, 32, 0);
    s.rejectUnknownKeys();

    const Section n = top.child("neuron");
    p.neuron.model = n.choice("model", kNeurons);
    if (p.neuron.model == NeuronModel::Relu) {
        p.neuron.outputBits = n.integer("output_bits", 1, 32);
        p.neuron.ticksPerInference = n.integerOr("ticks_per_inference", 1, 1, 1);
    } else {
        p.neuron.outputBits = n.integerOr("output_bits", 1, 32, 1);
        p.neuron.thresholdBits = n.integer("threshold_bits", 1, 32);
        p.neuron.reset = n.choice("reset", kResets);
        p.neuron.ticksPerInference = n.integer("ticks_per_inference", 1, 1 << 20);
        p.neuron.leakBits = p.neuron.model == NeuronModel::Lif ? n.integer("leak_bits", 1, 32) : n.integerOr("leak_bits", 0, 0, 0);
    }
    n.rejectUnknownKeys();

    const Section acc = top.child("accumulation");
    p.digitalPartialSums = acc.boolean("digital_partial_sums");
    acc.rejectUnknownKeys();

    const Section chip = top.child("chip");
    p.chip.cores = chip.integer("cores", 1, 1 << 24);
    p.chip.meshWidth = chip.integer("mesh_width", 1, 1 << 12);
    p.chip.meshHeight = chip.integer("mesh_height", 1, 1 << 12);
    if (int64_t{p.chip.meshWidth} * p.chip.meshHeight != p.chip.cores)
        fail("chip.cores", chip.node()["cores"],
             "is " + std::to_string(p.chip.cores) + " but the mesh is " + std::to_string(p.chip.meshWidth) + " x " +
                 std::to_string(p.chip.meshHeight) + " = " + std::to_string(int64_t{p.chip.meshWidth} * p.chip.meshHeight) +
                 " cores; make them agree");
    chip.rejectUnknownKeys();

    const Section noc = top.child("noc");
    p.noc.hopLatencyNs = noc.number("hop_latency_ns", 0, kBig);
    p.noc.hopEnergyPj = noc.number("hop_energy_pj", 0, kBig);
    p.noc.linkBandwidthGbitPerS = noc.number("link_bandwidth_gbit_per_s", 1e-9, kBig);
    noc.rejectUnknownKeys();

    const Section lat = top.child("latency");
    p.costs.crossbarMvmLatencyNs = lat.number("crossbar_mvm_ns", 0, kBig);
    p.costs.adcConversionLatencyNs = lat.number("adc_conversion_ns", 0, kBig);
    p.costs.dacConversionLatencyNs = lat.number("dac_conversion_ns", 0, kBig);
    p.costs.spikeLatencyNs = lat.number("spike_ns", 0, kBig);
    p.costs.digitalOpLatencyNs = lat.number("digital_op_ns", 0, kBig);
    lat.rejectUnknownKeys();

    const Section en = top.child("energy");
    p.costs.crossbarMvmEnergyPj = en.number("crossbar_mvm_pj", 0, kBig);
    p.costs.adcConversionEnergyPj = en.number("adc_conversion_pj", 0, kBig);
    p.costs.dacConversionEnergyPj = en.number("dac_conversion_pj", 0, kBig);
    p.costs.spikeEnergyPj = en.number("spike_pj", 0, kBig);
    p.costs.digitalOpEnergyPj = en.number("digital_op_pj", 0, kBig);
    en.rejectUnknownKeys();

    if (top.has("device")) {
        const Section dev = top.child("device");
        p.device.conductanceVariationSigma = dev.numberOr("conductance_variation_sigma", 0, 1, 0);
        p.device.stuckAtZeroRate = dev.numberOr("stuck_at_zero_rate", 0, 1, 0);
        p.device.stuckAtMaxRate = dev.numberOr("stuck_at_max_rate", 0, 1, 0);
        if (p.device.stuckAtZeroRate + p.device.stuckAtMaxRate > 1)
            fail("device.stuck_at_max_rate", dev.node()["stuck_at_max_rate"], "stuck-at rates add up to more than 1");
        dev.rejectUnknownKeys();
    }
    top.rejectUnknownKeys();
    return p;
}

} // namespace

Expected<Profile> parseProfile(std::string_view yaml, std::string_view sourceName)
{
    const std::string label = "profile " + std::string(sourceName);
    return detail::parseYamlDocument<Profile>(yaml, label, [&](const YAML::Node& root) -> Expected<Profile> {
        Profile profile = readProfile(root);
        NNB_RETURN_IF_ERROR(addContext(validateProfile(profile), label));
        return profile;
    });
}

Expected<Profile> loadProfile(const std::filesystem::path& path) { return loadProfile(path, {}); }

Expected<Profile> loadProfile(const std::filesystem::path& path, const std::vector<std::string>& overrides)
{
    return detail::loadYamlFile<Profile>(path, overrides, "profile", [](std::string_view text, std::string_view file) {
        return parseProfile(text, file);
    });
}

Expected<void> validateProfile(const Profile& p)
{
    auto bad = [](const std::string& key, const std::string& message) {
        return makeError(Errc::InvalidProfile, "key " + key + ": " + message);
    };
    if (p.crossbar.rows < 1 || p.crossbar.cols < 1)
        return bad("crossbar.rows", "crossbar rows and columns must be >= 1");
    if (p.weights.bits < 1 || p.weights.bits > 32)
        return bad("weights.bits", "must be between 1 and 32");
    if (p.weights.encoding == WeightEncoding::BitSliced && (p.weights.cellBits < 1 || p.weights.cellBits > p.weights.bits))
        return bad("weights.cell_bits", "must be between 1 and weights.bits");
    if (p.weights.encoding == WeightEncoding::ValueSet && p.weights.axonTypes < 1)
        return bad("weights.axon_types", "a value_set encoding needs at least one axon type");
    if (p.weights.differential && !p.weights.isSigned)
        return bad("weights.differential", "differential pairs store signed weights; set weights.signed: true");
    if (p.io.inputBits < 1 || p.io.outputBits < 1 || p.io.dacBits < 1 || p.io.dacBits > p.io.inputBits)
        return bad("signals.dac_bits", "input/output bits must be >= 1 and dac_bits between 1 and input_bits");
    if (p.chip.cores < 1 || int64_t{p.chip.meshWidth} * p.chip.meshHeight != p.chip.cores)
        return bad("chip.cores", "must equal mesh_width x mesh_height");
    if (p.isSpiking() && (p.neuron.thresholdBits < 1 || p.neuron.ticksPerInference < 1))
        return bad("neuron.threshold_bits", "a spiking neuron needs threshold_bits >= 1 and ticks_per_inference >= 1");
    if (p.neuron.model == NeuronModel::Lif && p.neuron.leakBits < 1)
        return bad("neuron.leak_bits", "a leaky neuron needs leak_bits >= 1");
    return {};
}

std::string profileToYaml(const Profile& p)
{
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "schema_version" << YAML::Value << p.schemaVersion;
    out << YAML::Key << "id" << YAML::Value << p.id;
    out << YAML::Key << "name" << YAML::Value << p.name;
    if (!p.description.empty())
        out << YAML::Key << "description" << YAML::Value << p.description;
    if (!p.illustrative.empty())
        out << YAML::Key << "illustrative" << YAML::Value << YAML::Flow << p.illustrative;
    auto section = [&](const char* name) { out << YAML::Key << name << YAML::Value << YAML::BeginMap; };
    auto kv = [&](const char* key, auto value) { out << YAML::Key << key << YAML::Value << value; };
    auto end = [&] { out << YAML::EndMap; };

    section("crossbar");
    kv("rows", p.crossbar.rows);
    kv("cols", p.crossbar.cols);
    end();
    section("weights");
    kv("bits", p.weights.bits);
    kv("signed", p.weights.isSigned);
    kv("encoding", toString(p.weights.encoding));
    kv("cell_bits", p.weights.cellBits);
    kv("differential", p.weights.differential);
    if (p.weights.axonTypes > 0)
        kv("axon_types", p.weights.axonTypes);
    end();
    section("signals");
    kv("input_bits", p.io.inputBits);
    kv("input_signed", p.io.inputSigned);
    kv("output_bits", p.io.outputBits);
    kv("dac_bits", p.io.dacBits);
    kv("adc_bits", p.io.adcBits);
    end();
    section("neuron");
    kv("model", toString(p.neuron.model));
    kv("output_bits", p.neuron.outputBits);
    if (p.isSpiking()) {
        if (p.neuron.model == NeuronModel::Lif)
            kv("leak_bits", p.neuron.leakBits);
        kv("threshold_bits", p.neuron.thresholdBits);
        kv("reset", toString(p.neuron.reset));
        kv("ticks_per_inference", p.neuron.ticksPerInference);
    }
    end();
    section("accumulation");
    kv("digital_partial_sums", p.digitalPartialSums);
    end();
    section("chip");
    kv("cores", p.chip.cores);
    kv("mesh_width", p.chip.meshWidth);
    kv("mesh_height", p.chip.meshHeight);
    end();
    section("noc");
    kv("hop_latency_ns", p.noc.hopLatencyNs);
    kv("hop_energy_pj", p.noc.hopEnergyPj);
    kv("link_bandwidth_gbit_per_s", p.noc.linkBandwidthGbitPerS);
    end();
    section("latency");
    kv("crossbar_mvm_ns", p.costs.crossbarMvmLatencyNs);
    kv("adc_conversion_ns", p.costs.adcConversionLatencyNs);
    kv("dac_conversion_ns", p.costs.dacConversionLatencyNs);
    kv("spike_ns", p.costs.spikeLatencyNs);
    kv("digital_op_ns", p.costs.digitalOpLatencyNs);
    end();
    section("energy");
    kv("crossbar_mvm_pj", p.costs.crossbarMvmEnergyPj);
    kv("adc_conversion_pj", p.costs.adcConversionEnergyPj);
    kv("dac_conversion_pj", p.costs.dacConversionEnergyPj);
    kv("spike_pj", p.costs.spikeEnergyPj);
    kv("digital_op_pj", p.costs.digitalOpEnergyPj);
    end();
    section("device");
    kv("conductance_variation_sigma", p.device.conductanceVariationSigma);
    kv("stuck_at_zero_rate", p.device.stuckAtZeroRate);
    kv("stuck_at_max_rate", p.device.stuckAtMaxRate);
    end();
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace nnb::hw
