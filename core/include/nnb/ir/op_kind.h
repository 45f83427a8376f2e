// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>
#include <string_view>

namespace nnb::ir {

/// Every operation the IR knows, generated from ops.def.
enum class OpKind {
#define NNB_OP(Enum, Name, MinIn, MaxIn) Enum,
#include "nnb/ir/ops.def"
};

/// \returns the ONNX-style name of \p op ("Conv").
std::string_view opName(OpKind op);
/// \returns the op called \p name, or nullopt when the IR has no such op.
std::optional<OpKind> parseOpName(std::string_view name);
/// \returns the minimum and maximum number of input slots of \p op (optional inputs included).
int minInputs(OpKind op);
int maxInputs(OpKind op);

} // namespace nnb::ir
