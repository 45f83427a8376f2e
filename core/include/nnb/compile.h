// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/ir/graph.h"
#include "nnb/ir/tensor.h"
#include "nnb/passes/pass_manager.h"
#include "nnb/report/resources.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb {

/// Inputs and options of one compile besides the network, profile and strategy.
struct CompileOptions {
    /// Sample inputs (one tensor per graph input, batch in dimension 0) used to calibrate value
    /// ranges, e.g. the input range of each function approximator. Without them ranges fall
    /// back to the strategy's defaults and a diagnostic says so.
    std::vector<ir::Tensor> calibrationInputs;
    passes::PassManagerOptions passes;
    /// Replaces the default pipeline when non-empty (names from passes.def).
    std::vector<passes::PassId> pipeline;
};

/// Everything one compile produced: immutable once returned, shared with the GUI as a snapshot.
struct CompileResult {
    std::shared_ptr<const ir::Graph> original; ///< the imported network
    std::shared_ptr<const ir::Graph> compiled; ///< core-ops, host ops and routing nodes
    hw::Profile profile;
    strategy::Strategy strategy;
    report::ResourceReport resources;
    Diagnostics diagnostics;
    std::vector<passes::ApproximatorReport> approximators;
    std::vector<passes::PassTiming> timings;
    double totalMilliseconds = 0.0;
};

/// Compiles \p original for \p profile with \p strategy: runs the pass pipeline (normalize,
/// reform into core-ops, function approximators, split/merge to the crossbar size) and the
/// resource accounting. Infeasibility is reported in diagnostics, not as an error; errors are
/// reserved for invalid inputs, internal failures and cancellation (Errc::Cancelled).
[[nodiscard]] Expected<CompileResult> compile(const ir::Graph& original, const hw::Profile& profile,
                                              const strategy::Strategy& strategy, const CompileOptions& options = {},
                                              const RunContext& ctx = {});

} // namespace nnb
