// SPDX-License-Identifier: GPL-3.0-or-later
// ONNX Constant nodes. The IR has no Constant op: the importer turns each into a constant value,
// so later stages see weights the same way whether they came from an initializer or a node.
#pragma once

#include <cstdint>

#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"
#include "onnx_proto.h"

namespace nnb::onnx::detail {

/// Decodes the value of the Constant node \p node at opset \p opset: exactly one of the
/// attributes value (a tensor), or since opset 12 value_float, value_floats, value_int,
/// value_ints. Refuses sparse and string constants (UnsupportedOp), inputs, a number of outputs
/// other than one, unknown or misplaced attributes (InvalidModel) and everything decodeTensor
/// refuses. The caller adds the node as context.
[[nodiscard]] Expected<ir::Tensor> decodeConstantNode(const pb::NodeProto& node, int64_t opset, int64_t maxElements);

} // namespace nnb::onnx::detail
