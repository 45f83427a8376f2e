// SPDX-License-Identifier: GPL-3.0-or-later
// Element-wise kernels: broadcasting arithmetic, activations, Clip, Softmax, BatchNormalization.
//
// Plain loops on purpose. Eigen's vectorised transcendental functions (tanh, logistic, exp)
// differ from the scalar ones in the last bits, and Eigen picks the scalar or vector path per
// element from the data's address alignment; a sample would then round differently depending
// on where its chunk starts in a batch-split run. Reductions (Softmax) are sequential for the
// same reason. The compiler vectorises the simple loops itself.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "exec/kernels.h"
#include "nnb/quant/quantize_node.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNB_EXEC_AVX2 1
#include <immintrin.h>
#endif

namespace nnb::exec::detail {
namespace {

std::string dims(const ir::Shape& shape) { return ir::shapeToString(shape); }

/// Numpy multidirectional broadcasting of two operands: the dimensions are right-aligned, and
/// each pair must be equal or contain a 1. Computes the result shape and, for each operand, the
/// element stride of every result dimension (0 where the operand is broadcast).
struct Broadcast {
    ir::Shape shape;
    std::vector<int64_t> strideA;
    std::vector<int64_t> strideB;
};

Expected<Broadcast> broadcastShapes(const ir::Shape& a, const ir::Shape& b)
{
    const size_t rank = std::max(a.size(), b.size());
    Broadcast out{ir::Shape(rank, 1), std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 0)};
    int64_t stepA = 1;
    int64_t stepB = 1;
    for (size_t i = 0; i < rank; ++i) {
        const size_t d = rank - 1 - i;
        const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
        const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1)
            return makeError(Errc::InvalidArgument,
                "operands " + dims(a) + " and " + dims(b) + " do not broadcast");
        out.shape[d] = da == 1 ? db : da;
        out.strideA[d] = da == 1 ? 0 : stepA;
        out.strideB[d] = db == 1 ? 0 : stepB;
        stepA *= da;
        stepB *= db;
    }
    return out;
}

/// y[i] = op(a[i'], b[i'']) over the broadcast index space. Adjacent dimensions that are
/// contiguous for both operands are merged first, so the common cases (same shape; tensor and
/// scalar; NCHW and per-channel [C,1,1]) run as long inner loops.
template <class Op>
void broadcastApply(const Broadcast& bc, const float* a, const float* b, float* y, Op op)
{
    std::vector<int64_t> shape;
    std::vector<int64_t> sa;
    std::vector<int64_t> sb;
    for (size_t d = 0; d < bc.shape.size(); ++d) {
        if (bc.shape[d] == 1)
            continue; // size-1 dimensions do not move any index
        if (!shape.empty() && sa.back() == bc.strideA[d] * bc.shape[d]
            && sb.back() == bc.strideB[d] * bc.shape[d]) {
            shape.back() *= bc.shape[d];
            sa.back() = bc.strideA[d];
            sb.back() = bc.strideB[d];
            continue;
        }
        shape.push_back(bc.shape[d]);
        sa.push_back(bc.strideA[d]);
        sb.push_back(bc.strideB[d]);
    }
    if (shape.empty()) { // every dimension is 1: a single element
        y[0] = op(a[0], b[0]);
        return;
    }
    const size_t inner = shape.size() - 1;
    const int64_t len = shape[inner];
    const int64_t ia = sa[inner];
    const int64_t ib = sb[inner];
    const int64_t outer = dimProduct(shape, 0, inner);
    std::vector<int64_t> index(inner, 0);
    int64_t offA = 0;
    int64_t offB = 0;
    for (int64_t o = 0; o < outer; ++o) {
        float* yr = y + o * len;
        const float* ar = a + offA;
        const float* br = b + offB;
        if (ia == 1 && ib == 1)
            for (int64_t j = 0; j < len; ++j)
                yr[j] = op(ar[j], br[j]);
        else if (ia == 1)
            for (int64_t j = 0; j < len; ++j)
                yr[j] = op(ar[j], br[0]);
        else if (ib == 1)
            for (int64_t j = 0; j < len; ++j)
                yr[j] = op(ar[0], br[j]);
        else // both strides 0 cannot survive the merge above, but stay general
            for (int64_t j = 0; j < len; ++j)
                yr[j] = op(ar[j * ia], br[j * ib]);
        for (size_t d = inner; d-- > 0;) { // odometer over the outer dimensions
            offA += sa[d];
            offB += sb[d];
            if (++index[d] < shape[d])
                break;
            offA -= sa[d] * shape[d];
            offB -= sb[d] * shape[d];
            index[d] = 0;
        }
    }
}

