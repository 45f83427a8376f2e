// SPDX-License-Identifier: GPL-3.0-or-later
// split-merge: makes every core-op fit one crossbar of R rows (inputs) × C columns (outputs)
// (ASPLOS'18 §split and merge).
//  - Grouped core-ops whose groups fit are packed, several groups per crossbar (block-diagonal).
//    Groups that do not fit are split into one core-op per group first.
//  - Column splits are free: disjoint outputs, joined by a Concat (routing).
//  - Row splits produce partial sums. With digital accumulation (exact_partial_sums) the
//    partials add exactly in an Accumulate node, which then applies the neuron function. Through
//    hardware neurons only (merge_layer), each partial core-op emits relu(p) and relu(−p) (weights
//    W and −W) and a merge core-op computes f(Σ relu(p) − relu(−p) + b) = f(W·x + b); its fan-in
//    2·blocks·width is kept within R by narrowing the column blocks, and if even one column
//    needs more rows the merge core-op is split again on the next round.
// Convolutions split input channels (whole kernels per row block) and output channels.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "nnb/ir/shape_inference.h"
#include "passes/core_op_builder.h"
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The crossbar footprint of a core-op, per group.
struct Footprint {
    bool conv = false;
    int64_t group = 1;
    int64_t inUnits = 0;   ///< dense: input features per group; conv: input channels per group
    int64_t rowsPerUnit = 1; ///< conv: kh·kw rows per input channel
    int64_t outPerGroup = 0;
    int64_t rows() const { return inUnits * rowsPerUnit; }
};

Footprint footprintOf(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Tensor& w = *graph.value(node.inputs[1]).constant;
    Footprint f;
    f.conv = node.attrs.getString("kind", "dense") == "conv";
    f.group = node.attrs.getInt("group", 1);
    if (f.conv) {
        f.inUnits = w.shape[1];
        f.rowsPerUnit = w.shape[2] * w.shape[3];
        f.outPerGroup = w.shape[0] / f.group;
    } else {
        f.inUnits = w.shape[0];
        f.outPerGroup = w.shape[1] / f.group;
    }
    return f;
}

/// Weight block of a g=1 core-op: input units [u0, u1) × outputs [o0, o1), optionally with the
/// negated copy appended as extra outputs (merge-layer partials).
ir::Tensor weightBlock(const ir::Tensor& w, bool conv, int64_t u0, int64_t u1, int64_t o0, int64_t o1, bool withNegated)
{
    const int64_t outs = o1 - o0;
    const int64_t total = withNegated ? 2 * outs : outs;
    if (conv) {
        const int64_t cin = w.shape[1], kh = w.shape[2], kw = w.shape[3], k = kh * kw;
        ir::Tensor out = ir::Tensor::filled({total, u1 - u0, kh, kw});
        for (int64_t o = 0; o < outs; ++o)
            for (int64_t u = u0; u < u1; ++u)
                for (int64_t e = 0; e < k; ++e) {
                    const float v = w.f[static_cast<size_t>(((o0 + o) * cin + u) * k + e)];
                    out.f[static_cast<size_t>((o * (u1 - u0) + (u - u0)) * k + e)] = v;
                    if (withNegated)
                        out.f[static_cast<size_t>(((outs + o) * (u1 - u0) + (u - u0)) * k + e)] = -v;
                }
        return out;
    }
    const int64_t cols = w.shape[1];
    ir::Tensor out = ir::Tensor::filled({u1 - u0, total});
    for (int64_t u = u0; u < u1; ++u)
        for (int64_t o = 0; o < outs; ++o) {
            const float v = w.f[static_cast<size_t>(u * cols + o0 + o)];
            out.f[static_cast<size_t>((u - u0) * total + o)] = v;
            if (withNegated)
                out.f[static_cast<size_t>((u - u0) * total + outs + o)] = -v;
        }
    return out;
}

std::optional<ir::Tensor> biasBlock(const ir::Graph& graph, const ir::Node& node, int64_t o0, int64_t o1)
{
    if (node.inputs.size() < 3 || node.inputs[2] < 0)
        return std::nullopt;
    const auto& b = graph.value(node.inputs[2]).constant->f;
    return ir::Tensor::fromData({o1 - o0}, std::vector<float>(b.begin() + o0, b.begin() + o1));
}

