// SPDX-License-Identifier: GPL-3.0-or-later
#include "tune/end_to_end.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>
#include <string>

#include "tune/shadow_quantizer.h"
#include "tune/training.h"

namespace nnb::tune::detail {
namespace {

std::string describe(const ir::Node& node) { return "node '" + node.name + "' (" + std::string(ir::opName(node.op)) + ")"; }

/// One node of the trained part, in topological order: a trainable layer or a float op.
struct Step {
    int layer = -1; ///< index into the layers, -1 for a float op
    ir::NodeId node = ir::kNoNode;
    ir::WindowGeometry window; ///< MaxPool, AveragePool
    int64_t planes = 0;        ///< pooling: channels of one sample
    int64_t planeSize = 0;     ///< GlobalAveragePool: spatial elements of one channel
};

bool keepsBatch(const ir::Shape& in, const ir::Shape& out) { return !in.empty() && !out.empty() && in[0] == out[0]; }

/// \returns the elements of one sample of a value of \p shape (batch first), or 0 if unknown.
int64_t sampleElements(const ir::Shape& shape)
{
    if (shape.empty())
        return 0;
    int64_t n = 1;
    for (size_t d = 1; d < shape.size(); ++d) {
        if (shape[d] < 1)
            return 0;
        n *= shape[d];
    }
    return n;
}

} // namespace

struct EndToEndTuner::Plan {
    const ir::Graph& graph;
    std::vector<JointLayer> layers;
    std::vector<Step> steps;
    std::vector<ir::ValueId> frontier;
    std::vector<int64_t> perSample; ///< by ValueId: elements of one sample
    std::vector<bool> computed;     ///< by ValueId: produced by a step, so it has a gradient
    ir::ValueId logits = ir::kNoValue;
    int64_t classes = 0;
};

namespace {

using Plan = EndToEndTuner::Plan;

/// \returns an UnsupportedOp error for \p node with \p why.
tl::unexpected<Error> cannotTrain(const ir::Node& node, const std::string& why)
{
    return makeError(Errc::UnsupportedOp, "end-to-end tuning cannot train through " + describe(node) + ": " + why);
}

/// Checks a float op of the trained part and fills its geometry.
Expected<void> planOp(const Plan& plan, Step& step)
{
    const ir::Graph& g = plan.graph;
    const ir::Node& node = g.node(step.node);
    const ir::Shape& in = g.value(node.inputs[0]).shape;
    const ir::Shape& out = g.value(node.outputs[0]).shape;
    switch (node.op) {
    case ir::OpKind::Relu:
    case ir::OpKind::Identity:
    case ir::OpKind::Dropout:
    case ir::OpKind::Flatten:
    case ir::OpKind::Reshape:
        if (!keepsBatch(in, out) || sampleElements(in) != sampleElements(out))
            return cannotTrain(node, "it does not keep the batch dimension");
        return {};
    case ir::OpKind::Add:
        if (g.value(node.inputs[1]).isConstant() || g.value(node.inputs[0]).isConstant() || in != g.value(node.inputs[1]).shape
            || in != out)
            return cannotTrain(node, "only the sum of two non-constant values of one shape is supported");
        return {};
    case ir::OpKind::MaxPool:
    case ir::OpKind::AveragePool: {
        const ir::Shape kernel = node.attrs.getInts("kernel_shape");
        if (in.size() != 4 || kernel.size() != 2 || sampleElements(in) == 0)
            return cannotTrain(node, "only 2-D pooling of NCHW values is supported");
        NNB_TRY(step.window, ir::computeWindowGeometry(node, in[2], in[3], kernel[0], kernel[1]));
        step.planes = in[1];
        return {};
    }
    case ir::OpKind::GlobalAveragePool:
        if (in.size() < 3 || sampleElements(in) == 0)
            return cannotTrain(node, "its input must be N, C, spatial...");
        step.planes = in[1];
        step.planeSize = sampleElements(in) / in[1];
        return {};
    default:
        return cannotTrain(node, "no gradient for this op");
    }
}

/// The state of one forward and backward pass over a batch of samples.
class Batch {
public:
    explicit Batch(const Plan& plan)
        : m_plan(plan)
        , m_values(static_cast<size_t>(plan.graph.numValues()))
        , m_grads(m_values.size())
        , m_columns(plan.layers.size())
        , m_z(plan.layers.size())
        , m_argmax(plan.steps.size())
    {
    }

