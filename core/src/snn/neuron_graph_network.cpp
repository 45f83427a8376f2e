// SPDX-License-Identifier: GPL-3.0-or-later
// buildNeuronGraph: expands an ONNX-imported float network into neurons with their receptive
// fields.
//
// Every IR value that carries spikes is described by an element map: for each element of the
// value (batch dimension dropped, row-major) a short list of terms (source node, coefficient)
// whose weighted sum the element is, up to bias and the neuron function. Graph inputs map each
// element to one input axon; a weighted layer (Gemm, MatMul, Conv, pooling in Neurons mode)
// creates one neuron per output element and maps the element to it; pass-through ops
// (activations, reshapes) reuse their input's map; BatchNormalization and scalar Mul/Div scale
// the coefficients; Add/Sub of two spike-carrying values merge the term lists; folded pooling
// merges its window's terms. A neuron's synapses are then the terms of its receptive field with
// weight × coefficient, merged per source.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "nnb/ir/shape_inference.h"
#include "nnb/snn/neuron_graph.h"

namespace nnb::snn {
namespace {

struct ElementMap {
    std::vector<int64_t> offsets{0}; ///< element e's terms are [offsets[e], offsets[e+1])
    std::vector<NeuronId> src;
    std::vector<float> coef;

    int64_t elements() const { return static_cast<int64_t>(offsets.size()) - 1; }
    void addElement(std::span<const NeuronId> s, std::span<const float> c)
    {
        src.insert(src.end(), s.begin(), s.end());
        coef.insert(coef.end(), c.begin(), c.end());
        offsets.push_back(static_cast<int64_t>(src.size()));
    }
    static std::shared_ptr<ElementMap> identity(NeuronId first, int64_t count)
    {
        auto m = std::make_shared<ElementMap>();
        m->offsets.resize(static_cast<size_t>(count) + 1);
        m->src.resize(static_cast<size_t>(count));
        m->coef.assign(static_cast<size_t>(count), 1.0f);
        for (int64_t e = 0; e < count; ++e) {
            m->offsets[static_cast<size_t>(e) + 1] = e + 1;
            m->src[static_cast<size_t>(e)] = first + static_cast<NeuronId>(e);
        }
        return m;
    }
};
using MapPtr = std::shared_ptr<const ElementMap>;

/// Accumulates weighted terms per source node in dense scratch arrays (reset by a stamp), so a
/// receptive field reached through overlapping folded windows or merged branches yields each
/// source once.
class Accumulator {
public:
    void add(const ElementMap& map, int64_t element, float weight)
    {
        const auto b = static_cast<size_t>(map.offsets[static_cast<size_t>(element)]);
        const auto e = static_cast<size_t>(map.offsets[static_cast<size_t>(element) + 1]);
        for (size_t t = b; t < e; ++t)
            add(map.src[t], weight * map.coef[t]);
    }
    void add(NeuronId s, float w)
    {
        const auto i = static_cast<size_t>(s);
        if (i >= m_stamp.size()) {
            m_stamp.resize(std::max(i + 1, 2 * m_stamp.size()), 0);
            m_acc.resize(m_stamp.size(), 0.0f);
        }
        if (m_stamp[i] != m_current) {
            m_stamp[i] = m_current;
            m_acc[i] = 0.0f;
            m_touched.push_back(s);
        }
        m_acc[i] += w;
    }
    /// Moves the accumulated terms, sorted by source id, into \p ids / \p ws and starts afresh.
    void take(std::vector<NeuronId>& ids, std::vector<float>& ws)
    {
        std::sort(m_touched.begin(), m_touched.end());
        ids.assign(m_touched.begin(), m_touched.end());
        ws.resize(ids.size());
        for (size_t k = 0; k < ids.size(); ++k)
            ws[k] = m_acc[static_cast<size_t>(ids[k])];
        m_touched.clear();
        ++m_current;
    }

private:
    std::vector<uint32_t> m_stamp;
    std::vector<float> m_acc;
    std::vector<NeuronId> m_touched;
    uint32_t m_current = 1;
};

Error nodeError(Errc code, const ir::Node& node, const std::string& message)
{
    return Error{code, message, {"node " + node.name + " (" + std::string(ir::opName(node.op)) + ")"}};
}

/// \returns the shape of \p v without its leading batch dimension.
Expected<ir::Shape> sampleShape(const ir::Value& v)
{
    if (v.shape.empty())
        return makeError(Errc::UnsupportedOp, "value " + v.name + " has no batch dimension");
    ir::Shape s(v.shape.begin() + 1, v.shape.end());
    if (!ir::isStatic(s))
        return makeError(Errc::UnsupportedOp, "value " + v.name + " has a dynamic non-batch dimension " +
                                                  ir::shapeToString(v.shape));
    return s;
}

int64_t product(const ir::Shape& s)
{
    int64_t n = 1;
    for (const int64_t d : s)
        n *= d;
    return n;
}

class Builder {
public:
    Builder(const ir::Graph& network, const NeuronGraphOptions& options)
        : m_net(network), m_options(options), m_graph(options.withWeights),
          m_maps(static_cast<size_t>(network.numValues()))
    {
    }

