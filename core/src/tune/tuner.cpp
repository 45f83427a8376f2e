// SPDX-License-Identifier: GPL-3.0-or-later
// tuneNetwork() and runFakeQuantized(): layer-wise transformation in topological order
// (ASPLOS'18 §weight tuning). Each layer is calibrated and tuned on its input in the network
// transformed so far: its earlier trainable layers in the hardware semantics, everything else
// in float through the executor.
#include "nnb/tune/tuner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <new>
#include <random>
#include <string>
#include <utility>

#include "nnb/exec/executor.h"
#include "tune/end_to_end.h"
#include "tune/fake_quant.h"
#include "tune/hardware_layer.h"
#include "tune/layer_tuner.h"
#include "tune/progress_meter.h"
#include "tune/trainable_layer.h"

namespace nnb::tune {
namespace {

using detail::HardwareLayer;
using detail::TrainableLayer;

/// The original graph with some trainable layers on the hardware. Such a layer either runs
/// through an executor kernel (place()) or has its output on the images at hand supplied
/// (provide()), which cuts the graph there: the tuning loop computes each layer's output once, so
/// preparing the next layer's input runs only the float nodes in between.
class TransformedNetwork {
public:
    explicit TransformedNetwork(const ir::Graph& graph)
        : m_graph(graph)
        , m_kernels(static_cast<size_t>(graph.numNodes()))
    {
    }

    /// From now on runs \p layer's node in the hardware semantics.
    void place(const TrainableLayer& layer, HardwareLayer hardware)
    {
        m_kernels[static_cast<size_t>(layer.node)] =
            detail::hardwareKernel(std::make_shared<const HardwareLayer>(std::move(hardware)));
    }

    /// From now on takes \p values as value \p v; they must be for the images run() is given.
    void provide(ir::ValueId v, ir::Tensor values) { m_known[v] = std::move(values); }

