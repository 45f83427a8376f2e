// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/eval/equivalence.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "nnb/exec/executor.h"

namespace nnb::eval {

Expected<Equivalence> compareGraphs(const ir::Graph& original, const ir::Graph& transformed,
                                    const std::vector<ir::Tensor>& inputs, int threads, const RunContext& ctx)
{
    if (original.outputs().size() != transformed.outputs().size())
        return makeError(Errc::InvalidArgument, "the graphs have different numbers of outputs");
    const exec::Executor a(std::make_shared<const ir::Graph>(original), exec::ExecutorOptions{threads});
    const exec::Executor b(std::make_shared<const ir::Graph>(transformed), exec::ExecutorOptions{threads});
    NNB_TRY(const auto outA, addContext(a.run(inputs, ctx), "running the original network"));
    NNB_TRY(const auto outB, addContext(b.run(inputs, ctx), "running the transformed network"));
    Equivalence eq;
    for (size_t k = 0; k < outA.size(); ++k) {
        const ir::Tensor& x = outA[k];
        const ir::Tensor& y = outB[k];
        if (x.shape != y.shape)
            return makeError(Errc::Internal, "output " + std::to_string(k) + " changed shape from " + ir::shapeToString(x.shape) +
                                                 " to " + ir::shapeToString(y.shape));
        double maxAbs = 0.0, scale = 0.0;
        for (size_t i = 0; i < x.f.size(); ++i) {
            maxAbs = std::max(maxAbs, static_cast<double>(std::fabs(x.f[i] - y.f[i])));
            scale = std::max(scale, static_cast<double>(std::fabs(x.f[i])));
        }
        eq.maxAbsDifference = std::max(eq.maxAbsDifference, maxAbs);
        eq.maxRelativeDifference = std::max(eq.maxRelativeDifference, scale > 0 ? maxAbs / scale : maxAbs);
    }
    if (!outA.empty() && outA[0].rank() == 2) {
        const int64_t n = outA[0].shape[0], classes = outA[0].shape[1];
        eq.samples = n;
        for (int64_t s = 0; s < n; ++s) {
            const float* ra = outA[0].data() + s * classes;
            const float* rb = outB[0].data() + s * classes;
            eq.agreeingPredictions += (std::max_element(ra, ra + classes) - ra) == (std::max_element(rb, rb + classes) - rb);
        }
    } else if (!outA.empty() && !outA[0].shape.empty()) {
        eq.samples = outA[0].shape[0];
    }
    return eq;
}

} // namespace nnb::eval
