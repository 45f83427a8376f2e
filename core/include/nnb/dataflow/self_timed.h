// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Event-driven self-timed (as-soon-as-possible) execution of an SDF graph in integer time, with
// detection of the periodic regime by state recurrence (Ghamarian et al., ACSD 2006): the state
// is the token count of every channel plus the remaining time of every running firing, i.e.
// relative to the current time. When a state recurs, the execution is periodic from then on.
//
// Auto-concurrency as in SDF3: every enabled firing starts at once (an actor with no self-loop
// may run many firings concurrently).

#include <cstdint>

#include "nnb/dataflow/rational.h"
#include "nnb/dataflow/sdf_graph.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::dataflow {

/// Bounds of the simulation.
struct SelfTimedOptions {
    int64_t maxSteps = 2'000'000;         ///< events (time advances or completions) simulated
    int64_t maxStoredValues = 32'000'000; ///< int64 values held by the visited-state table
};

/// The periodic regime of the self-timed execution.
struct SelfTimedResult {
    Rational period;            ///< time per iteration in the periodic regime: cycleTime / cycleIterations
    int64_t transientTime = 0;  ///< time at which the periodic regime starts (first occurrence of the recurring state)
    int64_t cycleTime = 0;      ///< duration of one period of the regime
    int64_t cycleIterations = 0;///< graph iterations completed in one period of the regime
    int64_t steps = 0;          ///< events simulated until the recurrence
};

/// Simulates \p graph self-timed from time 0 until a state recurs. The graph must be valid,
/// consistent, connected and strongly connected (otherwise tokens may pile up without bound
/// and no state recurs): InvalidModel says so, naming a channel that leaves a strongly
/// connected component. Deadlock: InvalidModel with the time it happens. InvalidArgument
/// when options' bounds are exceeded before a recurrence; Cancelled when ctx says so.
[[nodiscard]] Expected<SelfTimedResult> simulateSelfTimed(const SdfGraph& graph, const SelfTimedOptions& options = {},
                                                          const RunContext& ctx = {});

} // namespace nnb::dataflow