/// \returns the single value of an optional scalar input (Clip's min and max), or \p fallback
/// when the input is absent.
Expected<float> scalarInput(const KernelCall& call, size_t slot, const char* what, float fallback)
{
    const ir::Tensor* t = call.input(slot);
    if (t == nullptr)
        return fallback;
    if (t->size() != 1)
        return makeError(
            Errc::InvalidArgument, std::string(what) + " must be a scalar, got " + dims(t->shape));
    if (t->dtype == ir::DataType::Int64)
        return t->i.empty() ? fallback : static_cast<float>(t->i[0]);
    return t->f.empty() ? fallback : t->f[0];
}

} // namespace

Expected<void> runBinary(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* a, floatInput(call, 0, "A"));
    NNB_TRY(const ir::Tensor* b, floatInput(call, 1, "B"));
    NNB_TRY(const Broadcast bc, broadcastShapes(a->shape, b->shape));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, bc.shape));
    float* y = allocateFloat(call.outputs[0]);
    if (bc.shape.empty() || dimProduct(bc.shape, 0, bc.shape.size()) > 0) {
        switch (call.node.op) {
        case ir::OpKind::Add:
            broadcastApply(bc, a->data(), b->data(), y, std::plus<float>());
            break;
        case ir::OpKind::Sub:
            broadcastApply(bc, a->data(), b->data(), y, std::minus<float>());
            break;
        case ir::OpKind::Mul:
            broadcastApply(bc, a->data(), b->data(), y, std::multiplies<float>());
            break;
        case ir::OpKind::Div:
            // IEEE division: x/0 is +-inf and 0/0 NaN, as numpy (and so the ONNX reference) gives.
            broadcastApply(bc, a->data(), b->data(), y, std::divides<float>());
            break;
        default: return makeError(Errc::Internal, "not an element-wise binary op");
        }
    }
    return {};
}

Expected<void> runActivation(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "X"));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, x->shape));
    float* y = allocateFloat(call.outputs[0]);
    const float* in = x->data();
    const size_t n = x->f.size();
    // The comparisons are written so that NaN propagates, as numpy's maximum/where do.
    switch (call.node.op) {
    case ir::OpKind::Relu:
        for (size_t i = 0; i < n; ++i)
            y[i] = in[i] < 0.0f ? 0.0f : in[i];
        break;
    case ir::OpKind::LeakyRelu: {
        const float alpha = call.node.attrs.getFloat("alpha", 0.01f);
        for (size_t i = 0; i < n; ++i)
            y[i] = in[i] < 0.0f ? alpha * in[i] : in[i];
        break;
    }
    case ir::OpKind::Sigmoid:
        // 1 / (1 + e^-x) saturates cleanly: e^-x = inf gives exactly 0.
        for (size_t i = 0; i < n; ++i)
            y[i] = 1.0f / (1.0f + std::exp(-in[i]));
        break;
    case ir::OpKind::Tanh:
        for (size_t i = 0; i < n; ++i)
            y[i] = std::tanh(in[i]);
        break;
    default: return makeError(Errc::Internal, "not an activation op");
    }
    return {};
}

// ONNX Clip (opset >= 11): min and max are optional scalar inputs, absent meaning -inf / +inf.
// Computed as min(max(x, lo), hi), so lo > hi yields hi everywhere, as the ONNX spec requires.
Expected<void> runClip(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "input"));
    NNB_TRY(const float lo, scalarInput(call, 1, "min", -std::numeric_limits<float>::infinity()));
    NNB_TRY(const float hi, scalarInput(call, 2, "max", std::numeric_limits<float>::infinity()));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, x->shape));
    float* y = allocateFloat(call.outputs[0]);
    const float* in = x->data();
    for (size_t i = 0; i < x->f.size(); ++i) {
        const float v = in[i] < lo ? lo : in[i]; // NaN stays NaN
        y[i] = hi < v ? hi : v;
    }
    return {};
}

