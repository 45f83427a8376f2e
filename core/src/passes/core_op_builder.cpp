// SPDX-License-Identifier: GPL-3.0-or-later
#include "passes/core_op_builder.h"

namespace nnb::passes::detail {
namespace {

ir::ValueId ensureOutput(ir::Graph& graph, ir::ValueId output, const std::string& name)
{
    return output != ir::kNoValue ? output : graph.addValue(name + ".out");
}

} // namespace

ir::ValueId addCoreOp(ir::Graph& graph, const std::string& name, const CoreOpSpec& spec, ir::ValueId input,
                      ir::Tensor weight, std::optional<ir::Tensor> bias, ir::ValueId output)
{
    ir::Attributes attrs = spec.kind == "conv" ? spec.window : ir::Attributes{};
    attrs.set("kind", spec.kind);
    attrs.set("activation", spec.activation);
    attrs.set("layer", spec.layer);
    attrs.set("role", spec.role);
    if (spec.group != 1)
        attrs.set("group", spec.group);
    if (spec.structural)
        attrs.set("structural", int64_t{1});
    std::vector<ir::ValueId> inputs{input, graph.addConstant(name + ".W", std::move(weight))};
    if (bias)
        inputs.push_back(graph.addConstant(name + ".b", std::move(*bias)));
    output = ensureOutput(graph, output, name);
    graph.addNode(name, ir::OpKind::CoreOp, std::move(inputs), {output}, std::move(attrs));
    return output;
}

ir::ValueId addSlice(ir::Graph& graph, const std::string& name, const std::string& layer, ir::ValueId input,
                     int64_t axis, int64_t start, int64_t end)
{
    ir::Attributes attrs;
    attrs.set("axis", axis);
    attrs.set("start", start);
    attrs.set("end", end);
    attrs.set("layer", layer);
    const ir::ValueId out = graph.addValue(name + ".out");
    graph.addNode(name, ir::OpKind::Slice, {input}, {out}, std::move(attrs));
    return out;
}

ir::ValueId addSelect(ir::Graph& graph, const std::string& name, const std::string& layer, ir::ValueId input,
                      int64_t axis, std::vector<int64_t> indices, ir::ValueId output)
{
    ir::Attributes attrs;
    attrs.set("axis", axis);
    attrs.set("indices", std::move(indices));
    attrs.set("layer", layer);
    attrs.set("placement", std::string("routing"));
    output = ensureOutput(graph, output, name);
    graph.addNode(name, ir::OpKind::Select, {input}, {output}, std::move(attrs));
    return output;
}

ir::ValueId addConcat(ir::Graph& graph, const std::string& name, const std::string& layer,
                      std::vector<ir::ValueId> inputs, int64_t axis, ir::ValueId output)
{
    ir::Attributes attrs;
    attrs.set("axis", axis);
    attrs.set("layer", layer);
    attrs.set("placement", std::string("routing"));
    output = ensureOutput(graph, output, name);
    graph.addNode(name, ir::OpKind::Concat, std::move(inputs), {output}, std::move(attrs));
    return output;
}

ir::ValueId addAccumulate(ir::Graph& graph, const std::string& name, const std::string& layer,
                          std::vector<ir::ValueId> inputs, const std::string& activation, ir::ValueId output)
{
    ir::Attributes attrs;
    attrs.set("activation", activation);
    attrs.set("layer", layer);
    output = ensureOutput(graph, output, name);
    graph.addNode(name, ir::OpKind::Accumulate, std::move(inputs), {output}, std::move(attrs));
    return output;
}

ir::Attributes pointwiseWindow()
{
    ir::Attributes a;
    a.set("strides", std::vector<int64_t>{1, 1});
    a.set("dilations", std::vector<int64_t>{1, 1});
    a.set("pads", std::vector<int64_t>{0, 0, 0, 0});
    return a;
}

CoreOpSpec specOf(const ir::Node& node)
{
    CoreOpSpec spec;
    spec.kind = node.attrs.getString("kind", "dense");
    spec.activation = node.attrs.getString("activation", "none");
    spec.layer = node.attrs.getString("layer", node.name);
    spec.role = node.attrs.getString("role", "layer");
    spec.group = node.attrs.getInt("group", 1);
    spec.structural = node.attrs.getInt("structural", 0) != 0;
    if (spec.kind == "conv")
        for (const char* key : {"strides", "dilations", "pads"})
            if (node.attrs.has(key))
                spec.window.set(key, node.attrs.all().at(key));
    return spec;
}

} // namespace nnb::passes::detail
