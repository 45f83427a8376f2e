// SPDX-License-Identifier: GPL-3.0-or-later
#include "shape_propagation.h"

#include "declared_type.h"
#include "import_error.h"
#include "nnb/ir/shape_inference.h"
#include "op_support.h"
#include "tensor_proto.h"

namespace nnb::onnx::detail {
namespace {

Expected<void> checkDeclared(const DeclaredShapes& declared, const ir::Value& value, const std::string& role)
{
    const auto it = declared.find(value.name);
    if (it == declared.end() || shapesAgree(it->second, value.shape))
        return {};
    return invalidModel(role + " " + inQuotes(value.name) + " is declared with shape " + ir::shapeToString(it->second)
        + " in the model, but " + (role == "output" ? "the node's inputs give " : "it has shape ")
        + ir::shapeToString(value.shape));
}

Expected<void> propagateNode(ir::Graph& graph, ir::NodeId id, const DeclaredShapes& declared, int64_t maxElements)
{
    const ir::Node& node = graph.node(id);
    std::vector<ir::Shape> shapes;
    std::vector<const ir::Tensor*> constants;
    for (ir::ValueId in : node.inputs) {
        shapes.push_back(in == ir::kNoValue ? ir::Shape {} : graph.value(in).shape);
        constants.push_back(in == ir::kNoValue ? nullptr : graph.value(in).constant.get());
    }
    NNB_RETURN_IF_ERROR(checkInputShapes(node, shapes));
    NNB_TRY(const auto outputs, ir::inferNodeShapes(node, shapes, constants));
    for (size_t k = 0; k < node.outputs.size(); ++k) {
        ir::Value& value = graph.value(node.outputs[k]);
        value.shape = outputs[k];
        const auto count = staticElementCount(value.shape);
        if (!count || *count > maxElements)
            return unsupported("output " + inQuotes(value.name) + " has shape " + ir::shapeToString(value.shape)
                + ", more than the limit of " + std::to_string(maxElements)
                + " elements (ImportOptions::maxTensorElements)");
        NNB_RETURN_IF_ERROR(checkDeclared(declared, value, "output"));
    }
    return {};
}

} // namespace

Expected<void> propagateShapes(ir::Graph& graph, const DeclaredShapes& declared, int64_t maxElements)
{
    for (const ir::Value& value : graph.values())
        if (value.producer == ir::kNoNode)
            NNB_RETURN_IF_ERROR(checkDeclared(declared, value, value.isConstant() ? "constant" : "graph input"));
    for (ir::NodeId id = 0; id < graph.numNodes(); ++id) {
        const ir::Node& node = graph.node(id);
        NNB_RETURN_IF_ERROR(
            withContext(propagateNode(graph, id, declared, maxElements), nodeContext(node.name, ir::opName(node.op))));
    }
    return {};
}

} // namespace nnb::onnx::detail