    Expected<NeuronGraph> run()
    {
        for (const ir::ValueId in : m_net.inputs()) {
            const ir::Value& v = m_net.value(in);
            if (v.isConstant())
                continue;
            NNB_TRY(const ir::Shape shape, sampleShape(v));
            const int64_t count = product(shape);
            const int32_t layer = m_graph.addLayer(NeuronLayer{v.name, in, shape, m_graph.numNodes(),
                                                               static_cast<int32_t>(count)});
            const NeuronId first = m_graph.numNodes();
            for (int64_t e = 0; e < count; ++e)
                m_graph.addInput(layer, m_options.defaultSpikes);
            m_maps[static_cast<size_t>(in)] = ElementMap::identity(first, count);
        }
        NNB_TRY(const std::vector<ir::NodeId> order, m_net.topologicalOrder());
        for (const ir::NodeId id : order) {
            const ir::Node& node = m_net.node(id);
            auto ok = visit(node);
            if (!ok) {
                Error e = std::move(ok).error();
                if (e.context.empty())
                    e.context.push_back("node " + node.name + " (" + std::string(ir::opName(node.op)) + ")");
                return tl::unexpected<Error>(std::move(e));
            }
        }
        return std::move(m_graph);
    }

private:
    const ElementMap* mapOf(ir::ValueId v) const
    {
        return v == ir::kNoValue ? nullptr : m_maps[static_cast<size_t>(v)].get();
    }
    const ir::Tensor* constantOf(ir::ValueId v) const
    {
        return v == ir::kNoValue ? nullptr : m_net.value(v).constant.get();
    }

    Expected<void> visit(const ir::Node& node)
    {
        using ir::OpKind;
        // Nodes that read no spike-carrying value compute constants: nothing to expand.
        bool anySpikes = false;
        for (const ir::ValueId in : node.inputs)
            anySpikes = anySpikes || mapOf(in) != nullptr;
        if (!anySpikes)
            return {};
        switch (node.op) {
        case OpKind::Gemm:
        case OpKind::MatMul: return dense(node);
        case OpKind::Conv: return conv(node);
        case OpKind::MaxPool:
        case OpKind::AveragePool:
        case OpKind::GlobalAveragePool: return pool(node);
        case OpKind::Relu:
        case OpKind::LeakyRelu:
        case OpKind::Sigmoid:
        case OpKind::Tanh:
        case OpKind::Clip:
        case OpKind::Identity:
        case OpKind::Dropout:
        case OpKind::Softmax: // monotone per sample: classification by output spike counts is unchanged
        case OpKind::Flatten:
        case OpKind::Reshape: return passThrough(node);
        case OpKind::BatchNormalization: return batchNorm(node);
        case OpKind::Add:
        case OpKind::Sub: return addSub(node);
        case OpKind::Mul:
        case OpKind::Div: return scale(node);
        default: break;
        }
        return tl::unexpected<Error>(nodeError(Errc::UnsupportedOp, node,
                                               std::string(ir::opName(node.op)) +
                                                   " on spike-carrying values is not supported by the neuron-level expansion"));
    }

