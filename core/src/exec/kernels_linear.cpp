// SPDX-License-Identifier: GPL-3.0-or-later
// Gemm, MatMul, Conv and the internal CoreOp: everything that is a matrix product, computed by
// Eigen's GEMM on row-major Maps over the tensor data (no copies except Conv's im2col buffer).
#include <algorithm>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "exec/kernels.h"
#include "nnb/ir/shape_inference.h"

namespace nnb::exec::detail {
namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMajorMatrix>;
using ConstMatrixMap = Eigen::Map<const RowMajorMatrix>;

/// y = alpha * (lhs * rhs), computed in blocks of kGemmRowBlock rows of lhs (see kernels.h for
/// why the blocks make batch-split runs bit-identical). \p y is a Map or a block of one; \p lhs
/// and \p rhs may be transposed Maps or blocks.
template <class Dst, class Lhs, class Rhs>
void blockedProduct(Dst y, const Lhs& lhs, const Rhs& rhs, float alpha)
{
    const Eigen::Index rows = y.rows();
    for (Eigen::Index r = 0; r < rows; r += kGemmRowBlock) {
        const Eigen::Index n = std::min<Eigen::Index>(kGemmRowBlock, rows - r);
        if (alpha == 1.0f)
            y.middleRows(r, n).noalias() = lhs.middleRows(r, n) * rhs;
        else
            y.middleRows(r, n).noalias() = alpha * (lhs.middleRows(r, n) * rhs);
    }
}

std::string dims(const ir::Shape& shape) { return ir::shapeToString(shape); }

} // namespace

// ONNX Gemm: Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (M x K), B' likewise (K x N),
// C unidirectionally broadcast to (M, N).
Expected<void> runGemm(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* a, floatInput(call, 0, "A"));
    NNB_TRY(const ir::Tensor* b, floatInput(call, 1, "B"));
    const ir::Tensor* c = call.input(2);
    if (c != nullptr && c->dtype != ir::DataType::Float32)
        return makeError(Errc::UnsupportedOp, "input C is int64; Gemm computes on float32 only");
    if (a->rank() != 2 || b->rank() != 2)
        return makeError(Errc::InvalidArgument,
            "A and B must be matrices, got A " + dims(a->shape) + " and B " + dims(b->shape));

    const ir::Attributes& attrs = call.node.attrs;
    const bool transA = attrs.getInt("transA", 0) != 0;
    const bool transB = attrs.getInt("transB", 0) != 0;
    const float alpha = attrs.getFloat("alpha", 1.0f);
    const float beta = attrs.getFloat("beta", 1.0f);
    const int64_t m = transA ? a->shape[1] : a->shape[0];
    const int64_t k = transA ? a->shape[0] : a->shape[1];
    const int64_t kB = transB ? b->shape[1] : b->shape[0];
    const int64_t n = transB ? b->shape[0] : b->shape[1];
    if (k != kB)
        return makeError(Errc::InvalidArgument,
            "inner dimensions differ: A " + dims(a->shape) + (transA ? " (transposed)" : "")
                + ", B " + dims(b->shape) + (transB ? " (transposed)" : ""));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, {m, n}));

    // C's broadcast to (M, N): right-aligned, each of its (at most two) dims 1 or equal.
    int64_t cRowStride = 0;
    int64_t cColStride = 0;
    if (c != nullptr) {
        const int cRank = c->rank();
        const int64_t cRows = cRank == 2 ? c->shape[0] : 1;
        const int64_t cCols = cRank >= 1 ? c->shape[static_cast<size_t>(cRank - 1)] : 1;
        if (cRank > 2 || (cRows != 1 && cRows != m) || (cCols != 1 && cCols != n))
            return makeError(Errc::InvalidArgument,
                "C " + dims(c->shape) + " does not broadcast to [" + std::to_string(m) + ","
                    + std::to_string(n) + "]");
        cRowStride = cRows == 1 ? 0 : cCols;
        cColStride = cCols == 1 ? 0 : 1;
    }

    ir::Tensor& yt = call.outputs[0];
    MatrixMap y(allocateFloat(yt), m, n);
    const ConstMatrixMap am(a->data(), a->shape[0], a->shape[1]);
    const ConstMatrixMap bm(b->data(), b->shape[0], b->shape[1]);
    // Four instantiations rather than materialising transposes: Eigen's GEMM packs transposed
    // operands for free.
    if (transA && transB)
        blockedProduct(y, am.transpose(), bm.transpose(), alpha);
    else if (transA)
        blockedProduct(y, am.transpose(), bm, alpha);
    else if (transB)
        blockedProduct(y, am, bm.transpose(), alpha);
    else
        blockedProduct(y, am, bm, alpha);

    if (c != nullptr) {
        // beta * C is added even when beta is 0, as the ONNX reference does (0 * inf is NaN).
        const float* cd = c->data();
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j)
                y(i, j) += beta * cd[i * cRowStride + j * cColStride];
    }
    return {};
}

