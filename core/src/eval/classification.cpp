// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/eval/classification.h"

#include <algorithm>
#include <chrono>

namespace nnb::eval {

Expected<ClassificationResult> evaluateClassifier(const exec::Executor& executor, const data::Dataset& data,
                                                  const ClassificationOptions& options, const RunContext& ctx)
{
    const ir::Graph& graph = executor.graph();
    if (graph.inputs().size() != 1 || graph.outputs().size() != 1)
        return makeError(Errc::InvalidArgument, "a classifier needs exactly one input and one output; this graph has " +
                                                    std::to_string(graph.inputs().size()) + " and " +
                                                    std::to_string(graph.outputs().size()));
    const ir::Shape& in = graph.value(graph.inputs()[0]).shape;
    if (in.size() != 4 || (in[1] != 1 && in[1] != ir::kDynamicDim) || (in[2] != data.rows && in[2] != ir::kDynamicDim) ||
        (in[3] != data.cols && in[3] != ir::kDynamicDim))
        return makeError(Errc::InvalidArgument, "the model's input " + ir::shapeToString(in) + " does not take " +
                                                    std::to_string(data.rows) + "x" + std::to_string(data.cols) +
                                                    " grey images as [N,1," + std::to_string(data.rows) + "," +
                                                    std::to_string(data.cols) + "]");
    const int64_t total = options.limit > 0 ? std::min(options.limit, data.count) : data.count;
    const int64_t batchSize = std::max<int64_t>(1, options.batchSize);

    ClassificationResult result;
    result.total = total;
    result.predictions.reserve(static_cast<size_t>(total));
    // The executor only polls cancellation; progress is reported here per batch.
    const RunContext inner{nullptr, ctx.isCancelled};
    const auto start = std::chrono::steady_clock::now();
    for (int64_t begin = 0; begin < total; begin += batchSize) {
        if (ctx.cancelled())
            return makeError(Errc::Cancelled, "evaluation cancelled");
        const int64_t end = std::min(total, begin + batchSize);
        NNB_TRY(const auto outputs, executor.run({data.batch(begin, end)}, inner));
        const ir::Tensor& scores = outputs.at(0);
        const int64_t n = end - begin;
        if (scores.rank() != 2 || scores.shape[0] != n)
            return makeError(Errc::InvalidArgument, "the model's output " + ir::shapeToString(scores.shape) +
                                                        " is not [N,classes] for a batch of " + std::to_string(n));
        const int64_t classes = scores.shape[1];
        for (int64_t k = 0; k < n; ++k) {
            const float* row = scores.data() + k * classes;
            const auto best = static_cast<uint8_t>(std::max_element(row, row + classes) - row);
            result.predictions.push_back(best);
            result.correct += best == data.labels[static_cast<size_t>(begin + k)] ? 1 : 0;
        }
        ctx.report(static_cast<int>(1000 * end / total), "evaluating " + std::to_string(end) + "/" + std::to_string(total));
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace nnb::eval
