// SPDX-License-Identifier: GPL-3.0-or-later
#include "constant_node.h"

#include <array>
#include <string_view>

#include "attribute_proto.h"
#include "import_error.h"
#include "tensor_proto.h"

namespace nnb::onnx::detail {
namespace {

/// The value attributes of Constant and the opset that introduced each (ONNX Constant-12
/// added the scalar and list forms; Constant-11 added sparse_value).
struct ValueAttribute {
    std::string_view name;
    AttrKind kind;
    int64_t sinceOpset;
    bool supported;
};
constexpr std::array kValueAttributes = {
    ValueAttribute { "value", AttrKind::Tensor, 1, true },
    ValueAttribute { "value_float", AttrKind::Float, 12, true },
    ValueAttribute { "value_floats", AttrKind::Floats, 12, true },
    ValueAttribute { "value_int", AttrKind::Int, 12, true },
    ValueAttribute { "value_ints", AttrKind::Ints, 12, true },
    ValueAttribute { "sparse_value", AttrKind::Other, 11, false },
    ValueAttribute { "value_string", AttrKind::String, 12, false },
    ValueAttribute { "value_strings", AttrKind::Other, 12, false },
};

const ValueAttribute* findValueAttribute(std::string_view name)
{
    for (const auto& candidate : kValueAttributes)
        if (candidate.name == name)
            return &candidate;
    return nullptr;
}

Expected<ir::Tensor> decodeValue(const pb::AttributeProto& attr, int64_t maxElements)
{
    const AttrKind kind = attributeKind(attr);
    if (attr.name() == "value") {
        if (kind != AttrKind::Tensor)
            return invalidModel(
                "attribute 'value' must hold a tensor (the model stores: " + attributeKindName(attr) + ")");
        return addContext(decodeTensor(attr.t(), maxElements), "attribute 'value'");
    }
    NNB_TRY(const ir::AttrValue value, readAttribute(attr, findValueAttribute(attr.name())->kind));
    if (const auto* f = std::get_if<float>(&value))
        return ir::Tensor::fromData({}, { *f });
    if (const auto* i = std::get_if<int64_t>(&value))
        return ir::Tensor::fromInts({}, { *i });
    if (const auto* fs = std::get_if<std::vector<float>>(&value)) {
        // An empty float list would be an empty tensor, which nnbridge refuses everywhere.
        if (fs->empty())
            return unsupported("attribute 'value_floats' is empty; nnbridge does not support empty tensors");
        if (static_cast<int64_t>(fs->size()) > maxElements)
            return unsupported("attribute 'value_floats' has more elements than ImportOptions::maxTensorElements");
        const auto n = static_cast<int64_t>(fs->size());
        return ir::Tensor::fromData({ n }, *fs);
    }
    // value_ints: an empty list is legitimate (the empty shape, e.g. Reshape to a scalar).
    const auto& is = std::get<std::vector<int64_t>>(value);
    if (static_cast<int64_t>(is.size()) > maxElements)
        return unsupported("attribute 'value_ints' has more elements than ImportOptions::maxTensorElements");
    const auto n = static_cast<int64_t>(is.size());
    return ir::Tensor::fromInts({ n }, is);
}

} // namespace

Expected<ir::Tensor> decodeConstantNode(const pb::NodeProto& node, int64_t opset, int64_t maxElements)
{
    if (node.input_size() != 0)
        return invalidModel("a Constant node takes no inputs, but this one has " + std::to_string(node.input_size()));
    if (node.output_size() != 1 || node.output(0).empty())
        return invalidModel("a Constant node must have exactly one named output");

    const pb::AttributeProto* valueAttr = nullptr;
    for (const auto& attr : node.attribute()) {
        const ValueAttribute* known = findValueAttribute(attr.name());
        if (!known)
            return invalidModel("attribute " + inQuotes(attr.name()) + " is not defined for Constant");
        if (opset < known->sinceOpset)
            return invalidModel("attribute " + inQuotes(attr.name()) + " of Constant exists since opset "
                + std::to_string(known->sinceOpset) + ", but the model uses opset " + std::to_string(opset));
        if (!known->supported)
            return unsupported("Constant " + inQuotes(attr.name())
                + " (sparse or string constants) is not supported; nnbridge handles dense numeric "
                  "constants only");
        if (valueAttr)
            return invalidModel("a Constant node must set exactly one value attribute, but this one sets both "
                + inQuotes(valueAttr->name()) + " and " + inQuotes(attr.name()));
        valueAttr = &attr;
    }
    if (!valueAttr)
        return invalidModel("a Constant node must set a value attribute (value, value_float, value_floats, "
                            "value_int or value_ints)");
    return decodeValue(*valueAttr, maxElements);
}

} // namespace nnb::onnx::detail
