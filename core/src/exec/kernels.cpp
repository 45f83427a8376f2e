// SPDX-License-Identifier: GPL-3.0-or-later
// Kernel dispatch and the helpers the kernel files share.
#include "exec/kernels.h"

#include <string>

#include "nnb/ir/tensor.h"

namespace nnb::exec::detail {

Expected<void> runKernel(const KernelCall& call)
{
    using ir::OpKind;
    // A switch, not a table: -Wswitch then flags an op added to ops.def without a kernel.
    switch (call.node.op) {
    case OpKind::Gemm: return runGemm(call);
    case OpKind::MatMul: return runMatMul(call);
    case OpKind::Conv: return runConv(call);
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div: return runBinary(call);
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Sigmoid:
    case OpKind::Tanh: return runActivation(call);
    case OpKind::Clip: return runClip(call);
    case OpKind::Softmax: return runSoftmax(call);
    case OpKind::MaxPool:
    case OpKind::AveragePool: return runPool(call);
    case OpKind::GlobalAveragePool: return runGlobalAveragePool(call);
    case OpKind::BatchNormalization: return runBatchNormalization(call);
    case OpKind::Flatten:
    case OpKind::Reshape:
    case OpKind::Identity:
    case OpKind::Dropout: return runCopy(call);
    case OpKind::Transpose: return runTranspose(call);
    case OpKind::Concat: return runConcat(call);
    // Compiler-internal ops (internal_ops.def): transformed networks run on the same executor.
    case OpKind::CoreOp: return runCoreOp(call);
    case OpKind::Slice: return runSlice(call);
    case OpKind::Select: return runSelect(call);
    case OpKind::Accumulate: return runAccumulate(call);
    case OpKind::Quantize: return runQuantize(call);
    case OpKind::MergeCopies: return runMergeCopies(call);
    }
    return makeError(Errc::Internal, "the executor has no kernel for this op");
}

Expected<const ir::Tensor*> floatInput(const KernelCall& call, size_t slot, std::string_view what)
{
    const ir::Tensor* t = call.input(slot);
    if (t == nullptr)
        return makeError(Errc::InvalidArgument, "input " + std::string(what) + " is missing");
    if (t->dtype != ir::DataType::Float32)
        return makeError(Errc::UnsupportedOp,
            "input " + std::string(what) + " is int64; this op computes on float32 tensors only");
    return t;
}

float* allocateFloat(ir::Tensor& t)
{
    t.dtype = ir::DataType::Float32;
    t.i.clear();
    t.f.assign(static_cast<size_t>(dimProduct(t.shape, 0, t.shape.size())), 0.0f);
    return t.f.data();
}

int64_t dimProduct(const ir::Shape& shape, size_t begin, size_t end)
{
    int64_t n = 1;
    for (size_t d = begin; d < end && d < shape.size(); ++d)
        n *= shape[d];
    return n;
}

Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank, std::string_view what, bool inclusive)
{
    if (axis < -rank || axis > (inclusive ? rank : rank - 1))
        return makeError(Errc::InvalidArgument,
            std::string(what) + " " + std::to_string(axis) + " is out of range for rank "
                + std::to_string(rank));
    return axis < 0 ? axis + rank : axis;
}

Expected<void> expectOutputShape(const KernelCall& call, size_t slot, const ir::Shape& expected)
{
    if (slot >= call.outputs.size())
        return makeError(Errc::Internal, "output " + std::to_string(slot) + " is missing");
    const ir::Shape& inferred = call.outputs[slot].shape;
    if (inferred != expected)
        return makeError(Errc::Internal,
            "shape inference gave output " + std::to_string(slot) + " the shape "
                + ir::shapeToString(inferred) + " but the kernel computes "
                + ir::shapeToString(expected));
    return {};
}

} // namespace nnb::exec::detail
