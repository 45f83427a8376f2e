// SPDX-License-Identifier: GPL-3.0-or-later
#include "declared_type.h"

#include "import_error.h"
#include "tensor_proto.h"

namespace nnb::onnx::detail {
namespace {

std::string typeKindName(const pb::TypeProto& type)
{
    switch (type.value_case()) {
    case pb::TypeProto::kTensorType:
        return "a tensor";
    case pb::TypeProto::kSequenceType:
        return "a sequence";
    case pb::TypeProto::kMapType:
        return "a map";
    case pb::TypeProto::kOptionalType:
        return "an optional";
    case pb::TypeProto::kSparseTensorType:
        return "a sparse tensor";
    case pb::TypeProto::kOpaqueType:
        return "an opaque value";
    default:
        return "a value without a type";
    }
}

} // namespace

Expected<DeclaredType> readDeclaredType(const pb::ValueInfoProto& info)
{
    DeclaredType declared;
    declared.kindName = typeKindName(info.type());
    declared.isTensor = info.type().has_tensor_type();
    if (!declared.isTensor)
        return declared;
    const auto& tensorType = info.type().tensor_type();
    declared.elemType = tensorType.elem_type();
    if (!tensorType.has_shape())
        return declared;
    ir::Shape shape;
    for (const auto& dim : tensorType.shape().dim()) {
        // A dimension with a symbolic name, or with neither name nor value, is unknown until
        // run time.
        if (dim.has_dim_value()) {
            if (dim.dim_value() < 0)
                return invalidModel(
                    inQuotes(info.name()) + " declares the negative dimension " + std::to_string(dim.dim_value()));
            shape.push_back(dim.dim_value());
        } else {
            shape.push_back(ir::kDynamicDim);
        }
        declared.dimParams.push_back(dim.has_dim_param() ? dim.dim_param() : std::string());
    }
    declared.shape = std::move(shape);
    return declared;
}

Expected<ir::Shape> runtimeInputShape(const pb::ValueInfoProto& info, int64_t maxElements)
{
    NNB_TRY(const DeclaredType declared, readDeclaredType(info));
    const std::string what = "graph input " + inQuotes(info.name());
    if (!declared.isTensor)
        return unsupported(what + " is " + declared.kindName + "; nnbridge feeds float32 tensors only");
    if (declared.elemType != pb::TensorProto::FLOAT)
        return unsupported(what + " has element type " + elementTypeName(declared.elemType)
            + "; nnbridge feeds float32 tensors only (if the input is a shape or a flag, bind it "
              "with ImportOptions::bindInputs)");
    if (!declared.shape)
        return unsupported(what
            + " does not declare its shape; nnbridge compiles static shapes (only the batch "
              "dimension may be dynamic), so export the model with a fixed input shape");
    const ir::Shape& shape = *declared.shape;
    for (size_t k = 0; k < shape.size(); ++k) {
        if (shape[k] == 0)
            return unsupported(what + " has the zero-size dimension " + std::to_string(k) + " in "
                + ir::shapeToString(shape) + "; nnbridge does not support empty tensors");
        if (shape[k] == ir::kDynamicDim && k > 0) {
            const std::string label = declared.dimParams[k].empty() ? "" : " (" + inQuotes(declared.dimParams[k]) + ")";
            return unsupported(what + " has a dynamic dimension " + std::to_string(k) + label + " in "
                + ir::shapeToString(shape)
                + "; only the leading (batch) dimension may be dynamic, so export the model with "
                  "fixed sizes for the others");
        }
    }
    // With a dynamic batch this counts one sample; the batch size is the caller's choice.
    const auto count = staticElementCount(shape);
    if (!count || *count > maxElements) {
        const bool perSample = !shape.empty() && shape[0] == ir::kDynamicDim;
        const std::string counted
            = count ? ", " + std::to_string(*count) + (perSample ? " elements per sample," : " elements,") : ",";
        return unsupported(what + " has shape " + ir::shapeToString(shape) + counted + " more than the limit of "
            + std::to_string(maxElements) + " (ImportOptions::maxTensorElements)");
    }
    return shape;
}

bool shapesAgree(const ir::Shape& declared, const ir::Shape& actual)
{
    if (declared.size() != actual.size())
        return false;
    for (size_t k = 0; k < declared.size(); ++k)
        if (declared[k] != ir::kDynamicDim && actual[k] != ir::kDynamicDim && declared[k] != actual[k])
            return false;
    return true;
}

} // namespace nnb::onnx::detail
