// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "nnb/passes/pass.h"

namespace nnb::passes {

/// Instrumentation options of a pipeline run (no global flags: all here).
struct PassManagerOptions {
#ifdef NDEBUG
    bool verifyAfterEach = false; ///< run the IR verifier after every pass (on in debug builds and tests)
#else
    bool verifyAfterEach = true;
#endif
    std::set<PassId> dumpAfter;    ///< call onDump after these passes
    std::optional<PassId> stopAfter; ///< stop the pipeline after this pass
    /// Receives the graph after each pass named in dumpAfter.
    std::function<void(PassId, const ir::Graph&)> onDump;
};

/// Time and effect of one pass in a run.
struct PassTiming {
    PassId id;
    double milliseconds = 0.0;
    bool changed = false;
};

/// Runs a pipeline (an ordered list of passes) over a graph with verification, dumps, timing,
/// progress and cancellation between passes.
class PassManager {
public:
    explicit PassManager(std::vector<PassId> pipeline, PassManagerOptions options = {});

    /// Runs the pipeline on \p graph. Progress is reported per pass as a share of the pipeline.
    /// \returns the per-pass timings, or the first error (with pass and node context).
    [[nodiscard]] Expected<std::vector<PassTiming>> run(ir::Graph& graph, const PassContext& ctx) const;

    const std::vector<PassId>& pipeline() const { return m_pipeline; }

private:
    std::vector<PassId> m_pipeline;
    PassManagerOptions m_options;
};

} // namespace nnb::passes
