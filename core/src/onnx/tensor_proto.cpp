// SPDX-License-Identifier: GPL-3.0-or-later
#include "tensor_proto.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "import_error.h"

namespace nnb::onnx::detail {
namespace {

/// Reads one little-endian value of type T from \p bytes. ONNX stores raw_data little-endian
/// whatever the host, so big-endian hosts swap; memcpy avoids unaligned and aliasing UB.
template <class T> T loadLittleEndian(const char* bytes)
{
    using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
    static_assert(sizeof(Bits) == sizeof(T));
    Bits bits = 0;
    std::memcpy(&bits, bytes, sizeof(T));
    if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) {
        Bits swapped = 0;
        for (size_t k = 0; k < sizeof(T); ++k)
            swapped |= static_cast<Bits>((bits >> (8 * k)) & 0xffu) << (8 * (sizeof(T) - 1 - k));
        bits = swapped;
    }
    return std::bit_cast<T>(bits);
}

/// Narrows a double weight to float. Converting a finite double outside float's range is
/// undefined behaviour in C++, so out-of-range values saturate to +-infinity explicitly (what
/// IEEE narrowing, and numpy's astype, would give).
float narrowToFloat(double value)
{
    constexpr double kMax = std::numeric_limits<float>::max();
    if (value > kMax)
        return std::numeric_limits<float>::infinity();
    if (value < -kMax)
        return -std::numeric_limits<float>::infinity();
    return static_cast<float>(value);
}

/// Bytes per element in raw_data for the element types decodeTensor accepts.
size_t rawElementSize(int32_t elemType)
{
    switch (elemType) {
    case pb::TensorProto::FLOAT:
    case pb::TensorProto::INT32:
        return 4;
    case pb::TensorProto::DOUBLE:
    case pb::TensorProto::INT64:
        return 8;
    case pb::TensorProto::BOOL:
        return 1;
    default:
        return 0;
    }
}

/// \returns the number of values held in the typed field that \p elemType uses.
int typedFieldSize(const pb::TensorProto& proto)
{
    switch (proto.data_type()) {
    case pb::TensorProto::FLOAT:
        return proto.float_data_size();
    case pb::TensorProto::DOUBLE:
        return proto.double_data_size();
    case pb::TensorProto::INT64:
        return proto.int64_data_size();
    // ONNX stores int32, bool (and the small integer types) in int32_data.
    case pb::TensorProto::INT32:
    case pb::TensorProto::BOOL:
        return proto.int32_data_size();
    default:
        return 0;
    }
}

const char* typedFieldName(int32_t elemType)
{
    switch (elemType) {
    case pb::TensorProto::FLOAT:
        return "float_data";
    case pb::TensorProto::DOUBLE:
        return "double_data";
    case pb::TensorProto::INT64:
        return "int64_data";
    default:
        return "int32_data";
    }
}

Expected<void> checkStorage(const pb::TensorProto& proto)
{
    if (proto.data_location() == pb::TensorProto::EXTERNAL || proto.external_data_size() > 0)
        return unsupported("its data is stored in an external file; nnbridge reads self-contained models only "
                           "(re-save the model with onnx.save_model(model, path, save_as_external_data=False))");
    if (proto.has_segment())
        return unsupported("it is a segment of a larger tensor, which nnbridge does not support");
    const int32_t type = proto.data_type();
    if (type == pb::TensorProto::UNDEFINED)
        return invalidModel("its element type is undefined");
    if (rawElementSize(type) == 0) {
        std::string message = "element type " + elementTypeName(type)
            + " is not supported (nnbridge computes in float32; tensors may be float, double, int64, "
              "int32 or bool)";
        if (type == pb::TensorProto::FLOAT16 || type == pb::TensorProto::BFLOAT16)
            message += "; convert the model to float32 before importing it";
        return unsupported(std::move(message));
    }
    return {};
}

/// "[-3,4]": stored dimensions as written, since ir::shapeToString shows negatives as "?".
std::string dimsToString(const ir::Shape& dims)
{
    std::string text = "[";
    for (size_t k = 0; k < dims.size(); ++k)
        text += (k ? "," : "") + std::to_string(dims[k]);
    return text + "]";
}

/// Validates the dimensions and \returns the element count (see decodeTensor for the rules).
Expected<int64_t> checkedDims(const pb::TensorProto& proto, const ir::Shape& shape)
{
    const bool integral = proto.data_type() != pb::TensorProto::FLOAT && proto.data_type() != pb::TensorProto::DOUBLE;
    for (int64_t d : shape) {
        if (d < 0)
            return invalidModel("shape " + dimsToString(shape) + " has a negative dimension");
        if (d == 0 && !(integral && shape.size() == 1))
            return unsupported("shape " + ir::shapeToString(shape)
                + " has a zero-size dimension; nnbridge does not support empty tensors");
    }
    const auto count = staticElementCount(shape);
    if (!count)
        return invalidModel("shape " + ir::shapeToString(shape) + " has more elements than a 64-bit count can hold");
    return *count;
}

Expected<void> checkDataLength(const pb::TensorProto& proto, const ir::Shape& shape, int64_t count)
{
    const std::string what = elementTypeName(proto.data_type()) + " tensor of shape " + ir::shapeToString(shape);
    const int typed = typedFieldSize(proto);
    if (!proto.raw_data().empty()) {
        if (typed > 0)
            return invalidModel("it sets both raw_data and " + std::string(typedFieldName(proto.data_type()))
                + "; ONNX allows only one");
        const size_t elemSize = rawElementSize(proto.data_type());
        // count fits int64 and raw_data fits memory, so compare via division to avoid overflow.
        if (proto.raw_data().size() % elemSize != 0
            || proto.raw_data().size() / elemSize != static_cast<uint64_t>(count))
            return invalidModel("raw_data holds " + std::to_string(proto.raw_data().size()) + " bytes but a " + what
                + " needs " + std::to_string(count) + " x " + std::to_string(elemSize) + " bytes");
        return {};
    }
    if (typed != count) {
        if (typed == 0)
            return invalidModel("it holds no data (neither raw_data nor "
                + std::string(typedFieldName(proto.data_type())) + " is set) but a " + what + " needs "
                + std::to_string(count) + " values");
        return invalidModel(std::string(typedFieldName(proto.data_type())) + " holds " + std::to_string(typed)
            + " values but a " + what + " needs " + std::to_string(count));
    }
    return {};
}

template <class Raw, class Out, class Convert> std::vector<Out> decodeRaw(const std::string& raw, Convert convert)
{
    std::vector<Out> out(raw.size() / sizeof(Raw));
    for (size_t k = 0; k < out.size(); ++k)
        out[k] = convert(loadLittleEndian<Raw>(raw.data() + k * sizeof(Raw)));
    return out;
}

template <class Out, class Field, class Convert> std::vector<Out> decodeTyped(const Field& field, Convert convert)
{
    std::vector<Out> out;
    out.reserve(static_cast<size_t>(field.size()));
    for (const auto& v : field)
        out.push_back(convert(v));
    return out;
}

} // namespace

