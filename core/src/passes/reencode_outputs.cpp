// SPDX-License-Identifier: GPL-3.0-or-later
// reencode-outputs: data re-encoding (ASPLOS'18 §data re-encoding) of the values the chip hands
// to the host, when the strategy asks for it (quantization.output_expansion = k > 1).
//
// A network output read through b-bit neurons has only 2^b − 1 steps: with 4-bit outputs most
// arg-max decisions between close logits become ties. The core-op producing such an output is
// widened to k copies of each neuron (same weights: a wider layer with shared inputs); at
// quantisation the copies' biases are offset by (i − (k−1)/2)/k of one code step Δ (see
// sim::quantizeNetwork) and the host averages them (MergeCopies). By Hermite's identity,
// Σ_i round(u + (i − (k−1)/2)/k) = round(k·u), so the mean lands exactly on a grid of step Δ/k
// over the same range: k·(2^b − 1) levels for k times the columns.
//
// Only a dense core-op (not partial sums) whose k-fold width still fits one crossbar is
// re-encoded; anything else is left as it is with a warning naming the layer.
#include <string>

#include "passes/core_op_builder.h"
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

/// \returns the value the chip produces for graph output \p out: its own, or the input of a
/// final host Softmax (which then runs on the decoded value).
ir::ValueId chipOutputOf(const ir::Graph& graph, ir::ValueId out)
{
    const ir::NodeId p = graph.value(out).producer;
    if (p != ir::kNoNode && graph.node(p).op == ir::OpKind::Softmax)
        return graph.node(p).inputs[0];
    return out;
}

class ReencodeOutputsPass final : public PassBase<PassId::ReencodeOutputs> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        const int64_t copies = ctx.strategy.quantization.outputExpansion;
        if (copies <= 1)
            return false;
        bool changed = false;
        for (ir::ValueId graphOutput : std::vector<ir::ValueId>(graph.outputs())) {
            const ir::ValueId v = chipOutputOf(graph, graphOutput);
            const ir::NodeId p = graph.value(v).producer;
            if (p == ir::kNoNode || graph.node(p).op == ir::OpKind::MergeCopies)
                continue;
            const ir::Node& node = graph.node(p);
            const std::string layer = node.attrs.getString("layer", node.name);
            const auto skip = [&](const std::string& why) {
                ctx.diagnostics.push_back({Severity::Warning, layer,
                                           "output re-encoding over " + std::to_string(copies) + " neurons skipped: " + why});
            };
            if (node.op != ir::OpKind::CoreOp) {
                skip("the output comes from " + std::string(ir::opName(node.op))
                     + (node.op == ir::OpKind::Accumulate ? " (partial sums; use larger crossbars)" : ""));
                continue;
            }
            const ir::Tensor* w = constantInput(graph, node, 1);
            if (node.attrs.getString("kind", "dense") != "dense" || node.attrs.getInt("group", 1) != 1 || w == nullptr
                || w->rank() != 2) {
                skip("only a dense, ungrouped core-op can be widened");
                continue;
            }
            const int64_t in = w->shape[0], cols = w->shape[1];
            if (cols * copies > ctx.profile.crossbar.cols) {
                skip(std::to_string(copies) + " x " + std::to_string(cols) + " columns exceed the crossbar's "
                     + std::to_string(ctx.profile.crossbar.cols) + "; choose a smaller quantization.output_expansion");
                continue;
            }

            // Copy i occupies columns [i·cols, (i+1)·cols): same weights, same bias (the
            // quantiser adds the offsets once it knows the step).
            ir::Tensor wide = ir::Tensor::filled({in, cols * copies});
            for (int64_t r = 0; r < in; ++r)
                for (int64_t i = 0; i < copies; ++i)
                    for (int64_t c = 0; c < cols; ++c)
                        wide.f[static_cast<size_t>(r * cols * copies + i * cols + c)] = w->f[static_cast<size_t>(r * cols + c)];
            ir::Tensor bias = ir::Tensor::filled({cols * copies});
            if (const ir::Tensor* b = constantInput(graph, node, 2))
                for (int64_t i = 0; i < copies; ++i)
                    for (int64_t c = 0; c < cols; ++c)
                        bias.f[static_cast<size_t>(i * cols + c)] = b->f[static_cast<size_t>(c)];

            const std::string name = node.name;
            const ir::ValueId wv = graph.addConstant(graph.uniqueValueName(name + ".weight.copies"), std::move(wide));
            const ir::ValueId bv = graph.addConstant(graph.uniqueValueName(name + ".bias.copies"), std::move(bias));
            const ir::ValueId wideOut = graph.addValue(graph.uniqueValueName(graph.value(v).name + ".copies"));
            ir::Node& n = graph.node(p);
            n.inputs.resize(3);
            n.inputs[1] = wv;
            n.inputs[2] = bv;
            n.outputs[0] = wideOut;
            n.attrs.set("copies", copies);
            graph.value(wideOut).producer = p;
            ir::Attributes attrs;
            attrs.set("copies", copies);
            attrs.set("layer", layer);
            attrs.set("placement", std::string("host"));
            graph.addNode(name + ".merge_copies", ir::OpKind::MergeCopies, {wideOut}, {v}, std::move(attrs));
            ctx.diagnostics.push_back({Severity::Info, layer,
                                       "outputs re-encoded over " + std::to_string(copies) + " neurons each ("
                                           + std::to_string(cols * copies) + " columns); the host averages them"});
            changed = true;
        }
        return commitRewrite(graph, std::vector<bool>(static_cast<size_t>(graph.numNodes()), false), changed);
    }
};

} // namespace

std::unique_ptr<Pass> createReencodeOutputsPass() { return std::make_unique<ReencodeOutputsPass>(); }

} // namespace nnb::passes::detail
