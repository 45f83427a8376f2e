// SPDX-License-Identifier: GPL-3.0-or-later
// Pooling kernels: MaxPool, AveragePool (2-D NCHW windows) and GlobalAveragePool.
#include <cmath>
#include <limits>
#include <string>

#include "exec/kernels.h"
#include "nnb/ir/shape_inference.h"

namespace nnb::exec::detail {

// ONNX MaxPool / AveragePool over 2-D windows. The window geometry (kernel, strides, pads from
// pads or auto_pad, dilations, ceil_mode output size) comes from ir::computeWindowGeometry, the
// one place that implements those rules. Per output cell the window's cells are
// (oh*strideH - padTop + ki*dilationH, ow*strideW - padLeft + kj*dilationW); then, as in the ONNX
// reference (onnx/backend/test/case/node/pool_op_common.py, which pads with NaN and ignores it):
//  - MaxPool ignores cells outside the input (padding acts as -inf). A window lying wholly in
//    the padding yields -inf. NaN inputs propagate, as numpy's max does.
//  - AveragePool sums the cells inside the input and divides by their count, or, with
//    count_include_pad = 1, by the count of cells inside the padded input
//    [-padTop, H + padBottom) x [-padLeft, W + padRight). Cells that a ceil_mode window reaches
//    beyond the padded input never count (ONNX Runtime's rule; the reference test data for
//    ceil_mode agrees).
//  - MaxPool's optional Indices output holds the flat index of the maximum in X, row-major
//    ((n*C + c)*H + h)*W + w, or with storage_order = 1 column-major within the plane:
//    (n*C + c)*H*W + w*H + h.
Expected<void> runPool(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "X"));
    const bool isMax = call.node.op == ir::OpKind::MaxPool;
    if (x->rank() != 4)
        return makeError(Errc::UnsupportedOp,
            "only 2-D pooling of NCHW tensors is supported, got X " + ir::shapeToString(x->shape));
    const ir::Shape kernel = call.node.attrs.getInts("kernel_shape");
    if (kernel.size() != 2)
        return makeError(Errc::InvalidArgument,
            "kernel_shape must have 2 entries, got " + ir::shapeToString(kernel));
    NNB_TRY(const ir::WindowGeometry g,
        ir::computeWindowGeometry(call.node, x->shape[2], x->shape[3], kernel[0], kernel[1]));
    const int64_t batch = x->shape[0];
    const int64_t channels = x->shape[1];
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, {batch, channels, g.outH, g.outW}));
    const bool countIncludePad = call.node.attrs.getInt("count_include_pad", 0) != 0;
    const bool columnMajorIndices = call.node.attrs.getInt("storage_order", 0) != 0;

    float* y = allocateFloat(call.outputs[0]);
    int64_t* indices = nullptr;
    if (isMax && call.outputs.size() > 1) {
        NNB_RETURN_IF_ERROR(expectOutputShape(call, 1, call.outputs[0].shape));
        ir::Tensor& t = call.outputs[1];
        t.dtype = ir::DataType::Int64;
        t.f.clear();
        t.i.assign(call.outputs[0].f.size(), -1);
        indices = t.i.data();
    }

    const int64_t planeSize = g.inH * g.inW;
    const int64_t planes = batch * channels;
    const float negInf = -std::numeric_limits<float>::infinity();
    for (int64_t p = 0; p < planes; ++p) {
        if (call.stopRequested())
            return makeError(Errc::Cancelled, "execution cancelled");
        const float* plane = x->data() + p * planeSize;
        for (int64_t oh = 0; oh < g.outH; ++oh) {
            const int64_t h0 = oh * g.strideH - g.padTop;
            for (int64_t ow = 0; ow < g.outW; ++ow) {
                const int64_t w0 = ow * g.strideW - g.padLeft;
                float best = negInf;
                int64_t bestIndex = -1;
                double sum = 0.0;
                int64_t inside = 0; // window cells inside the input
                int64_t padded = 0; // window cells inside the padded input
                for (int64_t ki = 0; ki < g.kernelH; ++ki) {
                    const int64_t ih = h0 + ki * g.dilationH;
                    const bool rowInPadded = ih >= -g.padTop && ih < g.inH + g.padBottom;
                    for (int64_t kj = 0; kj < g.kernelW; ++kj) {
                        const int64_t iw = w0 + kj * g.dilationW;
                        if (rowInPadded && iw >= -g.padLeft && iw < g.inW + g.padRight)
                            ++padded;
                        if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW)
                            continue;
                        const float v = plane[ih * g.inW + iw];
                        ++inside;
                        sum += v;
                        if (bestIndex < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
                            best = v;
                            bestIndex = columnMajorIndices ? iw * g.inH + ih : ih * g.inW + iw;
                        }
                    }
                }
                const int64_t out = (p * g.outH + oh) * g.outW + ow;
                if (isMax) {
                    y[out] = best;
                    if (indices != nullptr && bestIndex >= 0)
                        indices[out] = p * planeSize + bestIndex;
                } else {
                    const int64_t divisor = countIncludePad ? padded : inside;
                    // A window with no counted cell (only possible in degenerate ceil_mode
                    // geometry) averages nothing: NaN, as numpy's mean of nothing.
                    y[out] = divisor > 0 ? static_cast<float>(sum / static_cast<double>(divisor))
                                         : std::numeric_limits<float>::quiet_NaN();
                }
            }
        }
    }
    return {};
}

// ONNX GlobalAveragePool: the mean over all spatial dimensions of each (n, c) plane, keeping
// them as size-1 dimensions. Any rank >= 3 works the same way.
Expected<void> runGlobalAveragePool(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "X"));
    if (x->rank() < 3)
        return makeError(Errc::InvalidArgument,
            "X must have rank >= 3 (N, C, spatial...), got " + ir::shapeToString(x->shape));
    ir::Shape expected = x->shape;
    for (size_t d = 2; d < expected.size(); ++d)
        expected[d] = 1;
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, expected));
    float* y = allocateFloat(call.outputs[0]);
    const int64_t planes = x->shape[0] * x->shape[1];
    const int64_t planeSize = dimProduct(x->shape, 2, x->shape.size());
    for (int64_t p = 0; p < planes; ++p) {
        // Sequential double sum: accurate for large planes and deterministic.
        const float* plane = x->data() + p * planeSize;
        double sum = 0.0;
        for (int64_t i = 0; i < planeSize; ++i)
            sum += plane[i];
        y[p] = planeSize > 0 ? static_cast<float>(sum / static_cast<double>(planeSize))
                             : std::numeric_limits<float>::quiet_NaN();
    }
    return {};
}

} // namespace nnb::exec::detail
