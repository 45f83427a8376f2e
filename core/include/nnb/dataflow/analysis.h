// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Analysis of SDF graphs: consistency and the repetition vector, the deadlock check, and the
// throughput as the exact inverse of the maximum cycle mean (max-plus matrix method).
//
//   NNB_TRY(const ThroughputAnalysis t, analyzeThroughput(graph));
//   if (!t.unbounded) use(t.period, t.throughput());        // exact fractions
//
// Graph requirements (errors are InvalidModel and name an actor or channel):
//  * connected (ignoring directions); a disconnected graph is refused, naming two actors that
//    are not connected — analyse each component as its own graph;
//  * consistent (a channel on an inconsistent cycle is named);
//  * free of deadlock within one iteration.
// All work is bounded by AnalysisLimits; a graph beyond them is refused (InvalidArgument)
// before memory is spent, saying which limit and by how much.

#include <cstdint>
#include <utility>
#include <vector>

#include "nnb/dataflow/rational.h"
#include "nnb/dataflow/sdf_graph.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::dataflow {

/// Bounds on the work of the analyses, so that huge or hostile graphs fail promptly.
struct AnalysisLimits {
    /// Firings in one iteration (sum of the repetition vector) for the deadlock check.
    int64_t maxIterationFirings = 50'000'000;
    /// Initial tokens in the graph (N): the max-plus matrix is N x N.
    int64_t maxInitialTokens = 1'000'000;
    /// Max-plus symbolic execution: entries merged over one iteration (each token's timestamp is
    /// a sparse vector over the N initial tokens; the work is about N x firings when dense).
    int64_t maxMaxPlusWork = 1'000'000'000;
    /// Max-plus entries held at once during symbolic execution (16 bytes each: 256 MB by default;
    /// the result alone holds N x N entries when every token depends on every other).
    int64_t maxMaxPlusEntries = 16'000'000;
    /// Use the max-plus matrix even for homogeneous graphs (tests compare the two methods).
    bool forceMaxPlusMatrix = false;
};

/// \returns the repetition vector q (smallest positive integers with q(src)·production ==
/// q(dst)·consumption on every channel), computed with exact overflow-checked integer
/// arithmetic. Errors: the graph is invalid, disconnected (naming two actors in different
/// components) or inconsistent (naming a channel on an inconsistent cycle and the rates it
/// would need); InvalidArgument when an entry overflows 64 bits.
[[nodiscard]] Expected<std::vector<int64_t>> repetitionVector(const SdfGraph& graph);

/// A firing order of one iteration: actor \p actor fires \p count times, batches in order.
struct FiringBatch {
    int actor = -1;
    int64_t count = 0;
};

/// Executes one iteration symbolically (token counts only) and \returns a valid firing order
/// (each actor a fires q[a] times), or InvalidModel "deadlock" naming an actor that cannot
/// complete and the channel it waits on. InvalidArgument when sum(q) exceeds
/// limits.maxIterationFirings. \p q must be the graph's repetition vector.
[[nodiscard]] Expected<std::vector<FiringBatch>> iterationSchedule(const SdfGraph& graph, const std::vector<int64_t>& q,
                                                                   const AnalysisLimits& limits = {},
                                                                   const RunContext& ctx = {});

/// Max-plus value "minus infinity" (no dependency).
inline constexpr int64_t kMinusInfinity = INT64_MIN;

/// The max-plus matrix of one iteration, stored by sparse rows: entry (j, i) is the longest
/// time from the availability of initial token i to the availability of token j after one
/// iteration; absent entries are "minus infinity" (no dependency). Tokens are numbered channel
/// by channel, FIFO order (front first) within a channel.
struct MaxPlusMatrix {
    int size = 0;                                           ///< N, the number of initial tokens
    std::vector<std::vector<std::pair<int, int64_t>>> rows; ///< per token j: (i, entry), i ascending
    std::vector<int> tokenChannel;                          ///< channel of each token
    /// \returns entry (row, col), or kMinusInfinity.
    int64_t at(int row, int col) const;
};

/// Symbolic execution of one iteration in max-plus algebra, each initial token a symbol, in
/// the order \p schedule (from iterationSchedule). InvalidArgument beyond \p limits;
/// Cancelled when ctx says so.
[[nodiscard]] Expected<MaxPlusMatrix> iterationMatrix(const SdfGraph& graph, const std::vector<FiringBatch>& schedule,
                                                      const AnalysisLimits& limits = {}, const RunContext& ctx = {});

