// SPDX-License-Identifier: GPL-3.0-or-later
// reform-pooling: pooling as core-ops (ASPLOS'18 graph reform).
//  - AveragePool and GlobalAveragePool are linear: a depthwise convolution core-op whose weights
//    are 1/(window size).
//  - MaxPool uses max(a, b) = relu(a − b) + b. A tree of depthwise core-op stages pairs the
//    window's elements level by level; each stage's neurons compute relu(a − b) and relu(b)
//    (and relu(−b) when the input may be negative, since b = relu(b) − relu(−b)), and the next
//    stage's weights recombine them linearly. A final stage emits the maximum. The rewrite is
//    exact in float arithmetic.
#include "nnb/ir/shape_inference.h"
#include "passes/core_op_builder.h"
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

using Row = std::vector<float>;

/// One stage of a per-channel max-tree: each neuron is a row of coefficients over the previous
/// stage's units (the window's elements for the first stage).
struct TreeStage {
    std::vector<Row> neurons;
};

Row unit(size_t size, size_t index, float value = 1.0f)
{
    Row r(size, 0.0f);
    r[index] = value;
    return r;
}

Row combine(const Row& a, const Row& b, float sb)
{
    Row r = a;
    for (size_t k = 0; k < r.size(); ++k)
        r[k] += sb * b[k];
    return r;
}

/// Builds the stages reducing \p elements window elements to their maximum.
std::vector<TreeStage> buildMaxTree(size_t elements, bool nonNegative)
{
    std::vector<TreeStage> stages;
    size_t units = elements;
    std::vector<Row> signals;
    for (size_t e = 0; e < elements; ++e)
        signals.push_back(unit(units, e));
    while (signals.size() > 1) {
        TreeStage stage;
        std::vector<std::vector<std::pair<size_t, float>>> next; // signal = Σ coeff · neuron
        for (size_t k = 0; k + 1 < signals.size(); k += 2) {
            const Row& a = signals[k];
            const Row& b = signals[k + 1];
            const size_t first = stage.neurons.size();
            stage.neurons.push_back(combine(a, b, -1.0f)); // relu(a − b)
            stage.neurons.push_back(b);                    // relu(b)
            std::vector<std::pair<size_t, float>> sig{{first, 1.0f}, {first + 1, 1.0f}};
            if (!nonNegative) {
                stage.neurons.push_back(combine(Row(units, 0.0f), b, -1.0f)); // relu(−b)
                sig.push_back({first + 2, -1.0f});
            }
            next.push_back(std::move(sig));
        }
        if (signals.size() % 2 == 1) { // the odd one out is carried to the next level
            const size_t first = stage.neurons.size();
            stage.neurons.push_back(signals.back());
            std::vector<std::pair<size_t, float>> sig{{first, 1.0f}};
            if (!nonNegative) {
                stage.neurons.push_back(combine(Row(units, 0.0f), signals.back(), -1.0f));
                sig.push_back({first + 1, -1.0f});
            }
            next.push_back(std::move(sig));
        }
        units = stage.neurons.size();
        stages.push_back(std::move(stage));
        signals.clear();
        for (const auto& sig : next) {
            Row r(units, 0.0f);
            for (const auto& [index, coeff] : sig)
                r[index] = coeff;
            signals.push_back(std::move(r));
        }
    }
    stages.push_back(TreeStage{{signals[0]}}); // the final stage emits the maximum
    return stages;
}

/// Depthwise weight [C·n, units, kh, kw] repeating one stage's rows for every channel.
ir::Tensor stageWeight(const TreeStage& stage, int64_t channels, int64_t kh, int64_t kw)
{
    const auto n = static_cast<int64_t>(stage.neurons.size());
    const auto units = static_cast<int64_t>(stage.neurons[0].size());
    const int64_t inner = kh * kw == units ? 1 : units; // the first stage reads the window
    ir::Tensor w = ir::Tensor::filled({channels * n, inner, kh, kw});
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t k = 0; k < n; ++k)
            for (int64_t u = 0; u < units; ++u)
                w.f[static_cast<size_t>((c * n + k) * units + u)] = stage.neurons[static_cast<size_t>(k)][static_cast<size_t>(u)];
    return w;
}

ir::Attributes windowAttrs(const ir::WindowGeometry& g, int64_t extraBottom, int64_t extraRight)
{
    ir::Attributes a;
    a.set("strides", std::vector<int64_t>{g.strideH, g.strideW});
    a.set("dilations", std::vector<int64_t>{g.dilationH, g.dilationW});
    a.set("pads", std::vector<int64_t>{g.padTop, g.padLeft, g.padBottom + extraBottom, g.padRight + extraRight});
    return a;
}

