// SPDX-License-Identifier: GPL-3.0-or-later
// Decoding of ONNX TensorProto messages (initializers, Constant values, test-data files) and
// of dimension lists into IR tensors and shapes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"
#include "onnx_proto.h"

namespace nnb::onnx::detail {

/// \returns the lower-case ONNX name of element type \p elemType ("float", "int32", ...), as
/// ONNX writes it in tensor(...) type strings; unknown codes read "element type <n>".
std::string elementTypeName(int32_t elemType);

/// \returns the product of the static (non-negative) dimensions of \p shape, skipping dynamic
/// ones, or nullopt when the product overflows int64.
std::optional<int64_t> staticElementCount(const ir::Shape& shape);

/// Decodes \p proto into an IR tensor. Float and double tensors become Float32 (doubles are
/// narrowed), int64 and int32 tensors become Int64 (they only serve shape-like operands), and
/// bool tensors become Int64 0/1 (flag operands such as Dropout's training_mode). Data may be
/// in raw_data (little-endian) or the typed fields. Refuses external data, segments and other
/// element types (UnsupportedOp naming the type) and data whose length does not match the
/// shape (InvalidModel). Dimensions must be positive (negative or overflowing: InvalidModel;
/// zero: UnsupportedOp, except an empty 1-D integer list, which is how ONNX spells "the empty
/// shape", e.g. a Reshape to a scalar) and the element count at most \p maxElements
/// (UnsupportedOp). The caller adds what the tensor is (initializer, Constant) as context.
[[nodiscard]] Expected<ir::Tensor> decodeTensor(const pb::TensorProto& proto, int64_t maxElements);

/// \returns true when \p elemType is an element type decodeTensor accepts for numeric data
/// (float, double, int64, int32); bool is excluded because it is only meaningful as a flag.
bool isNumericElementType(int32_t elemType);

} // namespace nnb::onnx::detail
