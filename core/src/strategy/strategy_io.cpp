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

Expected<Strategy> loadStrategy(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(path, ec))
        return makeError(Errc::Io, "cannot read strategy '" + path.string() + "': no such file");
    std::ostringstream text;
    text << in.rdbuf();
    return parseStrategy(text.str(), path.filename().string());
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
    out << YAML::Key << "seed" << YAML::Value << s.seed;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

} // namespace nnb::strategy