    /// Sets frontier value \p v for the next forward(): \p count samples, gathered by \p samples
    /// from \p all (sample-major).
    void setFrontier(ir::ValueId v, const ir::Tensor& all, std::span<const int64_t> samples)
    {
        const int64_t n = m_plan.perSample[static_cast<size_t>(v)];
        std::vector<float>& dst = m_values[static_cast<size_t>(v)];
        dst.resize(samples.size() * static_cast<size_t>(n));
        for (size_t i = 0; i < samples.size(); ++i)
            std::copy_n(all.data() + samples[i] * n, n, dst.data() + static_cast<int64_t>(i) * n);
    }

    /// Runs the trained part on \p count samples with the quantised weights \p wq (per layer).
    void forward(int64_t count, const std::vector<const Matrix*>& wq)
    {
        m_count = count;
        for (size_t s = 0; s < m_plan.steps.size(); ++s) {
            const Step& step = m_plan.steps[s];
            if (step.layer >= 0)
                forwardLayer(static_cast<size_t>(step.layer), *wq[static_cast<size_t>(step.layer)]);
            else
                forwardOp(s);
        }
    }

    /// Adds the softmax cross-entropy of the logits against \p labels of the batch's samples to
    /// \p sum and the top-1 hits to \p hits; with \p gradient, seeds the backward pass with
    /// d(mean cross-entropy)/d logits.
    void crossEntropy(std::span<const uint8_t> labels, bool gradient, double& sum, int64_t& hits)
    {
        const int64_t c = m_plan.classes;
        const std::vector<float>& logits = m_values[static_cast<size_t>(m_plan.logits)];
        std::vector<float>& d = m_grads[static_cast<size_t>(m_plan.logits)];
        if (gradient)
            d.assign(logits.size(), 0.0f);
        for (int64_t i = 0; i < m_count; ++i) {
            const float* l = logits.data() + i * c;
            const int64_t top = std::max_element(l, l + c) - l; // lowest index wins a tie, as evaluation counts
            const float max = l[top];
            double z = 0.0;
            for (int64_t j = 0; j < c; ++j)
                z += std::exp(static_cast<double>(l[j] - max));
            const uint8_t label = labels[static_cast<size_t>(i)];
            sum += std::log(z) - static_cast<double>(l[label] - max);
            hits += top == label;
            if (gradient)
                for (int64_t j = 0; j < c; ++j)
                    d[static_cast<size_t>(i * c + j)] =
                        static_cast<float>((std::exp(static_cast<double>(l[j] - max)) / z - (j == label)) / m_count);
        }
    }

    /// Back-propagates from the logits; \returns each layer's weight and bias gradient in \p dw, \p db.
    void backward(const std::vector<const Matrix*>& wq, std::vector<Matrix>& dw, std::vector<Vector>& db)
    {
        for (size_t v = 0; v < m_grads.size(); ++v)
            if (m_plan.computed[v] && static_cast<ir::ValueId>(v) != m_plan.logits)
                m_grads[v].assign(m_values[v].size(), 0.0f);
        for (size_t s = m_plan.steps.size(); s-- > 0;) {
            const Step& step = m_plan.steps[s];
            if (step.layer >= 0) {
                const auto k = static_cast<size_t>(step.layer);
                backwardLayer(k, *wq[k], dw[k], db[k]);
            } else {
                backwardOp(s);
            }
        }
    }

private:
    std::vector<float>& value(ir::ValueId v) { return m_values[static_cast<size_t>(v)]; }
    std::vector<float>& grad(ir::ValueId v) { return m_grads[static_cast<size_t>(v)]; }
    bool hasGrad(ir::ValueId v) const { return m_plan.computed[static_cast<size_t>(v)]; }

