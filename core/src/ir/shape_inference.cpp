// SPDX-License-Identifier: GPL-3.0-or-later
// Shape inference for every IR op, following the ONNX operator definitions (latest opset form;
// the importer rewrites older forms). The same functions serve static inference with dynamic
// dimensions and the executor's run-time shapes, so shape rules exist once.
#include "nnb/ir/shape_inference.h"

#include <algorithm>
#include <numeric>

namespace nnb::ir {
namespace {

tl::unexpected<Error> shapeError(const std::string& message)
{
    return makeError(Errc::InvalidModel, message);
}

std::string opStr(const Node& node) { return std::string(opName(node.op)); }

/// Normalises a possibly negative axis into [0, rank) (or [0, rank] when \p inclusive).
Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank, const char* what, bool inclusive = false)
{
    const int64_t hi = inclusive ? rank : rank - 1;
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a > hi)
        return shapeError(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                          std::to_string(rank));
    return a;
}

/// Multidirectional (numpy) broadcasting of two shapes.
Expected<Shape> broadcastShapes(const Shape& a, const Shape& b)
{
    const size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (size_t k = 0; k < rank; ++k) {
        const int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
        const int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
        if (da == db)
            out[k] = da;
        else if (da == 1)
            out[k] = db;
        else if (db == 1)
            out[k] = da;
        else if (da == kDynamicDim)
            out[k] = db;
        else if (db == kDynamicDim)
            out[k] = da;
        else
            return shapeError("shapes " + shapeToString(a) + " and " + shapeToString(b) +
                              " cannot be broadcast together");
    }
    return out;
}

bool dimsCompatible(int64_t a, int64_t b) { return a == b || a == kDynamicDim || b == kDynamicDim; }

Expected<void> requireRank(const Shape& s, size_t rank, const char* what)
{
    if (s.size() != rank)
        return shapeError(std::string(what) + " must have rank " + std::to_string(rank) + ", got " +
                          shapeToString(s));
    return {};
}

Expected<Shape> inferGemm(const Node& node, const std::vector<Shape>& in)
{
    NNB_RETURN_IF_ERROR(requireRank(in[0], 2, "Gemm input A"));
    NNB_RETURN_IF_ERROR(requireRank(in[1], 2, "Gemm input B"));
    const bool transA = node.attrs.getInt("transA", 0) != 0;
    const bool transB = node.attrs.getInt("transB", 0) != 0;
    const int64_t m = transA ? in[0][1] : in[0][0];
    const int64_t ka = transA ? in[0][0] : in[0][1];
    const int64_t kb = transB ? in[1][1] : in[1][0];
    const int64_t n = transB ? in[1][0] : in[1][1];
    if (!dimsCompatible(ka, kb))
        return shapeError("Gemm inner dimensions differ: A " + shapeToString(in[0]) + (transA ? " (transposed)" : "") +
                          " and B " + shapeToString(in[1]) + (transB ? " (transposed)" : ""));
    Shape out{m, n};
    if (in.size() > 2 && !in[2].empty()) {
        // C is unidirectionally broadcast to [M, N].
        NNB_TRY(const Shape b, broadcastShapes(out, in[2]));
        if (b.size() != 2 || !dimsCompatible(b[0], m) || !dimsCompatible(b[1], n))
            return shapeError("Gemm bias C " + shapeToString(in[2]) + " does not broadcast to " + shapeToString(out));
    }
    return out;
}

Expected<Shape> inferMatMul(const std::vector<Shape>& in)
{
    Shape a = in[0];
    Shape b = in[1];
    if (a.empty() || b.empty())
        return shapeError("MatMul operands must have rank >= 1");
    const bool vecA = a.size() == 1;
    const bool vecB = b.size() == 1;
    if (vecA)
        a.insert(a.begin(), 1);
    if (vecB)
        b.push_back(1);
    if (!dimsCompatible(a.back(), b[b.size() - 2]))
        return shapeError("MatMul inner dimensions differ: " + shapeToString(in[0]) + " x " + shapeToString(in[1]));
    NNB_TRY(Shape batch, broadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2)));
    if (!vecA)
        batch.push_back(a[a.size() - 2]);
    if (!vecB)
        batch.push_back(b.back());
    return batch;
}

