// SPDX-License-Identifier: GPL-3.0-or-later
// Data-movement kernels: Identity, Dropout (inference), Flatten, Reshape, Transpose, Concat.
// They move elements without arithmetic, so besides float32 they also carry int64 tensors
// (shape-like constants flowing through the graph).
#include <algorithm>
#include <numeric>
#include <string>
#include <type_traits>
#include <vector>

#include "exec/kernels.h"

namespace nnb::exec::detail {
namespace {

std::string dims(const ir::Shape& shape) { return ir::shapeToString(shape); }

/// Calls \p fn with the element vector of \p in and that of \p out (resized to the out shape),
/// as std::vector<float> or std::vector<int64_t> by the input's type.
template <class Fn> void withElements(const ir::Tensor& in, ir::Tensor& out, Fn fn)
{
    out.dtype = in.dtype;
    const size_t n = static_cast<size_t>(dimProduct(out.shape, 0, out.shape.size()));
    if (in.dtype == ir::DataType::Float32) {
        out.i.clear();
        out.f.resize(n);
        fn(in.f, out.f);
    } else {
        out.f.clear();
        out.i.resize(n);
        fn(in.i, out.i);
    }
}

/// \returns the element vector of \p t of type \p T (float data or int64 data).
template <class T> const std::vector<T>& elementsOf(const ir::Tensor& t)
{
    if constexpr (std::is_same_v<T, float>)
        return t.f;
    else
        return t.i;
}

} // namespace

// Identity, inference-mode Dropout, Flatten and Reshape keep the row-major element order and
// only relabel the shape (which shape inference computed), so they are a copy.
Expected<void> runCopy(const KernelCall& call)
{
    const ir::Tensor* x = call.input(0);
    if (x == nullptr)
        return makeError(Errc::InvalidArgument, "input data is missing");
    if (call.outputs.empty())
        return makeError(Errc::Internal, "the node has no output");
    const ir::Node& node = call.node;

    if (node.op == ir::OpKind::Flatten) {
        // ONNX Flatten: [prod(dims < axis), prod(dims >= axis)], axis in [-r, r], default 1.
        NNB_TRY(const int64_t axis,
            normalizeAxis(node.attrs.getInt("axis", 1), x->rank(), "axis", /*inclusive=*/true));
        const size_t a = static_cast<size_t>(axis);
        NNB_RETURN_IF_ERROR(expectOutputShape(
            call, 0, {dimProduct(x->shape, 0, a), dimProduct(x->shape, a, x->shape.size())}));
    } else if (node.op == ir::OpKind::Reshape) {
        // Shape inference resolved 0 (copy), -1 (infer) and allowzero; only the count matters.
        const ir::Shape& target = call.outputs[0].shape;
        if (dimProduct(target, 0, target.size()) != dimProduct(x->shape, 0, x->shape.size()))
            return makeError(
                Errc::InvalidArgument, "cannot reshape " + dims(x->shape) + " to " + dims(target));
    } else {
        NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, x->shape));
    }

    if (node.op == ir::OpKind::Dropout) {
        // Inference semantics: the identity, with an all-true mask. training_mode = true with a
        // non-zero ratio would drop randomly, which a reference executor cannot reproduce.
        const ir::Tensor* ratio = call.input(1);
        const ir::Tensor* training = call.input(2);
        const bool train = training != nullptr
            && ((training->dtype == ir::DataType::Int64 && !training->i.empty()
                    && training->i[0] != 0)
                || (training->dtype == ir::DataType::Float32 && !training->f.empty()
                    && training->f[0] != 0.0f));
        const float ratioValue = ratio == nullptr                        ? 0.5f
            : ratio->dtype == ir::DataType::Float32 && !ratio->f.empty() ? ratio->f[0]
                                                                         : 0.0f;
        if (train && ratioValue != 0.0f)
            return makeError(Errc::UnsupportedOp,
                "training-mode Dropout is random and cannot be executed; export the "
                "model in inference mode");
        if (call.outputs.size() > 1) {
            // The IR has no bool type: the mask is stored as float32 ones.
            NNB_RETURN_IF_ERROR(expectOutputShape(call, 1, x->shape));
            ir::Tensor& mask = call.outputs[1];
            std::fill_n(allocateFloat(mask), mask.f.size(), 1.0f);
        }
    }

    withElements(*x, call.outputs[0], [](const auto& in, auto& out) {
        std::copy(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(out.size()), out.begin());
    });
    return {};
}

