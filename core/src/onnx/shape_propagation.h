// SPDX-License-Identifier: GPL-3.0-or-later
// Shape inference over the imported graph, with the importer's own checks at each node.
#pragma once

#include <string>
#include <unordered_map>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::onnx::detail {

/// Shapes the model states for its values (value_info and graph outputs), by value name;
/// unknown dimensions are ir::kDynamicDim.
using DeclaredShapes = std::unordered_map<std::string, ir::Shape>;

/// Infers and stores the output shapes of every node of \p graph, which must be sorted
/// topologically. It drives ir::inferNodeShapes node by node, rather than calling
/// ir::inferShapes once, because at each node it also
///  - refuses inputs nnbridge cannot compile although ONNX allows them (Conv on 3-D tensors,
///    UnsupportedOp), which needs the inferred input shapes before the IR's rules run;
///  - refuses outputs over \p maxElements elements (UnsupportedOp);
///  - compares each result with the shape \p declared in the model, where both are static, and
///    refuses a disagreement (InvalidModel naming the value and both shapes), so the error
///    points at the node that computes the value.
/// Graph inputs and constants are compared with \p declared too. Errors carry the node as
/// context.
[[nodiscard]] Expected<void> propagateShapes(ir::Graph& graph, const DeclaredShapes& declared, int64_t maxElements);

} // namespace nnb::onnx::detail