Expected<Shape> inferConv(const Node& node, const std::vector<Shape>& in)
{
    NNB_RETURN_IF_ERROR(requireRank(in[0], 4, "Conv input X (only 2-D NCHW convolution is supported)"));
    NNB_RETURN_IF_ERROR(requireRank(in[1], 4, "Conv weight W"));
    const int64_t group = node.attrs.getInt("group", 1);
    const Shape& x = in[0];
    const Shape& w = in[1];
    if (group < 1)
        return shapeError("Conv group must be >= 1, got " + std::to_string(group));
    if (w[0] % group != 0)
        return shapeError("Conv output channels " + std::to_string(w[0]) + " are not divisible by group " +
                          std::to_string(group));
    if (x[1] != kDynamicDim && x[1] != w[1] * group)
        return shapeError("Conv input has " + std::to_string(x[1]) + " channels but the weight " + shapeToString(w) +
                          " with group " + std::to_string(group) + " expects " + std::to_string(w[1] * group));
    if (in.size() > 2 && !in[2].empty() && (in[2].size() != 1 || !dimsCompatible(in[2][0], w[0])))
        return shapeError("Conv bias " + shapeToString(in[2]) + " must be [" + std::to_string(w[0]) + "]");
    const auto ks = node.attrs.getInts("kernel_shape");
    if (!ks.empty() && (ks.size() != 2 || ks[0] != w[2] || ks[1] != w[3]))
        return shapeError("Conv kernel_shape attribute does not match the weight shape " + shapeToString(w));
    Shape out{x[0], w[0], kDynamicDim, kDynamicDim};
    if (x[2] != kDynamicDim && x[3] != kDynamicDim) {
        NNB_TRY(const auto g, computeWindowGeometry(node, x[2], x[3], w[2], w[3]));
        out[2] = g.outH;
        out[3] = g.outW;
    }
    return out;
}

Expected<Shape> inferPool(const Node& node, const std::vector<Shape>& in)
{
    NNB_RETURN_IF_ERROR(requireRank(in[0], 4, "pooling input (only 2-D NCHW pooling is supported)"));
    const auto ks = node.attrs.getInts("kernel_shape");
    if (ks.size() != 2)
        return shapeError("kernel_shape must list 2 sizes, got " + std::to_string(ks.size()));
    const Shape& x = in[0];
    Shape out{x[0], x[1], kDynamicDim, kDynamicDim};
    if (x[2] != kDynamicDim && x[3] != kDynamicDim) {
        NNB_TRY(const auto g, computeWindowGeometry(node, x[2], x[3], ks[0], ks[1]));
        out[2] = g.outH;
        out[3] = g.outW;
    }
    return out;
}

Expected<Shape> inferFlatten(const Node& node, const Shape& x)
{
    const auto rank = static_cast<int64_t>(x.size());
    NNB_TRY(const int64_t axis, normalizeAxis(node.attrs.getInt("axis", 1), rank, "Flatten axis", true));
    auto product = [&](int64_t begin, int64_t end) {
        int64_t p = 1;
        for (int64_t k = begin; k < end; ++k) {
            if (x[static_cast<size_t>(k)] == kDynamicDim)
                return kDynamicDim;
            p *= x[static_cast<size_t>(k)];
        }
        return p;
    };
    return Shape{product(0, axis), product(axis, rank)};
}

