// SPDX-License-Identifier: GPL-3.0-or-later
// calibrate-ranges: runs the (normalized, still float) network on the calibration inputs and
// records each value's observed minimum and maximum. Approximators are fitted on these ranges;
// later, quantisation calibrates signal scales from them.
#include <algorithm>
#include <memory>

#include "nnb/exec/executor.h"
#include "passes/pass_factories.h"

namespace nnb::passes::detail {
namespace {

class CalibrateRangesPass final : public PassBase<PassId::CalibrateRanges> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        ctx.state.ranges.assign(static_cast<size_t>(graph.numValues()), ValueRange{});
        // Only approximated functions consume ranges so far; do not pay for a float run otherwise.
        const bool needed = std::any_of(graph.nodes().begin(), graph.nodes().end(), [](const ir::Node& n) {
            return n.op == ir::OpKind::Sigmoid || n.op == ir::OpKind::Tanh || n.op == ir::OpKind::LeakyRelu ||
                   n.op == ir::OpKind::Clip;
        });
        if (!needed)
            return false;
        if (ctx.state.calibrationInputs.empty()) {
            ctx.diagnostics.push_back({Severity::Info, "calibration",
                                       "no calibration data given: ranges fall back to defaults"});
            return false;
        }
        std::vector<ir::Tensor> inputs = ctx.state.calibrationInputs;
        // Limit to the strategy's number of calibration samples (batch is dimension 0).
        for (ir::Tensor& t : inputs) {
            const int64_t n = t.shape.empty() ? 0 : t.shape[0];
            const int64_t keep = std::min<int64_t>(n, ctx.strategy.calibrationImages);
            if (keep < n && keep > 0) {
                const int64_t per = t.size() / n;
                t.f.resize(static_cast<size_t>(keep * per));
                t.shape[0] = keep;
            }
        }
        const exec::Executor executor(std::make_shared<const ir::Graph>(graph));
        const RunContext inner{nullptr, ctx.run.isCancelled};
        NNB_TRY(const auto values, addContext(executor.runAll(inputs, inner), "running the calibration inputs"));
        for (size_t v = 0; v < values.size() && v < ctx.state.ranges.size(); ++v) {
            const ir::Tensor& t = values[v];
            if (t.dtype != ir::DataType::Float32 || t.f.empty())
                continue;
            const auto [lo, hi] = std::minmax_element(t.f.begin(), t.f.end());
            ctx.state.ranges[v] = ValueRange{*lo, *hi, true};
        }
        return false; // the graph itself is unchanged
    }
};

} // namespace

std::unique_ptr<Pass> createCalibrateRangesPass() { return std::make_unique<CalibrateRangesPass>(); }

} // namespace nnb::passes::detail