    Expected<void> passThrough(const ir::Node& node)
    {
        const ir::ValueId in = node.inputs[0];
        const ir::ValueId out = node.outputs[0];
        NNB_TRY(const ir::Shape outShape, sampleShape(m_net.value(out)));
        if (product(outShape) != mapOf(in)->elements())
            return makeError(Errc::Internal, "element count changes through a pass-through op");
        m_maps[static_cast<size_t>(out)] = m_maps[static_cast<size_t>(in)];
        return {};
    }

    /// Creates one layer of neurons for \p out; \p field(e, acc) adds neuron e's receptive field.
    template <class Field>
    Expected<void> neurons(const ir::Node& node, ir::ValueId out, int64_t count, Field&& field)
    {
        NNB_TRY(const ir::Shape shape, sampleShape(m_net.value(out)));
        const int32_t layer =
            m_graph.addLayer(NeuronLayer{node.name, out, shape, m_graph.numNodes(), static_cast<int32_t>(count)});
        const NeuronId first = m_graph.numNodes();
        for (int64_t e = 0; e < count; ++e) {
            field(e, m_acc);
            m_acc.take(m_ids, m_ws);
            m_graph.addNeuron(layer, m_ids, m_ws, NeuronKind::Neuron, m_options.defaultSpikes);
        }
        m_maps[static_cast<size_t>(out)] = ElementMap::identity(first, count);
        return {};
    }

    Expected<void> dense(const ir::Node& node)
    {
        const ElementMap* a = mapOf(node.inputs[0]);
        const ir::Tensor* b = constantOf(node.inputs[1]);
        if (a == nullptr || b == nullptr || mapOf(node.inputs[1]) != nullptr)
            return makeError(Errc::UnsupportedOp, "only a spiking left operand times constant weights is supported");
        if (b->rank() != 2 || b->dtype != ir::DataType::Float32)
            return makeError(Errc::UnsupportedOp, "weights must be a float matrix, got " + ir::shapeToString(b->shape));
        const bool isGemm = node.op == ir::OpKind::Gemm;
        if (isGemm && node.attrs.getInt("transA", 0) != 0)
            return makeError(Errc::UnsupportedOp, "Gemm with transA=1 is not supported");
        const bool transB = isGemm && node.attrs.getInt("transB", 0) != 0;
        const float alpha = isGemm ? node.attrs.getFloat("alpha", 1.0f) : 1.0f;
        const int64_t k = transB ? b->shape[1] : b->shape[0];
        const int64_t m = transB ? b->shape[0] : b->shape[1];
        NNB_TRY(const ir::Shape inShape, sampleShape(m_net.value(node.inputs[0])));
        if (inShape.size() != 1 || inShape[0] != k)
            return makeError(Errc::UnsupportedOp, "only [batch, K] inputs are supported, got " +
                                                      ir::shapeToString(m_net.value(node.inputs[0]).shape));
        const float* w = b->data();
        return neurons(node, node.outputs[0], m, [&](int64_t j, Accumulator& acc) {
            for (int64_t i = 0; i < k; ++i)
                acc.add(*a, i, alpha * (transB ? w[j * k + i] : w[i * m + j]));
        });
    }

    Expected<void> conv(const ir::Node& node)
    {
        const ElementMap* x = mapOf(node.inputs[0]);
        const ir::Tensor* w = constantOf(node.inputs[1]);
        if (x == nullptr || w == nullptr || mapOf(node.inputs[1]) != nullptr)
            return makeError(Errc::UnsupportedOp, "only spiking inputs convolved with constant weights are supported");
        NNB_TRY(const ir::Shape inShape, sampleShape(m_net.value(node.inputs[0])));
        if (inShape.size() != 3 || w->rank() != 4)
            return makeError(Errc::UnsupportedOp, "only 2-D convolutions of NCHW tensors are supported");
        const int64_t group = node.attrs.getInt("group", 1);
        const int64_t cin = inShape[0];
        const int64_t cout = w->shape[0];
        const int64_t cinPerGroup = w->shape[1];
        if (group <= 0 || cin != cinPerGroup * group || cout % group != 0)
            return makeError(Errc::InvalidModel, "inconsistent group and channel counts");
        NNB_TRY(const ir::WindowGeometry g,
                ir::computeWindowGeometry(node, inShape[1], inShape[2], w->shape[2], w->shape[3]));
        const int64_t coutPerGroup = cout / group;
        const float* wd = w->data();
        return neurons(node, node.outputs[0], cout * g.outH * g.outW, [&](int64_t e, Accumulator& acc) {
            const int64_t ox = e % g.outW;
            const int64_t oy = (e / g.outW) % g.outH;
            const int64_t oc = e / (g.outW * g.outH);
            const int64_t grp = oc / coutPerGroup;
            for (int64_t ci = 0; ci < cinPerGroup; ++ci) {
                const int64_t c = grp * cinPerGroup + ci;
                for (int64_t ky = 0; ky < g.kernelH; ++ky) {
                    const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
                    if (iy < 0 || iy >= g.inH)
                        continue; // padding: no synapse
                    for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                        const int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                        if (ix < 0 || ix >= g.inW)
                            continue;
                        const float weight = wd[((oc * cinPerGroup + ci) * g.kernelH + ky) * g.kernelW + kx];
                        acc.add(*x, (c * g.inH + iy) * g.inW + ix, weight);
                    }
                }
            }
        });
    }

