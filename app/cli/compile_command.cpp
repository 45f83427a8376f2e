// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge compile`, `nnbridge passes`, `nnbridge profiles`.
#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "commands.h"
#include "data_sets.h"
#include "nnb/assess.h"
#include "nnb/compile.h"
#include "nnb/eval/equivalence.h"
#include "nnb/hw/profile_io.h"
#include "nnb/ir/printer.h"
#include "nnb/onnx/import.h"
#include "nnb/passes/pipeline.h"
#include "nnb/snn/convert.h"
#include "nnb/strategy/strategy_io.h"
#include "report_json.h"
#include "report_table.h"
#include "resource_paths.h"
#include "snn_report.h"

namespace nnb::cli {
namespace {

std::string percent(double v) { return fmt::format("{:.1f}", v); }

void printReport(const CompileResult& result, const std::optional<eval::Equivalence>& eq)
{
    const auto& r = result.resources;
    ReportTable table({"layer", "op", "rewrite", "core-ops", "crossbars", "weights", "util %", "lower bound", "MVMs/inf"});
    for (size_t c : {0u, 1u, 2u})
        table.setLeftAligned(c);
    for (const auto& l : r.layers)
        table.addRow({l.layer, l.op, l.rewrite, std::to_string(l.coreOps), std::to_string(l.crossbars),
                      std::to_string(l.weights), l.coreOps ? percent(l.utilizationPercent) : "", std::to_string(l.lowerBound),
                      std::to_string(l.mvmsPerInference)});
    table.addRow({"total", "", r.offChipOps ? std::to_string(r.offChipOps) + " off-chip op(s)" : "", std::to_string(r.coreOps),
                  std::to_string(r.crossbars), std::to_string(r.weights), percent(r.utilizationPercent),
                  std::to_string(r.lowerBound), std::to_string(r.mvmsPerInference)});
    fmt::print("{}", table.render());
    fmt::print("crossbars: {} used, lower bound {} ({}x{} crossbars, {} array(s) per weight block)\n", r.crossbars,
               r.lowerBound, result.profile.crossbar.rows, result.profile.crossbar.cols, result.profile.arraysPerWeightBlock());
    for (const auto& a : result.approximators)
        fmt::print("approximator {} ({}): {} hidden neurons on [{:.3g}, {:.3g}], max error {:.2e}, RMS {:.2e}\n", a.layer,
                   a.function, a.width, a.lo, a.hi, a.maxAbsError, a.rmsError);
    if (eq)
        fmt::print("float equivalence on {} images: max relative difference {:.2e}, predictions agree on {} / {}\n",
                   eq->samples, eq->maxRelativeDifference, eq->agreeingPredictions, eq->samples);
    for (const auto& d : result.diagnostics)
        fmt::print("{}: {}: {}\n", toString(d.severity), d.where, d.message);
    std::string timings;
    for (const auto& t : result.timings)
        timings += fmt::format(" {} {:.2f}", passes::passName(t.id), t.milliseconds);
    fmt::print("passes (ms):{}\ncompile time {:.1f} ms\n", timings, result.totalMilliseconds);
}

void printTuning(const tune::TuneResult& t)
{
    ReportTable table({"layer", "MSE before", "phase 1", "phase 2", "phase 3", "steps"});
    table.setLeftAligned(0);
    for (const tune::LayerTuneReport& l : t.layers)
        table.addRow({l.layer, fmt::format("{:.3e}", l.mseBefore), fmt::format("{:.3e}", l.mseAfterPhase1),
                      fmt::format("{:.3e}", l.mseAfterPhase2), fmt::format("{:.3e}", l.mseAfterPhase3), std::to_string(l.steps)});
    fmt::print("{}", table.render());
    if (t.endToEnd)
        fmt::print("end-to-end: cross-entropy {:.4f} -> {:.4f}, training accuracy {:.2f} % -> {:.2f} %\n",
                   t.endToEnd->crossEntropyBefore, t.endToEnd->crossEntropyAfter, 100.0 * t.endToEnd->accuracyBefore,
                   100.0 * t.endToEnd->accuracyAfter);
    fmt::print("tuning time {:.2f} s\n", t.milliseconds / 1000.0);
}

void printAssessment(const Assessment& a)
{
    const StageReport* reference = a.stage("float");
    fmt::print("\naccuracy by stage ({} test images)\n", reference ? reference->total : 0);
    ReportTable stages({"stage", "top-1 %", "drop", "agree %", "what"});
    stages.setLeftAligned(0);
    stages.setLeftAligned(4);
    for (const StageReport& s : a.stages)
        stages.addRow({s.stage, fmt::format("{:.2f}", s.accuracyPercent),
                       reference ? fmt::format("{:+.2f}", s.accuracyPercent - reference->accuracyPercent) : "",
                       s.total ? fmt::format("{:.2f}", 100.0 * static_cast<double>(s.agreeing) / static_cast<double>(s.total)) : "",
                       s.description});
    fmt::print("{}", stages.render());
    if (a.monteCarlo) {
        const MonteCarloReport& mc = *a.monteCarlo;
        fmt::print("monte carlo ({} runs, sigma {}, stuck-at-0 {}, stuck-at-max {}): top-1 {:.2f} % +- {:.2f} (min {:.2f}, max {:.2f})\n",
                   mc.accuracyPercent.size(), mc.sigma, mc.stuckAtZero, mc.stuckAtMax, mc.mean, mc.stddev, mc.min, mc.max);
    }

    // Per-layer relative L2 error by stage, then cosine and max |error| of the last stage.
    std::vector<const StageReport*> withLayers;
    for (const StageReport& s : a.stages)
        if (!s.layers.empty())
            withLayers.push_back(&s);
    if (!withLayers.empty()) {
        std::vector<std::string> header{"layer"};
        for (const StageReport* s : withLayers)
            header.push_back("relL2 " + s->stage);
        header.push_back("cosine");
        header.push_back("max abs");
        ReportTable layers(header);
        layers.setLeftAligned(0);
        const StageReport& last = *withLayers.back();
        for (size_t i = 0; i < last.layers.size(); ++i) {
            std::vector<std::string> row{last.layers[i].layer};
            for (const StageReport* s : withLayers) {
                const auto it = std::find_if(s->layers.begin(), s->layers.end(),
                                             [&](const eval::LayerError& e) { return e.layer == last.layers[i].layer; });
                row.push_back(it == s->layers.end() ? "" : fmt::format("{:.2e}", it->relativeL2));
            }
            row.push_back(fmt::format("{:.4f}", last.layers[i].cosine));
            row.push_back(fmt::format("{:.3g}", last.layers[i].maxAbs));
            layers.addRow(std::move(row));
        }
        fmt::print("\nper-layer error against the float network (first {} test images; cosine and max abs: {})\n{}",
                   a.layerImages, last.stage, layers.render());
    }
    if (a.adc.conversions > 0)
        fmt::print("ADC ({}): {} conversions, {:.3f} % clipped; {} crossbar tiles\n", a.adcMode, a.adc.conversions,
                   100.0 * a.adc.clippedFraction(), a.tiles);
    for (const auto& d : a.diagnostics)
        fmt::print("{}: {}: {}\n", toString(d.severity), d.where, d.message);
    fmt::print("assessment time {:.1f} s\n", a.seconds);
}

} // namespace

Expected<void> runCompile(const CompileCommandOptions& options)
{
    NNB_TRY(const auto model, onnx::importModel(options.model));
    NNB_TRY(const auto profile, app::loadProfileSpec(options.profile, options.profileOverrides));
    strategy::Strategy strategy;
    if (!options.strategy.empty() || !options.strategyOverrides.empty()) {
        const auto file = options.strategy.empty() ? app::resourceDir() / "strategies" / "default.yaml" : options.strategy;
        NNB_TRY(strategy, strategy::loadStrategy(file, options.strategyOverrides));
    }
    if (options.calibrationImages >= 0)
        strategy.calibrationImages = options.calibrationImages;
    if (options.tune)
        strategy.tuning.enabled = true;

    CompileOptions compileOptions;
    compileOptions.passes.verifyAfterEach = options.verifyEach || compileOptions.passes.verifyAfterEach;
    for (const auto& name : options.dumpAfter) {
        NNB_TRY(const auto id, passes::parsePassName(name));
        compileOptions.passes.dumpAfter.insert(id);
    }
    if (!options.stopAfter.empty()) {
        NNB_TRY(const auto id, passes::parsePassName(options.stopAfter));
        compileOptions.passes.stopAfter = id;
    }
    compileOptions.passes.onDump = [](passes::PassId id, const ir::Graph& graph) {
        fmt::print("# IR after {}\n{}\n", passes::passName(id), ir::printGraph(graph));
    };

    std::optional<data::Dataset> data;
    if (options.equivalenceImages > 0) {
        NNB_TRY(auto loaded, loadDataSet(options.data));
        data = std::move(loaded);
    }
    std::optional<data::Dataset> calibrationSet;
    std::string calibrationNote;
    if (strategy.calibrationImages > 0 || strategy.tuning.enabled) {
        NNB_TRY(auto loaded, loadCalibrationSet(options.data, calibrationNote));
        calibrationSet = std::move(loaded);
        compileOptions.calibrationInputs = {
            calibrationSet->batch(0, std::min<int64_t>(calibrationSet->count, strategy.calibrationImages))};
    }

    fmt::print("compile {} for {} ({}), strategy {}\n\n", model.source, profile.id, profile.name, strategy.name);
    NNB_TRY(const auto result, compile(model.graph, profile, strategy, compileOptions));

    std::optional<eval::Equivalence> eq;
    if (options.equivalenceImages > 0 && data) {
        const auto n = std::min<int64_t>(data->count, options.equivalenceImages);
        NNB_TRY(eq, addContext(eval::compareGraphs(*result.original, *result.compiled, {data->batch(0, n)}),
                               "float equivalence check"));
    }
    if (options.printIr)
        fmt::print("{}\n", ir::printGraph(*result.compiled));
    printReport(result, eq);
    const auto transformStart = std::chrono::steady_clock::now();
    std::optional<TunedCompile> tuned;
    if (strategy.tuning.enabled) {
        const int64_t n = std::min<int64_t>(calibrationSet->count, strategy.tuning.images);
        const std::vector<uint8_t> labels(calibrationSet->labels.begin(), calibrationSet->labels.begin() + n);
        fmt::print("\ntuning on {} images of {} ({} epochs per phase and layer{})\n", n, calibrationNote,
                   strategy.tuning.epochs, strategy.tuning.endToEnd ? ", then end-to-end on the labels" : "");
        NNB_TRY(tuned, tuneAndRecompile(result, calibrationSet->batch(0, n), &labels, compileOptions));
        printTuning(tuned->tuning);
    }
    const double tuneSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - transformStart).count();