Expected<Shape> inferReshape(const Node& node, const Shape& x, const Tensor* target)
{
    if (!target || target->dtype != DataType::Int64)
        return makeError(Errc::UnsupportedOp,
                         "Reshape needs a constant int64 target shape; export the model with constant "
                         "folding (torch.onnx.export(..., do_constant_folding=True))");
    if (target->shape.size() != 1)
        return shapeError("Reshape target shape must be 1-D, got " + shapeToString(target->shape));
    const bool allowZero = node.attrs.getInt("allowzero", 0) != 0;
    Shape out(target->i.begin(), target->i.end());
    int inferred = -1;
    int64_t knownOut = 1;
    // Dynamic input dimensions copied through a 0 cancel out when inferring a -1.
    std::vector<bool> inputDimCopied(x.size(), false);
    for (size_t k = 0; k < out.size(); ++k) {
        if (out[k] == 0 && !allowZero) {
            if (k >= x.size())
                return shapeError("Reshape target " + shapeToString(out) + " copies dimension " + std::to_string(k) +
                                  " that the input " + shapeToString(x) + " does not have");
            out[k] = x[k];
            inputDimCopied[k] = true;
        } else if (out[k] == -1) {
            if (inferred >= 0)
                return shapeError("Reshape target shape has more than one -1");
            inferred = static_cast<int>(k);
            continue;
        } else if (out[k] < 0) {
            return shapeError("Reshape target dimension " + std::to_string(out[k]) + " is invalid");
        }
        if (out[k] != kDynamicDim && !(inputDimCopied[k] && x[k] == kDynamicDim))
            knownOut *= out[k];
    }
    int64_t knownIn = 1;
    bool uncancelledDynamic = false;
    for (size_t k = 0; k < x.size(); ++k) {
        if (x[k] == kDynamicDim) {
            uncancelledDynamic |= !inputDimCopied[k];
            continue;
        }
        knownIn *= x[k];
    }
    if (inferred >= 0) {
        if (uncancelledDynamic) {
            out[static_cast<size_t>(inferred)] = kDynamicDim;
        } else {
            if (knownOut == 0 || knownIn % knownOut != 0)
                return shapeError("Reshape cannot infer -1: input " + shapeToString(x) + " does not divide into " +
                                  shapeToString(Shape(target->i.begin(), target->i.end())));
            out[static_cast<size_t>(inferred)] = knownIn / knownOut;
        }
    } else if (!uncancelledDynamic && isStatic(out) && knownIn != knownOut) {
        return shapeError("Reshape from " + shapeToString(x) + " to " + shapeToString(out) +
                          " changes the number of elements");
    }
    return out;
}

Expected<Shape> inferTranspose(const Node& node, const Shape& x)
{
    std::vector<int64_t> perm = node.attrs.getInts("perm");
    if (perm.empty()) {
        perm.resize(x.size());
        std::iota(perm.rbegin(), perm.rend(), 0);
    }
    if (perm.size() != x.size())
        return shapeError("Transpose perm has " + std::to_string(perm.size()) + " entries for an input of rank " +
                          std::to_string(x.size()));
    std::vector<bool> seen(x.size(), false);
    Shape out(x.size());
    for (size_t k = 0; k < perm.size(); ++k) {
        if (perm[k] < 0 || perm[k] >= static_cast<int64_t>(x.size()) || seen[static_cast<size_t>(perm[k])])
            return shapeError("Transpose perm is not a permutation of 0.." + std::to_string(x.size() - 1));
        seen[static_cast<size_t>(perm[k])] = true;
        out[k] = x[static_cast<size_t>(perm[k])];
    }
    return out;
}

Expected<Shape> inferConcat(const Node& node, const std::vector<Shape>& in)
{
    if (!node.attrs.has("axis"))
        return shapeError("Concat needs an axis attribute");
    const Shape& first = in[0];
    NNB_TRY(const int64_t axis, normalizeAxis(node.attrs.getInt("axis", 0), static_cast<int64_t>(first.size()),
                                              "Concat axis"));
    Shape out = first;
    for (size_t k = 1; k < in.size(); ++k) {
        if (in[k].size() != first.size())
            return shapeError("Concat inputs have different ranks: " + shapeToString(first) + " and " +
                              shapeToString(in[k]));
        for (size_t d = 0; d < first.size(); ++d) {
            if (static_cast<int64_t>(d) == axis) {
                out[d] = (out[d] == kDynamicDim || in[k][d] == kDynamicDim) ? kDynamicDim : out[d] + in[k][d];
            } else if (!dimsCompatible(out[d], in[k][d])) {
                return shapeError("Concat inputs differ outside the axis: " + shapeToString(first) + " and " +
                                  shapeToString(in[k]));
            } else if (out[d] == kDynamicDim) {
                out[d] = in[k][d];
            }
        }
    }
    return out;
}

Expected<Shape> inferBatchNorm(const std::vector<Shape>& in)
{
    const Shape& x = in[0];
    if (x.size() < 2)
        return shapeError("BatchNormalization input must have rank >= 2, got " + shapeToString(x));
    for (size_t k = 1; k < 5; ++k)
        if (in[k].size() != 1 || !dimsCompatible(in[k][0], x[1]))
            return shapeError("BatchNormalization parameter " + std::to_string(k) + " has shape " + shapeToString(in[k]) +
                              ", expected [" + std::to_string(x[1]) + "]");
    return x;
}

