// SPDX-License-Identifier: GPL-3.0-or-later
// Private: building the compiler-internal nodes (CoreOp, Slice, Accumulate, Concat) with their
// attributes set consistently, for the reform and split passes.
#pragma once

#include <optional>
#include <string>

#include "nnb/ir/graph.h"

namespace nnb::passes::detail {

/// What a CoreOp is; see internal_ops.def for the attribute meanings.
struct CoreOpSpec {
    std::string kind = "dense"; ///< "dense" or "conv"
    std::string activation = "none";
    std::string layer;          ///< original node realised
    std::string role = "layer";
    int64_t group = 1;
    bool structural = false;
    ir::Attributes window;      ///< conv only: strides, dilations, pads (explicit)
};

/// Adds `output = f(W·input + bias)`. Creates the output value when \p output is kNoValue.
/// \returns the output value. Shapes are filled in by ir::inferShapes at the end of the pass.
ir::ValueId addCoreOp(ir::Graph& graph, const std::string& name, const CoreOpSpec& spec, ir::ValueId input,
                      ir::Tensor weight, std::optional<ir::Tensor> bias, ir::ValueId output = ir::kNoValue);

/// Adds a Slice of features [start, end) along \p axis. \returns its output.
ir::ValueId addSlice(ir::Graph& graph, const std::string& name, const std::string& layer, ir::ValueId input,
                     int64_t axis, int64_t start, int64_t end);

/// Adds a Select of the features \p indices along \p axis (routing). \returns its output.
ir::ValueId addSelect(ir::Graph& graph, const std::string& name, const std::string& layer, ir::ValueId input,
                      int64_t axis, std::vector<int64_t> indices, ir::ValueId output = ir::kNoValue);

/// Adds a Concat along \p axis (routing only). \returns its output.
ir::ValueId addConcat(ir::Graph& graph, const std::string& name, const std::string& layer,
                      std::vector<ir::ValueId> inputs, int64_t axis, ir::ValueId output = ir::kNoValue);

/// Adds digital accumulation `f(Σ inputs)`. \returns its output.
ir::ValueId addAccumulate(ir::Graph& graph, const std::string& name, const std::string& layer,
                          std::vector<ir::ValueId> inputs, const std::string& activation,
                          ir::ValueId output = ir::kNoValue);

/// \returns the window attributes of a 1x1, stride-1, unpadded convolution.
ir::Attributes pointwiseWindow();

/// \returns the CoreOp attributes of \p node as a spec (for passes that rebuild core-ops).
CoreOpSpec specOf(const ir::Node& node);

} // namespace nnb::passes::detail
