// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::ir {

/// Checks the structural invariants of \p graph: ids in range, arity per op, one producer per
/// value, producer links consistent, every node input defined (graph input, constant, or an
/// earlier node's output), no cycle, graph outputs defined, and that stored shapes agree with
/// shape inference. \returns an InvalidModel error naming the first offending node or value.
[[nodiscard]] Expected<void> verify(const Graph& graph);

} // namespace nnb::ir
