// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/passes/pass_manager.h"

#include <chrono>

#include "nnb/ir/verifier.h"

namespace nnb::passes {

PassManager::PassManager(std::vector<PassId> pipeline, PassManagerOptions options)
    : m_pipeline(std::move(pipeline))
    , m_options(std::move(options))
{
}

Expected<std::vector<PassTiming>> PassManager::run(ir::Graph& graph, const PassContext& ctx) const
{
    std::vector<PassTiming> timings;
    const auto total = static_cast<int>(m_pipeline.size());
    for (int k = 0; k < total; ++k) {
        const PassId id = m_pipeline[static_cast<size_t>(k)];
        ctx.run.report(1000 * k / std::max(1, total), std::string(passName(id)));
        const auto pass = createPass(id);
        const auto start = std::chrono::steady_clock::now();
        NNB_TRY(const bool changed, pass->run(graph, ctx));
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        timings.push_back(PassTiming{id, ms, changed});
        if (m_options.verifyAfterEach)
            NNB_RETURN_IF_ERROR(addContext(ir::verify(graph), "verifier after pass " + std::string(passName(id))));
        if (m_options.onDump && m_options.dumpAfter.count(id))
            m_options.onDump(id, graph);
        if (m_options.stopAfter && *m_options.stopAfter == id)
            break;
    }
    ctx.run.report(1000, "passes done");
    return timings;
}

} // namespace nnb::passes
