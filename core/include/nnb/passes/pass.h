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
#define NNB_PASS(Enum, Name, Description) Enum,
#include "nnb/passes/passes.def"
};

std::string_view passName(PassId id);
std::string_view passDescription(PassId id);
/// \returns the pass called \p name (kebab-case), or InvalidArgument listing the known names.
[[nodiscard]] Expected<PassId> parsePassName(std::string_view name);
/// \returns all registered passes in registry order.
const std::vector<PassId>& allPasses();

/// What every pass may read, and where it records findings.
struct PassContext {
    const hw::Profile& profile;
    const strategy::Strategy& strategy;
    const RunContext& run;
    Diagnostics& diagnostics;
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