    void forwardLayer(size_t k, const Matrix& wq)
    {
        const JointLayer& joint = m_plan.layers[k];
        const LayerShape& shape = joint.layer->shape;
        std::vector<float> xq = value(joint.layer->input);
        FakeQuant(joint.input).apply(xq.data(), static_cast<Eigen::Index>(xq.size()));
        std::vector<int64_t> samples(static_cast<size_t>(m_count));
        std::iota(samples.begin(), samples.end(), int64_t{0});
        shape.gatherPatches(xq.data(), samples, m_columns[k]);
        shape.forward(m_columns[k], wq, joint.bias, m_z[k]);
        Matrix y = m_z[k];
        applyNeuron(joint.neuron, y.data(), y.size());
        FakeQuant(joint.output).apply(y.data(), y.size());
        std::vector<float>& dst = value(joint.layer->output);
        const int64_t sampleOut = shape.rowsPerSample * shape.outputs;
        dst.resize(static_cast<size_t>(m_count * sampleOut));
        for (int64_t i = 0; i < m_count; ++i)
            shape.rowsToNodeLayout(y.data() + i * sampleOut, dst.data() + i * sampleOut);
    }

    void backwardLayer(size_t k, const Matrix& wq, Matrix& dw, Vector& db)
    {
        const JointLayer& joint = m_plan.layers[k];
        const LayerShape& shape = joint.layer->shape;
        const int64_t sampleOut = shape.rowsPerSample * shape.outputs;
        const std::vector<float>& dy = grad(joint.layer->output);
        Matrix dz(m_z[k].rows(), m_z[k].cols());
        for (int64_t i = 0; i < m_count; ++i)
            shape.nodeLayoutToRows(dy.data() + i * sampleOut, dz.data() + i * sampleOut);
        // Straight-through estimators: Qout passes where it does not clip, then the neuron's slope.
        FakeQuant(joint.output).passGradient(joint.neuron, m_z[k].data(), dz.data(), dz.size());
        shape.weightGradient(m_columns[k], dz, dw);
        db = dz.colwise().sum().transpose();
        if (!hasGrad(joint.layer->input))
            return;
        Matrix dcolumns;
        shape.patchGradient(dz, wq, dcolumns);
        std::vector<float> dxq(static_cast<size_t>(m_count * shape.sampleSize), 0.0f);
        shape.scatterPatches(dcolumns, m_count, dxq.data());
        const FakeQuant in(joint.input);
        const std::vector<float>& x = value(joint.layer->input);
        std::vector<float>& dx = grad(joint.layer->input);
        for (size_t i = 0; i < dx.size(); ++i)
            if (x[i] >= in.lo() && x[i] <= in.hi())
                dx[i] += dxq[i];
    }

    void forwardOp(size_t s)
    {
        const Step& step = m_plan.steps[s];
        const ir::Node& node = m_plan.graph.node(step.node);
        const std::vector<float>& x = value(node.inputs[0]);
        std::vector<float>& y = value(node.outputs[0]);
        switch (node.op) {
        case ir::OpKind::Relu:
            y.resize(x.size());
            std::transform(x.begin(), x.end(), y.begin(), [](float v) { return v > 0.0f ? v : 0.0f; });
            break;
        case ir::OpKind::Add: {
            const std::vector<float>& b = value(node.inputs[1]);
            y.resize(x.size());
            std::transform(x.begin(), x.end(), b.begin(), y.begin(), std::plus<>());
            break;
        }
        case ir::OpKind::MaxPool:
        case ir::OpKind::AveragePool:
            pool(step, node, x, y, m_argmax[s]);
            break;
        case ir::OpKind::GlobalAveragePool:
            y.resize(static_cast<size_t>(m_count * step.planes));
            for (size_t p = 0; p < y.size(); ++p) {
                const float* plane = x.data() + static_cast<int64_t>(p) * step.planeSize;
                y[p] = static_cast<float>(std::accumulate(plane, plane + step.planeSize, 0.0) /
                                          static_cast<double>(step.planeSize));
            }
            break;
        default: // Identity, Dropout, Flatten, Reshape: the same elements
            y = x;
        }
    }

