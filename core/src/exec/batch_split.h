// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the executor: when may a batch be split into independent chunks, and how.

#include <cstdint>
#include <vector>

#include "nnb/ir/graph.h"

namespace nnb::exec::detail {

/// \returns for every value whether it carries the batch: the graph's runtime inputs do, and
/// so does every output of a node that reads one. Constants and values computed from constants
/// alone do not. Nodes are visited in \p order (a topological order).
std::vector<bool> batchedValues(const ir::Graph& graph, const std::vector<ir::NodeId>& order);

/// \returns true if the graph can run on contiguous chunks of a batch independently, with the
/// outputs concatenated afterwards, giving the same result as one run on the whole batch:
/// every runtime input has a dynamic leading dimension and otherwise static dimensions, every
/// batched value keeps the batch as its dynamic leading dimension, and every node reading a
/// batched value keeps samples independent (a conservative per-op rule; see the .cpp).
bool canSplitBatch(const ir::Graph& graph);

/// A half-open range of samples [begin, end).
struct SampleRange {
    int64_t begin = 0;
    int64_t end = 0;
};

/// Splits \p batch samples into at most \p maxChunks contiguous chunks whose boundaries are
/// multiples of kBatchGranule (so Gemm's row blocks line up, see kernels.h) and whose sizes
/// differ by at most one granule. Never more chunks than samples; one chunk for batch 0.
std::vector<SampleRange> splitBatch(int64_t batch, int maxChunks);

} // namespace nnb::exec::detail