// ONNX Transpose: output dimension i is input dimension perm[i]; perm defaults to reversing
// the dimensions.
Expected<void> runTranspose(const KernelCall& call)
{
    const ir::Tensor* x = call.input(0);
    if (x == nullptr)
        return makeError(Errc::InvalidArgument, "input data is missing");
    const size_t rank = x->shape.size();
    std::vector<int64_t> perm = call.node.attrs.getInts("perm");
    if (perm.empty()) {
        perm.resize(rank);
        std::iota(perm.rbegin(), perm.rend(), int64_t{0});
    }
    std::vector<bool> seen(rank, false);
    bool valid = perm.size() == rank;
    for (size_t i = 0; valid && i < rank; ++i) {
        valid = perm[i] >= 0 && perm[i] < static_cast<int64_t>(rank)
            && !seen[static_cast<size_t>(perm[i])];
        if (valid)
            seen[static_cast<size_t>(perm[i])] = true;
    }
    if (!valid)
        return makeError(Errc::InvalidArgument,
            "perm " + dims(perm) + " is not a permutation of the " + std::to_string(rank)
                + " dimensions of " + dims(x->shape));

    std::vector<int64_t> inStride(rank, 1);
    for (size_t d = rank; d-- > 1;)
        inStride[d - 1] = inStride[d] * x->shape[d];
    ir::Shape outShape(rank);
    std::vector<int64_t> stride(rank); // input stride of each output dimension
    for (size_t i = 0; i < rank; ++i) {
        outShape[i] = x->shape[static_cast<size_t>(perm[i])];
        stride[i] = inStride[static_cast<size_t>(perm[i])];
    }
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, outShape));

    withElements(*x, call.outputs[0], [&](const auto& in, auto& out) {
        if (out.empty())
            return;
        if (rank == 0) {
            out[0] = in[0];
            return;
        }
        // Walk the output in order; the inner loop strides through the input.
        const size_t inner = rank - 1;
        const int64_t len = outShape[inner];
        const int64_t step = stride[inner];
        std::vector<int64_t> index(inner, 0);
        int64_t offset = 0;
        for (size_t o = 0; o < out.size(); o += static_cast<size_t>(len)) {
            for (int64_t j = 0; j < len; ++j)
                out[o + static_cast<size_t>(j)] = in[static_cast<size_t>(offset + j * step)];
            for (size_t d = inner; d-- > 0;) {
                offset += stride[d];
                if (++index[d] < outShape[d])
                    break;
                offset -= stride[d] * outShape[d];
                index[d] = 0;
            }
        }
    });
    return {};
}

// ONNX Concat: inputs of equal rank and type, equal in every dimension but axis, joined along
// axis. Viewed as [outer, axis * inner] blocks, it interleaves each input's blocks.
Expected<void> runConcat(const KernelCall& call)
{
    if (call.inputs.empty() || call.input(0) == nullptr)
        return makeError(Errc::InvalidArgument, "Concat needs at least one input");
    const ir::Tensor& first = *call.input(0);
    const int64_t rank = first.rank();
    if (rank == 0)
        return makeError(Errc::InvalidArgument, "Concat inputs must have rank >= 1");
    NNB_TRY(const int64_t axis, normalizeAxis(call.node.attrs.getInt("axis", 0), rank, "axis"));
    const size_t a = static_cast<size_t>(axis);
    ir::Shape outShape = first.shape;
    outShape[a] = 0;
    for (size_t k = 0; k < call.inputs.size(); ++k) {
        const ir::Tensor* t = call.input(k);
        bool ok = t != nullptr && t->dtype == first.dtype && t->rank() == rank;
        for (size_t d = 0; ok && d < first.shape.size(); ++d)
            ok = d == a || t->shape[d] == first.shape[d];
        if (!ok)
            return makeError(Errc::InvalidArgument,
                "input " + std::to_string(k) + " "
                    + (t != nullptr ? dims(t->shape) : std::string("(absent)"))
                    + " does not match input 0 " + dims(first.shape) + " outside axis "
                    + std::to_string(axis) + " (or differs in element type)");
        outShape[a] += t->shape[a];
    }
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, outShape));

    const int64_t outer = dimProduct(first.shape, 0, a);
    const int64_t inner = dimProduct(first.shape, a + 1, first.shape.size());
    ir::Tensor& y = call.outputs[0];
    withElements(first, y, [&](const auto&, auto& out) {
        size_t pos = 0;
        for (int64_t o = 0; o < outer; ++o) {
            for (const ir::Tensor* t : call.inputs) {
                const size_t block = static_cast<size_t>(t->shape[a] * inner);
                using T = typename std::decay_t<decltype(out)>::value_type;
                const auto src = elementsOf<T>(*t).begin()
                    + static_cast<std::ptrdiff_t>(o * static_cast<int64_t>(block));
                std::copy(src, src + static_cast<std::ptrdiff_t>(block),
                    out.begin() + static_cast<std::ptrdiff_t>(pos));
                pos += block;
            }
        }
    });
    return {};
}