    /// Runs the network on \p images and \returns the values \p wanted, in order. Only the
    /// nodes they depend on run, and none before a provided value.
    Expected<std::vector<ir::Tensor>> run(const ir::Tensor& images, const std::vector<ir::ValueId>& wanted,
                                          const RunContext& ctx) const
    {
        std::vector<bool> needed(static_cast<size_t>(m_graph.numNodes()), false);
        std::vector<ir::ValueId> cut;
        std::vector<ir::ValueId> stack = wanted;
        while (!stack.empty()) {
            const ir::ValueId v = stack.back();
            stack.pop_back();
            const ir::NodeId producer = m_graph.value(v).producer;
            if (m_known.count(v) != 0) {
                if (std::find(cut.begin(), cut.end(), v) == cut.end())
                    cut.push_back(v);
                continue;
            }
            if (producer == ir::kNoNode || needed[static_cast<size_t>(producer)])
                continue;
            needed[static_cast<size_t>(producer)] = true;
            for (const ir::ValueId in : m_graph.node(producer).inputs)
                if (in != ir::kNoValue)
                    stack.push_back(in);
        }
        ir::Graph pruned = m_graph;
        pruned.setOutputs(wanted);
        std::vector<ir::Tensor> inputs{images};
        for (const ir::ValueId v : cut) { // a provided value becomes a graph input
            const ir::Value& value = m_graph.value(v);
            pruned.replaceAllUses(v, pruned.addInput(pruned.uniqueValueName(value.name), value.shape));
            inputs.push_back(m_known.at(v));
        }
        std::vector<bool> dead(needed.size());
        exec::ExecutorOptions options;
        for (size_t n = 0; n < needed.size(); ++n) {
            dead[n] = !needed[n];
            if (needed[n]) // eraseNodes keeps the order, so kept node i gets the i-th kernel
                options.kernels.push_back(m_kernels[n]);
        }
        pruned.eraseNodes(dead);
        const exec::Executor executor(std::make_shared<const ir::Graph>(std::move(pruned)), std::move(options));
        // The executor's own progress would fight ours; only cancellation is passed on.
        return executor.run(inputs, RunContext{nullptr, ctx.isCancelled});
    }

private:
    const ir::Graph& m_graph;
    std::vector<exec::NodeKernel> m_kernels; ///< by NodeId of m_graph
    std::map<ir::ValueId, ir::Tensor> m_known;
};

Expected<void> validateImages(const ir::Graph& graph, const ir::Tensor& images, const char* what)
{
    if (graph.inputs().size() != 1)
        return makeError(Errc::InvalidArgument, "tuning needs a network with one input, this one has "
                                                    + std::to_string(graph.inputs().size()));
    if (images.dtype != ir::DataType::Float32 || images.rank() < 1 || images.shape[0] < 1 || !ir::isStatic(images.shape)
        || images.f.size() != static_cast<size_t>(images.size()))
        return makeError(Errc::InvalidArgument, std::string("the ") + what
                                                    + " must be a float tensor with at least one sample, got shape "
                                                    + ir::shapeToString(images.shape));
    return {};
}

/// \returns for each layer the original network's float activations at its output.
Expected<std::vector<ir::Tensor>> originalTargets(const ir::Graph& graph, const std::vector<TrainableLayer>& layers,
                                                  const ir::Tensor& images, const RunContext& ctx)
{
    std::vector<ir::ValueId> outputs;
    for (const TrainableLayer& layer : layers)
        outputs.push_back(layer.output);
    return addContext(TransformedNetwork(graph).run(images, outputs, ctx), "running the original network");
}

/// A layer's quantisers calibrated in the transformed network, and its input through Qin.
struct Calibration {
    quant::SignalQuant input;
    quant::SignalQuant output;
    std::vector<float> quantizedInputs; ///< [samples, sampleSize]
};

/// \returns the network's logits: its first output, or the input of the Softmax producing it.
ir::ValueId logitsOf(const ir::Graph& graph)
{
    if (graph.outputs().empty())
        return ir::kNoValue;
    const ir::ValueId out = graph.outputs().front();
    const ir::NodeId p = graph.value(out).producer;
    return p != ir::kNoNode && graph.node(p).op == ir::OpKind::Softmax ? graph.node(p).inputs[0] : out;
}

Expected<Calibration> calibrate(const ir::Graph& graph, const TransformedNetwork& network, const TrainableLayer& layer,
                                const ir::Tensor& images, const ir::Tensor& target, const HardwareQuant& hw,
                                const RunContext& ctx)
{
    NNB_TRY(std::vector<ir::Tensor> values, network.run(images, {layer.input}, ctx));
    ir::Tensor& x = values.front();
    if (x.dtype != ir::DataType::Float32 || x.size() != images.shape[0] * layer.shape.sampleSize
        || target.size() != images.shape[0] * layer.shape.rowsPerSample * layer.shape.outputs)
        return makeError(Errc::Internal, "the layer's input or output does not have the size its shapes promise");
    Calibration c;
    NNB_TRY(c.input, addContext(detail::calibrateSignal(x.data(), x.f.size(), hw.inputBits, hw), "input"));
    NNB_TRY(c.output, addContext(detail::calibrateSignal(target.data(), target.f.size(), hw.outputBits, hw), "output"));
    if (hw.outputExpansion > 1 && layer.output == logitsOf(graph))
        c.output = c.output.refined(hw.outputExpansion); // the host decodes re-encoded copies
    detail::FakeQuant(c.input).apply(x.data(), static_cast<Eigen::Index>(x.f.size()));
    c.quantizedInputs = std::move(x.f);
    return c;
}

std::string layerContext(const TrainableLayer& layer) { return "layer '" + layer.name + "'"; }

/// \returns \p body(), with an exception from Eigen or the standard library turned into an
/// Error: no exception crosses the core's boundary.
template <class Body>
auto guarded(Body&& body) -> decltype(body())
{
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return makeError(Errc::InvalidArgument, "out of memory while tuning");
    } catch (const std::exception& e) {
        return makeError(Errc::Internal, std::string("unexpected exception while tuning: ") + e.what());
    }
}

/// \returns \p layer's output in the hardware semantics for \p samples inputs \p xq (through Qin).
ir::Tensor outputOf(const ir::Graph& graph, const TrainableLayer& layer, const HardwareLayer& hardware,
                    const std::vector<float>& xq, int64_t samples)
{
    ir::Shape shape = graph.value(layer.output).shape;
    shape[0] = samples;
    ir::Tensor y = ir::Tensor::filled(std::move(shape));
    detail::hardwareOutput(hardware, xq.data(), samples, y.data());
    return y;
}

Expected<TuneResult> tune(const ir::Graph& original, const HardwareQuant& hw, const ir::Tensor& images,
                          const std::vector<uint8_t>* labels, const TuneOptions& options, const RunContext& ctx)
{
    const auto start = std::chrono::steady_clock::now();
    NNB_RETURN_IF_ERROR(validateImages(original, images, "calibration images"));
    if (options.epochs < 0 || options.batchSize < 1 || !std::isfinite(options.learningRate) || options.learningRate <= 0.0
        || options.endToEndEpochs < 0 || hw.outputExpansion < 1)
        return makeError(Errc::InvalidArgument, "tuning needs epochs >= 0, end-to-end epochs >= 0, a batch size >= 1, a "
                                                "positive learning rate and an output expansion >= 1");
    const int64_t samples = images.shape[0];
    if (options.endToEnd && (labels == nullptr || static_cast<int64_t>(labels->size()) != samples))
        return makeError(Errc::InvalidArgument, "end-to-end tuning needs one label per calibration image");
    NNB_TRY(const std::vector<TrainableLayer> layers, detail::findTrainableLayers(original));
    const auto consumers = original.consumers();
    for (const TrainableLayer& layer : layers)
        for (const ir::ValueId v : {layer.weightValue, layer.biasValue})
            if (v != ir::kNoValue && consumers[static_cast<size_t>(v)].size() != 1)
                return addContext<TuneResult>(
                    makeError(Errc::UnsupportedOp, "constant '" + original.value(v).name
                                                       + "' is shared with other nodes; its tuned values would change them too"),
                    layerContext(layer));
    // Planned before the layer-wise phases, so that a graph the pass cannot train through is
    // refused before any work.
    std::unique_ptr<detail::EndToEndTuner> joint;
    if (options.endToEnd) {
        std::vector<detail::JointLayer> jointLayers;
        for (const TrainableLayer& layer : layers)
            jointLayers.push_back(detail::JointLayer{&layer, detail::neuronOf(layer, hw), {}, {}, layer.weight, layer.bias});
        NNB_TRY(joint, detail::EndToEndTuner::create(original, std::move(jointLayers)));
    }
    NNB_TRY(std::vector<ir::Tensor> targets, originalTargets(original, layers, images, ctx));

    double units = joint ? joint->units(samples, options) : 0.0;
    for (const TrainableLayer& layer : layers)
        units += detail::tuningUnits(layer.shape, samples, options);
    detail::ProgressMeter meter(ctx, units);
    std::mt19937_64 rng(options.seed);
    TransformedNetwork network(original);
    auto tuned = std::make_shared<ir::Graph>(original);
    TuneResult result;
    for (size_t k = 0; k < layers.size(); ++k) {
        const TrainableLayer& layer = layers[k];
        NNB_TRY(Calibration c, addContext(calibrate(original, network, layer, images, targets[k], hw, ctx), layerContext(layer)));
        detail::LayerData data;
        data.samples = samples;
        data.inputs = std::move(c.quantizedInputs);
        data.targets.resize(samples * layer.shape.rowsPerSample, layer.shape.outputs);
        const int64_t sampleOut = layer.shape.rowsPerSample * layer.shape.outputs;
        for (int64_t s = 0; s < samples; ++s)
            layer.shape.nodeLayoutToRows(targets[k].data() + s * sampleOut, data.targets.data() + s * sampleOut);
        targets[k] = ir::Tensor{}; // held in row layout now

        const detail::Neuron neuron = detail::neuronOf(layer, hw);
        detail::LayerTuner tuner(layer, data, neuron, c.output, hw, options, rng, meter);
        NNB_RETURN_IF_ERROR(addContext(tuner.run(), layerContext(layer)));
        LayerTuneReport report = tuner.report();
        report.layer = layer.name;
        report.inputQuant = c.input;
        report.outputQuant = c.output;
        result.layers.push_back(std::move(report));

        detail::storeParameters(*tuned, layer, tuner.weight(), tuner.bias());
        if (joint) {
            detail::JointLayer& j = joint->layers()[k];
            j.input = c.input;
            j.output = c.output;
            j.weight = tuner.weight();
            j.bias = tuner.bias();
        }
        NNB_TRY(detail::Matrix wq, addContext(detail::quantizedWeights(layer.shape, tuner.weight(), hw.weights),
                                              layerContext(layer)));
        const HardwareLayer hardware{layer.shape, neuron, c.input, c.output, std::move(wq), tuner.bias()};
        network.provide(layer.output, outputOf(original, layer, hardware, data.inputs, samples));
    }

    if (joint) {
        // The frontier does not depend on any trainable layer: the float original computes it.
        NNB_TRY(const std::vector<ir::Tensor> frontier,
                addContext(TransformedNetwork(original).run(images, joint->frontier(), ctx), "end-to-end tuning"));
        NNB_TRY(result.endToEnd, addContext(joint->run(frontier, *labels, hw, options, rng, meter), "end-to-end tuning"));
        for (size_t k = 0; k < layers.size(); ++k)
            detail::storeParameters(*tuned, layers[k], joint->layers()[k].weight, joint->layers()[k].bias);
    }
    ctx.report(1000, "tuned " + std::to_string(layers.size()) + " layers");
    result.tuned = std::move(tuned);
    result.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

Expected<ir::Tensor> runQuantized(const ir::Graph& net, const HardwareQuant& hw, const ir::Tensor& calibrationImages,
                                  const ir::Tensor& images, const RunContext& ctx)
{
    NNB_RETURN_IF_ERROR(validateImages(net, calibrationImages, "calibration images"));
    NNB_RETURN_IF_ERROR(validateImages(net, images, "images"));
    if (net.outputs().empty())
        return makeError(Errc::InvalidArgument, "the network has no output");
    NNB_TRY(const std::vector<TrainableLayer> layers, detail::findTrainableLayers(net));
    NNB_TRY(const std::vector<ir::Tensor> targets, originalTargets(net, layers, calibrationImages, ctx));
    // Calibration walks the layers on the calibration images (each layer's output provided for
    // the next); the run on the images uses the calibrated layers as kernels.
    TransformedNetwork calibrating(net);
    TransformedNetwork running(net);
    for (size_t k = 0; k < layers.size(); ++k) {
        const TrainableLayer& layer = layers[k];
        NNB_TRY(const Calibration c, addContext(calibrate(net, calibrating, layer, calibrationImages, targets[k], hw, ctx),
                                                layerContext(layer)));
        NNB_TRY(detail::Matrix wq, addContext(detail::quantizedWeights(layer.shape, layer.weight, hw.weights),
                                              layerContext(layer)));
        HardwareLayer hardware{layer.shape, detail::neuronOf(layer, hw), c.input, c.output, std::move(wq), layer.bias};
        calibrating.provide(layer.output,
                            outputOf(net, layer, hardware, c.quantizedInputs, calibrationImages.shape[0]));
        running.place(layer, std::move(hardware));
        ctx.report(static_cast<int>(1000 * (k + 1) / (layers.size() + 1)), "calibrated " + layerContext(layer));
    }
    NNB_TRY(std::vector<ir::Tensor> outputs, running.run(images, {net.outputs().front()}, ctx));
    ctx.report(1000, "ran the fake-quantised network");
    return std::move(outputs.front());
}

} // namespace

Expected<TuneResult> tuneNetwork(const ir::Graph& original, const HardwareQuant& hw, const ir::Tensor& images,
                                 const std::vector<uint8_t>* labels, const TuneOptions& options, const RunContext& ctx)
{
    return guarded([&] { return tune(original, hw, images, labels, options, ctx); });
}

Expected<ir::Tensor> runFakeQuantized(const ir::Graph& net, const HardwareQuant& hw, const ir::Tensor& calibrationImages,
                                      const ir::Tensor& images, const RunContext& ctx)
{
    return guarded([&] { return runQuantized(net, hw, calibrationImages, images, ctx); });
}

} // namespace nnb::tune
