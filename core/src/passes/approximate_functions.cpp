// SPDX-License-Identifier: GPL-3.0-or-later
// approximate-functions: element-wise functions the hardware neuron lacks (Sigmoid, Tanh,
// LeakyRelu, Clip) become small MLPs of the profile's own neurons (ASPLOS'18 graph reform),
// fitted on the input range calibrated from data. Per element: a hidden core-op of `width`
// neurons (one input each, block-diagonal over features/channels) and a linear output core-op.
#include <cmath>
#include <map>

#include "nnb/approx/approximator.h"
#include "nnb/ir/shape_inference.h"
#include "passes/core_op_builder.h"
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

std::optional<approx::TargetFunction> targetOf(const ir::Graph& graph, const ir::Node& node)
{
    switch (node.op) {
    case ir::OpKind::Sigmoid: return approx::targets::sigmoid();
    case ir::OpKind::Tanh: return approx::targets::tanh();
    case ir::OpKind::LeakyRelu: return approx::targets::leakyRelu(node.attrs.getFloat("alpha", 0.01f));
    case ir::OpKind::Clip: {
        double lo = -INFINITY, hi = INFINITY;
        for (size_t slot = 1; slot < node.inputs.size(); ++slot) {
            if (node.inputs[slot] < 0)
                continue;
            const ir::Tensor* bound = constantInput(graph, node, slot);
            if (!bound || bound->f.size() != 1)
                return std::nullopt; // runtime bounds: not a fixed function
            (slot == 1 ? lo : hi) = bound->f[0];
        }
        return approx::targets::clip(lo, hi);
    }
    default: return std::nullopt;
    }
}

class ApproximateFunctionsPass final : public PassBase<PassId::ApproximateFunctions> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        if (ctx.strategy.functions == strategy::FunctionPolicy::Host)
            return false;
        const approx::HiddenNeuron neuron = ctx.profile.isSpiking() ? approx::HiddenNeuron::Ramp : approx::HiddenNeuron::Relu;
        const int originalCount = graph.numNodes();
        std::vector<bool> dead(static_cast<size_t>(originalCount), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < originalCount; ++n) {
            const ir::Node node = graph.node(n);
            const auto target = targetOf(graph, node);
            if (!target)
                continue;
            const ir::Shape& x = graph.value(node.inputs[0]).shape;
            if ((x.size() != 2 && x.size() != 4) || x[1] < 0) {
                ctx.diagnostics.push_back({Severity::Warning, node.name,
                                           "an approximator needs a [N, features] or [N, C, H, W] input; it runs on the host"});
                continue;
            }
            approx::ApproximatorOptions options;
            options.width = ctx.strategy.approximatorWidth;
            options.iterations = ctx.strategy.approximatorIterations;
            options.neuron = neuron;
            options.seed = ctx.strategy.seed;
            const auto in = static_cast<size_t>(node.inputs[0]);
            if (in < ctx.state.ranges.size() && ctx.state.ranges[in].known) {
                options.lo = ctx.state.ranges[in].min;
                options.hi = ctx.state.ranges[in].max;
            } else {
                ctx.diagnostics.push_back({Severity::Info, node.name,
                                           "no calibration data: the approximator is fitted on [-8, 8]"});
            }
            if (options.hi - options.lo < 1e-3) { // a constant input: fit a small range around it
                options.lo -= 0.5;
                options.hi += 0.5;
            }
            const double span = options.hi - options.lo;
            options.lo -= ctx.strategy.approximatorRangeMargin * span;
            options.hi += ctx.strategy.approximatorRangeMargin * span;
            const RunContext inner{nullptr, ctx.run.isCancelled};
            NNB_TRY(const auto fit, addContext(approx::fitApproximator(*target, options, inner), describe(node)));
            ctx.state.approximators.push_back({node.name, std::string(ir::opName(node.op)), fit.width(), fit.lo, fit.hi,
                                               fit.maxAbsError, fit.rmsError});
            emit(graph, node, fit, x);
            dead[static_cast<size_t>(n)] = true;
            changed = true;
        }
        return commitRewrite(graph, dead, changed);
    }

    /// Emits hidden and output core-ops, block-diagonal over the F features (or C channels).
    static void emit(ir::Graph& graph, const ir::Node& node, const approx::Approximator& fit, const ir::Shape& x)
    {
        const int64_t features = x[1];
        const int64_t h = fit.width();
        const bool conv = x.size() == 4;
        CoreOpSpec hidden;
        hidden.kind = conv ? "conv" : "dense";
        hidden.layer = node.name;
        hidden.role = "approximator";
        hidden.group = features;
        hidden.activation = approx::toString(fit.neuron);
        hidden.window = pointwiseWindow();
        CoreOpSpec output = hidden;
        output.activation = "none";

        ir::Tensor w1 = conv ? ir::Tensor::filled({features * h, 1, 1, 1}) : ir::Tensor::filled({1, features * h});
        ir::Tensor b1 = ir::Tensor::filled({features * h});
        ir::Tensor w2 = conv ? ir::Tensor::filled({features, h, 1, 1}) : ir::Tensor::filled({h, features});
        ir::Tensor b2 = ir::Tensor::filled({features}, static_cast<float>(fit.outBias));
        for (int64_t f = 0; f < features; ++f)
            for (int64_t j = 0; j < h; ++j) {
                const auto k = static_cast<size_t>(f * h + j);
                w1.f[k] = static_cast<float>(fit.inWeight[static_cast<size_t>(j)]);
                b1.f[k] = static_cast<float>(fit.inBias[static_cast<size_t>(j)]);
                // conv: [F, h, 1, 1] row-major is f·h + j; dense [h, F] is j·F + f.
                w2.f[conv ? k : static_cast<size_t>(j * features + f)] = static_cast<float>(fit.outWeight[static_cast<size_t>(j)]);
            }
        const ir::ValueId mid = addCoreOp(graph, node.name + ".hidden", hidden, node.inputs[0], std::move(w1), std::move(b1));
        addCoreOp(graph, node.name + ".out", output, mid, std::move(w2), std::move(b2), node.outputs[0]);
    }
};

} // namespace

std::unique_ptr<Pass> createApproximateFunctionsPass() { return std::make_unique<ApproximateFunctionsPass>(); }

} // namespace nnb::passes::detail