    std::optional<Assessment> assessment;
    if (!options.evalData.empty()) {
        if (!calibrationSet || compileOptions.calibrationInputs.empty())
            return makeError(Errc::InvalidArgument, "--eval needs calibration images: set --calib to at least 1");
        NNB_TRY(const auto test, loadDataSet(options.evalData));
        AssessOptions aopts;
        aopts.testImages = options.evalImages;
        aopts.monteCarloRuns = options.monteCarloRuns;
        aopts.threads = options.threads;
        aopts.seed = strategy.seed;
        fmt::print("\nassessing on {} ({} images), calibrated on {} images of {}\n", test.source,
                   options.evalImages > 0 ? std::min(options.evalImages, test.count) : test.count,
                   compileOptions.calibrationInputs.front().shape[0], calibrationNote);
        NNB_TRY(assessment, assess(result, test, compileOptions.calibrationInputs.front(), aopts, tuned ? &*tuned : nullptr));
        printAssessment(*assessment);
        fmt::print("transformation time {:.2f} s: compile {:.1f} ms{}, quantisation {:.2f} s\n",
                   result.totalMilliseconds / 1000.0 + tuneSeconds + assessment->quantizeSeconds, result.totalMilliseconds,
                   tuned ? fmt::format(", tuning {:.2f} s", tuneSeconds) : std::string(), assessment->quantizeSeconds);
    }
    std::optional<nlohmann::json> snnJson;
    if (options.snn) {
        if (!calibrationSet || compileOptions.calibrationInputs.empty())
            return makeError(Errc::InvalidArgument, "--snn needs calibration images: set --calib to at least 1");
        NNB_TRY(const auto test, loadDataSet(options.evalData.empty() ? std::string("sample") : options.evalData));
        SnnReportOptions sopts;
        sopts.ticks = options.snnTicks;
        sopts.images = options.evalImages;
        sopts.threads = options.threads;
        const CompileResult& spiking = tuned ? tuned->compiled : result;
        if (tuned) // the tuned weights run on the grids they were tuned on
            sopts.activationScales = snn::tuningActivationScales(*tuned->tuning.tuned, tuned->tuning.layers);
        NNB_TRY(snnJson, runSnnReport(spiking, strategy, compileOptions.calibrationInputs.front(), test, sopts));
    }
    if (!options.reportPath.empty()) {
        auto json = app::compileReportToJson(result, model.source, eq);
        if (assessment)
            json["assessment"] = app::assessmentToJson(*assessment);
        if (tuned)
            json["tuning"] = app::tuningToJson(tuned->tuning);
        if (snnJson)
            json["snn"] = *snnJson;
        NNB_RETURN_IF_ERROR(app::writeJsonAtomically(options.reportPath, json));
        fmt::print("report {}\n", options.reportPath.string());
    }
    return {};
}

