// SPDX-License-Identifier: GPL-3.0-or-later
// drop-identity: Identity and inference-mode Dropout forward their input unchanged, so their
// consumers can read the input directly. Runs first so later patterns see through them.
#include "passes/pass_factories.h"

namespace nnb::passes::detail {
namespace {

class DropIdentityPass final : public PassBase<PassId::DropIdentity> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext&) override
    {
        std::vector<bool> dead(static_cast<size_t>(graph.numNodes()), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < graph.numNodes(); ++n) {
            const ir::Node& node = graph.node(n);
            if (node.op != ir::OpKind::Identity && node.op != ir::OpKind::Dropout)
                continue;
            // The importer refuses a used Dropout mask, so only output 0 can have readers.
            graph.replaceAllUses(node.outputs[0], node.inputs[0]);
            dead[static_cast<size_t>(n)] = true;
            changed = true;
        }
        if (changed)
            graph.eraseNodes(dead);
        return changed;
    }
};

} // namespace

std::unique_ptr<Pass> createDropIdentityPass() { return std::make_unique<DropIdentityPass>(); }

} // namespace nnb::passes::detail
