// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/assess.h"

#include <chrono>
#include <cmath>
#include <numeric>

#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"

namespace nnb {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// A context whose progress maps 0..1000 onto [lo, hi] of \p parent's, prefixed by \p stage.
RunContext subContext(const RunContext& parent, int lo, int hi, const std::string& stage)
{
    RunContext sub;
    sub.isCancelled = parent.isCancelled;
    if (parent.onProgress)
        sub.onProgress = [parent, lo, hi, stage](const Progress& p) {
            parent.report(lo + (hi - lo) * p.permille / 1000, stage + ": " + p.stage);
        };
    return sub;
}

/// Measures one stage: accuracy over the test images and the per-layer error on the first
/// layerImages of them.
Expected<StageReport> measure(const std::string& name, const std::string& description, const exec::Executor& executor,
                              const ir::Graph& original, const std::vector<ir::Tensor>& originalValues,
                              const std::vector<uint8_t>& floatPredictions, const data::Dataset& test,
                              const AssessOptions& options, const ir::Tensor& layerInput, const RunContext& ctx,
                              std::vector<uint8_t>* predictions = nullptr)
{
    StageReport r;
    r.stage = name;
    r.description = description;
    eval::ClassificationOptions copts;
    copts.limit = options.testImages;
    NNB_TRY(const eval::ClassificationResult c, eval::evaluateClassifier(executor, test, copts, ctx));
    r.correct = c.correct;
    r.total = c.total;
    r.accuracyPercent = c.accuracyPercent();
    r.seconds = c.seconds;
    for (size_t i = 0; i < c.predictions.size() && i < floatPredictions.size(); ++i)
        r.agreeing += c.predictions[i] == floatPredictions[i];
    if (predictions != nullptr)
        *predictions = c.predictions;
    if (!originalValues.empty()) {
        NNB_TRY(const std::vector<ir::Tensor> values, executor.runAll({layerInput}, ctx));
        r.layers = eval::compareLayers(original, originalValues, executor.graph(), values);
    }
    return r;
}

} // namespace

const StageReport* Assessment::stage(const std::string& name) const
{
    for (const StageReport& s : stages)
        if (s.stage == name)
            return &s;
    return nullptr;
}

sim::QuantizeOptions quantizeOptionsFor(const strategy::Strategy& strategy)
{
    const strategy::QuantizationStrategy& q = strategy.quantization;
    sim::QuantizeOptions o;
    o.weights.scheme = q.weights;
    o.weights.bits = q.weightBits;
    o.weights.granularity = q.granularity == strategy::WeightGranularity::PerOutputChannel
                                ? quant::Granularity::PerOutputChannel
                                : quant::Granularity::PerTensor;
    o.perCrossbar = q.granularity == strategy::WeightGranularity::PerCrossbar;
    o.weights.levels = q.levels;
    o.weights.seed = strategy.seed;
    o.signalRange = q.signalRange;
    o.percentile = q.percentile;
    o.adcPercentile = q.adcPercentile;
    o.adcPerColumn = q.adcStepPerColumn;
    switch (q.adcRange) {
    case strategy::AdcRangePolicy::Calibrated: o.adc = sim::AdcRange::Calibrated; break;
    case strategy::AdcRangePolicy::Weights: o.adc = sim::AdcRange::Weights; break;
    case strategy::AdcRangePolicy::FullScale: o.adc = sim::AdcRange::FullScale; break;
    }
    return o;
}

tune::HardwareQuant hardwareQuantFor(const hw::Profile& profile, const strategy::Strategy& strategy)
{
    const sim::QuantizeOptions q = quantizeOptionsFor(strategy);
    tune::HardwareQuant hw;
    hw.weights = q.weights;
    if (hw.weights.bits == 0)
        hw.weights.bits = profile.weights.bits;
    if (profile.weights.encoding == hw::WeightEncoding::ValueSet) {
        hw.weights.scheme = quant::WeightScheme::ValueSet;
        hw.weights.axonTypes = std::max(1, profile.weights.axonTypes);
    }
    hw.inputBits = profile.inputCodeBits();
    // A neuron's output is read by the next crossbar: the narrower of the two widths.
    hw.outputBits = profile.isSpiking() ? profile.inputCodeBits() : std::min(profile.neuron.outputBits, profile.io.inputBits);
    hw.rateCodeMax = profile.rateCodeMax();
    hw.range = q.signalRange;
    hw.percentile = q.percentile;
    // Spiking profiles: the output quantiser of range [0, λ] with codes 0..T saturates, so relu
    // followed by it is the rate model in the layer's own units, λ·clamp(z/λ, 0, 1) on a grid of
    // λ/T; the network needs no rate normalisation first (which the ramp neuron's clamp at 1
    // would), and snn::convert's normalisation maps the tuned weights onto the same model.
    hw.rampNeuron = false;
    hw.outputExpansion = strategy.quantization.outputExpansion;
    return hw;
}