    Expected<void> pool(const ir::Node& node)
    {
        const ElementMap* x = mapOf(node.inputs[0]);
        NNB_TRY(const ir::Shape inShape, sampleShape(m_net.value(node.inputs[0])));
        if (inShape.size() != 3)
            return makeError(Errc::UnsupportedOp, "only 2-D pooling of NCHW tensors is supported");
        const bool isMax = node.op == ir::OpKind::MaxPool;
        ir::WindowGeometry g;
        if (node.op == ir::OpKind::GlobalAveragePool) {
            g.kernelH = g.inH = inShape[1];
            g.kernelW = g.inW = inShape[2];
            g.outH = g.outW = 1;
        } else {
            const ir::Shape kernel = node.attrs.getInts("kernel_shape");
            if (kernel.size() != 2)
                return makeError(Errc::UnsupportedOp, "kernel_shape must have 2 entries");
            NNB_TRY(g, ir::computeWindowGeometry(node, inShape[1], inShape[2], kernel[0], kernel[1]));
        }
        const bool countIncludePad = node.attrs.getInt("count_include_pad", 0) != 0;
        const int64_t channels = inShape[0];
        // The window of output element e: its input elements and the weight each gets.
        auto window = [&](int64_t e, Accumulator& acc) {
            const int64_t ox = e % g.outW;
            const int64_t oy = (e / g.outW) % g.outH;
            const int64_t c = e / (g.outW * g.outH);
            int64_t inside = 0, padded = 0;
            for (int pass = 0; pass < 2; ++pass) {
                const float weight = isMax ? 1.0f
                                           : 1.0f / static_cast<float>(std::max<int64_t>(
                                                        1, countIncludePad ? padded : inside));
                for (int64_t ky = 0; ky < g.kernelH; ++ky) {
                    const int64_t iy = oy * g.strideH - g.padTop + ky * g.dilationH;
                    for (int64_t kx = 0; kx < g.kernelW; ++kx) {
                        const int64_t ix = ox * g.strideW - g.padLeft + kx * g.dilationW;
                        const bool inPadded = iy >= -g.padTop && iy < g.inH + g.padBottom &&
                                              ix >= -g.padLeft && ix < g.inW + g.padRight;
                        const bool in = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
                        if (pass == 0) {
                            padded += inPadded ? 1 : 0;
                            inside += in ? 1 : 0;
                        } else if (in) {
                            acc.add(*x, (c * g.inH + iy) * g.inW + ix, weight);
                        }
                    }
                }
            }
        };
        const int64_t count = channels * g.outH * g.outW;
        if (m_options.pooling == PoolingMode::Neurons)
            return neurons(node, node.outputs[0], count, window);
        auto folded = std::make_shared<ElementMap>();
        for (int64_t e = 0; e < count; ++e) {
            window(e, m_acc);
            m_acc.take(m_ids, m_ws);
            folded->addElement(m_ids, m_ws);
        }
        m_maps[static_cast<size_t>(node.outputs[0])] = std::move(folded);
        return {};
    }

