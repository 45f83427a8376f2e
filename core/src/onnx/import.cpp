// SPDX-License-Identifier: GPL-3.0-or-later
// The public entry points of the ONNX importer: reading, parsing, and the exception barrier that
// keeps protobuf's and the standard library's exceptions inside the core.
#include "nnb/onnx/import.h"

#include <new>

#include "graph_builder.h"
#include "import_error.h"
#include "onnx_proto.h"
#include "proto_io.h"
#include "tensor_proto.h"

namespace nnb::onnx {
namespace {

using detail::pb::ModelProto;

/// Runs \p work, converting any exception into an Error, and adds the file as the outermost
/// context of whatever error results. No exception leaves the importer's public functions.
template <class Work> auto guarded(std::string_view source, Work&& work) -> decltype(work())
{
    using Result = decltype(work());
    const std::string context = detail::fileContext(source);
    try {
        return addContext(Result(work()), context);
    } catch (const std::bad_alloc&) {
        return addContext(Result(detail::invalidModel("ran out of memory while importing; the model is too large "
                                                      "or declares absurd sizes")),
            context);
    } catch (const std::exception& e) {
        return addContext(Result(makeError(Errc::Internal, std::string("unexpected error: ") + e.what())), context);
    } catch (...) {
        return addContext(Result(makeError(Errc::Internal, "unexpected non-standard exception")), context);
    }
}

Expected<void> checkOptions(const ImportOptions& options)
{
    if (options.maxTensorElements < 1)
        return makeError(Errc::InvalidArgument,
            "ImportOptions::maxTensorElements must be positive, got " + std::to_string(options.maxTensorElements));
    return {};
}

Expected<ImportedModel> build(const ModelProto& model, std::string_view source, const ImportOptions& options)
{
    NNB_RETURN_IF_ERROR(checkOptions(options));
    NNB_TRY(ImportedModel imported, detail::buildImportedModel(model, options));
    imported.source = std::string(source);
    return imported;
}

Expected<ImportedModel> fromBytes(std::string_view bytes, std::string_view source, const ImportOptions& options)
{
    ModelProto model;
    NNB_RETURN_IF_ERROR(detail::parseBinary(bytes, model, "an ONNX model"));
    return build(model, source, options);
}

Expected<ImportedModel> fromText(std::string_view text, std::string_view source, const ImportOptions& options)
{
    ModelProto model;
    NNB_RETURN_IF_ERROR(detail::parseText(text, model));
    return build(model, source, options);
}

/// Test models are committed as protobuf text (*.onnxtxt); reading them by path as well lets
/// the CLI and the app open them like any model.
bool isTextModelPath(const std::filesystem::path& path)
{
    return path.extension() == ".onnxtxt";
}

} // namespace

Expected<ImportedModel> importModel(const std::filesystem::path& path, const ImportOptions& options)
{
    const std::string source = path.string();
    return guarded(source, [&]() -> Expected<ImportedModel> {
        NNB_TRY(const std::string bytes, detail::readFileBytes(path));
        return isTextModelPath(path) ? fromText(bytes, source, options) : fromBytes(bytes, source, options);
    });
}

Expected<ImportedModel> importModelFromBytes(
    std::string_view bytes, std::string_view sourceName, const ImportOptions& options)
{
    return guarded(sourceName, [&] { return fromBytes(bytes, sourceName, options); });
}

Expected<ImportedModel> importModelFromText(
    std::string_view text, std::string_view sourceName, const ImportOptions& options)
{
    return guarded(sourceName, [&] { return fromText(text, sourceName, options); });
}

Expected<NamedTensor> readTensorFile(const std::filesystem::path& path)
{
    return guarded(path.string(), [&]() -> Expected<NamedTensor> {
        NNB_TRY(const std::string bytes, detail::readFileBytes(path));
        detail::pb::TensorProto proto;
        NNB_RETURN_IF_ERROR(detail::parseBinary(bytes, proto, "an ONNX tensor"));
        const std::string what = "tensor " + detail::inQuotes(proto.name());
        if (proto.data_type() == detail::pb::TensorProto::UNDEFINED)
            return addContext(Expected<NamedTensor>(detail::invalidModel(
                                  "it has no element type; the file is not a serialized ONNX TensorProto")),
                what);
        if (!detail::isNumericElementType(proto.data_type()))
            return addContext(
                Expected<NamedTensor>(detail::unsupported("element type " + detail::elementTypeName(proto.data_type())
                    + " is not supported; tensor files may hold float, double, int64 or int32 data")),
                what);
        NNB_TRY(ir::Tensor tensor, addContext(detail::decodeTensor(proto, ImportOptions {}.maxTensorElements), what));
        return NamedTensor { proto.name(), std::move(tensor) };
    });
}

} // namespace nnb::onnx
