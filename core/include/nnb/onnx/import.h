// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::onnx {

/// Options of the ONNX importer.
struct ImportOptions {
    /// Graph inputs to freeze as constants, by name (for example a Reshape target shape that a
    /// model takes as a runtime input; nnbridge compiles static shapes only).
    std::map<std::string, ir::Tensor> bindInputs;
    /// Largest accepted element count of any one tensor or shape; beyond it a dimension is
    /// taken as absurd and the model is refused.
    int64_t maxTensorElements = int64_t{1} << 31;
};

/// A model read from ONNX, as nnbridge IR, with what the file said about itself.
struct ImportedModel {
    ir::Graph graph;         ///< verified, shapes inferred, nodes in topological order
    int64_t opsetVersion = 0; ///< of the default (ai.onnx) domain
    int64_t irVersion = 0;
    std::string producerName;
    std::string producerVersion;
    std::string source;      ///< the path or name the model came from, for messages
};

/// Supported opset range of the default ONNX domain.
inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 17;

/// Reads the ONNX model file at \p path. Refuses (never crashes on) truncated or non-ONNX
/// files, opsets outside [kMinOpset, kMaxOpset], unsupported ops or attributes,
/// external-data tensors, missing initializers, inconsistent shapes and zero-size or absurd
/// dimensions. Errors name the file, the node (name and op type) and say what to do.
[[nodiscard]] Expected<ImportedModel> importModel(const std::filesystem::path& path,
                                                  const ImportOptions& options = {});
/// As importModel, from the serialized bytes of a ModelProto; \p sourceName is used in messages.
[[nodiscard]] Expected<ImportedModel> importModelFromBytes(std::string_view bytes, std::string_view sourceName,
                                                           const ImportOptions& options = {});
/// As importModel, from a ModelProto in protobuf text format (the `.onnxtxt` test models).
[[nodiscard]] Expected<ImportedModel> importModelFromText(std::string_view text, std::string_view sourceName,
                                                          const ImportOptions& options = {});

/// A tensor read from a serialized TensorProto file (the `input_0.pb` files of ONNX's test
/// data), with the name stored in it.
struct NamedTensor {
    std::string name;
    ir::Tensor tensor;
};
/// Reads a serialized TensorProto. Float and int64 tensors are supported (other element types
/// are refused with UnsupportedOp naming the type).
[[nodiscard]] Expected<NamedTensor> readTensorFile(const std::filesystem::path& path);

} // namespace nnb::onnx