Expected<Shape> inferCoreOp(const Node& node, const std::vector<Shape>& in)
{
    const std::string kind = node.attrs.getString("kind", "dense");
    if (kind == "conv")
        return inferConv(node, in);
    if (kind != "dense")
        return shapeError("CoreOp kind '" + kind + "' is neither dense nor conv");
    NNB_RETURN_IF_ERROR(requireRank(in[0], 2, "dense CoreOp input"));
    NNB_RETURN_IF_ERROR(requireRank(in[1], 2, "dense CoreOp weight [in/group, out]"));
    // Grouped dense core-ops (group g): output block j reads input block j only, so the weight
    // holds one [in/g, out/g] block per group side by side.
    const int64_t group = node.attrs.getInt("group", 1);
    if (group < 1 || in[1][1] % group != 0)
        return shapeError("dense CoreOp group " + std::to_string(group) + " does not divide its " +
                          std::to_string(in[1][1]) + " outputs");
    if (!dimsCompatible(in[0][1], in[1][0] * group))
        return shapeError("dense CoreOp input " + shapeToString(in[0]) + " does not match weight " + shapeToString(in[1]) +
                          " with group " + std::to_string(group));
    if (in.size() > 2 && !in[2].empty() && (in[2].size() != 1 || in[2][0] != in[1][1]))
        return shapeError("dense CoreOp bias " + shapeToString(in[2]) + " must be [" + std::to_string(in[1][1]) + "]");
    return Shape{in[0][0], in[1][1]};
}

Expected<Shape> inferSlice(const Node& node, const Shape& x)
{
    NNB_TRY(const int64_t axis, normalizeAxis(node.attrs.getInt("axis", 1), static_cast<int64_t>(x.size()), "Slice axis"));
    const int64_t start = node.attrs.getInt("start", 0);
    const int64_t end = node.attrs.getInt("end", 0);
    const int64_t dim = x[static_cast<size_t>(axis)];
    if (start < 0 || end <= start || (dim != kDynamicDim && end > dim))
        return shapeError("Slice [" + std::to_string(start) + ", " + std::to_string(end) + ") is outside dimension " +
                          std::to_string(axis) + " of " + shapeToString(x));
    Shape out = x;
    out[static_cast<size_t>(axis)] = end - start;
    return out;
}

Expected<Shape> inferSelect(const Node& node, const Shape& x)
{
    NNB_TRY(const int64_t axis, normalizeAxis(node.attrs.getInt("axis", 1), static_cast<int64_t>(x.size()), "Select axis"));
    const auto indices = node.attrs.getInts("indices");
    const int64_t dim = x[static_cast<size_t>(axis)];
    if (indices.empty())
        return shapeError("Select needs a non-empty indices list");
    for (int64_t i : indices)
        if (i < 0 || (dim != kDynamicDim && i >= dim))
            return shapeError("Select index " + std::to_string(i) + " is outside dimension " + std::to_string(axis) +
                              " of " + shapeToString(x));
    Shape out = x;
    out[static_cast<size_t>(axis)] = static_cast<int64_t>(indices.size());
    return out;
}

Expected<Shape> inferMergeCopies(const Node& node, const Shape& x)
{
    const int64_t copies = node.attrs.getInt("copies", 1);
    if (copies < 1)
        return shapeError("MergeCopies needs copies >= 1, got " + std::to_string(copies));
    if (x.size() != 2)
        return shapeError("MergeCopies needs a matrix input [N, copies*C], got " + shapeToString(x));
    Shape out = x;
    if (x[1] != kDynamicDim) {
        if (x[1] % copies != 0)
            return shapeError("MergeCopies input width " + std::to_string(x[1]) + " is not a multiple of copies = "
                              + std::to_string(copies));
        out[1] = x[1] / copies;
    }
    return out;
}

Expected<Shape> inferAccumulate(const std::vector<Shape>& in)
{
    Shape out = in[0];
    for (size_t k = 1; k < in.size(); ++k) {
        if (in[k].size() != out.size())
            return shapeError("Accumulate inputs differ in rank: " + shapeToString(out) + " and " + shapeToString(in[k]));
        for (size_t d = 0; d < out.size(); ++d) {
            if (!dimsCompatible(out[d], in[k][d]))
                return shapeError("Accumulate inputs differ: " + shapeToString(out) + " and " + shapeToString(in[k]));
            if (out[d] == kDynamicDim)
                out[d] = in[k][d];
        }
    }
    return out;
}

