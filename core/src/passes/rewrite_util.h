// SPDX-License-Identifier: GPL-3.0-or-later
// Private helpers shared by the graph-rewriting passes.
#pragma once

#include <string>
#include <vector>

#include "nnb/ir/graph.h"

namespace nnb::passes::detail {

/// \returns the constant tensor of input \p slot of \p node, or nullptr if absent or not constant.
inline const ir::Tensor* constantInput(const ir::Graph& graph, const ir::Node& node, size_t slot)
{
    if (slot >= node.inputs.size() || node.inputs[slot] < 0)
        return nullptr;
    return graph.value(node.inputs[slot]).constant.get();
}

/// \returns true if \p value is read by exactly one node and is not a graph output.
inline bool hasSingleUse(const ir::Graph& graph, const std::vector<std::vector<ir::NodeId>>& consumers, ir::ValueId value)
{
    if (consumers[static_cast<size_t>(value)].size() != 1)
        return false;
    for (ir::ValueId out : graph.outputs())
        if (out == value)
            return false;
    return true;
}

/// \returns "node 'name' (Op)", the context string errors and diagnostics use.
inline std::string describe(const ir::Node& node)
{
    return "node '" + node.name + "' (" + std::string(ir::opName(node.op)) + ")";
}

} // namespace nnb::passes::detail
