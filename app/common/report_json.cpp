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

namespace {

nlohmann::json breakdownToJson(const mapping::CostBreakdown& c)
{
    return {{"crossbar", c.crossbar}, {"adc_dac", c.adcDac}, {"digital", c.digital},
            {"noc", c.noc},           {"spikes", c.spikes},  {"total", c.total()}};
}

} // namespace

nlohmann::json mappingToJson(const mapping::MappingResult& r, const std::string& modelPath)
{
    using nlohmann::json;
    json layers = json::array();
    for (const auto& l : r.layers)
        layers.push_back({{"layer", l.layer},
                          {"cores", l.cores},
                          {"latency_ns", breakdownToJson(l.latencyNs)},
                          {"energy_pj", breakdownToJson(l.energyPj)},
                          {"traffic_out", l.trafficOut}});
    json cores = json::array();
    for (const auto& c : r.cores) {
        json core{{"core", c.core}, {"x", c.x}, {"y", c.y}, {"tile", c.tile}};
        if (c.tile >= 0) {
            core["tile_name"] = c.tileName;
            core["layer"] = c.layer;
            core["utilization_percent"] = c.utilizationPercent;
            core["traffic_in"] = c.trafficIn;
            core["traffic_out"] = c.trafficOut;
            core["busy_ns"] = c.busyNs;
        }
        cores.push_back(std::move(core));
    }
    json links = json::array();
    for (const auto& l : r.links)
        if (l.traffic > 0)
            links.push_back({{"from", l.from}, {"to", l.to}, {"traffic", l.traffic}, {"busy_ns", l.busyNs}});
    json diagnostics = json::array();
    for (const auto& d : r.diagnostics)
        diagnostics.push_back({{"severity", toString(d.severity)}, {"where", d.where}, {"message", d.message}});
    const auto& s = r.schedule;
    json report{{"nnbridge_report", "map"},
                {"version", kMappingReportVersion},
                {"model", modelPath},
                {"profile", r.profileId},
                {"mesh", {r.mesh.width, r.mesh.height}},
                {"placer", mapping::toString(r.placer)},
                {"seed", r.seed},
                {"traffic_unit", mapping::toString(r.unit)},
                {"feasible", r.feasible},
                {"tiles_needed", r.tilesNeeded},
                {"cores_available", r.coresAvailable},
                {"layers", layers},
                {"diagnostics", diagnostics}};
    if (r.feasible) {
        report["totals"] = {{"traffic", r.totalTraffic},
                            {"hop_traffic", r.hopTraffic},
                            {"sequential_placement_hop_traffic", r.sequentialHopTraffic},
                            {"max_link_traffic", r.maxLinkTraffic},
                            {"max_link_busy_ns", r.maxLinkBusyNs},
                            {"energy_pj", breakdownToJson(r.energyPj)},
                            {"critical_path_ns", breakdownToJson(r.latencyNs)}};
        report["schedule"] = {{"sequential_latency_ns", s.sequentialLatencyNs},
                              {"sequential_throughput_per_s", s.sequentialThroughput},
                              {"pipelined_latency_ns", s.pipelinedLatencyNs},
                              {"initiation_interval_ns", s.initiationIntervalNs},
                              {"pipelined_throughput_per_s", s.pipelinedThroughput},
                              {"speedup", s.speedup},
                              {"bottleneck", s.bottleneck}};
        report["placement"] = {{"moves_tried", r.placement.movesTried},
                               {"moves_accepted", r.placement.movesAccepted},
                               {"seconds", r.placement.seconds},
                               {"stopped_by_time_limit", r.placement.stoppedByTimeLimit}};
        report["cores"] = cores;
        report["links"] = links;
    }
    return report;
}

nlohmann::json assessmentToJson(const Assessment& a)
{
    using nlohmann::json;
    const StageReport* reference = a.stage("float");
    json stages = json::array();
    for (const StageReport& s : a.stages) {
        json layers = json::array();
        for (const eval::LayerError& l : s.layers)
            layers.push_back({{"layer", l.layer}, {"value", l.value}, {"relative_l2", l.relativeL2}, {"cosine", l.cosine},
                              {"max_abs", l.maxAbs}});
        stages.push_back({{"stage", s.stage},
                          {"description", s.description},
                          {"accuracy_percent", s.accuracyPercent},
                          {"accuracy_drop_points", reference ? reference->accuracyPercent - s.accuracyPercent : 0.0},
                          {"correct", s.correct},
                          {"images", s.total},
                          {"agreement_with_float", s.total ? static_cast<double>(s.agreeing) / static_cast<double>(s.total) : 0.0},
                          {"inference_seconds", s.seconds},
                          {"layers", layers}});
    }
    json coreOps = json::array();
    for (const CoreOpQuantSummary& c : a.coreOps)
        coreOps.push_back({{"core_op", c.name}, {"layer", c.layer}, {"input_bits", c.inputBits}, {"input_scale", c.inputScale},
                           {"input_zero_point", c.inputZeroPoint}, {"output_bits", c.outputBits}, {"adc_step", c.adcStep},
                           {"weight_mse", c.weightMse}});
    json out{{"stages", stages},
             {"core_ops", coreOps},
             {"adc", {{"mode", a.adcMode}, {"conversions", a.adc.conversions}, {"clipped", a.adc.clipped},
                      {"clipped_fraction", a.adc.clippedFraction()}}},
             {"tiles", a.tiles},
             {"layer_error_images", a.layerImages},
             {"seconds", a.seconds}};
    if (a.monteCarlo) {
        const MonteCarloReport& mc = *a.monteCarlo;
        out["monte_carlo"] = {{"runs", mc.accuracyPercent.size()}, {"accuracy_percent", mc.accuracyPercent},
                              {"mean", mc.mean}, {"stddev", mc.stddev}, {"min", mc.min}, {"max", mc.max},
                              {"device", {{"conductance_variation_sigma", mc.sigma}, {"stuck_at_zero_rate", mc.stuckAtZero},
                                          {"stuck_at_max_rate", mc.stuckAtMax}}}};
    }
    return out;
}

nlohmann::json tuningToJson(const tune::TuneResult& t)
{
    using nlohmann::json;
    json layers = json::array();
    for (const tune::LayerTuneReport& l : t.layers)
        layers.push_back({{"layer", l.layer}, {"mse_before", l.mseBefore}, {"mse_after_phase1", l.mseAfterPhase1},
                          {"mse_after_phase2", l.mseAfterPhase2}, {"mse_after_phase3", l.mseAfterPhase3}, {"steps", l.steps}});
    json out{{"layers", layers}, {"milliseconds", t.milliseconds}};
    if (t.endToEnd)
        out["end_to_end"] = {{"cross_entropy_before", t.endToEnd->crossEntropyBefore},
                             {"cross_entropy_after", t.endToEnd->crossEntropyAfter},
                             {"accuracy_before", t.endToEnd->accuracyBefore},
                             {"accuracy_after", t.endToEnd->accuracyAfter},
                             {"steps", t.endToEnd->steps}};
    return out;
}

Expected<void> writeTextAtomically(const std::filesystem::path& path, const std::string& text)
{
    const auto tmp = path.string() + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
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

Expected<void> writeJsonAtomically(const std::filesystem::path& path, const nlohmann::json& json)
{
    return writeTextAtomically(path, json.dump(2) + "\n");
}

} // namespace nnb::app