    void backwardOp(size_t s)
    {
        const Step& step = m_plan.steps[s];
        const ir::Node& node = m_plan.graph.node(step.node);
        const ir::ValueId in = node.inputs[0];
        if (node.op == ir::OpKind::Add) {
            for (const ir::ValueId v : {node.inputs[0], node.inputs[1]})
                if (hasGrad(v))
                    addTo(grad(v), grad(node.outputs[0]));
            return;
        }
        if (!hasGrad(in))
            return;
        const std::vector<float>& dy = grad(node.outputs[0]);
        std::vector<float>& dx = grad(in);
        switch (node.op) {
        case ir::OpKind::Relu: {
            const std::vector<float>& x = value(in);
            for (size_t i = 0; i < dx.size(); ++i)
                if (x[i] > 0.0f)
                    dx[i] += dy[i];
            break;
        }
        case ir::OpKind::MaxPool:
            for (size_t o = 0; o < dy.size(); ++o)
                if (m_argmax[s][o] >= 0)
                    dx[static_cast<size_t>(m_argmax[s][o])] += dy[o];
            break;
        case ir::OpKind::AveragePool:
            poolAverageBackward(step, node, dy, dx);
            break;
        case ir::OpKind::GlobalAveragePool:
            for (size_t i = 0; i < dx.size(); ++i)
                dx[i] += dy[i / static_cast<size_t>(step.planeSize)] / static_cast<float>(step.planeSize);
            break;
        default:
            addTo(dx, dy);
        }
    }

    static void addTo(std::vector<float>& dst, const std::vector<float>& src)
    {
        std::transform(dst.begin(), dst.end(), src.begin(), dst.begin(), std::plus<>());
    }

    /// Calls visit(cell) for each cell of output (oh, ow)'s window inside the input plane, and
    /// \returns the AveragePool divisor (cells inside, or inside the padded input with
    /// count_include_pad), as the executor's pooling kernel counts them.
    template <class Visit>
    static int64_t window(const ir::WindowGeometry& g, bool includePad, int64_t oh, int64_t ow, Visit&& visit)
    {
        int64_t inside = 0;
        int64_t padded = 0;
        for (int64_t ki = 0; ki < g.kernelH; ++ki) {
            const int64_t ih = oh * g.strideH - g.padTop + ki * g.dilationH;
            for (int64_t kj = 0; kj < g.kernelW; ++kj) {
                const int64_t iw = ow * g.strideW - g.padLeft + kj * g.dilationW;
                if (ih >= -g.padTop && ih < g.inH + g.padBottom && iw >= -g.padLeft && iw < g.inW + g.padRight)
                    ++padded;
                if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW)
                    continue;
                ++inside;
                visit(ih * g.inW + iw);
            }
        }
        return includePad ? padded : inside;
    }

    void pool(const Step& step, const ir::Node& node, const std::vector<float>& x, std::vector<float>& y,
              std::vector<int64_t>& argmax) const
    {
        const ir::WindowGeometry& g = step.window;
        const bool isMax = node.op == ir::OpKind::MaxPool;
        const bool includePad = node.attrs.getInt("count_include_pad", 0) != 0;
        const int64_t planes = m_count * step.planes;
        const int64_t outPlane = g.outH * g.outW;
        y.resize(static_cast<size_t>(planes * outPlane));
        argmax.assign(isMax ? y.size() : 0, -1);
        for (int64_t p = 0; p < planes; ++p) {
            const float* plane = x.data() + p * g.inH * g.inW;
            for (int64_t oh = 0; oh < g.outH; ++oh) {
                for (int64_t ow = 0; ow < g.outW; ++ow) {
                    const size_t o = static_cast<size_t>(p * outPlane + oh * g.outW + ow);
                    float best = -std::numeric_limits<float>::infinity();
                    int64_t bestCell = -1;
                    double sum = 0.0;
                    const int64_t divisor = window(g, includePad, oh, ow, [&](int64_t cell) {
                        sum += plane[cell];
                        if (bestCell < 0 || plane[cell] > best) {
                            best = plane[cell];
                            bestCell = cell;
                        }
                    });
                    if (isMax) {
                        y[o] = best;
                        if (bestCell >= 0)
                            argmax[o] = p * g.inH * g.inW + bestCell;
                    } else { // the executor's NaN for a window without cells
                        y[o] = divisor > 0 ? static_cast<float>(sum / static_cast<double>(divisor))
                                           : std::numeric_limits<float>::quiet_NaN();
                    }
                }
            }
        }
    }

