// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nnb/ir/attributes.h"
#include "nnb/ir/op_kind.h"
#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"

namespace nnb::ir {

using ValueId = int32_t;
using NodeId = int32_t;
/// Marks an absent optional input, or "no producer" for graph inputs and constants.
inline constexpr int32_t kNoValue = -1;
inline constexpr int32_t kNoNode = -1;

/// A tensor-valued edge of the graph: a graph input, a constant (initializer) or the output of
/// exactly one node.
struct Value {
    std::string name;
    Shape shape;                            ///< from shape inference; may hold kDynamicDim
    std::shared_ptr<const Tensor> constant; ///< non-null for constants and initializers
    NodeId producer = kNoNode;              ///< kNoNode for graph inputs and constants

    bool isConstant() const { return constant != nullptr; }
};

/// One operation. Inputs and outputs refer to values of the same graph.
struct Node {
    std::string name;
    OpKind op = OpKind::Identity;
    std::vector<ValueId> inputs; ///< kNoValue marks an absent optional input
    std::vector<ValueId> outputs;
    Attributes attrs;
};

/// A computational graph: values, nodes, and the graph's inputs and outputs. Ids are indices;
/// value ids stay valid while the graph lives, node ids until eraseNodes(). Invariants checked by verify():
/// every value has at most one producer, every node input is defined before use, and the
/// nodes form a DAG. After sortTopologically() the node vector is in topological order, which
/// the importer guarantees on return.
class Graph {
public:
    std::string name;

    /// Adds a runtime input of the graph (listed in inputs()).
    ValueId addInput(std::string name, Shape shape);
    /// Adds a constant value (an initializer).
    ValueId addConstant(std::string name, Tensor tensor);
    /// Adds an intermediate value; its producer is set by addNode.
    ValueId addValue(std::string name, Shape shape = {});
    /// Adds a node and records it as the producer of its outputs.
    NodeId addNode(std::string name, OpKind op, std::vector<ValueId> inputs,
                   std::vector<ValueId> outputs, Attributes attrs = {});
    /// Lists \p id among the graph's outputs.
    void addOutput(ValueId id) { m_outputs.push_back(id); }

    const std::vector<ValueId>& inputs() const { return m_inputs; }
    const std::vector<ValueId>& outputs() const { return m_outputs; }
    const std::vector<Node>& nodes() const { return m_nodes; }
    const std::vector<Value>& values() const { return m_values; }
    int numNodes() const { return static_cast<int>(m_nodes.size()); }
    int numValues() const { return static_cast<int>(m_values.size()); }

    const Value& value(ValueId id) const { return m_values.at(static_cast<size_t>(id)); }
    Value& value(ValueId id) { return m_values.at(static_cast<size_t>(id)); }
    const Node& node(NodeId id) const { return m_nodes.at(static_cast<size_t>(id)); }
    Node& node(NodeId id) { return m_nodes.at(static_cast<size_t>(id)); }

    /// \returns the value called \p name, if any (linear search; for tools and tests).
    std::optional<ValueId> findValue(std::string_view name) const;

    /// \returns node ids in a topological order (stable: ties keep node order), or an
    /// InvalidModel error naming a node on a cycle.
    [[nodiscard]] Expected<std::vector<NodeId>> topologicalOrder() const;
    /// Reorders the nodes topologically (fixing producer links); fails on a cycle.
    [[nodiscard]] Expected<void> sortTopologically();
    /// \returns for every value the nodes that read it.
    std::vector<std::vector<NodeId>> consumers() const;

    /// Makes every node input and graph output that reads \p from read \p to instead.
    void replaceAllUses(ValueId from, ValueId to);
    /// Removes the nodes with \p dead[id] set, keeping the others in order, and fixes producer
    /// links. Node ids change; value ids do not (values of removed nodes stay as orphans, which
    /// the printer and executor ignore). \p dead must have numNodes() entries.
    void eraseNodes(const std::vector<bool>& dead);
    /// Replaces the outputs list.
    void setOutputs(std::vector<ValueId> outputs) { m_outputs = std::move(outputs); }
    /// \returns a value name not used yet, derived from \p base ("conv1.weight" -> "conv1.weight.1").
    std::string uniqueValueName(const std::string& base) const;

private:
    std::vector<Value> m_values;
    std::vector<Node> m_nodes;
    std::vector<ValueId> m_inputs;
    std::vector<ValueId> m_outputs;
};

/// Size figures of a graph for reports.
struct GraphStats {
    int64_t parameters = 0;       ///< float elements held in constants read by nodes
    int64_t parameterBytes = 0;   ///< their size as float32
    int nodes = 0;
};
GraphStats computeStats(const Graph& graph);

/// \returns the number of float parameters (constant elements) node \p id reads.
int64_t nodeParameterCount(const Graph& graph, NodeId id);

} // namespace nnb::ir