// ONNX Softmax. Opset >= 13: along one axis (default -1). Opset < 13 (the importer sets the
// int attribute coerce_2d = 1): the input is viewed as a matrix [prod(dims < axis),
// prod(dims >= axis)] (axis default 1) and each row is normalised. Both are "normalise over the
// middle dimension of [outer, len, inner]", with inner = 1 for the coerced form.
// Each slice is shifted by its maximum first, so large inputs do not overflow exp.
Expected<void> runSoftmax(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "input"));
    const int64_t rank = x->rank();
    const bool coerce2d = call.node.attrs.getInt("coerce_2d", 0) == 1;
    if (rank == 0)
        return makeError(Errc::InvalidArgument, "Softmax needs an input of rank >= 1");
    NNB_TRY(const int64_t axis,
        normalizeAxis(call.node.attrs.getInt("axis", coerce2d ? 1 : -1), rank, "axis",
            /*inclusive=*/coerce2d));
    const size_t a = static_cast<size_t>(axis);
    const int64_t outer = dimProduct(x->shape, 0, a);
    const int64_t len = coerce2d ? dimProduct(x->shape, a, x->shape.size()) : x->shape[a];
    const int64_t inner = coerce2d ? 1 : dimProduct(x->shape, a + 1, x->shape.size());
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, x->shape));
    float* y = allocateFloat(call.outputs[0]);
    const float* in = x->data();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * len * inner + i;
            float maxValue = -std::numeric_limits<float>::infinity();
            for (int64_t j = 0; j < len; ++j)
                maxValue = std::max(maxValue, in[base + j * inner]);
            // Summed in double for accuracy on long rows; still sequential, so deterministic.
            double sum = 0.0;
            for (int64_t j = 0; j < len; ++j) {
                const float e = std::exp(in[base + j * inner] - maxValue);
                y[base + j * inner] = e;
                sum += e;
            }
            for (int64_t j = 0; j < len; ++j)
                y[base + j * inner] = static_cast<float>(y[base + j * inner] / sum);
        }
    }
    return {};
}

// ONNX BatchNormalization in inference mode: per channel c (dimension 1),
// y = scale[c] * (x - mean[c]) / sqrt(var[c] + epsilon) + B[c].
Expected<void> runBatchNormalization(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "X"));
    NNB_TRY(const ir::Tensor* scale, floatInput(call, 1, "scale"));
    NNB_TRY(const ir::Tensor* bias, floatInput(call, 2, "B"));
    NNB_TRY(const ir::Tensor* mean, floatInput(call, 3, "input_mean"));
    NNB_TRY(const ir::Tensor* var, floatInput(call, 4, "input_var"));
    if (call.outputs.size() > 1)
        return makeError(Errc::UnsupportedOp,
            "training-mode BatchNormalization (running mean and "
            "variance outputs) is not supported");
    if (x->rank() < 2)
        return makeError(
            Errc::InvalidArgument, "X must have rank >= 2 (N, C, ...), got " + dims(x->shape));
    const int64_t channels = x->shape[1];
    for (const ir::Tensor* p : {scale, bias, mean, var})
        if (p->size() != channels)
            return makeError(Errc::InvalidArgument,
                "scale, B, mean and var must have " + std::to_string(channels)
                    + " elements (the channels of X " + dims(x->shape) + "), got "
                    + dims(p->shape));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, x->shape));
    const float epsilon = call.node.attrs.getFloat("epsilon", 1e-5f);
    const int64_t batch = x->shape[0];
    const int64_t inner = dimProduct(x->shape, 2, x->shape.size());
    float* y = allocateFloat(call.outputs[0]);
    const float* in = x->data();
    for (int64_t c = 0; c < channels; ++c) {
        const size_t ci = static_cast<size_t>(c);
        const float factor = scale->f[ci] / std::sqrt(var->f[ci] + epsilon);
        const float mu = mean->f[ci];
        const float shift = bias->f[ci];
        for (int64_t n = 0; n < batch; ++n) {
            const int64_t base = (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i)
                y[base + i] = (in[base + i] - mu) * factor + shift;
        }
    }
    return {};
}

Expected<void> applyNeuronFunction(const std::string& name, std::vector<float>& data)
{
    if (name == "none")
        return {};
    if (name == "relu") {
        for (float& v : data)
            v = v < 0.0f ? 0.0f : v;
        return {};
    }
    if (name == "ramp") {
        for (float& v : data)
            v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        return {};
    }
    return makeError(
        Errc::InvalidArgument, "activation '" + name + "' is not one of none, relu, ramp");
}

// Internal Accumulate: digital accumulation of partial sums, y = f(x_1 + ... + x_n), summed in
// input order; all inputs have the same shape.
Expected<void> runAccumulate(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* first, floatInput(call, 0, "x_1"));
    for (size_t k = 1; k < call.inputs.size(); ++k) {
        NNB_TRY(const ir::Tensor* t, floatInput(call, k, "x_" + std::to_string(k + 1)));
        if (t->shape != first->shape)
            return makeError(Errc::InvalidArgument,
                "partial sums differ in shape: " + dims(first->shape) + " and " + dims(t->shape));
    }
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, first->shape));
    float* y = allocateFloat(call.outputs[0]);
    std::copy(first->f.begin(), first->f.end(), y);
    for (size_t k = 1; k < call.inputs.size(); ++k) {
        const float* x = call.inputs[k]->data();
        for (size_t i = 0; i < first->f.size(); ++i)
            y[i] += x[i];
    }
    return applyNeuronFunction(call.node.attrs.getString("activation", "none"), call.outputs[0].f);
}

} // namespace nnb::exec::detail