    void poolAverageBackward(const Step& step, const ir::Node& node, const std::vector<float>& dy,
                             std::vector<float>& dx) const
    {
        const ir::WindowGeometry& g = step.window;
        const bool includePad = node.attrs.getInt("count_include_pad", 0) != 0;
        const int64_t planes = m_count * step.planes;
        for (int64_t p = 0; p < planes; ++p) {
            float* plane = dx.data() + p * g.inH * g.inW;
            for (int64_t oh = 0; oh < g.outH; ++oh) {
                for (int64_t ow = 0; ow < g.outW; ++ow) {
                    const int64_t divisor = window(g, includePad, oh, ow, [](int64_t) {});
                    if (divisor == 0)
                        continue;
                    const float share = dy[static_cast<size_t>((p * g.outH + oh) * g.outW + ow)] / static_cast<float>(divisor);
                    window(g, includePad, oh, ow, [&](int64_t cell) { plane[cell] += share; });
                }
            }
        }
    }

    const Plan& m_plan;
    int64_t m_count = 0;
    std::vector<std::vector<float>> m_values; ///< by ValueId
    std::vector<std::vector<float>> m_grads;  ///< by ValueId
    std::vector<Matrix> m_columns;            ///< by layer
    std::vector<Matrix> m_z;                  ///< by layer
    std::vector<std::vector<int64_t>> m_argmax; ///< by step: MaxPool's input cell per output
};

/// Cross-entropy and accuracy of the whole network on all samples, weights quantised exactly
/// as the hardware stores them.
struct Score {
    double crossEntropy = 0.0;
    double accuracy = 0.0;
};

} // namespace

EndToEndTuner::EndToEndTuner(std::unique_ptr<Plan> plan)
    : m_plan(std::move(plan))
{
}

EndToEndTuner::~EndToEndTuner() = default;

const std::vector<ir::ValueId>& EndToEndTuner::frontier() const { return m_plan->frontier; }

std::vector<JointLayer>& EndToEndTuner::layers() { return m_plan->layers; }

