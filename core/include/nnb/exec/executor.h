// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::exec {

/// A kernel that replaces the built-in one of one node. The bit-accurate simulator runs its
/// crossbar core-ops this way while the executor keeps the scheduling, batch splitting, threads,
/// cancellation and intermediate values. It gets the node, its inputs (nullptr for an absent
/// optional input) and its outputs with their shapes set, and fills the outputs (float32 or
/// int64). It may be called from several threads at once, on different batch chunks.
using NodeKernel = std::function<Expected<void>(const ir::Node& node, const std::vector<const ir::Tensor*>& inputs,
                                                std::vector<ir::Tensor>& outputs)>;

/// Options of the float reference executor.
struct ExecutorOptions {
    /// Worker threads; 0 means std::thread::hardware_concurrency().
    int threads = 0;
    /// Replacement kernels indexed by NodeId; an empty function (or a node beyond the end)
    /// keeps the built-in kernel.
    std::vector<NodeKernel> kernels;
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
