// SPDX-License-Identifier: GPL-3.0-or-later
// reform-elementwise: what remains between the linear layers.
//  - A residual Add (or Sub) of two runtime tensors becomes one core-op over their
//    concatenation with identity weights [I, ±I] (ASPLOS'18 graph reform).
//  - Add/Sub/Mul/Div by a per-channel constant, and a BatchNormalization that could not be
//    folded, are per-channel affine maps y = s·x + t: folded into the producing core-op when it
//    is linear and used once, otherwise a depthwise (block-diagonal) core-op.
//  - A Relu that no core-op absorbed becomes an identity core-op with a ReLU neuron.
#include <cmath>

#include "nnb/ir/shape_inference.h"
#include "passes/core_op_builder.h"
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

/// \returns the per-channel vector of constant \p c broadcast against a tensor of shape \p x
/// (channels on axis 1), or nullopt when it varies along another axis.
std::optional<std::vector<float>> perChannel(const ir::Tensor& c, const ir::Shape& x)
{
    if (x.size() < 2 || x[1] < 0 || c.dtype != ir::DataType::Float32)
        return std::nullopt;
    const int64_t channels = x[1];
    if (c.size() == 1)
        return std::vector<float>(static_cast<size_t>(channels), c.f[0]);
    // Right-aligned broadcasting: the constant's dimension for axis 1 must be C, all others 1.
    const auto offset = static_cast<int64_t>(x.size()) - c.rank();
    if (offset < 0)
        return std::nullopt;
    for (int d = 0; d < c.rank(); ++d) {
        const int64_t axis = offset + d;
        const int64_t dim = c.shape[static_cast<size_t>(d)];
        if (axis == 1 ? dim != channels : dim != 1)
            return std::nullopt;
    }
    return c.f;
}