// Internal Slice (routing): elements [start, end) of dimension axis (default 1, the features
// of a dense tensor or the channels of NCHW). Viewed as [outer, dim * inner], it copies the
// [start * inner, end * inner) part of every outer block.
Expected<void> runSlice(const KernelCall& call)
{
    const ir::Tensor* x = call.input(0);
    if (x == nullptr)
        return makeError(Errc::InvalidArgument, "input data is missing");
    NNB_TRY(
        const int64_t axis, normalizeAxis(call.node.attrs.getInt("axis", 1), x->rank(), "axis"));
    const size_t a = static_cast<size_t>(axis);
    const int64_t start = call.node.attrs.getInt("start", 0);
    const int64_t end = call.node.attrs.getInt("end", 0);
    if (start < 0 || end <= start || end > x->shape[a])
        return makeError(Errc::InvalidArgument,
            "slice [" + std::to_string(start) + ", " + std::to_string(end)
                + ") is outside dimension " + std::to_string(axis) + " of " + dims(x->shape));
    ir::Shape outShape = x->shape;
    outShape[a] = end - start;
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, outShape));
    const int64_t outer = dimProduct(x->shape, 0, a);
    const int64_t inner = dimProduct(x->shape, a + 1, x->shape.size());
    const int64_t inBlock = x->shape[a] * inner;
    const int64_t outBlock = (end - start) * inner;
    withElements(*x, call.outputs[0], [&](const auto& in, auto& out) {
        for (int64_t o = 0; o < outer; ++o) {
            const auto src = in.begin() + static_cast<std::ptrdiff_t>(o * inBlock + start * inner);
            std::copy(src, src + static_cast<std::ptrdiff_t>(outBlock),
                out.begin() + static_cast<std::ptrdiff_t>(o * outBlock));
        }
    });
    return {};
}

// Internal Select (routing): the elements listed in "indices" of dimension axis (default 1), in
// that order; an index may repeat. Viewed as [outer, dim, inner], it gathers inner-sized runs.
Expected<void> runSelect(const KernelCall& call)
{
    const ir::Tensor* x = call.input(0);
    if (x == nullptr)
        return makeError(Errc::InvalidArgument, "input data is missing");
    NNB_TRY(
        const int64_t axis, normalizeAxis(call.node.attrs.getInt("axis", 1), x->rank(), "axis"));
    const size_t a = static_cast<size_t>(axis);
    const std::vector<int64_t> indices = call.node.attrs.getInts("indices");
    const int64_t dim = x->shape[a];
    if (indices.empty())
        return makeError(Errc::InvalidArgument, "Select needs a non-empty indices list");
    for (int64_t index : indices)
        if (index < 0 || index >= dim)
            return makeError(Errc::InvalidArgument,
                "Select index " + std::to_string(index) + " is outside dimension "
                    + std::to_string(axis) + " of " + dims(x->shape));
    ir::Shape outShape = x->shape;
    outShape[a] = static_cast<int64_t>(indices.size());
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, outShape));
    const int64_t outer = dimProduct(x->shape, 0, a);
    const int64_t inner = dimProduct(x->shape, a + 1, x->shape.size());
    withElements(*x, call.outputs[0], [&](const auto& in, auto& out) {
        auto dst = out.begin();
        for (int64_t o = 0; o < outer; ++o) {
            for (int64_t index : indices) {
                const auto src
                    = in.begin() + static_cast<std::ptrdiff_t>((o * dim + index) * inner);
                dst = std::copy(src, src + static_cast<std::ptrdiff_t>(inner), dst);
            }
        }
    });
    return {};
}

} // namespace nnb::exec::detail