Expected<std::unique_ptr<EndToEndTuner>> EndToEndTuner::create(const ir::Graph& graph, std::vector<JointLayer> layers)
{
    auto plan = std::make_unique<Plan>(Plan{graph, std::move(layers), {}, {}, {}, {}, ir::kNoValue, 0});
    if (graph.outputs().empty())
        return makeError(Errc::InvalidArgument, "the network has no output to compute a cross-entropy on");
    plan->logits = graph.outputs().front();
    const ir::NodeId last = graph.value(plan->logits).producer;
    if (last != ir::kNoNode && graph.node(last).op == ir::OpKind::Softmax) {
        const int64_t axis = graph.node(last).attrs.getInt("axis", -1);
        if (axis != 1 && axis != -1)
            return cannotTrain(graph.node(last), "the softmax must run over the classes (axis 1)");
        plan->logits = graph.node(last).inputs[0];
    }
    const ir::Shape& logits = graph.value(plan->logits).shape;
    if (logits.size() != 2 || logits[1] < 2)
        return makeError(Errc::UnsupportedOp, "end-to-end tuning needs logits [N, classes], the network's are "
                                                  + ir::shapeToString(logits));
    plan->classes = logits[1];

    // The nodes the logits depend on.
    std::vector<bool> ancestor(static_cast<size_t>(graph.numNodes()), false);
    for (std::vector<ir::ValueId> stack{plan->logits}; !stack.empty();) {
        const ir::NodeId producer = graph.value(stack.back()).producer;
        stack.pop_back();
        if (producer == ir::kNoNode || ancestor[static_cast<size_t>(producer)])
            continue;
        ancestor[static_cast<size_t>(producer)] = true;
        for (const ir::ValueId v : graph.node(producer).inputs)
            if (v != ir::kNoValue)
                stack.push_back(v);
    }
    std::vector<int> layerOf(static_cast<size_t>(graph.numNodes()), -1);
    std::vector<bool> fused(static_cast<size_t>(graph.numNodes()), false);
    for (size_t k = 0; k < plan->layers.size(); ++k) {
        const TrainableLayer& layer = *plan->layers[k].layer;
        layerOf[static_cast<size_t>(layer.node)] = static_cast<int>(k);
        if (layer.fusedRelu != ir::kNoNode)
            fused[static_cast<size_t>(layer.fusedRelu)] = true;
    }

    // The trained part: every ancestor that is a layer or reads what a layer computed.
    const size_t values = static_cast<size_t>(graph.numValues());
    std::vector<bool> dependent(values, false);
    plan->computed.assign(values, false);
    plan->perSample.assign(values, 0);
    const auto use = [&](ir::ValueId v, const ir::Node& node) -> Expected<void> {
        const auto i = static_cast<size_t>(v);
        if (graph.value(v).isConstant())
            return {};
        if (dependent[i] && !plan->computed[i])
            return cannotTrain(node, "it reads a value the pass does not compute");
        plan->perSample[i] = sampleElements(graph.value(v).shape);
        if (plan->perSample[i] == 0)
            return cannotTrain(node, "an input has no static per-sample shape");
        if (!dependent[i] && std::find(plan->frontier.begin(), plan->frontier.end(), v) == plan->frontier.end())
            plan->frontier.push_back(v);
        return {};
    };
    const auto produce = [&](ir::ValueId v) {
        dependent[static_cast<size_t>(v)] = true;
        plan->computed[static_cast<size_t>(v)] = true;
        plan->perSample[static_cast<size_t>(v)] = sampleElements(graph.value(v).shape);
    };
    NNB_TRY(const std::vector<ir::NodeId> order, graph.topologicalOrder());
    for (const ir::NodeId id : order) {
        const auto i = static_cast<size_t>(id);
        const ir::Node& node = graph.node(id);
        if (!ancestor[i] || fused[i]) // a fused Relu is part of its layer
            continue;
        if (layerOf[i] >= 0) {
            const TrainableLayer& layer = *plan->layers[static_cast<size_t>(layerOf[i])].layer;
            NNB_RETURN_IF_ERROR(use(layer.input, node));
            if (plan->perSample[static_cast<size_t>(layer.input)] != layer.shape.sampleSize)
                return cannotTrain(node, "its input shape is not static");
            produce(layer.output);
            plan->steps.push_back(Step{layerOf[i], id});
            continue;
        }
        const bool trained = std::any_of(node.inputs.begin(), node.inputs.end(),
                                         [&](ir::ValueId v) { return v != ir::kNoValue && dependent[static_cast<size_t>(v)]; });
        if (!trained)
            continue; // computed once, in float, as part of the frontier
        for (size_t k = 1; k < node.outputs.size(); ++k) // Dropout's mask, MaxPool's indices
            if (node.outputs[k] != ir::kNoValue)
                dependent[static_cast<size_t>(node.outputs[k])] = true;
        Step step{-1, id};
        NNB_RETURN_IF_ERROR(planOp(*plan, step));
        NNB_RETURN_IF_ERROR(use(node.inputs[0], node));
        if (node.op == ir::OpKind::Add)
            NNB_RETURN_IF_ERROR(use(node.inputs[1], node));
        produce(node.outputs[0]);
        plan->steps.push_back(step);
    }
    if (!plan->computed[static_cast<size_t>(plan->logits)])
        return makeError(Errc::UnsupportedOp, "no trainable layer feeds the network's logits");
    return std::unique_ptr<EndToEndTuner>(new EndToEndTuner(std::move(plan)));
}

double EndToEndTuner::units(int64_t samples, const TuneOptions& options) const
{
    return stepMacs() * static_cast<double>(samples) * options.endToEndEpochs;
}

double EndToEndTuner::stepMacs() const
{
    double macs = 0.0;
    for (const Step& step : m_plan->steps)
        if (step.layer >= 0)
            macs += macsPerSample(m_plan->layers[static_cast<size_t>(step.layer)].layer->shape);
    return macs;
}

