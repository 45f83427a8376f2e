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
// A dense core-op, or the row-split partial core-ops of an Accumulate (each widened; the first
// partial carries the bias and so the offsets), whose k-fold width still fits one crossbar is
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

/// \returns why \p node (a CoreOp) cannot be widened to \p copies copies of its columns, or "".
std::string unwidenable(const ir::Graph& graph, const ir::Node& node, int64_t copies, int64_t crossbarCols)
{
    const ir::Tensor* w = constantInput(graph, node, 1);
    if (node.attrs.getString("kind", "dense") != "dense" || node.attrs.getInt("group", 1) != 1 || w == nullptr || w->rank() != 2)
        return "only a dense, ungrouped core-op can be widened";
    if (w->shape[1] * copies > crossbarCols)
        return std::to_string(copies) + " x " + std::to_string(w->shape[1]) + " columns exceed the crossbar's "
               + std::to_string(crossbarCols) + "; choose a smaller quantization.output_expansion";
    return {};
}

/// Widens CoreOp \p p to \p copies copies of its columns (copy i in [i·C, (i+1)·C)), with the
/// same weights and bias (zeros when it has none and \p needsBias); its output becomes a new
/// value. \returns that value.
ir::ValueId widen(ir::Graph& graph, ir::NodeId p, int64_t copies, bool needsBias)
{
    const ir::Node& node = graph.node(p);
    const ir::Tensor& w = *constantInput(graph, node, 1);
    const int64_t in = w.shape[0], cols = w.shape[1];
    ir::Tensor wide = ir::Tensor::filled({in, cols * copies});
    for (int64_t r = 0; r < in; ++r)
        for (int64_t i = 0; i < copies; ++i)
            for (int64_t c = 0; c < cols; ++c)
                wide.f[static_cast<size_t>(r * cols * copies + i * cols + c)] = w.f[static_cast<size_t>(r * cols + c)];
    const ir::Tensor* b = constantInput(graph, node, 2);
    ir::Tensor bias = ir::Tensor::filled({cols * copies});
    if (b != nullptr)
        for (int64_t i = 0; i < copies; ++i)
            for (int64_t c = 0; c < cols; ++c)
                bias.f[static_cast<size_t>(i * cols + c)] = b->f[static_cast<size_t>(c)];

    const std::string name = node.name;
    const ir::ValueId out = node.outputs[0];
    const ir::ValueId wv = graph.addConstant(graph.uniqueValueName(name + ".weight.copies"), std::move(wide));
    ir::ValueId bv = ir::kNoValue;
    if (b != nullptr || needsBias)
        bv = graph.addConstant(graph.uniqueValueName(name + ".bias.copies"), std::move(bias));
    const ir::ValueId wideOut = graph.addValue(graph.uniqueValueName(graph.value(out).name + ".copies"));
    ir::Node& n = graph.node(p);
    n.inputs.resize(bv == ir::kNoValue ? 2 : 3);
    n.inputs[1] = wv;
    if (bv != ir::kNoValue)
        n.inputs[2] = bv;
    n.outputs[0] = wideOut;
    n.attrs.set("copies", copies);
    graph.value(wideOut).producer = p;
    return wideOut;
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
            // Copy i occupies columns [i·C, (i+1)·C): same weights, same bias (the quantiser adds
            // the offsets once it knows the step).
            const auto consumers = graph.consumers();
            std::string why;
            ir::ValueId wideOut = ir::kNoValue;
            int64_t cols = 0;
            const std::string name = node.name;
            if (node.op == ir::OpKind::CoreOp) {
                why = unwidenable(graph, node, copies, ctx.profile.crossbar.cols);
                if (why.empty()) {
                    cols = constantInput(graph, node, 1)->shape[1];
                    wideOut = widen(graph, p, copies, /*needsBias=*/true);
                }
            } else if (node.op == ir::OpKind::Accumulate) {
                for (ir::ValueId in : node.inputs) {
                    const ir::NodeId q = graph.value(in).producer;
                    if (q == ir::kNoNode || graph.node(q).op != ir::OpKind::CoreOp || consumers[static_cast<size_t>(in)].size() != 1)
                        why = "a partial sum of the output is not a core-op read only by its accumulation";
                    else if (why.empty())
                        why = unwidenable(graph, graph.node(q), copies, ctx.profile.crossbar.cols);
                }
                if (why.empty()) {
                    cols = constantInput(graph, graph.node(graph.value(node.inputs[0]).producer), 1)->shape[1];
                    const std::vector<ir::ValueId> partials = node.inputs;
                    for (size_t k = 0; k < partials.size(); ++k)
                        graph.node(p).inputs[k] = widen(graph, graph.value(partials[k]).producer, copies, /*needsBias=*/k == 0);
                    wideOut = graph.addValue(graph.uniqueValueName(graph.value(v).name + ".copies"));
                    graph.node(p).outputs[0] = wideOut;
                    graph.node(p).attrs.set("copies", copies);
                    graph.value(wideOut).producer = p;
                }
            } else {
                why = "the output comes from " + std::string(ir::opName(node.op));
            }
            if (!why.empty()) {
                skip(why);
                continue;
            }
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
