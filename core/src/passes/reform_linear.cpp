// SPDX-License-Identifier: GPL-3.0-or-later
// reform-linear: Gemm, MatMul and Conv with constant weights become core-ops y = f(W·x + b)
// (ASPLOS'18 graph reform). A Relu that alone consumes the result is fused as the core-op's
// neuron function, since the hardware neuron applies it anyway. Convolutions keep their weights
// shared over output positions: one crossbar tile serves every position in turn.
#include "nnb/ir/shape_inference.h"
#include "passes/core_op_builder.h"
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

/// W [K, M] and b [M] of a Gemm Y = alpha·A·op(B) + beta·C, or nullopt if it is not a core-op.
struct DenseWeights {
    ir::Tensor weight;
    std::optional<ir::Tensor> bias;
};

std::optional<DenseWeights> gemmWeights(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor* b = constantInput(graph, node, 1);
    if (!b || b->dtype != ir::DataType::Float32 || b->rank() != 2 || node.attrs.getInt("transA", 0) != 0 ||
        graph.value(node.inputs[0]).shape.size() != 2)
        return std::nullopt;
    const bool transB = node.attrs.getInt("transB", 0) != 0;
    const float alpha = node.attrs.getFloat("alpha", 1.0f);
    const int64_t k = transB ? b->shape[1] : b->shape[0];
    const int64_t m = transB ? b->shape[0] : b->shape[1];
    DenseWeights out{ir::Tensor::filled({k, m}), std::nullopt};
    for (int64_t r = 0; r < k; ++r)
        for (int64_t c = 0; c < m; ++c)
            out.weight.f[static_cast<size_t>(r * m + c)] =
                alpha * b->f[static_cast<size_t>(transB ? c * k + r : r * m + c)];
    if (node.inputs.size() > 2 && node.inputs[2] >= 0) {
        const ir::Tensor* c = constantInput(graph, node, 2);
        // Only a bias shared by all rows ([M], [1, M] or a scalar) is a core-op bias.
        if (!c || c->dtype != ir::DataType::Float32 || (c->size() != m && c->size() != 1))
            return std::nullopt;
        const float beta = node.attrs.getFloat("beta", 1.0f);
        ir::Tensor bias = ir::Tensor::filled({m});
        for (int64_t j = 0; j < m; ++j)
            bias.f[static_cast<size_t>(j)] = beta * c->f[static_cast<size_t>(c->size() == 1 ? 0 : j)];
        out.bias = std::move(bias);
    }
    return out;
}

std::optional<DenseWeights> matMulWeights(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor* b = constantInput(graph, node, 1);
    if (!b || b->dtype != ir::DataType::Float32 || b->rank() != 2 || graph.value(node.inputs[0]).shape.size() != 2)
        return std::nullopt;
    return DenseWeights{*b, std::nullopt};
}

/// Conv attributes of the core-op: window with pads made explicit.
std::optional<ir::Attributes> convWindow(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor* w = constantInput(graph, node, 1);
    const ir::Shape& x = graph.value(node.inputs[0]).shape;
    if (!w || w->dtype != ir::DataType::Float32 || x.size() != 4 || x[2] < 0 || x[3] < 0)
        return std::nullopt;
    if (node.inputs.size() > 2 && node.inputs[2] >= 0 && !constantInput(graph, node, 2))
        return std::nullopt;
    const auto g = ir::computeWindowGeometry(node, x[2], x[3], w->shape[2], w->shape[3]);
    if (!g)
        return std::nullopt;
    ir::Attributes attrs;
    attrs.set("strides", std::vector<int64_t>{g->strideH, g->strideW});
    attrs.set("dilations", std::vector<int64_t>{g->dilationH, g->dilationW});
    attrs.set("pads", std::vector<int64_t>{g->padTop, g->padLeft, g->padBottom, g->padRight});
    return attrs;
}

class ReformLinearPass final : public PassBase<PassId::ReformLinear> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        const auto consumers = graph.consumers();
        const int originalCount = graph.numNodes();
        std::vector<bool> dead(static_cast<size_t>(originalCount), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < originalCount; ++n) {
            if (ctx.run.cancelled())
                return makeError(Errc::Cancelled, "compile cancelled");
            const ir::Node node = graph.node(n); // a copy: addNode below may reallocate the node list
            CoreOpSpec spec;
            spec.layer = node.name;
            std::optional<DenseWeights> dense;
            ir::Tensor convWeight;
            std::optional<ir::Tensor> convBias;
            if (node.op == ir::OpKind::Gemm) {
                dense = gemmWeights(graph, node);
            } else if (node.op == ir::OpKind::MatMul) {
                dense = matMulWeights(graph, node);
            } else if (node.op == ir::OpKind::Conv) {
                const auto window = convWindow(graph, node);
                if (!window)
                    continue;
                spec.kind = "conv";
                spec.window = *window;
                spec.group = node.attrs.getInt("group", 1);
                convWeight = *constantInput(graph, node, 1);
                if (const ir::Tensor* b = constantInput(graph, node, 2))
                    convBias = *b;
            } else {
                continue;
            }
            if (spec.kind == "dense" && !dense)
                continue; // stays as it is; place-host-ops reports it

            // Fuse a Relu that is the only reader of the result.
            ir::ValueId output = node.outputs[0];
            const ir::ValueId result = node.outputs[0];
            if (hasSingleUse(graph, consumers, result)) {
                const ir::NodeId user = consumers[static_cast<size_t>(result)][0];
                if (graph.node(user).op == ir::OpKind::Relu) {
                    spec.activation = "relu";
                    output = graph.node(user).outputs[0];
                    dead[static_cast<size_t>(user)] = true;
                }
            }
            dead[static_cast<size_t>(n)] = true;
            if (spec.kind == "conv")
                addCoreOp(graph, node.name, spec, node.inputs[0], std::move(convWeight), std::move(convBias), output);
            else
                addCoreOp(graph, node.name, spec, node.inputs[0], std::move(dense->weight), std::move(dense->bias), output);
            changed = true;
        }
        return commitRewrite(graph, dead, changed);
    }
};

} // namespace

std::unique_ptr<Pass> createReformLinearPass() { return std::make_unique<ReformLinearPass>(); }

} // namespace nnb::passes::detail