Expected<void> requireScalarLike(const Shape& s, const char* what)
{
    if (!s.empty() && numElements(s) != 1)
        return shapeError(std::string(what) + " must be a scalar, got " + shapeToString(s));
    return {};
}

Expected<Shape> inferPrimary(const Node& node, const std::vector<Shape>& in, const std::vector<const Tensor*>& consts)
{
    switch (node.op) {
    case OpKind::Gemm: return inferGemm(node, in);
    case OpKind::MatMul: return inferMatMul(in);
    case OpKind::Conv: return inferConv(node, in);
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div: return broadcastShapes(in[0], in[1]);
    case OpKind::Relu:
    case OpKind::LeakyRelu:
    case OpKind::Sigmoid:
    case OpKind::Tanh:
    case OpKind::Identity:
    case OpKind::Dropout: return in[0];
    case OpKind::Clip:
        for (size_t k = 1; k < in.size(); ++k)
            NNB_RETURN_IF_ERROR(requireScalarLike(in[k], k == 1 ? "Clip min" : "Clip max"));
        return in[0];
    case OpKind::Softmax: {
        const auto rank = static_cast<int64_t>(in[0].size());
        const bool coerce = node.attrs.getInt("coerce_2d", 0) != 0;
        NNB_RETURN_IF_ERROR(normalizeAxis(node.attrs.getInt("axis", coerce ? 1 : -1), rank, "Softmax axis", coerce));
        return in[0];
    }
    case OpKind::MaxPool:
    case OpKind::AveragePool: return inferPool(node, in);
    case OpKind::GlobalAveragePool: {
        if (in[0].size() < 3)
            return shapeError("GlobalAveragePool input must have rank >= 3, got " + shapeToString(in[0]));
        Shape out = in[0];
        std::fill(out.begin() + 2, out.end(), 1);
        return out;
    }
    case OpKind::BatchNormalization: return inferBatchNorm(in);
    case OpKind::Flatten: return inferFlatten(node, in[0]);
    case OpKind::Reshape: return inferReshape(node, in[0], consts.size() > 1 ? consts[1] : nullptr);
    case OpKind::Transpose: return inferTranspose(node, in[0]);
    case OpKind::Concat: return inferConcat(node, in);
    case OpKind::CoreOp: return inferCoreOp(node, in);
    case OpKind::Slice: return inferSlice(node, in[0]);
    case OpKind::Select: return inferSelect(node, in[0]);
    case OpKind::Accumulate: return inferAccumulate(in);
    case OpKind::Quantize: return in[0];
    case OpKind::MergeCopies: return inferMergeCopies(node, in[0]);
    }
    return makeError(Errc::Internal, "no shape rule for " + opStr(node));
}

} // namespace

