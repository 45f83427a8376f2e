// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <optional>
#include <string_view>

namespace nnb::ir {

/// Every operation the IR knows: the ONNX ops of ops.def, then the compiler-internal ops of
/// internal_ops.def.
enum class OpKind {
// Qt's moc parses this header when GUI code includes it and cannot follow an #include inside an
// enum body; it needs no enumerators, so they are hidden from it.
#ifndef Q_MOC_RUN
#define NNB_OP(Enum, Name, MinIn, MaxIn) Enum,
#include "nnb/ir/ops.def"
#define NNB_INTERNAL_OP(Enum, Name, MinIn, MaxIn) Enum,
#include "nnb/ir/internal_ops.def"
#endif
};

/// \returns the ONNX-style name of \p op ("Conv").
std::string_view opName(OpKind op);
/// \returns the ONNX op called \p name, or nullopt when the IR has no such ONNX op. Internal
/// ops are never returned, so no model can smuggle one in.
std::optional<OpKind> parseOpName(std::string_view name);
/// \returns true for the compiler-internal ops (internal_ops.def).
bool isInternalOp(OpKind op);
/// \returns the minimum and maximum number of input slots of \p op (optional inputs included).
int minInputs(OpKind op);
int maxInputs(OpKind op);

} // namespace nnb::ir
