// SPDX-License-Identifier: GPL-3.0-or-later
// The sweep runner: shared preparation once, then every grid point on a pool of std::threads.
// Each point runs single-threaded from its own inputs (overrides applied to the base profile
// and strategy text held in memory), so results do not depend on the thread count or order.
#include "nnb/sweep/sweep.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "nnb/assess.h"
#include "nnb/compile.h"
#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"
#include "nnb/hw/profile_io.h"
#include "nnb/map/mapping.h"
#include "nnb/onnx/import.h"
#include "nnb/sim/network.h"
#include "nnb/strategy/strategy_io.h"
#include "nnb/support/yaml_overrides.h"

#include <yaml-cpp/yaml.h>

namespace nnb::sweep {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

/// \returns whether dotted \p key (from \p begin) names an entry of the YAML mapping \p node.
bool hasKey(const YAML::Node& node, const std::string& key, size_t begin = 0)
{
    const size_t dot = key.find('.', begin);
    const std::string part = key.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    if (!node.IsMap())
        return false;
    const YAML::Node child = node[part];
    if (!child)
        return false;
    return dot == std::string::npos || hasKey(child, key, dot + 1);
}

std::string listKeys(const YAML::Node& node, const std::string& prefix)
{
    std::string out;
    for (const auto& entry : node) {
        const std::string k = prefix.empty() ? entry.first.as<std::string>() : prefix + "." + entry.first.as<std::string>();
        if (entry.second.IsMap())
            out += (out.empty() ? "" : ", ") + listKeys(entry.second, k);
        else
            out += (out.empty() ? "" : ", ") + k;
    }
    return out;
}

/// A context that forwards cancellation only (points report progress per point, not per stage).
RunContext cancelOnly(const RunContext& ctx)
{
    RunContext c;
    c.isCancelled = ctx.isCancelled;
    return c;
}

bool hasError(const Diagnostics& d)
{
    return std::any_of(d.begin(), d.end(), [](const Diagnostic& x) { return x.severity == Severity::Error; });
}

void addDiagnostics(Diagnostics& out, const Diagnostics& in, const std::string& stage)
{
    for (const Diagnostic& d : in)
        if (d.severity != Severity::Info)
            out.push_back({d.severity, stage + (d.where.empty() ? "" : ": " + d.where), d.message});
}

void addError(PointResult& r, const std::string& stage, const Error& e)
{
    r.diagnostics.push_back({Severity::Error, stage, e.toString()});
    r.feasible = false;
}

} // namespace

Expected<std::shared_ptr<const PreparedSweep>> prepareSweep(const SweepSpec& spec, data::Dataset test,
                                                            data::Dataset calibrationSet, const RunContext& ctx)
{
    return prepareSweep(spec, std::make_shared<const data::Dataset>(std::move(test)),
                        std::make_shared<const data::Dataset>(std::move(calibrationSet)), ctx);
}

