// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>

#include "nnb/ir/graph.h"

namespace nnb::ir {

/// \returns a readable, deterministic text dump of \p graph, one node per line:
///   %conv1_out[?,6,28,28] = Conv(%input[?,1,28,28], $conv1.weight[6,1,5,5], ...) {pads=[2,2,2,2]}
/// Constants print as $name[shape], other values as %name[shape]. Used by `--dump` and golden
/// tests, so the format only changes deliberately.
std::string printGraph(const Graph& graph);

} // namespace nnb::ir