class ReformPoolingPass final : public PassBase<PassId::ReformPooling> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        if (ctx.strategy.pooling == strategy::PoolingPolicy::Host)
            return false; // place-host-ops moves them off-chip
        const int originalCount = graph.numNodes();
        std::vector<bool> dead(static_cast<size_t>(originalCount), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < originalCount; ++n) {
            const ir::Node node = graph.node(n);
            if (node.op != ir::OpKind::MaxPool && node.op != ir::OpKind::AveragePool &&
                node.op != ir::OpKind::GlobalAveragePool)
                continue;
            const ir::Shape& x = graph.value(node.inputs[0]).shape;
            if (x.size() != 4 || x[1] < 0 || x[2] < 0 || x[3] < 0)
                continue;
            const int64_t channels = x[1];
            bool done = false;
            if (node.op == ir::OpKind::GlobalAveragePool) {
                done = reformAverage(graph, node, channels, x[2], x[3], ir::WindowGeometry{x[2], x[3], 1, 1, 1, 1, 0, 0, 0, 0, x[2], x[3], 1, 1});
            } else {
                const auto ks = node.attrs.getInts("kernel_shape");
                NNB_TRY(const auto g, ir::computeWindowGeometry(node, x[2], x[3], ks[0], ks[1]));
                done = node.op == ir::OpKind::AveragePool ? reformAverageWindow(graph, node, channels, g, ctx)
                                                          : reformMax(graph, node, channels, g, ctx);
            }
            if (done) {
                dead[static_cast<size_t>(n)] = true;
                changed = true;
            }
        }
        return commitRewrite(graph, dead, changed);
    }

    /// Extra bottom/right padding the conv needs to produce ceil_mode's last windows.
    static std::pair<int64_t, int64_t> ceilOverhang(const ir::WindowGeometry& g)
    {
        const int64_t needH = (g.outH - 1) * g.strideH + (g.kernelH - 1) * g.dilationH + 1;
        const int64_t needW = (g.outW - 1) * g.strideW + (g.kernelW - 1) * g.dilationW + 1;
        return {std::max<int64_t>(0, needH - (g.inH + g.padTop + g.padBottom)),
                std::max<int64_t>(0, needW - (g.inW + g.padLeft + g.padRight))};
    }

    static bool reformAverage(ir::Graph& graph, const ir::Node& node, int64_t channels, int64_t kh, int64_t kw,
                              const ir::WindowGeometry& g)
    {
        CoreOpSpec spec;
        spec.kind = "conv";
        spec.layer = node.name;
        spec.role = "avg-pool";
        spec.group = channels;
        spec.structural = true;
        spec.window = windowAttrs(g, 0, 0);
        spec.activation = isNonNegative(graph, node.inputs[0]) ? "relu" : "none";
        ir::Tensor w = ir::Tensor::filled({channels, 1, kh, kw}, 1.0f / static_cast<float>(kh * kw));
        addCoreOp(graph, node.name, spec, node.inputs[0], std::move(w), std::nullopt, node.outputs[0]);
        return true;
    }

    static bool reformAverageWindow(ir::Graph& graph, const ir::Node& node, int64_t channels, const ir::WindowGeometry& g,
                                    const PassContext& ctx)
    {
        const bool padded = g.padTop || g.padLeft || g.padBottom || g.padRight;
        const auto [extraH, extraW] = ceilOverhang(g);
        // Zero padding in a convolution counts the pad cells, which is exactly
        // count_include_pad=1; without it border windows divide by fewer cells, which no single
        // shared-weight core-op computes.
        if ((padded && node.attrs.getInt("count_include_pad", 0) == 0) || extraH || extraW) {
            ctx.diagnostics.push_back({Severity::Warning, node.name,
                                       "average pooling over padding without count_include_pad (or with ceil_mode "
                                       "overhang) has no exact core-op form; it runs on the host"});
            return false;
        }
        return reformAverage(graph, node, channels, g.kernelH, g.kernelW, g);
    }

    static bool reformMax(ir::Graph& graph, const ir::Node& node, int64_t channels, const ir::WindowGeometry& g,
                          const PassContext& ctx)
    {
        const bool nonNegative = isNonNegative(graph, node.inputs[0]);
        const bool padded = g.padTop || g.padLeft || g.padBottom || g.padRight;
        const auto [extraH, extraW] = ceilOverhang(g);
        // Padding of a max pool is −inf; a convolution pads with 0, which cannot change the maximum
        // of non-negative values only.
        if ((padded || extraH || extraW) && !nonNegative) {
            ctx.diagnostics.push_back({Severity::Warning, node.name,
                                       "padded max pooling of possibly negative values has no exact ReLU max-tree; "
                                       "it runs on the host"});
            return false;
        }
        const auto stages = buildMaxTree(static_cast<size_t>(g.kernelH * g.kernelW), nonNegative);
        ir::ValueId current = node.inputs[0];
        for (size_t s = 0; s < stages.size(); ++s) {
            const bool first = s == 0;
            const bool last = s + 1 == stages.size();
            CoreOpSpec spec;
            spec.kind = "conv";
            spec.layer = node.name;
            spec.role = "max-tree";
            spec.group = channels;
            spec.structural = true;
            spec.window = first ? windowAttrs(g, extraH, extraW) : pointwiseWindow();
            spec.activation = last && !nonNegative ? "none" : "relu";
            ir::Tensor w = first ? stageWeight(stages[s], channels, g.kernelH, g.kernelW)
                                 : stageWeight(stages[s], channels, 1, 1);
            const std::string name = node.name + (last ? ".max" : ".tree" + std::to_string(s));
            current = addCoreOp(graph, name, spec, current, std::move(w), std::nullopt,
                                last ? node.outputs[0] : ir::kNoValue);
        }
        return true;
    }
};

} // namespace

std::unique_ptr<Pass> createReformPoolingPass() { return std::make_unique<ReformPoolingPass>(); }

} // namespace nnb::passes::detail