// ONNX MatMul = numpy.matmul: a 1-D operand is promoted to a matrix (A: prepend 1, B: append 1)
// and the promoted dimension is dropped from the result; leading (batch) dimensions broadcast.
Expected<void> runMatMul(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* a, floatInput(call, 0, "A"));
    NNB_TRY(const ir::Tensor* b, floatInput(call, 1, "B"));
    const size_t ra = a->shape.size();
    const size_t rb = b->shape.size();
    if (ra == 0 || rb == 0)
        return makeError(Errc::InvalidArgument,
            "MatMul operands must have rank >= 1, got A " + dims(a->shape) + " and B "
                + dims(b->shape));

    const int64_t m = ra == 1 ? 1 : a->shape[ra - 2];
    const int64_t k = a->shape[ra - 1];
    const int64_t kB = rb == 1 ? b->shape[0] : b->shape[rb - 2];
    const int64_t n = rb == 1 ? 1 : b->shape[rb - 1];
    if (k != kB)
        return makeError(Errc::InvalidArgument,
            "inner dimensions differ: A " + dims(a->shape) + ", B " + dims(b->shape));

    // Broadcast the batch dimensions (all but the matrix dimensions), right-aligned.
    const ir::Shape aBatch(a->shape.begin(), a->shape.end() - std::min<size_t>(ra, 2));
    const ir::Shape bBatch(b->shape.begin(), b->shape.end() - std::min<size_t>(rb, 2));
    const size_t batchRank = std::max(aBatch.size(), bBatch.size());
    ir::Shape batch(batchRank, 1);
    std::vector<int64_t> aStride(batchRank, 0); // in matrices, 0 where broadcast
    std::vector<int64_t> bStride(batchRank, 0);
    int64_t aStep = 1;
    int64_t bStep = 1;
    for (size_t i = 0; i < batchRank; ++i) {
        const size_t d = batchRank - 1 - i; // walk from the innermost batch dimension
        const int64_t da = i < aBatch.size() ? aBatch[aBatch.size() - 1 - i] : 1;
        const int64_t db = i < bBatch.size() ? bBatch[bBatch.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1)
            return makeError(Errc::InvalidArgument,
                "batch dimensions do not broadcast: A " + dims(a->shape) + ", B " + dims(b->shape));
        batch[d] = std::max(da, db);
        aStride[d] = da == 1 ? 0 : aStep;
        bStride[d] = db == 1 ? 0 : bStep;
        aStep *= da;
        bStep *= db;
    }
    ir::Shape expected = batch;
    if (ra > 1)
        expected.push_back(m);
    if (rb > 1)
        expected.push_back(n);
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, expected));

    float* y = allocateFloat(call.outputs[0]);
    const int64_t batchCount = dimProduct(batch, 0, batch.size());
    const ConstMatrixMap bFirst(b->data(), k, n);
    if (bStep == 1) {
        // B is one matrix for every batch entry (the usual "activations x weights" case):
        // fold A's batch into rows and run one blocked product. A is never broadcast here
        // because B has no batch dimension > 1, so A's rows are contiguous.
        blockedProduct(MatrixMap(y, batchCount * m, n),
            ConstMatrixMap(a->data(), batchCount * m, k), bFirst, 1.0f);
        return {};
    }
    // General case: one product per batch entry, each of the same shape (so the summation order
    // of an entry never depends on the others).
    std::vector<int64_t> index(batchRank, 0);
    for (int64_t e = 0; e < batchCount; ++e) {
        int64_t aOff = 0;
        int64_t bOff = 0;
        for (size_t d = 0; d < batchRank; ++d) {
            aOff += index[d] * aStride[d];
            bOff += index[d] * bStride[d];
        }
        MatrixMap ym(y + e * m * n, m, n);
        ym.noalias() = ConstMatrixMap(a->data() + aOff * m * k, m, k)
            * ConstMatrixMap(b->data() + bOff * k * n, k, n);
        for (size_t d = batchRank; d-- > 0;) { // odometer increment, innermost first
            if (++index[d] < batch[d])
                break;
            index[d] = 0;
        }
    }
    return {};
}

