// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::eval {

/// How closely a transformed graph's outputs follow the original's on the same inputs.
struct Equivalence {
    int64_t samples = 0;
    double maxAbsDifference = 0.0;
    double maxRelativeDifference = 0.0; ///< max |a − b| / max(|a|) per output tensor, worst output
    int64_t agreeingPredictions = 0;    ///< samples whose arg-max over the first output agrees
};

/// Runs \p original and \p transformed with the float executor on \p inputs (one tensor per
/// graph input, batch first) and compares every output. Both graphs must take the same inputs
/// and produce outputs of the same shapes.
[[nodiscard]] Expected<Equivalence> compareGraphs(const ir::Graph& original, const ir::Graph& transformed,
                                                  const std::vector<ir::Tensor>& inputs, int threads = 0,
                                                  const RunContext& ctx = {});

} // namespace nnb::eval