Expected<WindowGeometry> computeWindowGeometry(const Node& node, int64_t inH, int64_t inW, int64_t kernelH,
                                               int64_t kernelW)
{
    WindowGeometry g;
    g.inH = inH;
    g.inW = inW;
    g.kernelH = kernelH;
    g.kernelW = kernelW;
    const auto strides = node.attrs.getInts("strides", {1, 1});
    const auto dilations = node.attrs.getInts("dilations", {1, 1});
    const auto pads = node.attrs.getInts("pads", {0, 0, 0, 0});
    if (strides.size() != 2 || dilations.size() != 2 || pads.size() != 4)
        return shapeError("strides and dilations must list 2 values and pads 4 (2-D windows only)");
    g.strideH = strides[0];
    g.strideW = strides[1];
    g.dilationH = dilations[0];
    g.dilationW = dilations[1];
    if (kernelH < 1 || kernelW < 1 || g.strideH < 1 || g.strideW < 1 || g.dilationH < 1 || g.dilationW < 1)
        return shapeError("kernel sizes, strides and dilations must be >= 1");
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; }))
        return shapeError("pads must be >= 0");
    const bool ceilMode = node.attrs.getInt("ceil_mode", 0) != 0;
    const std::string autoPad = node.attrs.getString("auto_pad", "NOTSET");
    const int64_t effKH = (kernelH - 1) * g.dilationH + 1;
    const int64_t effKW = (kernelW - 1) * g.dilationW + 1;

    // Output size along one axis, ONNX semantics; ceil_mode drops a last window that would start
    // in the end padding (as ONNX's reference and PyTorch do).
    auto explicitOut = [&](int64_t in, int64_t padBegin, int64_t padEnd, int64_t effK, int64_t stride) {
        const int64_t span = in + padBegin + padEnd - effK;
        if (span < 0)
            return int64_t{0};
        int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceilMode && (out - 1) * stride >= in + padBegin)
            --out;
        return out;
    };

    if (autoPad == "NOTSET") {
        g.padTop = pads[0];
        g.padLeft = pads[1];
        g.padBottom = pads[2];
        g.padRight = pads[3];
        g.outH = explicitOut(inH, g.padTop, g.padBottom, effKH, g.strideH);
        g.outW = explicitOut(inW, g.padLeft, g.padRight, effKW, g.strideW);
    } else if (autoPad == "VALID") {
        g.outH = explicitOut(inH, 0, 0, effKH, g.strideH);
        g.outW = explicitOut(inW, 0, 0, effKW, g.strideW);
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        // Output = ceil(in / stride); the total padding is split with the extra cell at the end
        // (SAME_UPPER) or at the beginning (SAME_LOWER).
        const bool upper = autoPad == "SAME_UPPER";
        auto same = [&](int64_t in, int64_t effK, int64_t stride, int64_t& padBegin, int64_t& padEnd) {
            const int64_t out = (in + stride - 1) / stride;
            const int64_t total = std::max<int64_t>(0, (out - 1) * stride + effK - in);
            padBegin = upper ? total / 2 : total - total / 2;
            padEnd = total - padBegin;
            return out;
        };
        g.outH = same(inH, effKH, g.strideH, g.padTop, g.padBottom);
        g.outW = same(inW, effKW, g.strideW, g.padLeft, g.padRight);
    } else {
        return makeError(Errc::UnsupportedOp, "auto_pad '" + autoPad +
                                                  "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
    }
    if (g.outH < 1 || g.outW < 1)
        return shapeError("the window " + std::to_string(kernelH) + "x" + std::to_string(kernelW) +
                          " does not fit the input " + std::to_string(inH) + "x" + std::to_string(inW) +
                          " with the given pads and dilations (empty output)");
    return g;
}

Expected<std::vector<Shape>> inferNodeShapes(const Node& node, const std::vector<Shape>& inputShapes,
                                             const std::vector<const Tensor*>& inputConstants)
{
    const auto n = static_cast<int>(inputShapes.size());
    if (n < minInputs(node.op) || n > maxInputs(node.op))
        return shapeError(opStr(node) + " takes " + std::to_string(minInputs(node.op)) + ".." +
                          std::to_string(maxInputs(node.op)) + " inputs, got " + std::to_string(n));
    NNB_TRY(Shape primary, inferPrimary(node, inputShapes, inputConstants));
    for (int64_t d : primary)
        if (d == 0)
            return shapeError(opStr(node) + " would produce a zero-size tensor " + shapeToString(primary));
    std::vector<Shape> outputs(node.outputs.size(), primary);
    if (node.op == OpKind::BatchNormalization)
        for (size_t k = 1; k < outputs.size(); ++k)
            outputs[k] = inputShapes[1];
    return outputs;
}

Expected<void> inferShapes(Graph& graph)
{
    NNB_TRY(const auto order, graph.topologicalOrder());
    for (NodeId id : order) {
        const Node& node = graph.node(id);
        std::vector<Shape> shapes;
        std::vector<const Tensor*> consts;
        for (ValueId in : node.inputs) {
            if (in < 0) {
                shapes.emplace_back();
                consts.push_back(nullptr);
            } else {
                shapes.push_back(graph.value(in).shape);
                consts.push_back(graph.value(in).constant.get());
            }
        }
        auto result = inferNodeShapes(node, shapes, consts);
        if (!result) {
            result.error().context.push_back("node '" + node.name + "' (" + opStr(node) + ")");
            return tl::unexpected<Error>(std::move(result).error());
        }
        for (size_t k = 0; k < node.outputs.size(); ++k)
            if (node.outputs[k] >= 0)
                graph.value(node.outputs[k]).shape = (*result)[k];
    }
    return {};
}

} // namespace nnb::ir
