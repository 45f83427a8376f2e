// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/ir/verifier.h"

#include "nnb/ir/shape_inference.h"

namespace nnb::ir {
namespace {

tl::unexpected<Error> fail(const Node& node, const std::string& message)
{
    Error e{Errc::InvalidModel, message, {"node '" + node.name + "' (" + std::string(opName(node.op)) + ")"}};
    return tl::unexpected<Error>(std::move(e));
}

} // namespace

Expected<void> verify(const Graph& graph)
{
    const int numValues = graph.numValues();
    auto validId = [&](ValueId id) { return id >= 0 && id < numValues; };

    // Graph inputs are runtime values: no producer, no constant.
    for (ValueId in : graph.inputs()) {
        if (!validId(in))
            return makeError(Errc::InvalidModel, "graph input id " + std::to_string(in) + " is out of range");
        const Value& v = graph.value(in);
        if (v.producer != kNoNode || v.isConstant())
            return makeError(Errc::InvalidModel, "graph input '" + v.name + "' is also produced by a node or constant");
    }

    // One producer per value; producer links agree with node outputs.
    std::vector<NodeId> producer(static_cast<size_t>(numValues), kNoNode);
    for (NodeId n = 0; n < graph.numNodes(); ++n) {
        const Node& node = graph.node(n);
        const auto arity = static_cast<int>(node.inputs.size());
        if (arity < minInputs(node.op) || arity > maxInputs(node.op))
            return fail(node, "has " + std::to_string(arity) + " inputs; " + std::string(opName(node.op)) + " takes " +
                                  std::to_string(minInputs(node.op)) + ".." + std::to_string(maxInputs(node.op)));
        for (int k = 0; k < arity; ++k) {
            const ValueId in = node.inputs[static_cast<size_t>(k)];
            if (in == kNoValue && k < minInputs(node.op))
                return fail(node, "required input " + std::to_string(k) + " is missing");
            if (in != kNoValue && !validId(in))
                return fail(node, "input id " + std::to_string(in) + " is out of range");
        }
        if (node.outputs.empty())
            return fail(node, "has no outputs");
        for (ValueId out : node.outputs) {
            if (!validId(out))
                return fail(node, "output id " + std::to_string(out) + " is out of range");
            if (producer[static_cast<size_t>(out)] != kNoNode)
                return fail(node, "value '" + graph.value(out).name + "' is already produced by node '" +
                                      graph.node(producer[static_cast<size_t>(out)]).name + "'");
            if (graph.value(out).isConstant())
                return fail(node, "writes the constant '" + graph.value(out).name + "'");
            producer[static_cast<size_t>(out)] = n;
            if (graph.value(out).producer != n)
                return fail(node, "value '" + graph.value(out).name + "' has a stale producer link");
        }
    }
    for (ValueId v = 0; v < numValues; ++v)
        if (graph.value(v).producer != producer[static_cast<size_t>(v)])
            return makeError(Errc::InvalidModel, "value '" + graph.value(v).name + "' names a producer that does not write it");

    // Every input is defined: graph input, constant or some node's output; acyclic.
    std::vector<bool> isGraphInput(static_cast<size_t>(numValues), false);
    for (ValueId in : graph.inputs())
        isGraphInput[static_cast<size_t>(in)] = true;
    for (const Node& node : graph.nodes())
        for (ValueId in : node.inputs) {
            if (in == kNoValue)
                continue;
            const Value& v = graph.value(in);
            if (!v.isConstant() && v.producer == kNoNode && !isGraphInput[static_cast<size_t>(in)])
                return fail(node, "reads '" + v.name + "', which is neither a graph input, a constant nor a node output");
        }
    NNB_RETURN_IF_ERROR(graph.topologicalOrder());
    for (ValueId out : graph.outputs()) {
        if (!validId(out))
            return makeError(Errc::InvalidModel, "graph output id " + std::to_string(out) + " is out of range");
        const Value& v = graph.value(out);
        if (!v.isConstant() && v.producer == kNoNode && !isGraphInput[static_cast<size_t>(out)])
            return makeError(Errc::InvalidModel, "graph output '" + v.name + "' is never produced");
    }

    // Stored shapes agree with shape inference.
    for (const Node& node : graph.nodes()) {
        std::vector<Shape> shapes;
        std::vector<const Tensor*> consts;
        for (ValueId in : node.inputs) {
            shapes.push_back(in == kNoValue ? Shape{} : graph.value(in).shape);
            consts.push_back(in == kNoValue ? nullptr : graph.value(in).constant.get());
        }
        auto inferred = inferNodeShapes(node, shapes, consts);
        if (!inferred) {
            inferred.error().context.push_back("node '" + node.name + "' (" + std::string(opName(node.op)) + ")");
            return tl::unexpected<Error>(std::move(inferred).error());
        }
        for (size_t k = 0; k < node.outputs.size(); ++k) {
            const Shape& stored = graph.value(node.outputs[k]).shape;
            if (stored != (*inferred)[k])
                return fail(node, "output '" + graph.value(node.outputs[k]).name + "' is recorded as " +
                                      shapeToString(stored) + " but its inputs give " + shapeToString((*inferred)[k]));
        }
    }
    return {};
}

} // namespace nnb::ir