std::string elementTypeName(int32_t elemType)
{
    switch (elemType) {
    case pb::TensorProto::UNDEFINED:
        return "undefined";
    case pb::TensorProto::FLOAT:
        return "float";
    case pb::TensorProto::UINT8:
        return "uint8";
    case pb::TensorProto::INT8:
        return "int8";
    case pb::TensorProto::UINT16:
        return "uint16";
    case pb::TensorProto::INT16:
        return "int16";
    case pb::TensorProto::INT32:
        return "int32";
    case pb::TensorProto::INT64:
        return "int64";
    case pb::TensorProto::STRING:
        return "string";
    case pb::TensorProto::BOOL:
        return "bool";
    case pb::TensorProto::FLOAT16:
        return "float16";
    case pb::TensorProto::DOUBLE:
        return "double";
    case pb::TensorProto::UINT32:
        return "uint32";
    case pb::TensorProto::UINT64:
        return "uint64";
    case pb::TensorProto::COMPLEX64:
        return "complex64";
    case pb::TensorProto::COMPLEX128:
        return "complex128";
    case pb::TensorProto::BFLOAT16:
        return "bfloat16";
    default:
        return "element type " + std::to_string(elemType);
    }
}

bool isNumericElementType(int32_t elemType)
{
    return elemType == pb::TensorProto::FLOAT || elemType == pb::TensorProto::DOUBLE
        || elemType == pb::TensorProto::INT64 || elemType == pb::TensorProto::INT32;
}

std::optional<int64_t> staticElementCount(const ir::Shape& shape)
{
    int64_t count = 1;
    for (int64_t d : shape) {
        if (d < 0)
            continue;
        if (d != 0 && count > std::numeric_limits<int64_t>::max() / d)
            return std::nullopt;
        count *= d;
    }
    return count;
}

Expected<ir::Tensor> decodeTensor(const pb::TensorProto& proto, int64_t maxElements)
{
    NNB_RETURN_IF_ERROR(checkStorage(proto));
    const ir::Shape shape(proto.dims().begin(), proto.dims().end());
    NNB_TRY(const int64_t count, checkedDims(proto, shape));
    // Length before limit: a huge shape over a few bytes of data is a corrupt tensor, not a
    // big one, and saying so is more useful.
    NNB_RETURN_IF_ERROR(checkDataLength(proto, shape, count));
    if (count > maxElements)
        return unsupported("shape " + ir::shapeToString(shape) + " has " + std::to_string(count)
            + " elements, more than the limit of " + std::to_string(maxElements)
            + " (ImportOptions::maxTensorElements)");

    const std::string& raw = proto.raw_data();
    const bool useRaw = !raw.empty();
    auto toBool = [](auto v) { return static_cast<int64_t>(v != 0); };
    auto toInt64 = [](auto v) { return static_cast<int64_t>(v); };
    auto identity = [](auto v) { return v; };
    switch (proto.data_type()) {
    case pb::TensorProto::FLOAT:
        return ir::Tensor::fromData(
            shape, useRaw ? decodeRaw<float, float>(raw, identity) : decodeTyped<float>(proto.float_data(), identity));
    case pb::TensorProto::DOUBLE:
        return ir::Tensor::fromData(shape,
            useRaw ? decodeRaw<double, float>(raw, narrowToFloat)
                   : decodeTyped<float>(proto.double_data(), narrowToFloat));
    case pb::TensorProto::INT64:
        return ir::Tensor::fromInts(shape,
            useRaw ? decodeRaw<int64_t, int64_t>(raw, identity) : decodeTyped<int64_t>(proto.int64_data(), identity));
    case pb::TensorProto::INT32:
        return ir::Tensor::fromInts(shape,
            useRaw ? decodeRaw<int32_t, int64_t>(raw, toInt64) : decodeTyped<int64_t>(proto.int32_data(), toInt64));
    case pb::TensorProto::BOOL:
        return ir::Tensor::fromInts(shape,
            useRaw ? decodeRaw<uint8_t, int64_t>(raw, toBool) : decodeTyped<int64_t>(proto.int32_data(), toBool));
    default:
        break;
    }
    // checkStorage let through only the types handled above.
    return makeError(Errc::Internal, "no decoder for element type " + elementTypeName(proto.data_type()));
}

} // namespace nnb::onnx::detail