class ReformElementwisePass final : public PassBase<PassId::ReformElementwise> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext&) override
    {
        const auto consumers = graph.consumers();
        const int originalCount = graph.numNodes();
        std::vector<bool> dead(static_cast<size_t>(originalCount), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < originalCount; ++n) {
            if (dead[static_cast<size_t>(n)])
                continue;
            const ir::Node node = graph.node(n);
            bool done = false;
            switch (node.op) {
            case ir::OpKind::Add:
            case ir::OpKind::Sub:
            case ir::OpKind::Mul:
            case ir::OpKind::Div: done = reformBinary(graph, consumers, node, dead); break;
            case ir::OpKind::BatchNormalization: done = reformBatchNorm(graph, consumers, node, dead); break;
            case ir::OpKind::Relu: done = emitAffine(graph, consumers, node, ones(graph, node), zeros(graph, node), dead, true); break;
            default: break;
            }
            if (done) {
                dead[static_cast<size_t>(n)] = true;
                changed = true;
            }
        }
        return commitRewrite(graph, dead, changed);
    }

    static std::vector<float> ones(const ir::Graph& g, const ir::Node& n)
    {
        return std::vector<float>(static_cast<size_t>(std::max<int64_t>(0, g.value(n.inputs[0]).shape.at(1))), 1.0f);
    }
    static std::vector<float> zeros(const ir::Graph& g, const ir::Node& n)
    {
        return std::vector<float>(static_cast<size_t>(std::max<int64_t>(0, g.value(n.inputs[0]).shape.at(1))), 0.0f);
    }

    /// If the only reader of \p value is a Relu, marks it dead and \returns its output.
    static std::optional<ir::ValueId> fuseRelu(const ir::Graph& graph, const std::vector<std::vector<ir::NodeId>>& consumers,
                                               ir::ValueId value, std::vector<bool>& dead)
    {
        if (!hasSingleUse(graph, consumers, value))
            return std::nullopt;
        const ir::NodeId user = consumers[static_cast<size_t>(value)][0];
        if (graph.node(user).op != ir::OpKind::Relu || static_cast<size_t>(user) >= dead.size())
            return std::nullopt;
        dead[static_cast<size_t>(user)] = true;
        return graph.node(user).outputs[0];
    }

    static bool reformBinary(ir::Graph& graph, const std::vector<std::vector<ir::NodeId>>& consumers, const ir::Node& node,
                             std::vector<bool>& dead)
    {
        const ir::Tensor* c0 = constantInput(graph, node, 0);
        const ir::Tensor* c1 = constantInput(graph, node, 1);
        const ir::Shape& out = graph.value(node.outputs[0]).shape;
        if (!c0 && !c1) {
            if ((node.op != ir::OpKind::Add && node.op != ir::OpKind::Sub) ||
                graph.value(node.inputs[0]).shape != out || graph.value(node.inputs[1]).shape != out)
                return false;
            return reformResidual(graph, consumers, node, dead);
        }
        if (c0 && c1)
            return false;
        const bool constantFirst = c0 != nullptr;
        const ir::ValueId x = node.inputs[constantFirst ? 1 : 0];
        if (graph.value(x).shape != out)
            return false; // the constant broadcasts the tensor up: not element-wise on x
        const auto c = perChannel(constantFirst ? *c0 : *c1, out);
        if (!c)
            return false;
        std::vector<float> scale(c->size(), 1.0f), shift(c->size(), 0.0f);
        for (size_t k = 0; k < c->size(); ++k) {
            const float v = (*c)[k];
            switch (node.op) {
            case ir::OpKind::Add: shift[k] = v; break;
            case ir::OpKind::Sub: constantFirst ? (scale[k] = -1.0f, shift[k] = v) : (shift[k] = -v); break;
            case ir::OpKind::Mul: scale[k] = v; break;
            case ir::OpKind::Div:
                if (constantFirst || v == 0.0f)
                    return false; // c / x is not affine
                scale[k] = 1.0f / v;
                break;
            default: return false;
            }
        }
        ir::Node affineNode = node;
        affineNode.inputs = {x};
        return emitAffine(graph, consumers, affineNode, scale, shift, dead, false);
    }

    static bool reformBatchNorm(ir::Graph& graph, const std::vector<std::vector<ir::NodeId>>& consumers, const ir::Node& node,
                                std::vector<bool>& dead)
    {
        const auto affine = batchNormAffine(graph, node);
        if (!affine)
            return false;
        ir::Node affineNode = node;
        affineNode.inputs = {node.inputs[0]};
        return emitAffine(graph, consumers, affineNode, affine->scale, affine->shift, dead, false);
    }

    /// y = scale·x + shift per channel: folded into a linear single-use producer core-op, or a
    /// depthwise core-op of its own.
    static bool emitAffine(ir::Graph& graph, const std::vector<std::vector<ir::NodeId>>& consumers, const ir::Node& node,
                           const std::vector<float>& scale, const std::vector<float>& shift, std::vector<bool>& dead,
                           bool isRelu)
    {
        const ir::ValueId x = node.inputs[0];
        const ir::Shape& shape = graph.value(x).shape;
        if ((shape.size() != 2 && shape.size() != 4) || shape[1] < 0 || static_cast<int64_t>(scale.size()) != shape[1])
            return false;
        const int64_t channels = shape[1];
        std::string activation = isRelu ? "relu" : "none";
        ir::ValueId output = node.outputs[0];
        if (!isRelu)
            if (const auto relu = fuseRelu(graph, consumers, node.outputs[0], dead)) {
                activation = "relu";
                output = *relu;
            }

        const ir::NodeId producerId = graph.value(x).producer;
        if (producerId != ir::kNoNode && hasSingleUse(graph, consumers, x) &&
            graph.node(producerId).op == ir::OpKind::CoreOp &&
            graph.node(producerId).attrs.getString("activation", "none") == "none" &&
            graph.node(producerId).attrs.getInt("group", 1) == 1) {
            foldIntoProducer(graph, producerId, scale, shift, activation, output);
            return true;
        }
        CoreOpSpec spec;
        spec.kind = shape.size() == 4 ? "conv" : "dense";
        spec.layer = node.name;
        spec.role = "affine";
        spec.group = channels;
        spec.structural = isRelu;
        spec.activation = activation;
        spec.window = pointwiseWindow();
        ir::Tensor w = shape.size() == 4 ? ir::Tensor::fromData({channels, 1, 1, 1}, scale)
                                         : ir::Tensor::fromData({1, channels}, scale);
        addCoreOp(graph, node.name, spec, x, std::move(w), ir::Tensor::fromData({channels}, shift), output);
        return true;
    }

    /// Scales the producer's output columns and adds the shift to its bias.
    static void foldIntoProducer(ir::Graph& graph, ir::NodeId producerId, const std::vector<float>& scale,
                                 const std::vector<float>& shift, const std::string& activation, ir::ValueId output)
    {
        ir::Node& p = graph.node(producerId);
        ir::Tensor w = *graph.value(p.inputs[1]).constant;
        const bool conv = p.attrs.getString("kind", "dense") == "conv";
        const auto m = static_cast<int64_t>(scale.size());
        if (conv) {
            const int64_t per = w.size() / m;
            for (int64_t o = 0; o < m; ++o)
                for (int64_t k = 0; k < per; ++k)
                    w.f[static_cast<size_t>(o * per + k)] *= scale[static_cast<size_t>(o)];
        } else {
            const int64_t rows = w.shape[0];
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t o = 0; o < m; ++o)
                    w.f[static_cast<size_t>(r * m + o)] *= scale[static_cast<size_t>(o)];
        }
        std::vector<float> bias(static_cast<size_t>(m), 0.0f);
        if (p.inputs.size() > 2 && p.inputs[2] >= 0)
            bias = graph.value(p.inputs[2]).constant->f;
        for (int64_t o = 0; o < m; ++o)
            bias[static_cast<size_t>(o)] = bias[static_cast<size_t>(o)] * scale[static_cast<size_t>(o)] + shift[static_cast<size_t>(o)];
        const std::string name = p.name;
        const ir::ValueId wId = graph.addConstant(graph.uniqueValueName(name + ".W"), std::move(w));
        const ir::ValueId bId = graph.addConstant(graph.uniqueValueName(name + ".b"), ir::Tensor::fromData({m}, bias));
        ir::Node& producer = graph.node(producerId); // re-fetch: addConstant does not touch nodes, but be explicit
        producer.inputs.resize(3);
        producer.inputs[1] = wId;
        producer.inputs[2] = bId;
        producer.attrs.set("activation", activation);
        const ir::ValueId old = producer.outputs[0];
        if (old != output) {
            // The producer now writes the affine map's (or fused Relu's) output directly.
            producer.outputs[0] = output;
            graph.value(output).producer = producerId;
            graph.value(old).producer = ir::kNoNode;
        }
    }

    static bool reformResidual(ir::Graph& graph, const std::vector<std::vector<ir::NodeId>>& consumers, const ir::Node& node,
                               std::vector<bool>& dead)
    {
        const ir::Shape& shape = graph.value(node.outputs[0]).shape;
        if ((shape.size() != 2 && shape.size() != 4) || shape[1] < 0)
            return false;
        const int64_t c = shape[1];
        const float sign = node.op == ir::OpKind::Sub ? -1.0f : 1.0f;
        std::string activation = "none";
        ir::ValueId output = node.outputs[0];
        if (const auto relu = fuseRelu(graph, consumers, node.outputs[0], dead)) {
            activation = "relu";
            output = *relu;
        }
        const ir::ValueId joined = addConcat(graph, node.name + ".concat", node.name, {node.inputs[0], node.inputs[1]}, 1);
        CoreOpSpec spec;
        spec.kind = shape.size() == 4 ? "conv" : "dense";
        spec.layer = node.name;
        spec.role = "residual";
        spec.structural = true;
        spec.activation = activation;
        spec.window = pointwiseWindow();
        ir::Tensor w;
        if (shape.size() == 4) {
            w = ir::Tensor::filled({c, 2 * c, 1, 1});
            for (int64_t k = 0; k < c; ++k) {
                w.f[static_cast<size_t>(k * 2 * c + k)] = 1.0f;
                w.f[static_cast<size_t>(k * 2 * c + c + k)] = sign;
            }
        } else {
            w = ir::Tensor::filled({2 * c, c});
            for (int64_t k = 0; k < c; ++k) {
                w.f[static_cast<size_t>(k * c + k)] = 1.0f;
                w.f[static_cast<size_t>((c + k) * c + k)] = sign;
            }
        }
        addCoreOp(graph, node.name, spec, joined, std::move(w), std::nullopt, output);
        return true;
    }
};

} // namespace

std::unique_ptr<Pass> createReformElementwisePass() { return std::make_unique<ReformElementwisePass>(); }

} // namespace nnb::passes::detail
