// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/ir/graph.h"

#include <queue>

namespace nnb::ir {

ValueId Graph::addInput(std::string name, Shape shape)
{
    const ValueId id = addValue(std::move(name), std::move(shape));
    m_inputs.push_back(id);
    return id;
}

ValueId Graph::addConstant(std::string name, Tensor tensor)
{
    Value v;
    v.name = std::move(name);
    v.shape = tensor.shape;
    v.constant = std::make_shared<const Tensor>(std::move(tensor));
    m_values.push_back(std::move(v));
    return static_cast<ValueId>(m_values.size() - 1);
}

ValueId Graph::addValue(std::string name, Shape shape)
{
    Value v;
    v.name = std::move(name);
    v.shape = std::move(shape);
    m_values.push_back(std::move(v));
    return static_cast<ValueId>(m_values.size() - 1);
}

NodeId Graph::addNode(std::string name, OpKind op, std::vector<ValueId> inputs,
                      std::vector<ValueId> outputs, Attributes attrs)
{
    const auto id = static_cast<NodeId>(m_nodes.size());
    for (ValueId out : outputs)
        if (out >= 0 && out < numValues())
            m_values[static_cast<size_t>(out)].producer = id;
    m_nodes.push_back(Node{std::move(name), op, std::move(inputs), std::move(outputs), std::move(attrs)});
    return id;
}

std::optional<ValueId> Graph::findValue(std::string_view name) const
{
    for (size_t k = 0; k < m_values.size(); ++k)
        if (m_values[k].name == name)
            return static_cast<ValueId>(k);
    return std::nullopt;
}

std::vector<std::vector<NodeId>> Graph::consumers() const
{
    std::vector<std::vector<NodeId>> result(m_values.size());
    for (size_t n = 0; n < m_nodes.size(); ++n)
        for (ValueId in : m_nodes[n].inputs)
            if (in >= 0 && in < numValues())
                result[static_cast<size_t>(in)].push_back(static_cast<NodeId>(n));
    return result;
}

void Graph::replaceAllUses(ValueId from, ValueId to)
{
    for (Node& node : m_nodes)
        for (ValueId& in : node.inputs)
            if (in == from)
                in = to;
    for (ValueId& out : m_outputs)
        if (out == from)
            out = to;
}

void Graph::eraseNodes(const std::vector<bool>& dead)
{
    std::vector<Node> kept;
    kept.reserve(m_nodes.size());
    for (size_t k = 0; k < m_nodes.size(); ++k) {
        if (k < dead.size() && dead[k]) {
            for (ValueId out : m_nodes[k].outputs)
                if (out >= 0 && out < numValues())
                    m_values[static_cast<size_t>(out)].producer = kNoNode;
            continue;
        }
        kept.push_back(std::move(m_nodes[k]));
    }
    m_nodes = std::move(kept);
    for (size_t k = 0; k < m_nodes.size(); ++k)
        for (ValueId out : m_nodes[k].outputs)
            if (out >= 0 && out < numValues())
                m_values[static_cast<size_t>(out)].producer = static_cast<NodeId>(k);
}

std::string Graph::uniqueValueName(const std::string& base) const
{
    auto taken = [&](const std::string& name) {
        for (const Value& v : m_values)
            if (v.name == name)
                return true;
        return false;
    };
    if (!taken(base))
        return base;
    for (int k = 1;; ++k) {
        std::string candidate = base + "." + std::to_string(k);
        if (!taken(candidate))
            return candidate;
    }
}

Expected<std::vector<NodeId>> Graph::topologicalOrder() const
{
    // Kahn's algorithm with a min-heap on node id, so an already sorted graph keeps its order
    // and the result does not depend on hash or container iteration order.
    const size_t n = m_nodes.size();
    std::vector<int> pending(n, 0);
    const auto users = consumers();
    for (size_t k = 0; k < n; ++k)
        for (ValueId in : m_nodes[k].inputs)
            if (in >= 0 && in < numValues() && m_values[static_cast<size_t>(in)].producer != kNoNode)
                ++pending[k];

    std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
    for (size_t k = 0; k < n; ++k)
        if (pending[k] == 0)
            ready.push(static_cast<NodeId>(k));

    std::vector<NodeId> order;
    order.reserve(n);
    while (!ready.empty()) {
        const NodeId id = ready.top();
        ready.pop();
        order.push_back(id);
        for (ValueId out : m_nodes[static_cast<size_t>(id)].outputs) {
            if (out < 0 || out >= numValues())
                continue;
            for (NodeId user : users[static_cast<size_t>(out)])
                if (--pending[static_cast<size_t>(user)] == 0)
                    ready.push(user);
        }
    }
    if (order.size() != n) {
        for (size_t k = 0; k < n; ++k)
            if (pending[k] > 0)
                return makeError(Errc::InvalidModel,
                                 "the graph has a cycle through node '" + m_nodes[k].name + "' (" +
                                     std::string(opName(m_nodes[k].op)) +
                                     "); a feed-forward network must be acyclic");
    }
    return order;
}

Expected<void> Graph::sortTopologically()
{
    NNB_TRY(const auto order, topologicalOrder());
    std::vector<Node> sorted;
    sorted.reserve(m_nodes.size());
    for (NodeId id : order)
        sorted.push_back(std::move(m_nodes[static_cast<size_t>(id)]));
    m_nodes = std::move(sorted);
    for (auto& v : m_values)
        v.producer = kNoNode;
    for (size_t k = 0; k < m_nodes.size(); ++k)
        for (ValueId out : m_nodes[k].outputs)
            if (out >= 0 && out < numValues())
                m_values[static_cast<size_t>(out)].producer = static_cast<NodeId>(k);
    return {};
}

int64_t nodeParameterCount(const Graph& graph, NodeId id)
{
    int64_t count = 0;
    for (ValueId in : graph.node(id).inputs) {
        if (in < 0)
            continue;
        const Value& v = graph.value(in);
        if (v.constant && v.constant->dtype == DataType::Float32)
            count += static_cast<int64_t>(v.constant->f.size());
    }
    return count;
}

GraphStats computeStats(const Graph& graph)
{
    GraphStats stats;
    stats.nodes = graph.numNodes();
    // Count each constant once even when several nodes read it (shared weights).
    std::vector<bool> counted(static_cast<size_t>(graph.numValues()), false);
    for (const Node& node : graph.nodes())
        for (ValueId in : node.inputs) {
            if (in < 0 || counted[static_cast<size_t>(in)])
                continue;
            counted[static_cast<size_t>(in)] = true;
            const Value& v = graph.value(in);
            if (v.constant && v.constant->dtype == DataType::Float32)
                stats.parameters += static_cast<int64_t>(v.constant->f.size());
        }
    stats.parameterBytes = stats.parameters * 4;
    return stats;
}

} // namespace nnb::ir