/// The maximum cycle mean of a weighted digraph.
struct CycleMean {
    bool hasCycle = false;   ///< false: the graph is acyclic (the mean is "minus infinity")
    Rational mean;           ///< exact, when hasCycle
    std::vector<int> cycle;  ///< nodes of one critical cycle, in order, when hasCycle
};

/// One edge of the precedence graph of a max-plus matrix: from -> to with integer weight.
struct WeightedEdge {
    int from = 0;
    int to = 0;
    int64_t weight = 0;
};

/// \returns the precedence graph of \p m: an edge i -> j of weight m(j, i) for every finite entry.
std::vector<WeightedEdge> precedenceEdges(const MaxPlusMatrix& m);

/// Maximum cycle mean by Howard's policy iteration (Cochet-Terrasson, Cohen, Gaubert, McGettrick
/// and Quadrat 1998) in exact integer arithmetic: cycle means are fractions, node potentials are
/// 128-bit integers scaled by the cycle length, and the policy changes only on strict
/// improvement, so the result is exact. Internal error if it fails to converge (a bug).
[[nodiscard]] Expected<CycleMean> maximumCycleMeanHoward(int nodes, const std::vector<WeightedEdge>& edges);
/// Maximum cycle mean by Karp's theorem per strongly connected component (exact; O(n·e) time,
/// O(n²) memory): a cross-check for Howard, practical for a few thousand nodes. cycle is empty.
[[nodiscard]] Expected<CycleMean> maximumCycleMeanKarp(int nodes, const std::vector<WeightedEdge>& edges);

/// One edge of a graph for the maximum cycle ratio: from -> to with a weight (time) and a
/// transit (tokens).
struct RatioEdge {
    int from = 0;
    int to = 0;
    int64_t weight = 0;
    int64_t transit = 0; ///< >= 0
};

/// The maximum cycle ratio of a graph: max over cycles of Σ weight / Σ transit.
struct CycleRatio {
    bool hasCycle = false;       ///< false: acyclic
    Rational ratio;              ///< exact, when hasCycle
    std::vector<int> cycleEdges; ///< indices into the edges of one critical cycle, in order
};

/// Maximum cycle ratio by Howard's policy iteration in exact integer arithmetic (ratios are
/// reduced fractions, potentials 128-bit integers scaled by their cycle's denominator). Works
/// on the sparse graph itself, O(edges) per iteration. InvalidModel when a cycle has no transit
/// (a deadlock); InvalidArgument for an edge out of range.
[[nodiscard]] Expected<CycleRatio> maximumCycleRatioHoward(int nodes, const std::vector<RatioEdge>& edges);

/// Everything analyzeThroughput finds.
struct ThroughputAnalysis {
    std::vector<int64_t> repetitions;  ///< the repetition vector, per actor
    int64_t iterationFirings = 0;      ///< sum of the repetition vector
    int64_t initialTokens = 0;         ///< N, the size of the max-plus matrix
    /// True when no cycle limits the execution (no cycle through initial tokens, or every
    /// cycle takes no time): the throughput is infinite and period is 0.
    bool unbounded = false;
    Rational period;                   ///< iteration period = the max-plus eigenvalue (maximum cycle mean)
    std::vector<int> criticalChannels; ///< channels whose tokens form a critical cycle (may repeat)

    /// Iterations per time unit, 1/period. Only when !unbounded.
    Rational throughput() const { return period.inverse(); }
    /// Firings of \p actor per time unit, q(actor)/period. Only when !unbounded.
    Rational actorThroughput(int actor) const;
};

/// Consistency, deadlock check and the iteration period of \p graph under self-timed execution
/// with SDF3's auto-concurrency (see sdf_graph.h). A homogeneous graph (every rate 1) takes a
/// fast exact path: the maximum cycle ratio (Σ execution times / Σ initial tokens) on the actor
/// graph itself, O(channels) per Howard iteration, instead of the max-plus matrix of its tokens
/// (equal by the max-plus theory of HSDF graphs; the tests compare both). \returns the first
/// failing check's error.
[[nodiscard]] Expected<ThroughputAnalysis> analyzeThroughput(const SdfGraph& graph, const AnalysisLimits& limits = {},
                                                             const RunContext& ctx = {});

/// \returns whether every actor reaches every other along channel directions.
bool isStronglyConnected(const SdfGraph& graph);

} // namespace nnb::dataflow
