// SPDX-License-Identifier: GPL-3.0-or-later
#include "attribute_proto.h"

#include <string_view>
#include <vector>

#include "import_error.h"

namespace nnb::onnx::detail {
namespace {

AttrKind kindFromType(int type)
{
    switch (type) {
    case pb::AttributeProto::INT:
        return AttrKind::Int;
    case pb::AttributeProto::FLOAT:
        return AttrKind::Float;
    case pb::AttributeProto::STRING:
        return AttrKind::String;
    case pb::AttributeProto::INTS:
        return AttrKind::Ints;
    case pb::AttributeProto::FLOATS:
        return AttrKind::Floats;
    case pb::AttributeProto::TENSOR:
        return AttrKind::Tensor;
    default:
        return AttrKind::Other;
    }
}

/// For attributes without a type (IR version 1 models), the one value field that is set.
AttrKind kindFromFields(const pb::AttributeProto& attr)
{
    if (attr.has_i())
        return AttrKind::Int;
    if (attr.has_f())
        return AttrKind::Float;
    if (attr.has_s())
        return AttrKind::String;
    if (attr.has_t())
        return AttrKind::Tensor;
    if (attr.ints_size() > 0)
        return AttrKind::Ints;
    if (attr.floats_size() > 0)
        return AttrKind::Floats;
    if (attr.has_g() || attr.has_sparse_tensor() || attr.strings_size() > 0 || attr.tensors_size() > 0
        || attr.graphs_size() > 0)
        return AttrKind::Other;
    return AttrKind::Missing;
}

/// "an int", "a list of floats"; "no value" stays as it is.
std::string withArticle(const std::string& noun)
{
    if (noun == "no value")
        return noun;
    const bool vowel = !noun.empty() && std::string_view("aeiou").find(noun[0]) != std::string_view::npos;
    return (vowel ? "an " : "a ") + noun;
}

} // namespace

AttrKind attributeKind(const pb::AttributeProto& attr)
{
    if (attr.type() == pb::AttributeProto::UNDEFINED)
        return kindFromFields(attr);
    return kindFromType(attr.type());
}

std::string attrKindName(AttrKind kind)
{
    switch (kind) {
    case AttrKind::Int:
        return "int";
    case AttrKind::Float:
        return "float";
    case AttrKind::String:
        return "string";
    case AttrKind::Ints:
        return "list of ints";
    case AttrKind::Floats:
        return "list of floats";
    case AttrKind::Tensor:
        return "tensor";
    case AttrKind::Other:
        return "other";
    case AttrKind::Missing:
        return "no value";
    }
    return "unknown";
}

std::string attributeKindName(const pb::AttributeProto& attr)
{
    switch (attr.type()) {
    case pb::AttributeProto::GRAPH:
        return "graph";
    case pb::AttributeProto::SPARSE_TENSOR:
        return "sparse tensor";
    case pb::AttributeProto::TYPE_PROTO:
        return "type";
    case pb::AttributeProto::STRINGS:
        return "list of strings";
    case pb::AttributeProto::TENSORS:
        return "list of tensors";
    case pb::AttributeProto::GRAPHS:
        return "list of graphs";
    case pb::AttributeProto::SPARSE_TENSORS:
        return "list of sparse tensors";
    case pb::AttributeProto::TYPE_PROTOS:
        return "list of types";
    default:
        return attrKindName(attributeKind(attr));
    }
}

Expected<ir::AttrValue> readAttribute(const pb::AttributeProto& attr, AttrKind expected)
{
    if (!attr.ref_attr_name().empty())
        return invalidModel("attribute " + inQuotes(attr.name()) + " refers to function attribute "
            + inQuotes(attr.ref_attr_name()) + ", which is only meaningful inside an ONNX function");
    const AttrKind kind = attributeKind(attr);
    if (kind != expected)
        return invalidModel("attribute " + inQuotes(attr.name()) + " must be " + withArticle(attrKindName(expected))
            + ", but the model stores " + withArticle(attributeKindName(attr)));
    switch (kind) {
    case AttrKind::Int:
        return ir::AttrValue { static_cast<int64_t>(attr.i()) };
    case AttrKind::Float:
        return ir::AttrValue { attr.f() };
    case AttrKind::String:
        return ir::AttrValue { attr.s() };
    case AttrKind::Ints:
        return ir::AttrValue { std::vector<int64_t>(attr.ints().begin(), attr.ints().end()) };
    case AttrKind::Floats:
        return ir::AttrValue { std::vector<float>(attr.floats().begin(), attr.floats().end()) };
    default:
        break;
    }
    return makeError(Errc::Internal,
        "attribute " + inQuotes(attr.name()) + " of kind " + attrKindName(kind) + " has no IR representation");
}

} // namespace nnb::onnx::detail
