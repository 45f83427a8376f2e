// SPDX-License-Identifier: GPL-3.0-or-later
// Private helpers shared by the graph-rewriting passes.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/ir/shape_inference.h"

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

/// The common epilogue of a rewriting pass that appended replacement nodes and marked the
/// replaced ones in \p dead: removes them, restores topological order and re-infers shapes.
/// \returns \p changed.
inline Expected<bool> commitRewrite(ir::Graph& graph, const std::vector<bool>& dead, bool changed)
{
    if (!changed)
        return false;
    graph.eraseNodes(dead);
    NNB_RETURN_IF_ERROR(graph.sortTopologically());
    NNB_RETURN_IF_ERROR(ir::inferShapes(graph));
    return true;
}

/// Per-channel affine map y = scale·x + shift.
struct ChannelAffine {
    std::vector<float> scale;
    std::vector<float> shift;
};

/// \returns the affine map of an inference-mode BatchNormalization whose scale, bias, mean and
/// variance are constants: s = scale/sqrt(var + eps), shift = B − mean·s. nullopt otherwise.
inline std::optional<ChannelAffine> batchNormAffine(const ir::Graph& graph, const ir::Node& bn)
{
    for (size_t slot = 1; slot < 5; ++slot)
        if (!constantInput(graph, bn, slot))
            return std::nullopt;
    const auto& gamma = constantInput(graph, bn, 1)->f;
    const auto& beta = constantInput(graph, bn, 2)->f;
    const auto& mean = constantInput(graph, bn, 3)->f;
    const auto& var = constantInput(graph, bn, 4)->f;
    const double eps = bn.attrs.getFloat("epsilon", 1e-5f);
    ChannelAffine a;
    for (size_t c = 0; c < gamma.size(); ++c) {
        const double s = gamma[c] / std::sqrt(static_cast<double>(var[c]) + eps);
        a.scale.push_back(static_cast<float>(s));
        a.shift.push_back(static_cast<float>(beta[c] - mean[c] * s));
    }
    return a;
}

/// \returns "node 'name' (Op)", the context string errors and diagnostics use.
inline std::string describe(const ir::Node& node)
{
    return "node '" + node.name + "' (" + std::string(ir::opName(node.op)) + ")";
}

} // namespace nnb::passes::detail

namespace nnb::passes::detail {

/// \returns true if \p value is provably >= 0 from the graph's structure: the output of a ReLU,
/// of a core-op whose neuron is relu/ramp, or of routing and pooling over such values. Used to
/// drop the negative half of exact rewrites (max-trees), never from calibration data.
inline bool isNonNegative(const ir::Graph& graph, ir::ValueId value, int depth = 0)
{
    const ir::NodeId producer = graph.value(value).producer;
    if (producer == ir::kNoNode || depth > 64)
        return false;
    const ir::Node& node = graph.node(producer);
    switch (node.op) {
    case ir::OpKind::Relu: return true;
    case ir::OpKind::Sigmoid: return true;
    case ir::OpKind::CoreOp:
    case ir::OpKind::Accumulate: {
        const std::string act = node.attrs.getString("activation", "none");
        return act == "relu" || act == "ramp";
    }
    case ir::OpKind::MaxPool:
    case ir::OpKind::AveragePool:
    case ir::OpKind::GlobalAveragePool:
    case ir::OpKind::Flatten:
    case ir::OpKind::Reshape:
    case ir::OpKind::Transpose:
    case ir::OpKind::Identity:
    case ir::OpKind::Dropout:
    case ir::OpKind::Slice:
    case ir::OpKind::Select: return isNonNegative(graph, node.inputs[0], depth + 1);
    case ir::OpKind::Concat:
        for (ir::ValueId in : node.inputs)
            if (!isNonNegative(graph, in, depth + 1))
                return false;
        return true;
    default: return false;
    }
}

} // namespace nnb::passes::detail