namespace nnb::exec::detail {

namespace {

#ifdef NNB_EXEC_AVX2
/// runQuantize's loop on 4 values at a time with AVX2 (the same IEEE operations; no FMA is
/// enabled). \returns how many values it did.
__attribute__((target("avx2"))) size_t fakeQuantizeAvx2(const float* in, size_t n, const quant::SignalQuant& q,
                                                        float* y)
{
    const __m256d scale = _mm256_set1_pd(static_cast<double>(q.scale));
    const __m256d lo = _mm256_set1_pd(static_cast<double>(q.qmin - q.zeroPoint));
    const __m256d hi = _mm256_set1_pd(static_cast<double>(q.qmax - q.zeroPoint));
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d half = _mm256_set1_pd(0.5);
    const __m256d minusHalf = _mm256_set1_pd(-0.5);
    const __m128 scaleF = _mm_set1_ps(q.scale);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d v0 = _mm256_div_pd(_mm256_cvtps_pd(_mm_loadu_ps(in + i)), scale);
        __m256d v = _mm256_blendv_pd(_mm256_blendv_pd(v0, hi, _mm256_cmp_pd(hi, v0, _CMP_LT_OQ)), lo,
                                     _mm256_cmp_pd(v0, lo, _CMP_LT_OQ));
        v = _mm256_and_pd(v, _mm256_cmp_pd(v, v, _CMP_ORD_Q)); // NaN → 0
        const __m256d t = _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        const __m256d fraction = _mm256_sub_pd(v, t);
        const __m256d code = _mm256_sub_pd(_mm256_add_pd(t, _mm256_and_pd(_mm256_cmp_pd(fraction, half, _CMP_GE_OQ), one)),
                                           _mm256_and_pd(_mm256_cmp_pd(fraction, minusHalf, _CMP_LE_OQ), one));
        _mm_storeu_ps(y + i, _mm_mul_ps(scaleF, _mm256_cvtpd_ps(code)));
    }
    return i;
}

bool hasAvx2()
{
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
}
#endif

} // namespace

// Internal Quantize: the quantise-dequantise round trip of a signal at a crossbar boundary, with
// exactly quant::SignalQuant's arithmetic (the tuner and the simulator use the same object).
Expected<void> runQuantize(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "x"));
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, x->shape));
    NNB_TRY(const quant::SignalQuant q, quant::signalQuantOf(call.node));
    float* y = allocateFloat(call.outputs[0]);
    // q.dequantize(q.quantize(v)) written out so that the loop vectorises (no library calls):
    // the same double division and clamp, round-half-away-from-zero of the clamped quotient by
    // truncation (v − trunc(v) is exact), NaN to the zero point, then scale·(code − z).
    const float* in = x->data();
    const double scale = static_cast<double>(q.scale);
    const double lo = static_cast<double>(q.qmin - q.zeroPoint);
    const double hi = static_cast<double>(q.qmax - q.zeroPoint);
    const size_t n = x->f.size();
    size_t first = 0;
#ifdef NNB_EXEC_AVX2
    if (hasAvx2())
        first = fakeQuantizeAvx2(in, n, q, y);
#endif
    for (size_t i = first; i < n; ++i) {
        const double v0 = static_cast<double>(in[i]) / scale;
        double v = v0 < lo ? lo : (hi < v0 ? hi : v0); // std::clamp
        v = v == v ? v : 0.0;                          // NaN
        const auto t = static_cast<int32_t>(v);
        const double fraction = v - static_cast<double>(t);
        const int32_t k = t + static_cast<int32_t>(fraction >= 0.5) - static_cast<int32_t>(fraction <= -0.5);
        y[i] = q.scale * static_cast<float>(k);
    }
    return {};
}

// Internal MergeCopies: the host's decoding of re-encoded outputs, the mean of the copies.
Expected<void> runMergeCopies(const KernelCall& call)
{
    NNB_TRY(const ir::Tensor* x, floatInput(call, 0, "x"));
    const int64_t copies = call.node.attrs.getInt("copies", 1);
    if (x->rank() != 2 || copies < 1 || x->shape[1] % copies != 0)
        return makeError(Errc::InvalidArgument, "MergeCopies '" + call.node.name + "' needs [N, copies*C], got "
                                                    + ir::shapeToString(x->shape) + " with copies = " + std::to_string(copies));
    const int64_t n = x->shape[0], width = x->shape[1], c = width / copies;
    NNB_RETURN_IF_ERROR(expectOutputShape(call, 0, {n, c}));
    float* y = allocateFloat(call.outputs[0]);
    const float* in = x->data();
    const double inv = 1.0 / static_cast<double>(copies);
    for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < c; ++j) {
            double sum = 0.0;
            for (int64_t i = 0; i < copies; ++i)
                sum += static_cast<double>(in[r * width + i * c + j]);
            y[r * c + j] = static_cast<float>(sum * inv);
        }
    return {};
}

} // namespace nnb::exec::detail
