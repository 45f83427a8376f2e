// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::ir {

/// Resolved geometry of a 2-D convolution or pooling window (NCHW). Pads are resolved from
/// explicit pads or auto_pad; output sizes include ceil_mode.
struct WindowGeometry {
    int64_t kernelH = 1, kernelW = 1;
    int64_t strideH = 1, strideW = 1;
    int64_t dilationH = 1, dilationW = 1;
    int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
    int64_t inH = 0, inW = 0;
    int64_t outH = 0, outW = 0;
};

/// Computes the window geometry of a Conv, MaxPool or AveragePool node for an input of spatial
/// size \p inH x \p inW and kernel \p kernelH x \p kernelW (from the weights for Conv).
/// Fails with InvalidModel on inconsistent attributes (wrong lengths, non-positive sizes, empty
/// output).
[[nodiscard]] Expected<WindowGeometry> computeWindowGeometry(const Node& node, int64_t inH, int64_t inW,
                                                             int64_t kernelH, int64_t kernelW);

/// Computes the output shapes of \p node from its input shapes. \p inputShapes has one entry
/// per input slot (empty Shape for an absent optional input); \p inputConstants holds the
/// constant tensor of each input or nullptr. Dynamic dimensions propagate as kDynamicDim.
/// Fails with InvalidModel when shapes are inconsistent (the message says which dimensions).
[[nodiscard]] Expected<std::vector<Shape>> inferNodeShapes(const Node& node,
                                                           const std::vector<Shape>& inputShapes,
                                                           const std::vector<const Tensor*>& inputConstants);

/// Runs inferNodeShapes over the graph in topological order and stores every output shape.
/// Errors carry the node's name and op as context.
[[nodiscard]] Expected<void> inferShapes(Graph& graph);

} // namespace nnb::ir
