// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::exec {

/// Options of the float reference executor.
struct ExecutorOptions {
    /// Worker threads; 0 means std::thread::hardware_concurrency().
    int threads = 0;
};

/// The float32 reference executor: runs an IR graph exactly as ONNX defines its ops. It is the
/// baseline every transformed network is compared against, so correctness beats speed, but it
/// is fast enough for whole-test-set evaluation (im2col + Eigen GEMM for Conv, Eigen for Gemm).
///
/// Batched and multi-threaded: when every runtime input has a dynamic leading (batch)
/// dimension and no op mixes samples, the batch is split into contiguous chunks that run on
/// separate threads; otherwise the graph runs on one thread.
/// An Executor is immutable after construction and may be used from several threads at once.
class Executor {
public:
    /// \p graph must verify and have inferred shapes (as importModel returns it).
    explicit Executor(std::shared_ptr<const ir::Graph> graph, ExecutorOptions options = {});

    /// Runs the graph. \p inputs are in graph.inputs() order with concrete shapes that match the
    /// graph's (dynamic dimensions free). \returns the graph outputs in graph.outputs() order,
    /// or InvalidArgument on a wrong input count or shape, Cancelled when \p ctx cancels.
    [[nodiscard]] Expected<std::vector<ir::Tensor>> run(const std::vector<ir::Tensor>& inputs,
                                                        const RunContext& ctx = {}) const;

    /// As run(), but \returns every value of the graph indexed by ValueId (constants included,
    /// absent ones empty), for comparing intermediate activations layer by layer.
    [[nodiscard]] Expected<std::vector<ir::Tensor>> runAll(const std::vector<ir::Tensor>& inputs,
                                                           const RunContext& ctx = {}) const;

    /// \returns whether the batch is split across threads for this graph.
    bool splitsBatch() const { return m_splitBatch; }
    const ir::Graph& graph() const { return *m_graph; }

private:
    std::shared_ptr<const ir::Graph> m_graph;
    ExecutorOptions m_options;
    bool m_splitBatch = false;
};

} // namespace nnb::exec