namespace {

/// Lowers one group of one sample to the im2col matrix: row (c, ki, kj), column (oh, ow) holds
/// x[c, oh*strideH - padTop + ki*dilationH, ow*strideW - padLeft + kj*dilationW], or 0 in the
/// padding. \p col has (channels * kernelH * kernelW) x (outH * outW) elements.
void im2col(const float* x, int64_t channels, const ir::WindowGeometry& g, float* col)
{
    const int64_t outPixels = g.outH * g.outW;
    for (int64_t c = 0; c < channels; ++c) {
        const float* plane = x + c * g.inH * g.inW;
        for (int64_t ki = 0; ki < g.kernelH; ++ki) {
            for (int64_t kj = 0; kj < g.kernelW; ++kj) {
                float* dst = col + ((c * g.kernelH + ki) * g.kernelW + kj) * outPixels;
                for (int64_t oh = 0; oh < g.outH; ++oh) {
                    const int64_t ih = oh * g.strideH - g.padTop + ki * g.dilationH;
                    float* row = dst + oh * g.outW;
                    if (ih < 0 || ih >= g.inH) {
                        std::fill(row, row + g.outW, 0.0f);
                        continue;
                    }
                    const float* src = plane + ih * g.inW;
                    for (int64_t ow = 0; ow < g.outW; ++ow) {
                        const int64_t iw = ow * g.strideW - g.padLeft + kj * g.dilationW;
                        row[ow] = (iw >= 0 && iw < g.inW) ? src[iw] : 0.0f;
                    }
                }
            }
        }
    }
}

} // namespace

// ONNX Conv, 2-D NCHW: Y[n, m] = sum over the group's channels and the (dilated) kernel window
// of X * W, plus B[m]. Computed per sample and group as W_g (M/G x C/G*kH*kW) * im2col(X_g).
// Per-sample products keep every sample's arithmetic independent of the batch size.
Expected<void> runConv(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "X"));
    NNB_TRY(const ir::Tensor* w, floatInput(call, 1, "W"));
    const ir::Tensor* bias = call.input(2);
    if (x->rank() != 4 || w->rank() != 4)
        return makeError(Errc::UnsupportedOp,
            "only 2-D convolutions (NCHW input, MCkHkW weights) "
            "are supported, got X "
                + dims(x->shape) + " and W " + dims(w->shape));
    const int64_t batch = x->shape[0];
    const int64_t channels = x->shape[1];
    const int64_t filters = w->shape[0];
    const int64_t group = call.node.attrs.getInt("group", 1);
    if (group < 1 || channels % group != 0 || filters % group != 0
        || w->shape[1] != channels / group)
        return makeError(Errc::InvalidArgument,
            "group " + std::to_string(group) + " does not fit X " + dims(x->shape) + " and W "
                + dims(w->shape) + " (need C and M divisible by group, W[1] = C / group)");
    const ir::Shape kernelShape = call.node.attrs.getInts("kernel_shape");
    if (!kernelShape.empty() && kernelShape != ir::Shape{w->shape[2], w->shape[3]})
        return makeError(Errc::InvalidArgument,
            "kernel_shape " + dims(kernelShape) + " disagrees with W " + dims(w->shape));
    if (bias != nullptr
        && (bias->dtype != ir::DataType::Float32 || bias->rank() != 1 || bias->shape[0] != filters))
        return makeError(Errc::InvalidArgument,
            "bias B " + dims(bias->shape) + " must be float32 of shape [" + std::to_string(filters)
                + "]");
    NNB_TRY(const ir::WindowGeometry g,
        ir::computeWindowGeometry(call.node, x->shape[2], x->shape[3], w->shape[2], w->shape[3]));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, {batch, filters, g.outH, g.outW}));

    const int64_t groupChannels = channels / group;
    const int64_t groupFilters = filters / group;
    const int64_t colRows = groupChannels * g.kernelH * g.kernelW;
    const int64_t outPixels = g.outH * g.outW;
    const int64_t inPixels = g.inH * g.inW;
    // A 1x1 kernel with unit stride and no padding reads X exactly as im2col would lay it out.
    const bool pointwise = g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1
        && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0;
    std::vector<float> col(pointwise ? 0 : static_cast<size_t>(colRows * outPixels));
    float* y = allocateFloat(call.outputs[0]);

    for (int64_t n = 0; n < batch; ++n) {
        if (call.stopRequested())
            return makeError(Errc::Cancelled, "execution cancelled");
        for (int64_t gi = 0; gi < group; ++gi) {
            const float* xg = x->data() + (n * channels + gi * groupChannels) * inPixels;
            const float* colData = xg;
            if (!pointwise) {
                im2col(xg, groupChannels, g, col.data());
                colData = col.data();
            }
            const ConstMatrixMap wg(w->data() + gi * groupFilters * colRows, groupFilters, colRows);
            MatrixMap yg(
                y + (n * filters + gi * groupFilters) * outPixels, groupFilters, outPixels);
            yg.noalias() = wg * ConstMatrixMap(colData, colRows, outPixels);
        }
        if (bias != nullptr) {
            for (int64_t f = 0; f < filters; ++f) {
                float* plane = y + (n * filters + f) * outPixels;
                const float b = bias->f[static_cast<size_t>(f)];
                for (int64_t p = 0; p < outPixels; ++p)
                    plane[p] += b;
            }
        }
    }
    return {};
}

