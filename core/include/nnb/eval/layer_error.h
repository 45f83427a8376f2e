// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"

namespace nnb::eval {

/// How far a transformed network's activation is from the float original's at one layer.
struct LayerError {
    std::string layer; ///< the original node
    std::string value; ///< its output value (the point compared)
    double relativeL2 = 0.0; ///< ‖t − f‖₂ / ‖f‖₂ (‖t‖₂ when f is all zero)
    double cosine = 1.0;     ///< f·t / (‖f‖‖t‖); 1 when both are zero
    double maxAbs = 0.0;     ///< max |t − f|
};

/// Error metrics of \p transformed against \p reference (same size, float32).
LayerError compareActivations(const ir::Tensor& reference, const ir::Tensor& transformed);

/// For every node of \p original, in order, whose first output also exists by name in
/// \p transformed, compares the two activations. \p originalValues and \p transformedValues are
/// Executor::runAll results (indexed by ValueId) on the same inputs. Values the transformation
/// removed (a Conv whose Relu was fused) have no row.
std::vector<LayerError> compareLayers(const ir::Graph& original, const std::vector<ir::Tensor>& originalValues,
                                      const ir::Graph& transformed, const std::vector<ir::Tensor>& transformedValues);

} // namespace nnb::eval
