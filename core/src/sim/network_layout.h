// SPDX-License-Identifier: GPL-3.0-or-later
// Private to the simulator: how a CoreOp's weights and inputs map onto crossbar rows and
// columns, shared by quantisation (ADC calibration) and simulation.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/ir/shape_inference.h"
#include "nnb/support/expected.h"

namespace nnb::sim::detail {

/// A CoreOp as a grouped matrix product: per group, rows (inputs) × cols (outputs).
struct CoreOpLayout {
    bool conv = false;
    int64_t group = 1;
    int64_t rowsPerGroup = 0; ///< dense: in/group; conv: C/group·kh·kw
    int64_t colsPerGroup = 0; ///< outputs per group
    int64_t outputs = 0;      ///< all outputs (dense features, conv channels)
    int64_t kh = 1, kw = 1, inChannels = 0;
};

/// \returns the layout of CoreOp \p node whose weight tensor is \p w.
[[nodiscard]] Expected<CoreOpLayout> layoutOf(const ir::Node& node, const ir::Tensor& w);

/// \returns the integer weight of row r, output o (within its group's block: r < rowsPerGroup)
/// from a per-element array in the CoreOp weight layout (dense [in/g, out], conv [M, C/g, kh, kw]).
inline size_t weightIndex(const CoreOpLayout& l, int64_t r, int64_t o)
{
    return l.conv ? static_cast<size_t>(o * l.rowsPerGroup + r) : static_cast<size_t>(r * l.outputs + o);
}

/// Rows of crossbar input codes for one group: [samples·positions × rowsPerGroup], row-major.
/// Dense: positions = 1. Conv: im2col in (c, ky, kx) row order, padding with \p padCode.
struct Im2Col {
    std::vector<int32_t> codes;
    int64_t rows = 0;      ///< samples · positions
    int64_t positions = 1; ///< conv output positions per sample
    ir::WindowGeometry geometry;
};

/// Builds the crossbar input rows of group \p g from the codes \p x of the CoreOp input
/// (shape \p shape: [N, in] dense or NCHW conv).
[[nodiscard]] Expected<Im2Col> gatherRows(const ir::Node& node, const CoreOpLayout& l, std::span<const int32_t> x,
                                          const ir::Shape& shape, int64_t g, int32_t padCode);

} // namespace nnb::sim::detail
