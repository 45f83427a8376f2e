// SPDX-License-Identifier: GPL-3.0-or-later
// The sweep spec reader (YAML, yaml-cpp behind the private Section helper), range expansion and
// the grid's cartesian product.
#include "nnb/sweep/sweep.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "support/yaml_section.h"

namespace nnb::sweep {
namespace {

using detail::fail;
using detail::Section;

constexpr const char* kRangeHelp = "write lo..hi with lo <= hi, e.g. '2..8', '2..8 step 2' or '64..256 x2'";

const std::map<std::string, mapping::Placer> kPlacers{
    {"sequential", mapping::Placer::Sequential}, {"greedy", mapping::Placer::Greedy}, {"anneal", mapping::Placer::Anneal}};

std::string trim(std::string_view s)
{
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
        ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
        --e;
    return std::string(s.substr(b, e - b));
}

/// Parses a whole number or decimal; \returns nullopt when \p text is not one.
std::optional<double> parseNumber(const std::string& text)
{
    if (text.empty())
        return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

bool isInteger(const std::string& text) { return text.find_first_of(".eE") == std::string::npos; }

std::string formatNumber(double v, bool integer)
{
    if (integer)
        return std::to_string(static_cast<long long>(std::llround(v)));
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

/// A YAML value as the text an override assignment takes ("8", "ternary", "[1, 2]").
std::string valueText(const YAML::Node& node)
{
    if (node.IsScalar())
        return node.Scalar();
    YAML::Emitter out;
    out.SetSeqFormat(YAML::Flow);
    out.SetMapFormat(YAML::Flow);
    out << node;
    return out.c_str();
}

/// Reads a "key: value" map of overrides (a YAML mapping of dotted keys) into "key=value" lines.
std::vector<std::string> readOverrides(const Section& top, const std::string& key)
{
    std::vector<std::string> out;
    if (!top.has(key))
        return out;
    const Section s = top.child(key);
    for (const auto& entry : s.node()) {
        const std::string k = entry.first.as<std::string>();
        if (k.empty() || k.find('=') != std::string::npos)
            fail(key + "." + k, entry.first, "must be a dotted key such as weights.bits, without '='");
        out.push_back(k + "=" + valueText(entry.second));
        s.has(k); // read
    }
    return out;
}

Parameter readParameter(const YAML::Node& node, int index, const YAML::Node& parent, int64_t maxValues)
{
    const std::string path = "parameters[" + std::to_string(index) + "]";
    const Section s(node, path, parent);
    Parameter p;
    p.line = node.Mark().line >= 0 ? node.Mark().line + 1 : -1;
    // A misspelt key first: "valuse" should be named as such, not reported as missing values.
    for (const char* known : {"name", "key", "keys", "values", "range"})
        s.has(known);
    s.rejectUnknownKeys();
    if (s.has("key") == s.has("keys"))
        fail(path, node, "give either 'key: weights.bits' or 'keys: [crossbar.rows, crossbar.cols]' (exactly one)");
    if (s.has("key")) {
        p.keys.push_back(s.string("key"));
    } else {
        const YAML::Node keys = s.require("keys");
        if (!keys.IsSequence() || keys.size() == 0)
            fail(path + ".keys", keys, "must be a non-empty list of dotted keys, e.g. [crossbar.rows, crossbar.cols]");
        for (const auto& k : keys) {
            if (!k.IsScalar())
                fail(path + ".keys", k, "must list dotted keys, e.g. [crossbar.rows, crossbar.cols]");
            p.keys.push_back(k.Scalar());
        }
    }
    for (const std::string& k : p.keys) {
        if (k.empty() || k.find('=') != std::string::npos || k.front() == '.' || k.back() == '.')
            fail(path + ".key", s.node()["key"] ? s.node()["key"] : s.node()["keys"],
                 "'" + k + "' is not a dotted key: write e.g. weights.bits, crossbar.rows or quantization.weights");
        if (!targetOf(k))
            fail(path + ".key", s.node()["key"] ? s.node()["key"] : s.node()["keys"],
                 "'" + k + "' is neither a profile key (crossbar, weights, signals, neuron, accumulation, chip, noc, "
                           "latency, energy, device) nor a strategy key (functions, pooling, split, calibration, "
                           "quantization, tuning, seed)");
    }
    p.name = s.stringOr("name", p.keys.front());
    if (s.has("values") == s.has("range"))
        fail(path, node, "give either 'values: [2, 4, 8]' or 'range: 2..8' (exactly one)");
    if (s.has("values")) {
        const YAML::Node values = s.require("values");
        if (!values.IsSequence() || values.size() == 0)
            fail(path + ".values", values, "must be a non-empty list, e.g. [2, 4, 8] or [uniform, ternary]");
        for (const auto& v : values) {
            if (!v.IsScalar())
                fail(path + ".values", v, "must list single values (numbers or words), e.g. [2, 4, 8]");
            p.values.push_back(v.Scalar());
        }
    } else {
        const YAML::Node range = s.require("range");
        std::string text;
        if (range.IsScalar()) {
            text = range.Scalar();
        } else if (range.IsMap()) {
            // The long form: {from: 64, to: 256, step: 64} or {from: 64, to: 256, factor: 2}.
            const Section r(range, path + ".range", node);
            text = r.string("from") + ".." + r.string("to");
            if (r.has("step") && r.has("factor"))
                fail(path + ".range", range, "give 'step' or 'factor', not both");
            if (r.has("step"))
                text += " step " + r.string("step");
            if (r.has("factor"))
                text += " x" + r.string("factor");
            r.rejectUnknownKeys();
        } else {
            fail(path + ".range", range, std::string("must be a range: ") + kRangeHelp);
        }
        auto values = expandRange(text, maxValues);
        if (!values)
            fail(path + ".range", range, values.error().message);
        p.values = std::move(*values);
    }
    s.rejectUnknownKeys();
    return p;
}

SweepSpec readSpec(const YAML::Node& root, const std::filesystem::path& source, const SpecReadOptions& options)
{
    const Section top(root, "", root);
    SweepSpec spec;
    spec.source = source;
    top.integerOr("schema_version", 1, 1, 1);
    spec.name = top.stringOr("name", source.stem().string());
    const std::filesystem::path base = source.parent_path();
    const auto resolve = [&](const std::filesystem::path& p) {
        return p.is_absolute() || base.empty() ? p : (base / p).lexically_normal();
    };

    spec.model = resolve(top.string("model"));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec.model, ec))
        fail("model", top.node()["model"],
             "no file '" + spec.model.string() + "': give an ONNX file, relative to the spec's folder or absolute");

    spec.profile = top.stringOr("profile", spec.profile);
    const std::filesystem::path asFile = resolve(spec.profile);
    if (std::filesystem::is_regular_file(asFile, ec)) {
        spec.profilePath = asFile;
    } else if (!options.profileDir.empty() && std::filesystem::is_regular_file(options.profileDir / (spec.profile + ".yaml"), ec)) {
        spec.profilePath = options.profileDir / (spec.profile + ".yaml");
    } else {
        std::string known;
        for (const auto& entry : std::filesystem::directory_iterator(options.profileDir, ec))
            if (entry.path().extension() == ".yaml")
                known += (known.empty() ? "" : ", ") + entry.path().stem().string();
        fail("profile", top.node()["profile"] ? top.node()["profile"] : root,
             "no profile '" + spec.profile + "': give a profile file or a shipped id" +
                 (known.empty() ? std::string() : " (" + known + ")"));
    }
    if (top.has("strategy")) {
        spec.strategyPath = resolve(top.string("strategy"));
        if (!std::filesystem::is_regular_file(spec.strategyPath, ec))
            fail("strategy", top.node()["strategy"], "no file '" + spec.strategyPath.string() + "': give a strategy YAML file");
    }
    spec.profileOverrides = readOverrides(top, "set");
    spec.strategyOverrides = readOverrides(top, "strategy_set");
    spec.maxPoints = top.integerOr("max_points", 1, 1000000, static_cast<int>(kDefaultMaxPoints));

    const YAML::Node params = top.require("parameters");
    if (!params.IsSequence() || params.size() == 0)
        fail("parameters", params ? params : root,
             "must be a non-empty list of parameters, e.g. '- {key: weights.bits, range: 2..8}'");
    for (size_t i = 0; i < params.size(); ++i)
        spec.parameters.push_back(readParameter(params[i], static_cast<int>(i), params, spec.maxPoints));

    if (top.has("evaluation")) {
        const Section e = top.child("evaluation");
        spec.data = e.stringOr("data", spec.data);
        spec.testImages = e.integerOr("test_images", 0, 1 << 24, static_cast<int>(spec.testImages));
        spec.calibrationImages = e.integerOr("calibration_images", 1, 1 << 20, spec.calibrationImages);
        spec.seed = static_cast<uint64_t>(e.integerOr("seed", 0, 2147483647, static_cast<int>(spec.seed)));
        spec.tune = e.booleanOr("tune", spec.tune);
        e.rejectUnknownKeys();
    }
    if (top.has("mapping")) {
        const Section m = top.child("mapping");
        if (m.has("placer"))
            spec.placer = m.choice("placer", kPlacers);
        spec.growMesh = m.booleanOr("grow_mesh", spec.growMesh);
        m.rejectUnknownKeys();
    }
    if (top.has("pareto")) {
        const YAML::Node p = top.require("pareto");
        std::string names;
        for (Metric m : {Metric::ErrorPercent, Metric::AccuracyDrop, Metric::Crossbars, Metric::Tiles, Metric::EnergyPj,
                         Metric::LatencyNs})
            names += (names.empty() ? "" : ", ") + std::string(toString(m));
        if (!p.IsSequence() || p.size() != 2 || !p[0].IsScalar() || !p[1].IsScalar())
            fail("pareto", p, "must be two metrics to minimise, e.g. [crossbars, error_percent]; metrics: " + names);
        for (size_t i = 0; i < 2; ++i) {
            const auto m = parseMetric(p[i].Scalar());
            if (!m)
                fail("pareto", p[i], "'" + p[i].Scalar() + "' is not a metric; use one of: " + names);
            (i == 0 ? spec.paretoX : spec.paretoY) = *m;
        }
    }
    top.rejectUnknownKeys();
    return spec;
}

} // namespace

std::optional<Target> targetOf(std::string_view key)
{
    const std::string section(key.substr(0, key.find('.')));
    for (const char* s : {"crossbar", "weights", "signals", "neuron", "accumulation", "chip", "noc", "latency", "energy", "device"})
        if (section == s)
            return Target::Profile;
    for (const char* s : {"functions", "pooling", "split", "calibration", "quantization", "tuning", "seed"})
        if (section == s)
            return Target::Strategy;
    return std::nullopt;
}

Expected<std::vector<std::string>> expandRange(std::string_view rangeText, int64_t maxValues)
{
    const std::string text = trim(rangeText);
    const auto bad = [&](const std::string& why) {
        return makeError(Errc::InvalidArgument, "'" + text + "' " + why + ": " + kRangeHelp);
    };
    const size_t dots = text.find("..");
    if (dots == std::string::npos)
        return bad("is not a range");
    const std::string loText = trim(text.substr(0, dots));
    std::string rest = trim(text.substr(dots + 2));
    // The upper bound ends at the first space or at the factor mark.
    size_t hiEnd = rest.find_first_of(" \tx*");
    if (const size_t times = rest.find("\xc3\x97"); times != std::string::npos && times < hiEnd) // "×"
        hiEnd = times;
    const std::string hiText = trim(rest.substr(0, hiEnd));
    std::string tail = hiEnd == std::string::npos ? std::string() : trim(rest.substr(hiEnd));
    const auto lo = parseNumber(loText);
    const auto hi = parseNumber(hiText);
    if (!lo || !hi)
        return bad("does not have two numbers around '..'");
    if (*lo > *hi)
        return bad("is empty (lo > hi)");
    bool integer = isInteger(loText) && isInteger(hiText);
    std::optional<double> step;
    std::optional<double> factor;
    if (tail.empty()) {
        step = 1.0;
    } else if (tail.rfind("step", 0) == 0) {
        const std::string s = trim(tail.substr(4));
        step = parseNumber(s);
        if (!step || *step <= 0)
            return bad("has a step that is not a positive number");
        integer = integer && isInteger(s);
    } else {
        std::string f;
        if (tail[0] == 'x' || tail[0] == '*')
            f = trim(tail.substr(1));
        else if (tail.rfind("\xc3\x97", 0) == 0)
            f = trim(tail.substr(2));
        else
            return bad("has an unknown suffix '" + tail + "'");
        factor = parseNumber(f);
        if (!factor || *factor <= 1.0)
            return bad("has a factor that is not a number above 1");
        if (*lo <= 0)
            return bad("is geometric but starts at or below 0");
        integer = integer && isInteger(f);
    }
    std::vector<std::string> values;
    const double tolerance = 1e-9 * std::max(1.0, std::abs(*hi));
    for (int64_t i = 0;; ++i) {
        const double v = step ? *lo + static_cast<double>(i) * *step : *lo * std::pow(*factor, static_cast<double>(i));
        if (v > *hi + tolerance)
            break;
        if (static_cast<int64_t>(values.size()) >= maxValues)
            return makeError(Errc::InvalidArgument, "'" + text + "' has more than " + std::to_string(maxValues) +
                                                        " values: use a larger step or a narrower range");
        values.push_back(formatNumber(v, integer));
    }
    return values;
}

Expected<std::vector<GridPoint>> expandGrid(const SweepSpec& spec)
{
    if (spec.parameters.empty())
        return makeError(Errc::InvalidArgument,
                         "the sweep has no parameters: add at least one under 'parameters', e.g. '- {key: weights.bits, range: 2..8}'");
    int64_t total = 1;
    std::string sizes;
    for (const Parameter& p : spec.parameters) {
        if (p.values.empty())
            return makeError(Errc::InvalidArgument, "parameter '" + p.name + "' has no values: give 'values' or a non-empty 'range'");
        sizes += (sizes.empty() ? "" : " x ") + std::to_string(p.values.size());
        total = total > spec.maxPoints ? total : total * static_cast<int64_t>(p.values.size());
    }
    if (total > spec.maxPoints)
        return makeError(Errc::InvalidArgument, "the grid has " + sizes + " = " + (total > spec.maxPoints * 1000 ? "too many" : std::to_string(total)) +
                                                    " points, more than max_points (" + std::to_string(spec.maxPoints) +
                                                    "): narrow a range, take a larger step, or raise max_points");
    std::vector<GridPoint> grid;
    grid.reserve(static_cast<size_t>(total));
    std::vector<int> idx(spec.parameters.size(), 0);
    for (int64_t n = 0; n < total; ++n) {
        GridPoint g;
        g.index = static_cast<int>(n);
        g.valueIndex = idx;
        for (size_t p = 0; p < spec.parameters.size(); ++p) {
            const Parameter& param = spec.parameters[p];
            const std::string& value = param.values[static_cast<size_t>(idx[p])];
            g.values.push_back(value);
            for (const std::string& key : param.keys)
                (targetOf(key) == Target::Strategy ? g.strategyOverrides : g.profileOverrides).push_back(key + "=" + value);
            g.label += (g.label.empty() ? "" : ", ") + param.name + "=" + value;
        }
        grid.push_back(std::move(g));
        // Row-major: the last parameter varies fastest.
        for (size_t p = spec.parameters.size(); p-- > 0;) {
            if (++idx[p] < static_cast<int>(spec.parameters[p].values.size()))
                break;
            idx[p] = 0;
        }
    }
    return grid;
}

Expected<SweepSpec> parseSweepSpec(std::string_view yaml, const std::filesystem::path& source, const SpecReadOptions& options)
{
    const std::string label = source.filename().string();
    try {
        const YAML::Node root = YAML::Load(std::string(yaml));
        if (!root || root.IsNull())
            return tl::unexpected<Error>(Error{Errc::InvalidProfile,
                                               "the file is empty; a sweep needs 'model', 'profile' and 'parameters' "
                                               "(see README.md, Parameter sweeps)",
                                               {label}});
        SweepSpec spec = readSpec(root, source, options);
        // A grid that cannot expand is a spec error too; say so with the file.
        if (auto grid = expandGrid(spec); !grid)
            return tl::unexpected<Error>(Error{Errc::InvalidProfile, "key parameters: " + grid.error().message, {label}});
        return spec;
    } catch (const detail::KeyError& e) {
        return tl::unexpected<Error>(detail::keyErrorToError(e, label));
    } catch (const YAML::Exception& e) {
        const int line = e.mark.line >= 0 ? e.mark.line + 1 : -1;
        return tl::unexpected<Error>(Error{
            Errc::InvalidProfile, "not valid YAML" + (line > 0 ? " at line " + std::to_string(line) : std::string()) + ": " + e.msg,
            {label}});
    }
}

Expected<SweepSpec> readSweepSpec(const std::filesystem::path& path, const SpecReadOptions& options)
{
    std::ifstream in(path, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(path, ec))
        return makeError(Errc::Io, "cannot read sweep spec '" + path.string() + "': no such file");
    std::ostringstream text;
    text << in.rdbuf();
    return parseSweepSpec(text.str(), path, options);
}

} // namespace nnb::sweep
