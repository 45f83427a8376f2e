// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/passes/pass.h"

#include <array>

#include "passes/pass_factories.h"

namespace nnb::passes {
namespace {

struct PassInfo {
    std::string_view name;
    std::string_view description;
};

constexpr std::array kPasses = {
#define NNB_PASS(Enum, Name, Description) PassInfo{Name, Description},
#include "nnb/passes/passes.def"
};

} // namespace

std::string_view passName(PassId id) { return kPasses[static_cast<size_t>(id)].name; }
std::string_view passDescription(PassId id) { return kPasses[static_cast<size_t>(id)].description; }

const std::vector<PassId>& allPasses()
{
    static const std::vector<PassId> all = [] {
        std::vector<PassId> ids;
        for (size_t k = 0; k < kPasses.size(); ++k)
            ids.push_back(static_cast<PassId>(k));
        return ids;
    }();
    return all;
}

Expected<PassId> parsePassName(std::string_view name)
{
    std::string known;
    for (size_t k = 0; k < kPasses.size(); ++k) {
        if (kPasses[k].name == name)
            return static_cast<PassId>(k);
        known += (known.empty() ? "" : ", ") + std::string(kPasses[k].name);
    }
    return makeError(Errc::InvalidArgument, "unknown pass '" + std::string(name) + "'; passes are: " + known);
}

std::unique_ptr<Pass> createPass(PassId id)
{
    switch (id) {
#define NNB_PASS(Enum, Name, Description)                                                                              \
    case PassId::Enum: return detail::create##Enum##Pass();
#include "nnb/passes/passes.def"
    }
    return nullptr;
}

Expected<bool> Pass::run(ir::Graph& graph, const PassContext& ctx)
{
    if (ctx.run.cancelled())
        return makeError(Errc::Cancelled, "compile cancelled");
    return addContext(runImpl(graph, ctx), "pass " + std::string(passName(id())));
}

} // namespace nnb::passes
