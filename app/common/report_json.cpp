// SPDX-License-Identifier: GPL-3.0-or-later
#include "report_json.h"

#include <cstdio>
#include <fstream>

#include <unistd.h>

#include "nnb/passes/pass.h"

namespace nnb::app {

nlohmann::json compileReportToJson(const CompileResult& result, const std::string& modelPath,
                                   const std::optional<eval::Equivalence>& equivalence)
{
    using nlohmann::json;
    const auto& r = result.resources;
    json layers = json::array();
    for (const auto& l : r.layers)
        layers.push_back({{"layer", l.layer},
                          {"op", l.op},
                          {"rewrite", l.rewrite},
                          {"core_ops", l.coreOps},
                          {"crossbars", l.crossbars},
                          {"weights", l.weights},
                          {"mvms_per_inference", l.mvmsPerInference},
                          {"utilization_percent", l.utilizationPercent},
                          {"lower_bound_crossbars", l.lowerBound},
                          {"off_chip", l.offChip}});
    json diagnostics = json::array();
    for (const auto& d : result.diagnostics)
        diagnostics.push_back({{"severity", toString(d.severity)}, {"where", d.where}, {"message", d.message}});
    json approximators = json::array();
    for (const auto& a : result.approximators)
        approximators.push_back({{"layer", a.layer},
                                 {"function", a.function},
                                 {"width", a.width},
                                 {"range", {a.lo, a.hi}},
                                 {"max_abs_error", a.maxAbsError},
                                 {"rms_error", a.rmsError}});
    json passes = json::array();
    for (const auto& t : result.timings)
        passes.push_back({{"pass", std::string(passes::passName(t.id))}, {"milliseconds", t.milliseconds}, {"changed", t.changed}});
    json report{{"nnbridge_report", "compile"},
                {"version", kCompileReportVersion},
                {"model", modelPath},
                {"profile", {{"id", result.profile.id}, {"name", result.profile.name},
                             {"crossbar", {result.profile.crossbar.rows, result.profile.crossbar.cols}},
                             {"arrays_per_weight_block", result.profile.arraysPerWeightBlock()}}},
                {"strategy", {{"name", result.strategy.name},
                              {"functions", strategy::toString(result.strategy.functions)},
                              {"approximator_width", result.strategy.approximatorWidth},
                              {"pooling", strategy::toString(result.strategy.pooling)},
                              {"split", strategy::toString(result.strategy.split)}}},
                {"totals", {{"core_ops", r.coreOps},
                            {"crossbars", r.crossbars},
                            {"weights", r.weights},
                            {"mvms_per_inference", r.mvmsPerInference},
                            {"utilization_percent", r.utilizationPercent},
                            {"lower_bound_crossbars", r.lowerBound},
                            {"off_chip_ops", r.offChipOps}}},
                {"layers", layers},
                {"approximators", approximators},
                {"diagnostics", diagnostics},
                {"passes", passes},
                {"compile_milliseconds", result.totalMilliseconds}};
    if (equivalence)
        report["float_equivalence"] = {{"samples", equivalence->samples},
                                       {"max_abs_difference", equivalence->maxAbsDifference},
                                       {"max_relative_difference", equivalence->maxRelativeDifference},
                                       {"agreeing_predictions", equivalence->agreeingPredictions}};
    return report;
}

Expected<void> writeJsonAtomically(const std::filesystem::path& path, const nlohmann::json& json)
{
    const auto tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << json.dump(2) << "\n";
        out.flush();
        if (!out.good()) {
            std::remove(tmp.c_str());
            return makeError(Errc::Io, "cannot write '" + tmp + "' (check the folder exists and is writable)");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        return makeError(Errc::Io, "cannot replace '" + path.string() + "': " + ec.message());
    }
    return {};
}

} // namespace nnb::app
