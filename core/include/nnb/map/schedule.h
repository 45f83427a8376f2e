// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <vector>

#include "nnb/map/cost_model.h"
#include "nnb/map/routing.h"
#include "nnb/map/tile_graph.h"

namespace nnb::mapping {

/// Timing of the mapped network, pipelined and not (domain primer section 3).
///
/// The model is stage-based over the tile graph. Each tile is a stage that is busy
/// TileCost::computeNs per inference; each edge delays by EdgeCost::latencyNs.
/// - Non-pipelined: a tile starts once all of its inputs are complete (finish of the producer
///   plus the transfer); tiles of one layer run in parallel on their cores. One inference at a
///   time: throughput = 1 / latency.
/// - Pipelined: tiles holding different layers work concurrently on successive inferences, and
///   a convolution's output rows stream to the next convolution as soon as its first window is
///   available (start offset = the producer's time for the rows the consumer's first output row
///   needs, (kh - 1)·dilation + 1 - top pad of them; that fraction of the bits crosses the link
///   first). A tile finishes no earlier than its start plus its compute time, nor before its last
///   input row has arrived plus the time for its last output row. Interval between inferences (II) = the
///   busiest core or link; throughput = 1 / II.
struct Schedule {
    double sequentialLatencyNs = 0;      ///< one inference, no streaming
    double sequentialThroughput = 0;     ///< inferences/s without pipelining
    double pipelinedLatencyNs = 0;       ///< one inference with row streaming
    double initiationIntervalNs = 0;     ///< the slowest stage (core or link)
    double pipelinedThroughput = 0;      ///< inferences/s with pipelining
    double speedup = 0;                  ///< pipelined / sequential throughput
    std::string bottleneck;              ///< the slowest stage ("tile /0/Conv on core 3", "link 4->5")
    CostBreakdown criticalPathNs;        ///< sequentialLatencyNs split along its critical path
};

/// Computes the schedule of \p graph from per-tile costs \p tiles, per-edge costs \p edges (same
/// order as graph.edges) and the link loads of \p routing. \p tileToCore names cores in
/// the bottleneck text.
Schedule computeSchedule(const TileGraph& graph, const std::vector<TileCost>& tiles, const std::vector<EdgeCost>& edges,
                         const Routing& routing, const std::vector<int>& tileToCore);

} // namespace nnb::mapping