Expected<EndToEndReport> EndToEndTuner::run(const std::vector<ir::Tensor>& frontierValues, const std::vector<uint8_t>& labels,
                                            const HardwareQuant& hw, const TuneOptions& options, std::mt19937_64& rng,
                                            ProgressMeter& meter)
{
    Plan& plan = *m_plan;
    const int64_t n = static_cast<int64_t>(labels.size());
    if (std::any_of(labels.begin(), labels.end(), [&](uint8_t l) { return l >= plan.classes; }))
        return makeError(Errc::InvalidArgument, "a label is not one of the network's " + std::to_string(plan.classes) + " classes");
    const size_t layerCount = plan.layers.size();
    Batch batch(plan);

    const auto setFrontier = [&](std::span<const int64_t> samples) {
        for (size_t f = 0; f < plan.frontier.size(); ++f)
            batch.setFrontier(plan.frontier[f], frontierValues[f], samples);
    };
    const auto score = [&]() -> Expected<Score> {
        std::vector<Matrix> exact(layerCount);
        std::vector<const Matrix*> wq(layerCount);
        for (size_t k = 0; k < layerCount; ++k) {
            NNB_TRY(exact[k], quantizedWeights(plan.layers[k].layer->shape, plan.layers[k].weight, hw.weights));
            wq[k] = &exact[k];
        }
        double sum = 0.0;
        int64_t hits = 0;
        std::vector<int64_t> samples;
        for (int64_t begin = 0; begin < n; begin += kSampleBlock) {
            samples.resize(static_cast<size_t>(std::min(kSampleBlock, n - begin)));
            std::iota(samples.begin(), samples.end(), begin);
            setFrontier(samples);
            batch.forward(static_cast<int64_t>(samples.size()), wq);
            batch.crossEntropy(std::span(labels).subspan(static_cast<size_t>(begin), samples.size()), /*gradient=*/false,
                               sum, hits);
        }
        return Score{sum / static_cast<double>(n), static_cast<double>(hits) / static_cast<double>(n)};
    };

    EndToEndReport report;
    NNB_TRY(Score best, score());
    report.crossEntropyBefore = best.crossEntropy;
    report.accuracyBefore = best.accuracy;
    std::vector<JointLayer> bestLayers = plan.layers;

    std::vector<ShadowQuantizer> quantizers;
    std::vector<Adam> adams;
    for (const JointLayer& joint : plan.layers) {
        quantizers.emplace_back(joint.layer->shape, hw.weights);
        adams.emplace_back(joint.weight.rows(), joint.weight.cols(), options.learningRate);
    }
    std::vector<const Matrix*> wq(layerCount);
    std::vector<Matrix> dw(layerCount);
    std::vector<Vector> db(layerCount);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    std::vector<uint8_t> batchLabels;
    const double macs = stepMacs();
    const int64_t totalSteps = options.endToEndEpochs * ((n + options.batchSize - 1) / options.batchSize);
    for (int epoch = 0; epoch < options.endToEndEpochs; ++epoch) {
        shuffle(order, rng);
        for (size_t k = 0; k < layerCount; ++k)
            NNB_RETURN_IF_ERROR(quantizers[k].refresh(plan.layers[k].weight));
        for (int64_t begin = 0; begin < n; begin += options.batchSize) {
            const int64_t count = std::min<int64_t>(options.batchSize, n - begin);
            const auto stage = [&] {
                return "tuning end-to-end epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.endToEndEpochs);
            };
            if (!meter.advance(macs * static_cast<double>(count), stage))
                return makeError(Errc::Cancelled, "tuning cancelled");
            const std::span<const int64_t> samples(order.data() + begin, static_cast<size_t>(count));
            for (size_t k = 0; k < layerCount; ++k) {
                NNB_TRY(wq[k], quantizers[k].project(plan.layers[k].weight));
            }
            if (options.endToEndCosine) {
                const double progress = static_cast<double>(report.steps) / static_cast<double>(totalSteps);
                for (Adam& adam : adams)
                    adam.setLearningRate(options.learningRate * 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
            }
            setFrontier(samples);
            batch.forward(count, wq);
            batchLabels.resize(samples.size());
            for (size_t i = 0; i < samples.size(); ++i)
                batchLabels[i] = labels[static_cast<size_t>(samples[i])];
            double sum = 0.0;
            int64_t hits = 0;
            batch.crossEntropy(batchLabels, /*gradient=*/true, sum, hits);
            batch.backward(wq, dw, db);
            for (size_t k = 0; k < layerCount; ++k) {
                JointLayer& joint = plan.layers[k];
                if (dw[k].size() == 0) // a layer the logits do not depend on
                    continue;
                adams[k].step(joint.weight, dw[k], joint.layer->hasBias() ? &joint.bias : nullptr, db[k]);
            }
            ++report.steps;
        }
        NNB_TRY(const Score now, score());
        if (now.crossEntropy < best.crossEntropy) {
            best = now;
            bestLayers = plan.layers;
        }
    }
    plan.layers = std::move(bestLayers);
    report.crossEntropyAfter = best.crossEntropy;
    report.accuracyAfter = best.accuracy;
    return report;
}

} // namespace nnb::tune::detail