    /// \returns \p map with element e's coefficients multiplied by factor(e).
    template <class Factor>
    static std::shared_ptr<ElementMap> scaled(const ElementMap& map, Factor&& factor)
    {
        auto m = std::make_shared<ElementMap>(map);
        for (int64_t e = 0; e < m->elements(); ++e) {
            const float f = factor(e);
            for (auto t = m->offsets[static_cast<size_t>(e)]; t < m->offsets[static_cast<size_t>(e) + 1]; ++t)
                m->coef[static_cast<size_t>(t)] *= f;
        }
        return m;
    }

    Expected<void> batchNorm(const ir::Node& node)
    {
        const ElementMap* x = mapOf(node.inputs[0]);
        const ir::Tensor* gamma = constantOf(node.inputs[1]);
        const ir::Tensor* var = constantOf(node.inputs[4]);
        if (x == nullptr || gamma == nullptr || var == nullptr)
            return makeError(Errc::UnsupportedOp, "BatchNormalization needs constant scale and variance");
        NNB_TRY(const ir::Shape shape, sampleShape(m_net.value(node.inputs[0])));
        if (shape.empty())
            return makeError(Errc::UnsupportedOp, "BatchNormalization of a scalar");
        const int64_t channels = shape[0];
        const int64_t spatial = product(shape) / channels;
        const float eps = node.attrs.getFloat("epsilon", 1e-5f);
        m_maps[static_cast<size_t>(node.outputs[0])] = scaled(*x, [&](int64_t e) {
            const auto c = static_cast<size_t>(e / spatial);
            return gamma->f[c] / std::sqrt(var->f[c] + eps);
        });
        return {};
    }

    Expected<void> addSub(const ir::Node& node)
    {
        const ElementMap* a = mapOf(node.inputs[0]);
        const ElementMap* b = mapOf(node.inputs[1]);
        const bool sub = node.op == ir::OpKind::Sub;
        const ir::ValueId out = node.outputs[0];
        NNB_TRY(const ir::Shape outShape, sampleShape(m_net.value(out)));
        const int64_t count = product(outShape);
        if (a == nullptr || b == nullptr) {
            // One side is a constant: a bias, which is not a synapse.
            const ElementMap* x = a != nullptr ? a : b;
            if (x->elements() != count)
                return makeError(Errc::UnsupportedOp, "broadcasting a spike-carrying operand is not supported");
            const float sign = (sub && a == nullptr) ? -1.0f : 1.0f;
            m_maps[static_cast<size_t>(out)] =
                sign > 0 ? m_maps[static_cast<size_t>(a != nullptr ? node.inputs[0] : node.inputs[1])]
                         : scaled(*x, [](int64_t) { return -1.0f; });
            return {};
        }
        if (a->elements() != count || b->elements() != count)
            return makeError(Errc::UnsupportedOp, "broadcasting a spike-carrying operand is not supported");
        auto merged = std::make_shared<ElementMap>();
        for (int64_t e = 0; e < count; ++e) {
            m_acc.add(*a, e, 1.0f);
            m_acc.add(*b, e, sub ? -1.0f : 1.0f);
            m_acc.take(m_ids, m_ws);
            merged->addElement(m_ids, m_ws);
        }
        m_maps[static_cast<size_t>(out)] = std::move(merged);
        return {};
    }

    Expected<void> scale(const ir::Node& node)
    {
        const ElementMap* a = mapOf(node.inputs[0]);
        const ir::Tensor* c = constantOf(node.inputs[1]);
        if (a == nullptr || c == nullptr || c->size() != 1 || c->dtype != ir::DataType::Float32)
            return makeError(Errc::UnsupportedOp, "only a spike-carrying value times or over a constant scalar is supported");
        const float f = node.op == ir::OpKind::Mul ? c->f[0] : 1.0f / c->f[0];
        m_maps[static_cast<size_t>(node.outputs[0])] = scaled(*a, [f](int64_t) { return f; });
        return {};
    }

    const ir::Graph& m_net;
    NeuronGraphOptions m_options;
    NeuronGraph m_graph;
    std::vector<MapPtr> m_maps;
    Accumulator m_acc;
    std::vector<NeuronId> m_ids;
    std::vector<float> m_ws;
};

} // namespace

Expected<NeuronGraph> buildNeuronGraph(const ir::Graph& network, const NeuronGraphOptions& options)
{
    Builder builder(network, options);
    return builder.run();
}

} // namespace nnb::snn
