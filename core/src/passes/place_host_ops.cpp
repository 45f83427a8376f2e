// SPDX-License-Identifier: GPL-3.0-or-later
// place-host-ops: after reform, every node is a core-op, routing (Flatten, Reshape, Transpose,
// Concat, Slice, Identity, Dropout), digital accumulation, or something the chip cannot run.
// The last kind is marked placement=host and reported: a final Softmax is the expected case
// (classification reads the arg-max anyway), anything else is a warning naming the layer.
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

bool isRouting(ir::OpKind op)
{
    switch (op) {
    case ir::OpKind::Flatten:
    case ir::OpKind::Reshape:
    case ir::OpKind::Transpose:
    case ir::OpKind::Concat:
    case ir::OpKind::Slice:
    case ir::OpKind::Select:
    case ir::OpKind::Identity:
    case ir::OpKind::Dropout: return true;
    default: return false;
    }
}

class PlaceHostOpsPass final : public PassBase<PassId::PlaceHostOps> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext& ctx) override
    {
        bool changed = false;
        for (ir::NodeId n = 0; n < graph.numNodes(); ++n) {
            ir::Node& node = graph.node(n);
            if (node.op == ir::OpKind::CoreOp || node.op == ir::OpKind::Accumulate)
                continue;
            const std::string placement = isRouting(node.op) ? "routing" : "host";
            if (node.attrs.getString("placement", "") == placement)
                continue;
            node.attrs.set("placement", placement);
            changed = true;
            if (placement == "routing")
                continue;
            bool final = true;
            for (ir::ValueId out : node.outputs) {
                bool isGraphOutput = false;
                for (ir::ValueId g : graph.outputs())
                    isGraphOutput |= g == out;
                final &= isGraphOutput;
            }
            if (node.op == ir::OpKind::Softmax && final)
                ctx.diagnostics.push_back({Severity::Info, node.name,
                                           "the final Softmax runs off-chip on the host (its arg-max equals the logits')"});
            else
                ctx.diagnostics.push_back({Severity::Warning, node.name,
                                           std::string(ir::opName(node.op)) +
                                               " has no core-op form for this profile and strategy; it runs off-chip on the host"});
        }
        return changed;
    }
};

} // namespace

std::unique_ptr<Pass> createPlaceHostOpsPass() { return std::make_unique<PlaceHostOpsPass>(); }

} // namespace nnb::passes::detail
