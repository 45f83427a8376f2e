// SPDX-License-Identifier: GPL-3.0-or-later
// Translation of a parsed ONNX ModelProto into the verified nnbridge IR graph.
#pragma once

#include "nnb/onnx/import.h"
#include "nnb/support/expected.h"
#include "onnx_proto.h"

namespace nnb::onnx::detail {

/// Builds the IR graph of \p model and \returns it with the model's metadata, under the
/// contract of importModel(): opset check, constants from initializers, Constant nodes and
/// \p options.bindInputs, per-op normalisation, topological sorting, shape inference checked
/// against the model's declared shapes, and ir::verify. Errors name the node, value or
/// initializer concerned, but not the file (the caller adds it); ImportedModel::source is left
/// empty for the caller to fill.
[[nodiscard]] Expected<ImportedModel> buildImportedModel(const pb::ModelProto& model, const ImportOptions& options);

} // namespace nnb::onnx::detail