Expected<std::shared_ptr<const PreparedSweep>> prepareSweep(const SweepSpec& spec, std::shared_ptr<const data::Dataset> test,
                                                            std::shared_ptr<const data::Dataset> calibrationSet,
                                                            const RunContext& ctx)
{
    if (!test || !calibrationSet)
        return makeError(Errc::InvalidArgument, "prepareSweep: no test or calibration data set");
    const auto start = Clock::now();
    auto p = std::make_shared<PreparedSweep>();
    p->spec = spec;
    const std::string specName = spec.source.filename().string();
    NNB_TRY(p->grid, addContext(expandGrid(spec), specName));

    ctx.report(0, "loading " + spec.model.filename().string());
    NNB_TRY(onnx::ImportedModel model, onnx::importModel(spec.model));
    p->modelSource = model.source;
    p->model = std::make_shared<const ir::Graph>(std::move(model.graph));

    // The base profile and strategy, read once; every point applies its overrides to this text.
    if (spec.profileValue) {
        NNB_TRY(const std::string text, addContext(applyYamlOverrides(hw::profileToYaml(*spec.profileValue), spec.profileOverrides), specName));
        NNB_TRY(p->baseProfile, addContext(hw::parseProfile(text, spec.profileValue->id + " (edited)"), specName));
    } else {
        NNB_TRY(p->baseProfile, addContext(hw::loadProfile(spec.profilePath, spec.profileOverrides), specName));
    }
    strategy::Strategy baseStrategy;
    if (spec.strategyValue) {
        baseStrategy = *spec.strategyValue;
    } else if (!spec.strategyPath.empty()) {
        NNB_TRY(baseStrategy, addContext(strategy::loadStrategy(spec.strategyPath), specName));
    }
    baseStrategy.calibrationImages = spec.calibrationImages;
    baseStrategy.seed = spec.seed;
    baseStrategy.tuning.enabled = spec.tune;
    NNB_TRY(const std::string strategyText,
            addContext(applyYamlOverrides(strategy::strategyToYaml(baseStrategy), spec.strategyOverrides), specName));
    NNB_TRY(p->baseStrategy, addContext(strategy::parseStrategy(strategyText, "strategy"), specName));
    p->profileYaml = hw::profileToYaml(p->baseProfile);
    p->strategyYaml = strategy::strategyToYaml(p->baseStrategy);

    // Every swept key must exist in the schema (profileToYaml/strategyToYaml write every key).
    const YAML::Node profileRoot = YAML::Load(p->profileYaml);
    const YAML::Node strategyRoot = YAML::Load(p->strategyYaml);
    for (size_t i = 0; i < spec.parameters.size(); ++i) {
        const Parameter& param = spec.parameters[i];
        for (const std::string& key : param.keys) {
            const bool profile = targetOf(key) == Target::Profile;
            if (hasKey(profile ? profileRoot : strategyRoot, key))
                continue;
            std::string where = "key parameters[" + std::to_string(i) + "].key";
            if (param.line > 0)
                where += " (line " + std::to_string(param.line) + ")";
            return tl::unexpected<Error>(Error{Errc::InvalidProfile,
                                               where + ": '" + key + "' is not a " + (profile ? "profile" : "strategy") +
                                                   " key; known: " + listKeys(profile ? profileRoot : strategyRoot, ""),
                                               {specName}});
        }
    }
    if (ctx.cancelled())
        return makeError(Errc::Cancelled, "cancelled");

    if (test->count <= 0)
        return makeError(Errc::InvalidArgument, "the test set holds no images");
    if (calibrationSet->count <= 0)
        return makeError(Errc::InvalidArgument, "the calibration set holds no images");
    p->testImages = spec.testImages > 0 ? std::min(spec.testImages, test->count) : test->count;
    p->calibration = calibrationSet->batch(0, std::min<int64_t>(calibrationSet->count, spec.calibrationImages));
    p->test = std::move(test);
    p->calibrationSet = std::move(calibrationSet);

    // The float reference, once for every point.
    ctx.report(0, "float accuracy on " + std::to_string(p->testImages) + " images");
    const exec::Executor reference(p->model);
    eval::ClassificationOptions copts;
    copts.limit = p->testImages;
    NNB_TRY(const eval::ClassificationResult c, addContext(eval::evaluateClassifier(reference, *p->test, copts, cancelOnly(ctx)),
                                                           "float accuracy of " + p->modelSource));
    p->floatAccuracyPercent = c.accuracyPercent();
    p->floatPredictions = c.predictions;
    p->prepareSeconds = msSince(start) / 1000.0;
    return std::shared_ptr<const PreparedSweep>(std::move(p));
}

Expected<PointConfiguration> configurationOf(const PreparedSweep& prepared, const GridPoint& point)
{
    return configurationOf(prepared.profileYaml, prepared.strategyYaml, point);
}

Expected<PointConfiguration> configurationOf(std::string_view profileYaml, std::string_view strategyYaml, const GridPoint& point)
{
    PointConfiguration c;
    NNB_TRY(const std::string profileText, applyYamlOverrides(profileYaml, point.profileOverrides));
    NNB_TRY(c.profile, hw::parseProfile(profileText, "profile"));
    NNB_TRY(const std::string strategyText, applyYamlOverrides(strategyYaml, point.strategyOverrides));
    NNB_TRY(c.strategy, strategy::parseStrategy(strategyText, "strategy"));
    return c;
}