class SplitMergePass final : public PassBase<PassId::SplitMerge> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        const int64_t rows = ctx.profile.crossbar.rows;
        const int64_t cols = ctx.profile.crossbar.cols;
        bool merge = !ctx.profile.digitalPartialSums;
        if (ctx.strategy.split == strategy::SplitPolicy::MergeLayer)
            merge = true;
        if (ctx.strategy.split == strategy::SplitPolicy::ExactPartialSums && !ctx.profile.digitalPartialSums)
            ctx.diagnostics.push_back({Severity::Warning, "split.policy",
                                       "the profile has no digital partial-sum accumulation; partial sums are merged "
                                       "through a merge core-op layer instead"});
        const bool blockDiagonal = ctx.strategy.split == strategy::SplitPolicy::BlockDiagonal;
        m_mergeThroughNeurons = merge;
        m_run = &ctx.run;

        bool changed = false;
        // Each round splits every oversized core-op once; merge core-ops that are still too wide
        // are split in the next round. Rounds are bounded: fan-in shrinks by ~R/2 per round.
        for (int round = 0; round < 16; ++round) {
            if (ctx.run.cancelled())
                return makeError(Errc::Cancelled, "compile cancelled");
            const int count = graph.numNodes();
            std::vector<bool> dead(static_cast<size_t>(count), false);
            bool roundChanged = false;
            for (ir::NodeId n = 0; n < count; ++n) {
                if (graph.node(n).op != ir::OpKind::CoreOp)
                    continue;
                if (ctx.run.cancelled()) // per core-op: one huge layer must not delay a cancel
                    return makeError(Errc::Cancelled, "compile cancelled");
                const ir::Node node = graph.node(n);
                const Footprint f = footprintOf(graph, node);
                const bool groupFits = f.rows() <= rows && f.outPerGroup <= cols;
                bool split = false;
                if (f.group > 1) {
                    if (!groupFits) {
                        splitGroups(graph, node, f, 1);
                        split = true;
                    } else {
                        const int64_t perXbar = std::min(rows / f.rows(), cols / f.outPerGroup);
                        if (perXbar < f.group) {
                            splitGroups(graph, node, f, perXbar);
                            split = true;
                        }
                    }
                } else if (!groupFits) {
                    if (f.rowsPerUnit > rows) {
                        ctx.diagnostics.push_back({Severity::Error, node.attrs.getString("layer", node.name),
                                                   "one " + std::to_string(f.rowsPerUnit) + "-cell kernel window exceeds the " +
                                                       std::to_string(rows) + " crossbar rows; use larger crossbars"});
                        continue;
                    }
                    if (blockDiagonal && !f.conv && f.inUnits > rows && node.attrs.getString("role", "layer") == "layer") {
                        splitBlockDiagonal(graph, node, rows, cols, ctx.diagnostics);
                    } else {
                        if (blockDiagonal && f.conv && f.rows() > rows)
                            ctx.diagnostics.push_back({Severity::Info, specOf(node).layer,
                                                       "block-diagonal pruning applies to dense layers; this convolution "
                                                       "uses partial sums"});
                        NNB_RETURN_IF_ERROR(splitDense(graph, node, f, rows, cols));
                    }
                    split = true;
                }
                if (split) {
                    dead[static_cast<size_t>(n)] = true;
                    roundChanged = true;
                }
            }
            if (!roundChanged)
                break;
            changed = true;
            graph.eraseNodes(dead);
            NNB_RETURN_IF_ERROR(graph.sortTopologically());
            NNB_RETURN_IF_ERROR(ir::inferShapes(graph));
        }
        return changed;
    }

    /// Splits a grouped core-op into core-ops of \p perTile groups each.
    void splitGroups(ir::Graph& graph, const ir::Node& node, const Footprint& f, int64_t perTile)
    {
        const ir::Tensor& w = *graph.value(node.inputs[1]).constant;
        const CoreOpSpec base = specOf(node);
        std::vector<ir::ValueId> parts;
        for (int64_t g0 = 0; g0 < f.group; g0 += perTile) {
            const int64_t g1 = std::min(f.group, g0 + perTile);
            const std::string name = node.name + ".g" + std::to_string(g0);
            const ir::ValueId in = addSlice(graph, name + ".in", base.layer, node.inputs[0], 1, g0 * f.inUnits, g1 * f.inUnits);
            const int64_t o0 = g0 * f.outPerGroup, o1 = g1 * f.outPerGroup;
            ir::Tensor block;
            if (f.conv) {
                // Output channels of groups [g0, g1) are contiguous: rows [o0, o1) of W.
                const int64_t per = w.size() / w.shape[0];
                block = ir::Tensor::fromData({o1 - o0, w.shape[1], w.shape[2], w.shape[3]},
                                             std::vector<float>(w.f.begin() + o0 * per, w.f.begin() + o1 * per));
            } else {
                block = ir::Tensor::filled({w.shape[0], o1 - o0});
                for (int64_t r = 0; r < w.shape[0]; ++r)
                    for (int64_t o = o0; o < o1; ++o)
                        block.f[static_cast<size_t>(r * (o1 - o0) + o - o0)] = w.f[static_cast<size_t>(r * w.shape[1] + o)];
            }
            CoreOpSpec spec = base;
            spec.group = g1 - g0;
            parts.push_back(addCoreOp(graph, name, spec, in, std::move(block), biasBlock(graph, node, o0, o1)));
        }
        join(graph, node, base.layer, parts);
    }

    /// Splits a g=1 core-op into crossbar tiles (rows: input units, columns: outputs).
    Expected<void> splitDense(ir::Graph& graph, const ir::Node& node, const Footprint& f, int64_t rows, int64_t cols)
    {
        const ir::Tensor& w = *graph.value(node.inputs[1]).constant;
        const CoreOpSpec base = specOf(node);
        const int64_t unitsPerBlock = rows / f.rowsPerUnit;
        const int64_t rowBlocks = ceilDiv(f.inUnits, unitsPerBlock);
        int64_t width = cols;
        if (rowBlocks > 1 && m_mergeThroughNeurons)
            width = std::max<int64_t>(1, std::min(cols / 2, rows / (2 * rowBlocks)));

        std::vector<ir::ValueId> inputs;
        for (int64_t i = 0; i < rowBlocks; ++i) {
            const int64_t u0 = i * unitsPerBlock, u1 = std::min(f.inUnits, u0 + unitsPerBlock);
            inputs.push_back(rowBlocks == 1 ? node.inputs[0]
                                            : addSlice(graph, node.name + ".r" + std::to_string(i), base.layer,
                                                       node.inputs[0], 1, u0, u1));
        }
        std::vector<ir::ValueId> parts;
        for (int64_t o0 = 0; o0 < f.outPerGroup; o0 += width) {
            if (m_run && m_run->cancelled())
                return makeError(Errc::Cancelled, "compile cancelled");
            const int64_t o1 = std::min(f.outPerGroup, o0 + width);
            const std::string col = node.name + ".c" + std::to_string(o0 / width);
            if (rowBlocks == 1) {
                parts.push_back(addCoreOp(graph, col, base, inputs[0], weightBlock(w, f.conv, 0, f.inUnits, o0, o1, false),
                                          biasBlock(graph, node, o0, o1)));
                continue;
            }
            std::vector<ir::ValueId> partials;
            for (int64_t i = 0; i < rowBlocks; ++i) {
                const int64_t u0 = i * unitsPerBlock, u1 = std::min(f.inUnits, u0 + unitsPerBlock);
                CoreOpSpec spec = base;
                spec.role = "partial";
                spec.activation = m_mergeThroughNeurons ? "relu" : "none";
                // With exact accumulation the bias rides on the first partial only.
                auto bias = !m_mergeThroughNeurons && i == 0 ? biasBlock(graph, node, o0, o1) : std::nullopt;
                partials.push_back(addCoreOp(graph, col + ".r" + std::to_string(i), spec, inputs[static_cast<size_t>(i)],
                                             weightBlock(w, f.conv, u0, u1, o0, o1, m_mergeThroughNeurons), std::move(bias)));
            }
            if (!m_mergeThroughNeurons) {
                parts.push_back(addAccumulate(graph, col + ".sum", base.layer, partials, base.activation));
                continue;
            }
            // Merge core-op over the concatenated ±partials: +1 for relu(p), −1 for relu(−p).
            const int64_t outs = o1 - o0;
            const ir::ValueId joined = addConcat(graph, col + ".partials", base.layer, partials, 1);
            const int64_t fanIn = 2 * outs * rowBlocks;
            ir::Tensor mw = f.conv ? ir::Tensor::filled({outs, fanIn, 1, 1}) : ir::Tensor::filled({fanIn, outs});
            for (int64_t i = 0; i < rowBlocks; ++i)
                for (int64_t k = 0; k < outs; ++k) {
                    const int64_t pos = i * 2 * outs + k, neg = pos + outs;
                    if (f.conv) {
                        mw.f[static_cast<size_t>(k * fanIn + pos)] = 1.0f;
                        mw.f[static_cast<size_t>(k * fanIn + neg)] = -1.0f;
                    } else {
                        mw.f[static_cast<size_t>(pos * outs + k)] = 1.0f;
                        mw.f[static_cast<size_t>(neg * outs + k)] = -1.0f;
                    }
                }
            CoreOpSpec spec = base;
            spec.role = "merge";
            spec.structural = true;
            if (f.conv)
                spec.window = pointwiseWindow();
            parts.push_back(addCoreOp(graph, col + ".merge", spec, joined, std::move(mw), biasBlock(graph, node, o0, o1)));
        }
        join(graph, node, base.layer, parts);
        return {};
    }

    /// NEUTRAMS-style block-diagonal split (Ji et al., MICRO'16): G = max(ceil(in/R),
    /// ceil(out/C)) crossbars each take a disjoint set of inputs and outputs; weights between
    /// different blocks are pruned, so no partial sums remain. Inputs and outputs are assigned
    /// to blocks by alternating greedy passes that keep the most weight magnitude |W| on the
    /// diagonal. The pruned network is approximate until tuned; the kept share is reported.
    void splitBlockDiagonal(ir::Graph& graph, const ir::Node& node, int64_t rows, int64_t cols, Diagnostics& diagnostics)
    {
        const ir::Tensor& w = *graph.value(node.inputs[1]).constant;
        const CoreOpSpec base = specOf(node);
        const int64_t in = w.shape[0], out = w.shape[1];
        const int64_t blocks = std::max(ceilDiv(in, rows), ceilDiv(out, cols));
        std::vector<int64_t> inBlock(static_cast<size_t>(in)), outBlock(static_cast<size_t>(out));
        for (int64_t r = 0; r < in; ++r)
            inBlock[static_cast<size_t>(r)] = r * blocks / in;
        for (int64_t o = 0; o < out; ++o)
            outBlock[static_cast<size_t>(o)] = o * blocks / out;
        auto magnitude = [&](int64_t r, int64_t o) { return std::fabs(w.f[static_cast<size_t>(r * out + o)]); };

        // Greedy reassignment of one side: items in order of their strongest affinity go to the
        // best block that still has room.
        auto reassign = [&](int64_t count, int64_t capacity, std::vector<int64_t>& assignment,
                            const std::function<double(int64_t, int64_t)>& affinity) {
            std::vector<std::vector<double>> gain(static_cast<size_t>(count), std::vector<double>(static_cast<size_t>(blocks)));
            std::vector<std::pair<double, int64_t>> order;
            for (int64_t i = 0; i < count; ++i) {
                for (int64_t b = 0; b < blocks; ++b)
                    gain[static_cast<size_t>(i)][static_cast<size_t>(b)] = affinity(i, b);
                order.push_back({*std::max_element(gain[static_cast<size_t>(i)].begin(), gain[static_cast<size_t>(i)].end()), i});
            }
            std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
            std::vector<int64_t> load(static_cast<size_t>(blocks), 0);
            for (const auto& [unused, i] : order) {
                std::vector<int64_t> prefs(static_cast<size_t>(blocks));
                std::iota(prefs.begin(), prefs.end(), 0);
                const auto& g = gain[static_cast<size_t>(i)];
                std::stable_sort(prefs.begin(), prefs.end(), [&](int64_t a, int64_t b) { return g[static_cast<size_t>(a)] > g[static_cast<size_t>(b)]; });
                for (int64_t b : prefs)
                    if (load[static_cast<size_t>(b)] < capacity) {
                        assignment[static_cast<size_t>(i)] = b;
                        ++load[static_cast<size_t>(b)];
                        break;
                    }
            }
        };
        for (int iteration = 0; iteration < 4; ++iteration) {
            std::vector<std::vector<double>> rowMass(static_cast<size_t>(in), std::vector<double>(static_cast<size_t>(blocks), 0.0));
            for (int64_t r = 0; r < in; ++r)
                for (int64_t o = 0; o < out; ++o)
                    rowMass[static_cast<size_t>(r)][static_cast<size_t>(outBlock[static_cast<size_t>(o)])] += magnitude(r, o);
            reassign(in, rows, inBlock, [&](int64_t r, int64_t b) { return rowMass[static_cast<size_t>(r)][static_cast<size_t>(b)]; });
            std::vector<std::vector<double>> colMass(static_cast<size_t>(out), std::vector<double>(static_cast<size_t>(blocks), 0.0));
            for (int64_t r = 0; r < in; ++r)
                for (int64_t o = 0; o < out; ++o)
                    colMass[static_cast<size_t>(o)][static_cast<size_t>(inBlock[static_cast<size_t>(r)])] += magnitude(r, o);
            reassign(out, cols, outBlock, [&](int64_t o, int64_t b) { return colMass[static_cast<size_t>(o)][static_cast<size_t>(b)]; });
        }

        double kept = 0.0, total = 0.0;
        for (int64_t r = 0; r < in; ++r)
            for (int64_t o = 0; o < out; ++o) {
                total += magnitude(r, o);
                kept += inBlock[static_cast<size_t>(r)] == outBlock[static_cast<size_t>(o)] ? magnitude(r, o) : 0.0;
            }
        std::vector<ir::ValueId> parts;
        std::vector<int64_t> concatOrder; // original output index of each concatenated column
        for (int64_t b = 0; b < blocks; ++b) {
            std::vector<int64_t> ins, outs;
            for (int64_t r = 0; r < in; ++r)
                if (inBlock[static_cast<size_t>(r)] == b)
                    ins.push_back(r);
            for (int64_t o = 0; o < out; ++o)
                if (outBlock[static_cast<size_t>(o)] == b)
                    outs.push_back(o);
            if (outs.empty())
                continue;
            if (ins.empty())
                ins.push_back(0); // an output block with no inputs keeps one (zero) row: bias only
            ir::Tensor block = ir::Tensor::filled({static_cast<int64_t>(ins.size()), static_cast<int64_t>(outs.size())});
            ir::Tensor bias = ir::Tensor::filled({static_cast<int64_t>(outs.size())});
            for (size_t i = 0; i < ins.size(); ++i)
                for (size_t k = 0; k < outs.size(); ++k)
                    block.f[i * outs.size() + k] = inBlock[static_cast<size_t>(ins[i])] == b
                                                       ? w.f[static_cast<size_t>(ins[i] * out + outs[k])]
                                                       : 0.0f;
            if (node.inputs.size() > 2 && node.inputs[2] >= 0)
                for (size_t k = 0; k < outs.size(); ++k)
                    bias.f[k] = graph.value(node.inputs[2]).constant->f[static_cast<size_t>(outs[k])];
            const std::string name = node.name + ".block" + std::to_string(b);
            const ir::ValueId selected = addSelect(graph, name + ".in", base.layer, node.inputs[0], 1, ins);
            CoreOpSpec spec = base;
            spec.role = "block-diagonal";
            parts.push_back(addCoreOp(graph, name, spec, selected, std::move(block), std::move(bias)));
            concatOrder.insert(concatOrder.end(), outs.begin(), outs.end());
        }
        // Restore the original output order: position of each original output in the concatenation.
        std::vector<int64_t> inverse(static_cast<size_t>(out));
        for (size_t k = 0; k < concatOrder.size(); ++k)
            inverse[static_cast<size_t>(concatOrder[k])] = static_cast<int64_t>(k);
        const ir::ValueId joined = addConcat(graph, node.name + ".blocks", base.layer, parts, 1);
        addSelect(graph, node.name + ".order", base.layer, joined, 1, inverse, node.outputs[0]);
        diagnostics.push_back({Severity::Warning, base.layer,
                               "block-diagonal pruning into " + std::to_string(parts.size()) + " crossbars keeps " +
                                   std::to_string(static_cast<int>(100.0 * kept / std::max(total, 1e-30) + 0.5)) +
                                   " % of the weight magnitude; the rest is pruned, so accuracy drops until the "
                                   "network is tuned"});
    }

    /// Routes the column parts to the original output (a Concat when there are several).
    static void join(ir::Graph& graph, const ir::Node& node, const std::string& layer, const std::vector<ir::ValueId>& parts)
    {
        const ir::ValueId out = node.outputs[0];
        if (parts.size() == 1) {
            // Re-point the single part's producer at the original output value.
            const ir::NodeId producer = graph.value(parts[0]).producer;
            graph.node(producer).outputs[0] = out;
            graph.value(out).producer = producer;
            graph.value(parts[0]).producer = ir::kNoNode;
            return;
        }
        addConcat(graph, node.name + ".cols", layer, parts, 1, out);
    }

    bool m_mergeThroughNeurons = false;
    const RunContext* m_run = nullptr;
};

} // namespace

std::unique_ptr<Pass> createSplitMergePass() { return std::make_unique<SplitMergePass>(); }

} // namespace nnb::passes::detail
