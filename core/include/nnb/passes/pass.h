// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <string_view>

#include "nnb/hw/profile.h"
#include "nnb/ir/graph.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::passes {

/// Every registered pass, generated from passes.def.
enum class PassId {
// Qt's moc parses this header when GUI code includes it and cannot follow an #include inside an
// enum body; it needs no enumerators, so they are hidden from it.
#ifndef Q_MOC_RUN
#define NNB_PASS(Enum, Name, Description) Enum,
#include "nnb/passes/passes.def"
#endif
};

std::string_view passName(PassId id);
std::string_view passDescription(PassId id);
/// \returns the pass called \p name (kebab-case), or InvalidArgument listing the known names.
[[nodiscard]] Expected<PassId> parsePassName(std::string_view name);
/// \returns all registered passes in registry order.
const std::vector<PassId>& allPasses();

/// Observed range of one value over the calibration inputs.
struct ValueRange {
    float min = 0.0f;
    float max = 0.0f;
    bool known = false;
};

/// Report of one function approximator built by approximate-functions.
struct ApproximatorReport {
    std::string layer;    ///< the replaced node
    std::string function; ///< "Sigmoid", "Tanh", ...
    int width = 0;        ///< hidden neurons
    double lo = 0.0, hi = 0.0;        ///< fitted input range
    double maxAbsError = 0.0, rmsError = 0.0; ///< on a dense grid over [lo, hi]
};

/// State that passes of one compile share: inputs for calibration-driven passes and what they
/// found. Value ids are stable across passes (values are never renumbered), so ranges recorded
/// by calibrate-ranges stay valid for later passes.
struct CompileState {
    std::vector<ir::Tensor> calibrationInputs; ///< one tensor per graph input, batch first
    std::vector<ValueRange> ranges;            ///< by ValueId; empty until calibrate-ranges ran
    std::vector<ApproximatorReport> approximators;
};

/// What every pass may read, and where it records findings.
struct PassContext {
    const hw::Profile& profile;
    const strategy::Strategy& strategy;
    const RunContext& run;
    Diagnostics& diagnostics;
    CompileState& state;
};

/// A graph-to-graph transformation. Non-virtual interface: run() owns the common hooks
/// (cancellation check, error context naming the pass) and calls runImpl().
class Pass {
public:
    virtual ~Pass() = default;
    Pass() = default;
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

    /// Transforms \p graph in place. \returns whether it changed the graph, or an error with the
    /// pass's name as context; Cancelled when the context asks to stop.
    [[nodiscard]] Expected<bool> run(ir::Graph& graph, const PassContext& ctx);

    virtual PassId id() const = 0;

private:
    virtual Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) = 0;
};

/// Creates a fresh instance of pass \p id.
std::unique_ptr<Pass> createPass(PassId id);

} // namespace nnb::passes
