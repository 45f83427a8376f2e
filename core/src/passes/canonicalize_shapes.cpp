// SPDX-License-Identifier: GPL-3.0-or-later
// canonicalize-shapes: exporters spell "flatten the features" in several ways (Flatten,
// Reshape to [N, -1], Reshape to [0, -1], a Transpose by the identity). Later passes only need
// to recognise Flatten, so equivalent forms are rewritten to it and no-ops are removed.
#include "passes/pass_factories.h"
#include "passes/rewrite_util.h"

namespace nnb::passes::detail {
namespace {

bool isIdentityPermutation(const std::vector<int64_t>& perm)
{
    for (size_t k = 0; k < perm.size(); ++k)
        if (perm[k] != static_cast<int64_t>(k))
            return false;
    return !perm.empty();
}

/// A Reshape is a flatten at axis 1 when its output is [d0, prod(rest)] of a rank >= 2 input and
/// dimension 0 is kept (0, or the same static size).
bool reshapeIsFlatten(const ir::Graph& graph, const ir::Node& node)
{
    const ir::Shape& in = graph.value(node.inputs[0]).shape;
    const ir::Shape& out = graph.value(node.outputs[0]).shape;
    const ir::Tensor* target = constantInput(graph, node, 1);
    if (!target || in.size() < 2 || out.size() != 2 || target->i.size() != 2)
        return false;
    int64_t rest = 1;
    for (size_t k = 1; k < in.size(); ++k) {
        if (in[k] < 0)
            return false;
        rest *= in[k];
    }
    const bool keepsBatch = target->i[0] == 0 || (in[0] >= 0 && target->i[0] == in[0]) ||
                            (target->i[0] == -1 && target->i[1] == rest);
    return keepsBatch && out[1] == rest;
}

class CanonicalizeShapesPass final : public PassBase<PassId::CanonicalizeShapes> {
    Expected<bool> runImpl(ir::Graph& graph, const PassContext&) override
    {
        std::vector<bool> dead(static_cast<size_t>(graph.numNodes()), false);
        bool changed = false;
        for (ir::NodeId n = 0; n < graph.numNodes(); ++n) {
            ir::Node& node = graph.node(n);
            const bool sameShape = graph.value(node.inputs[0]).shape == graph.value(node.outputs[0]).shape &&
                                   ir::isStatic(graph.value(node.inputs[0]).shape.size() > 1
                                                    ? ir::Shape(graph.value(node.inputs[0]).shape.begin() + 1,
                                                                graph.value(node.inputs[0]).shape.end())
                                                    : ir::Shape{});
            const bool noOp = (node.op == ir::OpKind::Transpose && isIdentityPermutation(node.attrs.getInts("perm"))) ||
                              ((node.op == ir::OpKind::Reshape || node.op == ir::OpKind::Flatten) && sameShape);
            if (noOp) {
                graph.replaceAllUses(node.outputs[0], node.inputs[0]);
                dead[static_cast<size_t>(n)] = true;
                changed = true;
            } else if (node.op == ir::OpKind::Reshape && reshapeIsFlatten(graph, node)) {
                node.op = ir::OpKind::Flatten;
                node.inputs.resize(1);
                node.attrs = {};
                node.attrs.set("axis", int64_t{1});
                changed = true;
            }
        }
        if (changed)
            graph.eraseNodes(dead);
        return changed;
    }
};

} // namespace

std::unique_ptr<Pass> createCanonicalizeShapesPass() { return std::make_unique<CanonicalizeShapesPass>(); }

} // namespace nnb::passes::detail