Expected<TunedCompile> tuneAndRecompile(const CompileResult& compiled, const ir::Tensor& images,
                                        const std::vector<uint8_t>* labels, const CompileOptions& options,
                                        const RunContext& ctx)
{
    if (compiled.original == nullptr)
        return makeError(Errc::InvalidArgument, "nothing compiled to tune");
    const strategy::TuningStrategy& t = compiled.strategy.tuning;
    tune::TuneOptions o;
    o.epochs = t.epochs;
    o.batchSize = t.batchSize;
    o.learningRate = t.learningRate;
    o.seed = compiled.strategy.seed;
    o.endToEnd = t.endToEnd && labels != nullptr;
    o.endToEndEpochs = t.endToEndEpochs;
    o.endToEndCosine = t.endToEndSchedule == strategy::LearningRateSchedule::Cosine;
    NNB_TRY(tune::TuneResult tuning,
            tune::tuneNetwork(*compiled.original, hardwareQuantFor(compiled.profile, compiled.strategy), images, labels, o,
                              subContext(ctx, 0, 990, "tuning")));
    NNB_TRY(CompileResult recompiled, compile(*tuning.tuned, compiled.profile, compiled.strategy, options, ctx));
    return TunedCompile{std::move(recompiled), std::move(tuning)};
}

