// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/strategy/strategy_io.h"

#include <fstream>
#include <sstream>


#include "support/yaml_section.h"

namespace nnb::strategy {
namespace {

using detail::Section;

const std::map<std::string, FunctionPolicy> kFunctionPolicies{{"mlp_approximator", FunctionPolicy::MlpApproximator},
                                                              {"host", FunctionPolicy::Host}};
const std::map<std::string, PoolingPolicy> kPoolingPolicies{{"core_ops", PoolingPolicy::CoreOps}, {"host", PoolingPolicy::Host}};
const std::map<std::string, SplitPolicy> kSplitPolicies{{"exact_partial_sums", SplitPolicy::ExactPartialSums},
                                                        {"merge_layer", SplitPolicy::MergeLayer},
                                                        {"block_diagonal", SplitPolicy::BlockDiagonal},
                                                        {"auto", SplitPolicy::Auto}};

const std::map<std::string, quant::WeightScheme> kWeightSchemes{{"uniform", quant::WeightScheme::Uniform},
                                                                {"kmeans", quant::WeightScheme::KMeans},
                                                                {"power_of_two", quant::WeightScheme::PowerOfTwo},
                                                                {"ternary", quant::WeightScheme::Ternary},
                                                                {"binary", quant::WeightScheme::Binary}};
const std::map<std::string, WeightGranularity> kGranularities{{"per_output_channel", WeightGranularity::PerOutputChannel},
                                                              {"per_tensor", WeightGranularity::PerTensor},
                                                              {"per_crossbar", WeightGranularity::PerCrossbar}};
const std::map<std::string, quant::RangeMethod> kRangeMethods{{"max", quant::RangeMethod::Max},
                                                              {"percentile", quant::RangeMethod::Percentile},
                                                              {"mse_optimal", quant::RangeMethod::MseOptimal}};
const std::map<std::string, AdcRangePolicy> kAdcRanges{{"calibrated", AdcRangePolicy::Calibrated},
                                                       {"weights", AdcRangePolicy::Weights},
                                                       {"full_scale", AdcRangePolicy::FullScale}};

const std::map<std::string, LearningRateSchedule> kSchedules{{"cosine", LearningRateSchedule::Cosine},
                                                             {"constant", LearningRateSchedule::Constant}};

const std::map<std::string, bool> kAdcSteps{{"per_column", true}, {"per_cycle", false}};

template <typename Enum>
std::string keyOf(const std::map<std::string, Enum>& table, Enum value)
{
    for (const auto& [key, v] : table)
        if (v == value)
            return key;
    return "?";
}

Strategy readStrategy(const YAML::Node& root, const std::string& defaultName)
{
    const Section top(root, "", root);
    Strategy s;
    s.name = defaultName;
    top.integerOr("schema_version", 1, 1, 1);
    s.name = top.stringOr("name", s.name);
    if (top.has("functions")) {
        const Section f = top.child("functions");
        if (f.has("policy"))
            s.functions = f.choice("policy", kFunctionPolicies);
        // Fit cost grows with width³ (0.8 s at 128); wider approximators buy nothing measurable.
        s.approximatorWidth = f.integerOr("approximator_width", 1, 128, s.approximatorWidth);
        s.approximatorIterations = f.integerOr("approximator_iterations", 0, 1000000, s.approximatorIterations);
        s.approximatorRangeMargin = f.numberOr("range_margin", 0, 10, s.approximatorRangeMargin);
        f.rejectUnknownKeys();
    }
    if (top.has("pooling")) {
        const Section p = top.child("pooling");
        if (p.has("policy"))
            s.pooling = p.choice("policy", kPoolingPolicies);
        p.rejectUnknownKeys();
    }
    if (top.has("split")) {
        const Section p = top.child("split");
        if (p.has("policy"))
            s.split = p.choice("policy", kSplitPolicies);
        p.rejectUnknownKeys();
    }
    if (top.has("calibration")) {
        const Section c = top.child("calibration");
        s.calibrationImages = c.integerOr("images", 1, 1 << 20, s.calibrationImages);
        c.rejectUnknownKeys();
    }
    if (top.has("quantization")) {
        const Section q = top.child("quantization");
        QuantizationStrategy& o = s.quantization;
        if (q.has("weights"))
            o.weights = q.choice("weights", kWeightSchemes);
        o.weightBits = q.integerOr("weight_bits", 0, 16, o.weightBits);
        if (q.has("granularity"))
            o.granularity = q.choice("granularity", kGranularities);
        o.levels = q.integerOr("levels", 2, 65536, o.levels);
        if (q.has("signal_range"))
            o.signalRange = q.choice("signal_range", kRangeMethods);
        o.percentile = q.numberOr("percentile", 50.001, 100, o.percentile);
        if (q.has("adc_range"))
            o.adcRange = q.choice("adc_range", kAdcRanges);
        if (q.has("adc_steps"))
            o.adcStepPerColumn = q.choice("adc_steps", kAdcSteps);
        o.adcPercentile = q.numberOr("adc_percentile", 50.001, 100, o.adcPercentile);
        o.outputExpansion = q.integerOr("output_expansion", 1, 64, o.outputExpansion);
        q.rejectUnknownKeys();
    }
    if (top.has("tuning")) {
        const Section t = top.child("tuning");
        TuningStrategy& o = s.tuning;
        o.enabled = t.booleanOr("enabled", o.enabled);
        o.epochs = t.integerOr("epochs", 0, 1000, o.epochs);
        o.batchSize = t.integerOr("batch_size", 1, 65536, o.batchSize);
        o.learningRate = t.numberOr("learning_rate", 1e-9, 10, o.learningRate);
        o.images = t.integerOr("images", 1, 60000, o.images);
        o.endToEnd = t.booleanOr("end_to_end", o.endToEnd);
        o.endToEndEpochs = t.integerOr("end_to_end_epochs", 0, 1000, o.endToEndEpochs);
        if (t.has("end_to_end_schedule"))
            o.endToEndSchedule = t.choice("end_to_end_schedule", kSchedules);
        t.rejectUnknownKeys();
    }
    s.seed = static_cast<uint64_t>(top.integerOr("seed", 0, 2147483647, static_cast<int>(s.seed)));
    top.rejectUnknownKeys();
    return s;
}

} // namespace

Expected<Strategy> parseStrategy(std::string_view yaml, std::string_view sourceName)
{
    // A file without a name is called after itself ("low-power.yaml" -> "low-power").
    const std::string stem = std::filesystem::path(std::string(sourceName)).stem().string();
    return detail::parseYamlDocument<Strategy>(yaml, "strategy " + std::string(sourceName),
                                               [&](const YAML::Node& root) -> Expected<Strategy> { return readStrategy(root, stem); });
}

Expected<Strategy> loadStrategy(const std::filesystem::path& path) { return loadStrategy(path, {}); }

Expected<Strategy> loadStrategy(const std::filesystem::path& path, const std::vector<std::string>& overrides)
{
    return detail::loadYamlFile<Strategy>(path, overrides, "strategy", [](std::string_view text, std::string_view file) {
        return parseStrategy(text, file);
    });
}

std::string strategyToYaml(const Strategy& s)
{
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "schema_version" << YAML::Value << 1;
    out << YAML::Key << "name" << YAML::Value << s.name;
    out << YAML::Key << "functions" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "policy" << YAML::Value << toString(s.functions);
    out << YAML::Key << "approximator_width" << YAML::Value << s.approximatorWidth;
    out << YAML::Key << "approximator_iterations" << YAML::Value << s.approximatorIterations;
    out << YAML::Key << "range_margin" << YAML::Value << s.approximatorRangeMargin;
    out << YAML::EndMap;
    out << YAML::Key << "pooling" << YAML::Value << YAML::BeginMap << YAML::Key << "policy" << YAML::Value
        << toString(s.pooling) << YAML::EndMap;
    out << YAML::Key << "split" << YAML::Value << YAML::BeginMap << YAML::Key << "policy" << YAML::Value << toString(s.split)
        << YAML::EndMap;
    out << YAML::Key << "calibration" << YAML::Value << YAML::BeginMap << YAML::Key << "images" << YAML::Value
        << s.calibrationImages << YAML::EndMap;
    const QuantizationStrategy& q = s.quantization;
    out << YAML::Key << "quantization" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "weights" << YAML::Value << keyOf(kWeightSchemes, q.weights);
    out << YAML::Key << "weight_bits" << YAML::Value << q.weightBits;
    out << YAML::Key << "granularity" << YAML::Value << keyOf(kGranularities, q.granularity);
    out << YAML::Key << "levels" << YAML::Value << q.levels;
    out << YAML::Key << "signal_range" << YAML::Value << keyOf(kRangeMethods, q.signalRange);
    out << YAML::Key << "percentile" << YAML::Value << q.percentile;
    out << YAML::Key << "adc_range" << YAML::Value << keyOf(kAdcRanges, q.adcRange);
    out << YAML::Key << "adc_steps" << YAML::Value << keyOf(kAdcSteps, q.adcStepPerColumn);
    out << YAML::Key << "adc_percentile" << YAML::Value << q.adcPercentile;
    out << YAML::Key << "output_expansion" << YAML::Value << q.outputExpansion;
    out << YAML::EndMap;
    const TuningStrategy& t = s.tuning;
    out << YAML::Key << "tuning" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "enabled" << YAML::Value << t.enabled;
    out << YAML::Key << "epochs" << YAML::Value << t.epochs;
    out << YAML::Key << "batch_size" << YAML::Value << t.batchSize;
    out << YAML::Key << "learning_rate" << YAML::Value << t.learningRate;
    out << YAML::Key << "images" << YAML::Value << t.images;
    out << YAML::Key << "end_to_end" << YAML::Value << t.endToEnd;
    out << YAML::Key << "end_to_end_epochs" << YAML::Value << t.endToEndEpochs;
    out << YAML::Key << "end_to_end_schedule" << YAML::Value << keyOf(kSchedules, t.endToEndSchedule);
    out << YAML::EndMap;
    out << YAML::Key << "seed" << YAML::Value << s.seed;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace nnb::strategy