Expected<PointResult> runPoint(const PreparedSweep& prepared, const GridPoint& point, const RunContext& ctx)
{
    const auto start = Clock::now();
    PointResult r;
    r.point = point;
    r.images = prepared.testImages;
    const auto finish = [&]() -> Expected<PointResult> {
        r.timings.totalMs = msSince(start);
        return std::move(r);
    };
    const auto failed = [&](const std::string& stage, Error e) -> Expected<PointResult> {
        if (e.code == Errc::Cancelled)
            return tl::unexpected<Error>(std::move(e));
        addError(r, stage, e);
        return finish();
    };

    // Apply the point's overrides; an invalid value is this point's problem, not the sweep's.
    auto configuration = configurationOf(prepared, point);
    if (!configuration)
        return failed("configuration", configuration.error());
    const hw::Profile* profile = &configuration->profile;
    const strategy::Strategy* strategy = &configuration->strategy;
    r.coresAvailable = profile->chip.cores;

    // Compile with the shared calibration batch (sliced anew only when a point sweeps its size).
    auto t = Clock::now();
    const RunContext quiet = cancelOnly(ctx);
    CompileOptions compileOptions;
    const int64_t calibCount = std::min<int64_t>(prepared.calibrationSet->count, strategy->calibrationImages);
    const ir::Tensor calibration =
        calibCount == prepared.calibration.shape[0] ? prepared.calibration : prepared.calibrationSet->batch(0, calibCount);
    compileOptions.calibrationInputs = {calibration};
    auto compiled = compile(*prepared.model, *profile, *strategy, compileOptions, quiet);
    r.timings.compileMs = msSince(t);
    if (!compiled)
        return failed("compile", compiled.error());
    addDiagnostics(r.diagnostics, compiled->diagnostics, "compile");
    r.crossbars = compiled->resources.crossbars;
    r.lowerBoundCrossbars = compiled->resources.lowerBound;
    r.tiles = compiled->resources.coreOps;
    r.utilizationPercent = compiled->resources.utilizationPercent;
    if (hasError(compiled->diagnostics)) {
        r.feasible = false;
        return finish();
    }

    // Optional layer-wise tuning; the tuned network is quantised with the quantisers its tuning
    // calibrated (as assess() does for its "tuned" stage).
    const CompileResult* toQuantize = &*compiled;
    std::optional<TunedCompile> tuned;
    sim::QuantizeOptions qopts = quantizeOptionsFor(*strategy);
    if (strategy->tuning.enabled) {
        t = Clock::now();
        const int64_t n = std::min<int64_t>(prepared.calibrationSet->count, strategy->tuning.images);
        const std::vector<uint8_t> labels(prepared.calibrationSet->labels.begin(), prepared.calibrationSet->labels.begin() + n);
        auto tunedResult = tuneAndRecompile(*compiled, prepared.calibrationSet->batch(0, n), &labels, compileOptions, quiet);
        r.timings.tuneMs = msSince(t);
        if (!tunedResult)
            return failed("tune", tunedResult.error());
        tuned = std::move(*tunedResult);
        const ir::Graph& tunedOriginal = *tuned->compiled.original;
        for (const tune::LayerTuneReport& l : tuned->tuning.layers)
            for (const ir::Node& node : tunedOriginal.nodes())
                if (node.name == l.layer)
                    qopts.signalOverrides[tunedOriginal.value(node.inputs[0]).name] = l.inputQuant;
        toQuantize = &tuned->compiled;
    }

    // Quantise and simulate bit accurately on the shared test images, one thread.
    t = Clock::now();
    auto quantized = sim::quantizeNetwork(*toQuantize->compiled, toQuantize->profile, qopts, calibration, quiet);
    r.timings.quantizeMs = msSince(t);
    if (!quantized)
        return failed("quantise", quantized.error());
    addDiagnostics(r.diagnostics, quantized->diagnostics, "quantise");
    bool measured = false;
    t = Clock::now();
    if (quantized->simulatable) {
        sim::SimulatorOptions sopts;
        sopts.threads = 1;
        auto simulator = sim::Simulator::create(*quantized, sopts);
        if (!simulator)
            return failed("simulate", simulator.error());
        eval::ClassificationOptions copts;
        copts.limit = prepared.testImages;
        auto c = eval::evaluateClassifier(simulator->executor(), *prepared.test, copts, quiet);
        if (!c)
            return failed("simulate", c.error());
        r.accuracyPercent = c->accuracyPercent();
        int64_t agree = 0;
        for (size_t i = 0; i < c->predictions.size() && i < prepared.floatPredictions.size(); ++i)
            agree += c->predictions[i] == prepared.floatPredictions[i];
        r.agreementPercent = c->total ? 100.0 * static_cast<double>(agree) / static_cast<double>(c->total) : 0.0;
        r.adcClippedFraction = simulator->adcStats().clippedFraction();
        measured = true;
    } else {
        r.diagnostics.push_back({Severity::Warning, "simulate",
                                 "the weight scheme has no integer form; accuracy measured on the quantised network in float"});
        exec::ExecutorOptions eopts;
        eopts.threads = 1;
        const exec::Executor fake(quantized->graph, eopts);
        eval::ClassificationOptions copts;
        copts.limit = prepared.testImages;
        auto c = eval::evaluateClassifier(fake, *prepared.test, copts, quiet);
        if (!c)
            return failed("simulate", c.error());
        r.accuracyPercent = c->accuracyPercent();
        measured = true;
    }
    r.timings.simulateMs = msSince(t);
    if (measured)
        r.accuracyDropPoints = prepared.floatAccuracyPercent - *r.accuracyPercent;

    // Tile graph, placement and the cost model: energy and latency per inference.
    t = Clock::now();
    mapping::MapOptions mopts;
    mopts.placement.placer = prepared.spec.placer;
    mopts.placement.seed = strategy->seed;
    mopts.placement.timeLimitSeconds = 1e9; // reproducible: the move budget alone ends annealing
    auto graph = mapping::buildTileGraph(*toQuantize->compiled, *profile, mopts.traffic);
    if (!graph)
        return failed("map", graph.error());
    r.tiles = graph->numTiles();
    hw::Profile mapProfile = *profile;
    r.fitsChip = graph->numTiles() <= profile->chip.meshWidth * profile->chip.meshHeight;
    if (!r.fitsChip && prepared.spec.growMesh) {
        const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(graph->numTiles()))));
        mapProfile.chip.meshWidth = mapProfile.chip.meshHeight = side;
        mapProfile.chip.cores = side * side;
        r.diagnostics.push_back({Severity::Warning, "map",
                                 std::to_string(graph->numTiles()) + " tiles need more than the profile's " +
                                     std::to_string(profile->chip.cores) + " cores; costed on a " + std::to_string(side) + "x" +
                                     std::to_string(side) + " mesh (mapping.grow_mesh)"});
    }
    auto mapped = mapping::mapTiles(*graph, mapProfile, mopts, quiet);
    r.timings.mapMs = msSince(t);
    if (!mapped)
        return failed("map", mapped.error());
    addDiagnostics(r.diagnostics, mapped->diagnostics, "map");
    if (mapped->feasible) {
        r.energyPj = mapped->energyPj.total();
        r.latencyNs = mapped->latencyNs.total();
        r.pipelinedThroughputPerS = mapped->schedule.pipelinedThroughput;
    }
    r.feasible = mapped->feasible && measured && !hasError(r.diagnostics);
    return finish();
}