Expected<Assessment> assess(const CompileResult& compiled, const data::Dataset& test, const ir::Tensor& calibration,
                            const AssessOptions& options, const TunedCompile* tuned, const RunContext& ctx)
{
    const auto start = Clock::now();
    Assessment a;
    if (compiled.original == nullptr || compiled.compiled == nullptr)
        return makeError(Errc::InvalidArgument, "nothing compiled to assess");
    const ir::Graph& original = *compiled.original;
    exec::ExecutorOptions floatOptions;
    floatOptions.threads = options.threads;

    // The float original: reference predictions and activations.
    const exec::Executor reference(compiled.original, floatOptions);
    const int64_t layerCount = std::min<int64_t>(options.layerImages, test.count);
    const ir::Tensor layerInput = test.batch(0, std::max<int64_t>(layerCount, 1));
    std::vector<ir::Tensor> originalValues;
    a.layerImages = std::max<int64_t>(layerCount, 0);
    if (layerCount > 0) {
        NNB_TRY(originalValues, reference.runAll({layerInput}, subContext(ctx, 0, 50, "float")));
    }
    std::vector<uint8_t> floatPredictions;
    NNB_TRY(StageReport floatStage, measure("float", "the original network in float32", reference, original, {}, {}, test,
                                            options, layerInput, subContext(ctx, 0, 100, "float"), &floatPredictions));
    floatStage.agreeing = floatStage.total;
    eval::ClassificationOptions copts;
    copts.limit = options.testImages;
    a.stages.push_back(std::move(floatStage));

    const auto stage = [&](const std::string& name, const std::string& description, const exec::Executor& executor, int lo,
                           int hi) -> Expected<void> {
        NNB_TRY(StageReport r, measure(name, description, executor, original, originalValues, floatPredictions, test, options,
                                       layerInput, subContext(ctx, lo, hi, name)));
        a.stages.push_back(std::move(r));
        return {};
    };

    // Reform: the core-op graph in float.
    const exec::Executor reformed(compiled.compiled, floatOptions);
    NNB_RETURN_IF_ERROR(stage("reform", "core-ops, approximators and splits in float32", reformed, 100, 200));

    // Quantised signals, then quantised weights too (float arithmetic).
    sim::QuantizeOptions qopts = quantizeOptionsFor(compiled.strategy);
    qopts.stages = {true, false};
    NNB_TRY(const sim::QuantizedNetwork ioOnly,
            sim::quantizeNetwork(*compiled.compiled, compiled.profile, qopts, calibration, subContext(ctx, 200, 250, "io-quant")));
    NNB_RETURN_IF_ERROR(stage("io-quant", "signals quantised at every crossbar boundary, float weights",
                              exec::Executor(ioOnly.graph, floatOptions), 250, 350));
    qopts.stages = {true, true};
    const auto quantizeStart = Clock::now();
    NNB_TRY(const sim::QuantizedNetwork full,
            sim::quantizeNetwork(*compiled.compiled, compiled.profile, qopts, calibration, subContext(ctx, 350, 400, "weight-quant")));
    a.quantizeSeconds = secondsSince(quantizeStart);
    a.diagnostics = full.diagnostics;
    NNB_RETURN_IF_ERROR(stage("weight-quant", "signals and weights quantised, ideal arithmetic in float",
                              exec::Executor(full.graph, floatOptions), 400, 500));
    for (const sim::CoreOpQuant& cq : full.coreOps) {
        const ir::Node& node = full.graph->node(cq.node);
        a.coreOps.push_back({node.name, node.attrs.getString("layer", node.name), cq.input.bits, cq.input.scale,
                             cq.input.zeroPoint, cq.output ? cq.output->bits : 0, cq.adcStep, cq.weights.mse});
    }

    // Bit-accurate simulation with the profile's integer semantics.
    if (full.simulatable) {
        sim::SimulatorOptions sopts;
        sopts.threads = options.threads;
        NNB_TRY(const sim::Simulator simulator, sim::Simulator::create(full, sopts));
        NNB_RETURN_IF_ERROR(stage("bit-accurate", "integer crossbar simulation: bit slices, DAC, ADC, shift-and-add",
                                  simulator.executor(), 500, 700));
        a.adc = simulator.adcStats();
        a.tiles = simulator.tiles();
        a.adcMode = qopts.adc == sim::AdcRange::FullScale ? "clip, one full-scale step"
                                                          : std::string("scale, power-of-two step per array, input cycle")
                                                                + (qopts.adcPerColumn ? " and column" : "") + " from the "
                                                                + (qopts.adc == sim::AdcRange::Weights ? "weights" : "calibration reads");

        if (options.monteCarloRuns > 0) {
            MonteCarloReport mc;
            const hw::DeviceSpec& dev = compiled.profile.device;
            mc.sigma = dev.conductanceVariationSigma;
            mc.stuckAtZero = dev.stuckAtZeroRate;
            mc.stuckAtMax = dev.stuckAtMaxRate;
            for (int run = 0; run < options.monteCarloRuns; ++run) {
                sopts.device = sim::DeviceModel::fromProfile(compiled.profile, options.seed + static_cast<uint64_t>(run));
                NNB_TRY(const sim::Simulator noisy, sim::Simulator::create(full, sopts));
                const int lo = 700 + 200 * run / options.monteCarloRuns;
                const int hi = 700 + 200 * (run + 1) / options.monteCarloRuns;
                NNB_TRY(const eval::ClassificationResult c,
                        eval::evaluateClassifier(noisy.executor(), test, copts,
                                                 subContext(ctx, lo, hi, "monte carlo run " + std::to_string(run + 1))));
                mc.accuracyPercent.push_back(c.accuracyPercent());
            }
            const auto& v = mc.accuracyPercent;
            mc.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
            double ss = 0.0;
            for (double x : v)
                ss += (x - mc.mean) * (x - mc.mean);
            mc.stddev = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
            mc.min = *std::min_element(v.begin(), v.end());
            mc.max = *std::max_element(v.begin(), v.end());
            a.monteCarlo = std::move(mc);
        }
    }

    if (tuned != nullptr) {
        const auto tunedStart = Clock::now();
        // The quantisers the tuned weights were trained with: each layer's input quantiser, and
        // the output quantiser where no later layer reads the value.
        sim::QuantizeOptions tunedOptions = qopts;
        const ir::Graph& tunedOriginal = *tuned->compiled.original;
        for (const tune::LayerTuneReport& l : tuned->tuning.layers) {
            for (const ir::Node& node : tunedOriginal.nodes()) {
                if (node.name != l.layer)
                    continue;
                tunedOptions.signalOverrides[tunedOriginal.value(node.inputs[0]).name] = l.inputQuant;
            }
        }
        NNB_TRY(const sim::QuantizedNetwork tunedNet,
                sim::quantizeNetwork(*tuned->compiled.compiled, tuned->compiled.profile, tunedOptions, calibration,
                                     subContext(ctx, 900, 920, "tuned")));
        a.quantizeSeconds = secondsSince(tunedStart);
        if (tunedNet.simulatable) {
            sim::SimulatorOptions sopts;
            sopts.threads = options.threads;
            NNB_TRY(const sim::Simulator simulator, sim::Simulator::create(tunedNet, sopts));
            NNB_RETURN_IF_ERROR(stage("tuned", "after layer-wise fine-tuning, bit-accurate", simulator.executor(), 920, 1000));
        } else {
            NNB_RETURN_IF_ERROR(stage("tuned", "after layer-wise fine-tuning, quantised in float",
                                      exec::Executor(tunedNet.graph, floatOptions), 920, 1000));
        }
    }
    a.seconds = secondsSince(start);
    ctx.report(1000, "assessed");
    return a;
}

} // namespace nnb
