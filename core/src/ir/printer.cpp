// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/ir/printer.h"

#include <cstdio>
#include <sstream>

namespace nnb::ir {
namespace {

std::string formatFloat(float v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));
    return buf;
}

template <class T, class F>
std::string formatList(const std::vector<T>& values, F format)
{
    std::string out = "[";
    for (size_t k = 0; k < values.size(); ++k) {
        if (k)
            out += ',';
        out += format(values[k]);
    }
    return out + "]";
}

std::string formatAttr(const AttrValue& value)
{
    struct Visitor {
        std::string operator()(int64_t v) const { return std::to_string(v); }
        std::string operator()(float v) const { return formatFloat(v); }
        std::string operator()(const std::string& v) const { return '"' + v + '"'; }
        std::string operator()(const std::vector<int64_t>& v) const
        {
            return formatList(v, [](int64_t x) { return std::to_string(x); });
        }
        std::string operator()(const std::vector<float>& v) const { return formatList(v, formatFloat); }
    };
    return std::visit(Visitor{}, value);
}

std::string formatValue(const Graph& graph, ValueId id)
{
    if (id == kNoValue)
        return "_";
    const Value& v = graph.value(id);
    return (v.isConstant() ? "$" : "%") + v.name + shapeToString(v.shape);
}

} // namespace

std::string printGraph(const Graph& graph)
{
    std::ostringstream out;
    out << "graph " << (graph.name.empty() ? "<unnamed>" : graph.name) << " (";
    for (size_t k = 0; k < graph.inputs().size(); ++k)
        out << (k ? ", " : "") << formatValue(graph, graph.inputs()[k]);
    out << ") {\n";
    for (const Node& node : graph.nodes()) {
        out << "  ";
        for (size_t k = 0; k < node.outputs.size(); ++k)
            out << (k ? ", " : "") << formatValue(graph, node.outputs[k]);
        out << " = " << opName(node.op) << "(";
        for (size_t k = 0; k < node.inputs.size(); ++k)
            out << (k ? ", " : "") << formatValue(graph, node.inputs[k]);
        out << ")";
        if (!node.attrs.all().empty()) {
            out << " {";
            bool first = true;
            for (const auto& [name, value] : node.attrs.all()) {
                out << (first ? "" : ", ") << name << "=" << formatAttr(value);
                first = false;
            }
            out << "}";
        }
        out << "  # " << node.name << "\n";
    }
    out << "  return ";
    for (size_t k = 0; k < graph.outputs().size(); ++k)
        out << (k ? ", " : "") << formatValue(graph, graph.outputs()[k]);
    out << "\n}\n";
    return out.str();
}

} // namespace nnb::ir
