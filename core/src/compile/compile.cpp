// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/compile.h"

#include <chrono>

#include "nnb/hw/profile_io.h"
#include "nnb/ir/verifier.h"
#include "nnb/passes/pipeline.h"

namespace nnb {

Expected<CompileResult> compile(const ir::Graph& original, const hw::Profile& profile, const strategy::Strategy& strategy,
                                const CompileOptions& options, const RunContext& ctx)
{
    const auto start = std::chrono::steady_clock::now();
    NNB_RETURN_IF_ERROR(addContext(hw::validateProfile(profile), "profile " + profile.id));
    NNB_RETURN_IF_ERROR(addContext(ir::verify(original), "the network to compile"));

    CompileResult result;
    result.original = std::make_shared<const ir::Graph>(original);
    result.profile = profile;
    result.strategy = strategy;

    auto graph = std::make_shared<ir::Graph>(original);
    passes::CompileState state;
    state.calibrationInputs = options.calibrationInputs;
    const passes::PassContext passContext{profile, strategy, ctx, result.diagnostics, state};
    const passes::PassManager manager(options.pipeline.empty() ? passes::defaultPipeline() : options.pipeline, options.passes);
    NNB_TRY(result.timings, manager.run(*graph, passContext));

    result.resources = report::accountResources(original, *graph, profile);
    result.approximators = std::move(state.approximators);
    result.compiled = std::move(graph);
    result.totalMilliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace nnb
