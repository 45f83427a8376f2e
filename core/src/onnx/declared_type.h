// SPDX-License-Identifier: GPL-3.0-or-later
// What a model declares about its values (graph inputs, outputs, value_info): element type and
// shape, with unknown dimensions as ir::kDynamicDim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"
#include "onnx_proto.h"

namespace nnb::onnx::detail {

/// The type a ValueInfoProto declares.
struct DeclaredType {
    bool isTensor = false; ///< false for sequences, maps, optionals, sparse tensors, no type
    std::string kindName; ///< "a tensor", "a sequence", ... for messages
    int32_t elemType = 0; ///< TensorProto::DataType; 0 when not given
    std::optional<ir::Shape> shape; ///< nullopt when the rank is unknown; unknown dims are kDynamicDim
    std::vector<std::string> dimParams; ///< the symbolic name of each dimension, empty if none
};

/// Reads the declared type of \p info. Refuses negative dimensions (InvalidModel); zero and
/// dynamic dimensions are kept for the caller to judge.
[[nodiscard]] Expected<DeclaredType> readDeclaredType(const pb::ValueInfoProto& info);

/// Checks that the graph input \p info can be fed at run time and \returns its shape: a float32
/// tensor of known rank whose dimensions are positive, except that the leading (batch)
/// dimension may be dynamic, with at most \p maxElements elements per sample. UnsupportedOp
/// (naming the type or dimension) otherwise.
[[nodiscard]] Expected<ir::Shape> runtimeInputShape(const pb::ValueInfoProto& info, int64_t maxElements);

/// \returns true when \p declared agrees with \p actual: the same rank, and the same size in
/// every dimension that is static in both.
bool shapesAgree(const ir::Shape& declared, const ir::Shape& actual);

} // namespace nnb::onnx::detail