// Internal CoreOp: one hardware core-op y = f(W x + b) (internal_ops.def). kind "conv" is a
// Conv (same weights layout and window attributes) followed by f. kind "dense": x [N, in],
// W [in/group, out], b [out]; with group g, output block j (out/g columns) reads input block j
// (in/g columns) only, through columns block j of W.
Expected<void> runCoreOp(const KernelCall& call)
{
    const std::string kind = call.node.attrs.getString("kind", "dense");
    const std::string activation = call.node.attrs.getString("activation", "none");
    if (kind == "conv") {
        NNB_RETURN_IF_ERROR(runConv(call));
        return applyNeuronFunction(activation, call.outputs[0].f);
    }
    if (kind != "dense")
        return makeError(
            Errc::InvalidArgument, "CoreOp kind '" + kind + "' is neither dense nor conv");
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "x"));
    NNB_TRY(const ir::Tensor* w, floatInput(call, 1, "W"));
    const ir::Tensor* bias = call.input(2);
    const int64_t group = call.node.attrs.getInt("group", 1);
    if (x->rank() != 2 || w->rank() != 2 || group < 1 || w->shape[1] % group != 0
        || x->shape[1] != w->shape[0] * group)
        return makeError(Errc::InvalidArgument,
            "dense CoreOp input " + dims(x->shape) + " does not fit weight " + dims(w->shape)
                + " with group " + std::to_string(group));
    const int64_t rows = x->shape[0];
    const int64_t inGroup = w->shape[0];
    const int64_t out = w->shape[1];
    const int64_t outGroup = out / group;
    if (bias != nullptr
        && (bias->dtype != ir::DataType::Float32 || bias->rank() != 1 || bias->shape[0] != out))
        return makeError(Errc::InvalidArgument,
            "bias " + dims(bias->shape) + " must be float32 of shape [" + std::to_string(out)
                + "]");
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, {rows, out}));

    MatrixMap y(allocateFloat(call.outputs[0]), rows, out);
    const ConstMatrixMap xm(x->data(), rows, x->shape[1]);
    const ConstMatrixMap wm(w->data(), inGroup, out);
    for (int64_t j = 0; j < group; ++j)
        blockedProduct(y.middleCols(j * outGroup, outGroup), xm.middleCols(j * inGroup, inGroup),
            wm.middleCols(j * outGroup, outGroup), 1.0f);
    if (bias != nullptr)
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t c = 0; c < out; ++c)
                y(i, c) += bias->f[static_cast<size_t>(c)];
    return applyNeuronFunction(activation, call.outputs[0].f);
}

} // namespace nnb::exec::detail