void runListPasses()
{
    const auto pipeline = passes::defaultPipeline();
    const std::set<passes::PassId> inDefault(pipeline.begin(), pipeline.end());
    fmt::print("default pipeline:");
    for (auto id : pipeline)
        fmt::print(" {}", passes::passName(id));
    fmt::print("\n\n");
    for (auto id : passes::allPasses())
        fmt::print("  {:<22} {}\n", passes::passName(id), passes::passDescription(id));
}

Expected<void> runListProfiles()
{
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(app::profileDir(), ec))
        if (entry.path().extension() == ".yaml")
            files.push_back(entry.path());
    if (ec)
        return makeError(Errc::Io, "cannot list '" + app::profileDir().string() + "': " + ec.message());
    std::sort(files.begin(), files.end());
    ReportTable table({"id", "name", "crossbar", "weights", "neuron", "cores"});
    for (size_t c = 0; c < 6; ++c)
        table.setLeftAligned(c);
    for (const auto& file : files) {
        NNB_TRY(const auto p, hw::loadProfile(file));
        table.addRow({p.id, p.name, fmt::format("{}x{}", p.crossbar.rows, p.crossbar.cols),
                      fmt::format("{}-bit {}", p.weights.bits, hw::toString(p.weights.encoding)), hw::toString(p.neuron.model),
                      fmt::format("{} ({}x{})", p.chip.cores, p.chip.meshWidth, p.chip.meshHeight)});
    }
    fmt::print("{}", table.render());
    return {};
}

} // namespace nnb::cli