Expected<SweepResult> runSweep(const PreparedSweep& prepared, const SweepOptions& options, const PointCallback& onPoint,
                               const RunContext& ctx)
{
    const auto start = Clock::now();
    const size_t n = prepared.grid.size();
    int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), std::max<size_t>(n, 1)));

    std::vector<std::optional<PointResult>> results(n);
    std::atomic<size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mutex; // guards done, firstError and the callback
    size_t done = 0;
    std::optional<Error> firstError;

    RunContext pointCtx;
    pointCtx.isCancelled = [&]() { return stop.load(std::memory_order_relaxed) || ctx.cancelled(); };

    const auto worker = [&]() {
        while (!pointCtx.cancelled()) {
            const size_t i = next.fetch_add(1);
            if (i >= n)
                return;
            Expected<PointResult> r = makeError(Errc::Internal, "not run");
            try {
                r = runPoint(prepared, prepared.grid[i], pointCtx);
            } catch (const std::exception& e) {
                // No exception crosses the core boundary; a bug in one point is that point's row.
                PointResult failed;
                failed.point = prepared.grid[i];
                failed.images = prepared.testImages;
                addError(failed, "internal", Error{Errc::Internal, e.what(), {}});
                r = std::move(failed);
            }
            std::lock_guard lock(mutex);
            if (!r) {
                if (!firstError)
                    firstError = std::move(r.error());
                stop = true;
                return;
            }
            results[i] = std::move(*r);
            ++done;
            if (onPoint)
                onPoint(std::make_shared<const PointResult>(*results[i]));
            ctx.report(static_cast<int>(1000 * done / n),
                       "point " + std::to_string(done) + "/" + std::to_string(n) + ": " + prepared.grid[i].label);
        }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back(worker);
    worker();
    for (std::thread& th : pool)
        th.join();

    if (ctx.cancelled())
        return makeError(Errc::Cancelled, "sweep cancelled after " + std::to_string(done) + " of " + std::to_string(n) + " points");
    if (firstError)
        return tl::unexpected<Error>(std::move(*firstError));
    SweepResult out;
    out.points.reserve(n);
    for (auto& r : results)
        out.points.push_back(std::move(*r));
    out.floatAccuracyPercent = prepared.floatAccuracyPercent;
    out.testImages = prepared.testImages;
    out.threads = threads;
    out.seconds = msSince(start) / 1000.0;
    return out;
}

} // namespace nnb::sweep
