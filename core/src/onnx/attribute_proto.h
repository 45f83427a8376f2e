// SPDX-License-Identifier: GPL-3.0-or-later
// Typed reading of ONNX AttributeProto values into IR attribute values.
#pragma once

#include <string>

#include "nnb/ir/attributes.h"
#include "nnb/support/expected.h"
#include "onnx_proto.h"

namespace nnb::onnx::detail {

/// The attribute kinds the importer distinguishes; everything ONNX has beyond these (graphs,
/// sparse tensors, type protos, lists of strings or tensors) is Other, which no supported op
/// uses.
enum class AttrKind { Int, Float, String, Ints, Floats, Tensor, Other, Missing };

/// \returns the kind of \p attr. Models written before the `type` field existed leave it
/// UNDEFINED; then the kind follows from the value field that is set (Missing if none is).
AttrKind attributeKind(const pb::AttributeProto& attr);

/// \returns a readable name of the kind of \p attr for messages ("int", "floats", "graph", ...).
std::string attributeKindName(const pb::AttributeProto& attr);
/// \returns a readable name of \p kind ("int", "floats", ...).
std::string attrKindName(AttrKind kind);

/// Checks that \p attr holds a value of kind \p expected (one of Int, Float, String, Ints,
/// Floats) and \returns it as an IR value; InvalidModel otherwise, naming the attribute, the
/// expected and the stored kind. Refuses attribute references (ref_attr_name), which are only
/// meaningful inside ONNX functions.
[[nodiscard]] Expected<ir::AttrValue> readAttribute(const pb::AttributeProto& attr, AttrKind expected);

} // namespace nnb::onnx::detail
