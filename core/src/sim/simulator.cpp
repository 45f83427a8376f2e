// SPDX-License-Identifier: GPL-3.0-or-later
// The bit-accurate simulator: crossbar kernels for CoreOp and Accumulate plugged into the
// executor (ExecutorOptions::kernels), which keeps scheduling, batch splitting and threads.
#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <span>

#include "nnb/quant/quantize_node.h"
#include "nnb/sim/network.h"
#include "nnb/support/assert.h"
#include "sim/network_layout.h"
#include "sim/scratch.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNB_SIM_AVX2 1
#include <immintrin.h>
#endif

namespace nnb::sim {

namespace {

/// Whether the element-wise AVX2 loops below may run (chosen at run time, as the tile kernels).
bool hasAvx2()
{
#ifdef NNB_SIM_AVX2
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
#else
    return false;
#endif
}

/// The neuron function of a core-op, parsed once (not per element).
enum class Neuron { None, Relu, Ramp };

/// One CoreOp programmed on its tiles: per group, column blocks of at most `cols` outputs.
struct ProgrammedCoreOp {
    ir::Node node; ///< a copy: the conv geometry comes from its attributes
    CoreOpQuant quant;
    detail::CoreOpLayout layout;
    Neuron activation = Neuron::None;
    bool partial = false;
    struct Tile {
        int64_t group = 0;
        int64_t col0 = 0; ///< first output within the group
        CrossbarTile tile;
    };
    std::vector<Tile> tiles;
    /// Per output: b_j − z_in·Σ_i w_ij, the bias and the zero-point correction in one integer.
    std::vector<int64_t> correction;
};

Neuron parseNeuron(const std::string& name)
{
    return name == "relu" ? Neuron::Relu : name == "ramp" ? Neuron::Ramp : Neuron::None;
}

/// \returns \p v (in [−2^31, 2^31)) rounded to nearest, halves away from zero: std::round
/// without a library call, so that loops over it vectorise. v − trunc(v) is exact.
inline int32_t roundHalfAway(double v)
{
    const auto t = static_cast<int32_t>(v);
    const double fraction = v - static_cast<double>(t);
    return t + static_cast<int32_t>(fraction >= 0.5) - static_cast<int32_t>(fraction <= -0.5);
}

/// The per-output arithmetic of a core-op or Accumulate after the integer sum (network.h):
/// y = accScale·acc in double, the neuron function, then the requantiser, whose code
/// clamp(round(y / s_out), qmin − z, qmax − z) is handed on as its real value s_out·code (what
/// the Quantize node after it reproduces exactly). Without an output quantiser y as a float.
struct OutputStage {
    Neuron activation = Neuron::None;
    bool requantize = false;
    double scale = 1.0; ///< s_out
    float scaleF = 1.0f;
    double lo = 0.0, hi = 0.0; ///< qmin − z, qmax − z

    OutputStage(Neuron neuron, const std::optional<quant::SignalQuant>& q)
        : activation(neuron)
        , requantize(q.has_value())
    {
        if (q) {
            scale = static_cast<double>(q->scale);
            scaleF = q->scale;
            lo = static_cast<double>(q->qmin - q->zeroPoint);
            hi = static_cast<double>(q->qmax - q->zeroPoint);
        }
    }

    /// y[k] = the output of acc[k] + offset[k] (in accumulator units, scaled by accScale[k]) for
    /// k < n, every step exactly as the scalar definition (no reassociation, no contraction).
    template <Neuron A, bool Q>
    void applyAs(const int64_t* acc, const int64_t* offset, const double* accScale, int64_t n, float* y) const
    {
        for (int64_t k = 0; k < n; ++k) {
            double v = accScale[k] * static_cast<double>(acc[k] + offset[k]);
            if constexpr (A == Neuron::Relu)
                v = v < 0.0 ? 0.0 : v; // std::max(v, 0.0), keeping −0.0 as it does
            else if constexpr (A == Neuron::Ramp)
                v = v < 0.0 ? 0.0 : (1.0 < v ? 1.0 : v); // std::clamp(v, 0.0, 1.0)
            if constexpr (Q) {
                double c = v / scale;
                c = c < lo ? lo : (hi < c ? hi : c); // std::clamp
                y[k] = scaleF * static_cast<float>(roundHalfAway(c));
            } else {
                y[k] = static_cast<float>(v);
            }
        }
    }

#ifdef NNB_SIM_AVX2
    /// applyAs on four elements at a time: the same IEEE operations (no FMA is enabled, so none
    /// is contracted), \returns how many elements it did (a multiple of 4).
    template <Neuron A, bool Q>
    __attribute__((target("avx2"))) int64_t applyAvx2(const int64_t* acc, const int64_t* offset, const double* accScale,
                                                      int64_t n, float* y) const
    {
        const __m256i oddDwords = _mm256_setr_epi32(1, 3, 5, 7, 0, 2, 4, 6);
        const __m256d two32 = _mm256_set1_pd(4294967296.0);
        const __m256d zero = _mm256_setzero_pd();
        const __m256d one = _mm256_set1_pd(1.0);
        const __m256d half = _mm256_set1_pd(0.5);
        const __m256d minusHalf = _mm256_set1_pd(-0.5);
        const __m256d scaleV = _mm256_set1_pd(scale);
        const __m256d loV = _mm256_set1_pd(lo);
        const __m256d hiV = _mm256_set1_pd(hi);
        const __m128 scaleFV = _mm_set1_ps(scaleF);
        int64_t k = 0;
        for (; k + 4 <= n; k += 4) {
            const __m256i a = _mm256_add_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + k)),
                                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(offset + k)));
            // double(a) correctly rounded, as a conversion: high·2^32 (exact) + unsigned low (exact),
            // one rounding in the addition.
            const __m256i split = _mm256_permutevar8x32_epi32(a, oddDwords);
            const __m256d high = _mm256_mul_pd(_mm256_cvtepi32_pd(_mm256_castsi256_si128(split)), two32);
            __m256d low = _mm256_cvtepi32_pd(_mm256_extracti128_si256(split, 1));
            low = _mm256_add_pd(low, _mm256_and_pd(_mm256_cmp_pd(low, zero, _CMP_LT_OQ), two32));
            __m256d v = _mm256_mul_pd(_mm256_loadu_pd(accScale + k), _mm256_add_pd(high, low));
            if constexpr (A == Neuron::Relu) {
                v = _mm256_blendv_pd(v, zero, _mm256_cmp_pd(v, zero, _CMP_LT_OQ));
            } else if constexpr (A == Neuron::Ramp) {
                v = _mm256_blendv_pd(v, zero, _mm256_cmp_pd(v, zero, _CMP_LT_OQ));
                v = _mm256_blendv_pd(v, one, _mm256_cmp_pd(one, v, _CMP_LT_OQ));
            }
            if constexpr (Q) {
                __m256d c = _mm256_div_pd(v, scaleV);
                c = _mm256_blendv_pd(_mm256_blendv_pd(c, hiV, _mm256_cmp_pd(hiV, c, _CMP_LT_OQ)), loV,
                                     _mm256_cmp_pd(c, loV, _CMP_LT_OQ));
                const __m256d t = _mm256_round_pd(c, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
                const __m256d fraction = _mm256_sub_pd(c, t);
                const __m256d up = _mm256_and_pd(_mm256_cmp_pd(fraction, half, _CMP_GE_OQ), one);
                const __m256d down = _mm256_and_pd(_mm256_cmp_pd(fraction, minusHalf, _CMP_LE_OQ), one);
                const __m256d code = _mm256_sub_pd(_mm256_add_pd(t, up), down);
                _mm_storeu_ps(y + k, _mm_mul_ps(scaleFV, _mm256_cvtpd_ps(code)));
            } else {
                _mm_storeu_ps(y + k, _mm256_cvtpd_ps(v));
            }
        }
        return k;
    }
#endif

    template <Neuron A, bool Q>
    void applyFast(const int64_t* acc, const int64_t* offset, const double* accScale, int64_t n, float* y) const
    {
        int64_t done = 0;
#ifdef NNB_SIM_AVX2
        if (hasAvx2())
            done = applyAvx2<A, Q>(acc, offset, accScale, n, y);
#endif
        applyAs<A, Q>(acc + done, offset + done, accScale + done, n - done, y + done);
    }

    template <Neuron A>
    void applyNeuron(const int64_t* acc, const int64_t* offset, const double* accScale, int64_t n, float* y) const
    {
        if (requantize)
            applyFast<A, true>(acc, offset, accScale, n, y);
        else
            applyFast<A, false>(acc, offset, accScale, n, y);
    }

    void apply(const int64_t* acc, const int64_t* offset, const double* accScale, int64_t n, float* y) const
    {
        switch (activation) {
        case Neuron::Relu: applyNeuron<Neuron::Relu>(acc, offset, accScale, n, y); break;
        case Neuron::Ramp: applyNeuron<Neuron::Ramp>(acc, offset, accScale, n, y); break;
        case Neuron::None: applyNeuron<Neuron::None>(acc, offset, accScale, n, y); break;
        }
    }
};

/// The input codes of a core-op from its float input \p x (\p n values): q.quantize(x) for
/// each. Every core-op input comes from a Quantize node with the same quantiser through routing,
/// so each value is scale·k for an integer code offset k; the fast path rounds x·(1/scale) to k
/// and accepts it when k is in range and scale·k reproduces x exactly, in which case k + z is
/// what quantize() returns (quantize(dequantize(c)) == c for |k| far below 2^22). Any other
/// input takes quantize() itself.
#ifdef NNB_SIM_AVX2
/// inputCodes' fast path on 8 values at a time: \returns how many it did (a multiple of 8) and
/// raises \p offGrid when one of them failed the check.
__attribute__((target("avx2"))) size_t inputCodesAvx2(const quant::SignalQuant& q, const float* x, size_t n,
                                                      int32_t* codes, int32_t& offGrid)
{
    const __m256 inverse = _mm256_set1_ps(1.0f / q.scale);
    const __m256 scale = _mm256_set1_ps(q.scale);
    const __m256 lo = _mm256_set1_ps(static_cast<float>(q.qmin - q.zeroPoint));
    const __m256 hi = _mm256_set1_ps(static_cast<float>(q.qmax - q.zeroPoint));
    const __m256 limit = _mm256_set1_ps(4194304.0f);
    const __m256 minusLimit = _mm256_set1_ps(-4194304.0f);
    const __m256i zeroPoint = _mm256_set1_epi32(q.zeroPoint);
    __m256 ok = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        __m256 r = _mm256_max_ps(_mm256_mul_ps(v, inverse), minusLimit); // NaN → −limit, as the scalar loop
        r = _mm256_min_ps(r, limit);
        const __m256 k = _mm256_round_ps(r, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        ok = _mm256_and_ps(ok, _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(k, lo, _CMP_GE_OQ), _mm256_cmp_ps(k, hi, _CMP_LE_OQ)),
                                             _mm256_cmp_ps(_mm256_mul_ps(scale, k), v, _CMP_EQ_OQ)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + i), _mm256_add_epi32(_mm256_cvtps_epi32(k), zeroPoint));
    }
    offGrid |= static_cast<int32_t>(_mm256_movemask_ps(ok) != 0xFF);
    return i;
}
#endif

void inputCodes(const quant::SignalQuant& q, const float* x, size_t n, int32_t* codes)
{
    const float inverse = 1.0f / q.scale;
    const float lo = static_cast<float>(q.qmin - q.zeroPoint);
    const float hi = static_cast<float>(q.qmax - q.zeroPoint);
    constexpr float kMagic = 12582912.0f; // 1.5·2^23: adding and subtracting it rounds |v| < 2^22
    int32_t offGrid = 0;
    size_t first = 0;
#ifdef NNB_SIM_AVX2
    if (hasAvx2())
        first = inputCodesAvx2(q, x, n, codes, offGrid);
#endif
    for (size_t i = first; i < n; ++i) {
        float r = x[i] * inverse;
        r = r > -4194304.0f ? r : -4194304.0f; // also maps NaN into range (it fails the check below)
        r = r < 4194304.0f ? r : 4194304.0f;
        const float k = (r + kMagic) - kMagic;
        offGrid |= static_cast<int32_t>(!(k >= lo && k <= hi && q.scale * k == x[i]));
        codes[i] = static_cast<int32_t>(k) + q.zeroPoint;
    }
    if (offGrid != 0)
        for (size_t i = 0; i < n; ++i)
            codes[i] = q.quantize(x[i]);
}

/// a[k] += b[k] for k < n (distinct arrays, so that it vectorises).
void addTo(int64_t* __restrict a, const int64_t* __restrict b, int64_t n)
{
    for (int64_t k = 0; k < n; ++k)
        a[k] += b[k];
}

/// Scratch buffers of one thread, reused by every call (the executor runs chunks on threads).
struct Scratch {
    std::vector<int32_t> codes;
    std::vector<int64_t> acc;
    std::vector<int64_t> tileOut;
    std::vector<double> tileReal;
    std::vector<float> values;
};

Scratch& scratch()
{
    thread_local Scratch s;
    return s;
}

using detail::sized;

uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t h = seed ^ (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 29);
}

} // namespace

struct Simulator::State {
    std::vector<std::shared_ptr<const ProgrammedCoreOp>> coreOps; ///< by NodeId (null: not a CoreOp)
    std::vector<std::shared_ptr<const AccumulateQuant>> accumulates;
    mutable std::mutex statsMutex;
    AdcStats stats;
    int64_t tiles = 0;
};

namespace {

Expected<void> runCoreOp(const ProgrammedCoreOp& op, const std::vector<const ir::Tensor*>& inputs,
                         std::vector<ir::Tensor>& outputs, AdcStats& stats)
{
    const ir::Tensor* x = inputs.empty() ? nullptr : inputs[0];
    if (x == nullptr || x->dtype != ir::DataType::Float32 || x->shape.empty())
        return makeError(Errc::InvalidArgument, "the core-op input must be a float32 batch");
    Scratch& scratchBuffers = scratch();
    const quant::SignalQuant& in = op.quant.input;
    int32_t* codes = sized(scratchBuffers.codes, x->f.size());
    inputCodes(in, x->f.data(), x->f.size(), codes);

    const detail::CoreOpLayout& l = op.layout;
    const int64_t n = x->shape[0];
    ir::Tensor& out = outputs[0];
    const int64_t total = ir::numElements(out.shape);
    const int64_t positions = l.conv ? total / (n * l.outputs) : 1;
    if (total != n * positions * l.outputs)
        return makeError(Errc::Internal, "core-op output " + ir::shapeToString(out.shape) + " does not match its weights");
    const int64_t accRows = n * positions;

    // acc[(sample·positions + p)·outputs + o]: the integer accumulator of output o. A dense
    // partial core-op's output has this layout, so it accumulates there directly.
    int64_t* acc = nullptr;
    if (op.partial && !l.conv) {
        out.dtype = ir::DataType::Int64;
        out.f.clear();
        out.i.resize(static_cast<size_t>(total));
        acc = out.i.data();
    } else {
        acc = sized(scratchBuffers.acc, static_cast<size_t>(total));
    }
    bool accReady = false; // acc holds the sum of the tiles so far (else it is garbage)
    int64_t lastGroup = -1;
    detail::Im2Col rows;
    // A dense core-op without groups reads its input rows as they are.
    const bool direct = !l.conv && l.group == 1;
    if (direct && (x->shape.size() != 2 || x->shape[1] != l.rowsPerGroup))
        return makeError(Errc::InvalidArgument, "dense core-op '" + op.node.name + "' got input " + ir::shapeToString(x->shape));
    rows.rows = direct ? n : 0;
    for (const ProgrammedCoreOp::Tile& t : op.tiles) {
        if (!direct && t.group != lastGroup) {
            NNB_TRY(rows, detail::gatherRows(op.node, l, std::span<const int32_t>(codes, x->f.size()), x->shape, t.group, in.zeroPoint));
            lastGroup = t.group;
        }
        const int32_t* input = direct ? codes : rows.codes.data();
        const int64_t cols = t.tile.colsUsed();
        const size_t m = static_cast<size_t>(rows.rows * cols);
        const int64_t base = t.group * l.colsPerGroup + t.col0;
        if (t.tile.hasIntegerOutput() && cols == l.outputs && !accReady) {
            // The first tile spans every output: it writes the accumulator itself.
            t.tile.mvm(input, rows.rows, acc, &stats);
            accReady = true;
            continue;
        }
        if (!accReady) {
            std::fill(acc, acc + total, int64_t{0});
            accReady = true;
        }
        if (t.tile.hasIntegerOutput()) {
            int64_t* tileOut = sized(scratchBuffers.tileOut, m);
            t.tile.mvm(input, rows.rows, tileOut, &stats);
            for (int64_t r = 0; r < rows.rows; ++r) {
                int64_t* dst = acc + r * l.outputs + base;
                const int64_t* src = tileOut + r * cols;
                for (int64_t c = 0; c < cols; ++c)
                    dst[c] += src[c];
            }
        } else {
            // Device variation: analog sums are real; the digital periphery rounds them.
            double* tileReal = sized(scratchBuffers.tileReal, m);
            t.tile.mvm(input, rows.rows, tileReal, &stats);
            for (int64_t r = 0; r < rows.rows; ++r)
                for (int64_t c = 0; c < cols; ++c)
                    acc[r * l.outputs + base + c] += std::llround(tileReal[static_cast<size_t>(r * cols + c)]);
        }
    }
    if (!accReady)
        std::fill(acc, acc + total, int64_t{0});
    const int64_t* correction = op.correction.data();

    if (op.partial) {
        if (!l.conv) {
            for (int64_t r = 0; r < accRows; ++r)
                addTo(acc + r * l.outputs, correction, l.outputs);
            return {};
        }
        // Conv output [N, M, positions] from rows (sample, position).
        out.dtype = ir::DataType::Int64;
        out.f.clear();
        out.i.resize(static_cast<size_t>(total));
        for (int64_t r = 0; r < accRows; ++r) {
            const int64_t sample = r / positions, p = r % positions;
            for (int64_t o = 0; o < l.outputs; ++o)
                out.i[static_cast<size_t>((sample * l.outputs + o) * positions + p)] = acc[r * l.outputs + o] + correction[o];
        }
        return {};
    }
    out.dtype = ir::DataType::Float32;
    out.i.clear();
    out.f.resize(static_cast<size_t>(total));
    const OutputStage stage(op.activation, op.quant.output);
    const double* accScale = op.quant.accScale.data();
    if (!l.conv) {
        for (int64_t r = 0; r < accRows; ++r)
            stage.apply(acc + r * l.outputs, correction, accScale, l.outputs, out.f.data() + r * l.outputs);
        return {};
    }
    float* row = sized(scratchBuffers.values, static_cast<size_t>(l.outputs));
    for (int64_t r = 0; r < accRows; ++r) {
        stage.apply(acc + r * l.outputs, correction, accScale, l.outputs, row);
        const int64_t sample = r / positions, p = r % positions;
        for (int64_t o = 0; o < l.outputs; ++o)
            out.f[static_cast<size_t>((sample * l.outputs + o) * positions + p)] = row[o];
    }
    return {};
}

Expected<void> runAccumulate(const AccumulateQuant& aq, Neuron activation,
                             const std::vector<const ir::Tensor*>& inputs, std::vector<ir::Tensor>& outputs)
{
    ir::Tensor& out = outputs[0];
    const size_t total = static_cast<size_t>(ir::numElements(out.shape));
    for (const ir::Tensor* t : inputs)
        if (t == nullptr || t->dtype != ir::DataType::Int64 || t->i.size() != total)
            return makeError(Errc::InvalidArgument, "Accumulate expects integer partial sums of its output's shape");
    // Feature index: dense [N, F] → i % F; conv [N, C, H, W] → (i / HW) % C.
    const int64_t features = static_cast<int64_t>(aq.accScale.size());
    const int64_t inner = out.shape.size() > 2 ? ir::numElements(ir::Shape(out.shape.begin() + 2, out.shape.end())) : 1;
    if (features < 1 || static_cast<int64_t>(total) % (features * inner) != 0)
        return makeError(Errc::InvalidArgument, "Accumulate output " + ir::shapeToString(out.shape) + " does not match its "
                                                    + std::to_string(features) + " scales");
    Scratch& scratchBuffers = scratch();
    int64_t* sum = sized(scratchBuffers.acc, total);
    if (inputs.empty())
        std::fill(sum, sum + total, int64_t{0});
    else
        std::copy(inputs[0]->i.begin(), inputs[0]->i.end(), sum);
    for (size_t k = 1; k < inputs.size(); ++k)
        addTo(sum, inputs[k]->i.data(), static_cast<int64_t>(total));
    out.dtype = ir::DataType::Float32;
    out.i.clear();
    out.f.resize(total);
    const OutputStage stage(activation, aq.output);
    // Per block of `inner` elements of one feature (dense: inner = 1, a row of features).
    const int64_t blocks = static_cast<int64_t>(total) / inner;
    if (inner == 1) {
        const std::vector<int64_t> zeros(static_cast<size_t>(features), 0);
        for (int64_t b = 0; b < blocks; b += features)
            stage.apply(sum + b, zeros.data(), aq.accScale.data(), features, out.f.data() + b);
        return {};
    }
    const std::vector<int64_t> zeros(static_cast<size_t>(inner), 0);
    std::vector<double> scales(static_cast<size_t>(inner));
    for (int64_t b = 0; b < blocks; ++b) {
        std::fill(scales.begin(), scales.end(), aq.accScale[static_cast<size_t>(b % features)]);
        stage.apply(sum + b * inner, zeros.data(), scales.data(), inner, out.f.data() + b * inner);
    }
    return {};
}

/// \returns whether \p a and \p b quantise and dequantise every float identically.
bool sameQuantizer(const quant::SignalQuant& a, const quant::SignalQuant& b)
{
    return a.scale == b.scale && a.zeroPoint == b.zeroPoint && a.qmin == b.qmin && a.qmax == b.qmax;
}

} // namespace

Expected<Simulator> Simulator::create(const QuantizedNetwork& network, const SimulatorOptions& options)
{
    if (!network.simulatable || network.graph == nullptr)
        return makeError(Errc::InvalidArgument, "this quantised network has no integer form to simulate "
                                                "(k-means weights, or a stage without quantised signals or weights)");
    const ir::Graph& graph = *network.graph;
    CrossbarConfig base = CrossbarConfig::fromProfile(network.profile);
    NNB_RETURN_IF_ERROR(base.validate());
    if (options.device)
        NNB_RETURN_IF_ERROR(options.device->validate());

    auto state = std::make_shared<State>();
    state->coreOps.resize(static_cast<size_t>(graph.numNodes()));
    state->accumulates.resize(static_cast<size_t>(graph.numNodes()));
    const auto consumers = graph.consumers();
    for (const CoreOpQuant& cq : network.coreOps) {
        const ir::Node& node = graph.node(cq.node);
        auto op = std::make_shared<ProgrammedCoreOp>();
        op->node = node;
        op->quant = cq;
        op->activation = parseNeuron(node.attrs.getString("activation", "none"));
        op->partial = !cq.output.has_value();
        NNB_TRY(op->layout, detail::layoutOf(node, *graph.value(node.inputs[1]).constant));
        const detail::CoreOpLayout& l = op->layout;
        if (l.rowsPerGroup > base.rows)
            return makeError(Errc::InvalidArgument, "core-op '" + node.name + "' needs " + std::to_string(l.rowsPerGroup)
                                                        + " crossbar rows but the crossbar has " + std::to_string(base.rows)
                                                        + "; compile with the split-merge pass");
        op->correction.assign(static_cast<size_t>(l.outputs), 0);
        for (int64_t o = 0; o < l.outputs; ++o) {
            int64_t columnSum = 0;
            for (int64_t r = 0; r < l.rowsPerGroup; ++r)
                columnSum += cq.weights.integerWeight(detail::weightIndex(l, r, o));
            int64_t& c = op->correction[static_cast<size_t>(o)];
            c = -static_cast<int64_t>(cq.input.zeroPoint) * columnSum;
            if (!cq.bias.empty())
                c += cq.bias[static_cast<size_t>(o)];
        }

        CrossbarConfig config = base;
        const bool scaled = network.options.adc != AdcRange::FullScale;
        config.adcMode = scaled ? CrossbarConfig::AdcMode::Scale : CrossbarConfig::AdcMode::Clip;
        config.adcStep = network.profile.io.adcBits > 0 && !scaled ? cq.adcStep : 0.0;
        config.adcPerColumn = scaled && network.options.adcPerColumn && network.profile.io.adcBits > 0;
        int64_t tileIndex = 0;
        for (int64_t g = 0; g < l.group; ++g)
            for (int64_t c0 = 0; c0 < l.colsPerGroup; c0 += base.cols) {
                const int64_t cols = std::min<int64_t>(base.cols, l.colsPerGroup - c0);
                std::vector<int32_t> block(static_cast<size_t>(l.rowsPerGroup * cols));
                for (int64_t r = 0; r < l.rowsPerGroup; ++r)
                    for (int64_t c = 0; c < cols; ++c)
                        block[static_cast<size_t>(r * cols + c)] = cq.weights.integerWeight(detail::weightIndex(l, r, g * l.colsPerGroup + c0 + c));
                std::span<const int64_t> ranges;
                std::vector<int64_t> columnRanges; // this tile's columns of the group's per-column ranges
                if (scaled && static_cast<size_t>(g) < cq.readRanges.size()) {
                    ranges = cq.readRanges[static_cast<size_t>(g)];
                    const int64_t perColumn = static_cast<int64_t>(config.weightSlices()) * config.polarities()
                                              * config.inputCycles() * l.colsPerGroup;
                    if (config.adcPerColumn && static_cast<int64_t>(ranges.size()) == perColumn) {
                        for (int64_t k = 0; k < perColumn / l.colsPerGroup; ++k)
                            columnRanges.insert(columnRanges.end(), ranges.begin() + k * l.colsPerGroup + c0,
                                                ranges.begin() + k * l.colsPerGroup + c0 + cols);
                        ranges = columnRanges;
                    }
                }
                auto tile = CrossbarTile::create(config, block, static_cast<int>(l.rowsPerGroup), static_cast<int>(cols),
                                                 options.kernel, ranges);
                if (!tile)
                    return addContext<Simulator>(tl::unexpected<Error>(tile.error()), "core-op '" + node.name + "'");
                if (options.device) {
                    DeviceModel model = *options.device;
                    model.seed = mixSeed(options.device->seed, static_cast<uint64_t>(cq.node), static_cast<uint64_t>(tileIndex));
                    NNB_TRY(*tile, tile->withDeviceModel(model));
                }
                op->tiles.push_back({g, c0, std::move(*tile)});
                ++tileIndex;
            }
        state->tiles += tileIndex;
        state->coreOps[static_cast<size_t>(cq.node)] = std::move(op);
    }
    for (const AccumulateQuant& aq : network.accumulates)
        state->accumulates[static_cast<size_t>(aq.node)] = std::make_shared<const AccumulateQuant>(aq);

    exec::ExecutorOptions execOptions;
    execOptions.threads = options.threads;
    execOptions.kernels.resize(static_cast<size_t>(graph.numNodes()));
    const std::shared_ptr<State> shared = state;
    for (size_t id = 0; id < execOptions.kernels.size(); ++id) {
        if (const auto& op = state->coreOps[id]) {
            execOptions.kernels[id] = [op, shared](const ir::Node&, const std::vector<const ir::Tensor*>& in,
                                                std::vector<ir::Tensor>& out) -> Expected<void> {
                AdcStats local;
                NNB_RETURN_IF_ERROR(runCoreOp(*op, in, out, local));
                const std::lock_guard lock(shared->statsMutex);
                shared->stats += local;
                return {};
            };
        } else if (const auto& aq = state->accumulates[id]) {
            const Neuron activation = parseNeuron(graph.node(static_cast<ir::NodeId>(id)).attrs.getString("activation", "none"));
            execOptions.kernels[id] = [aq, activation](const ir::Node&, const std::vector<const ir::Tensor*>& in,
                                                       std::vector<ir::Tensor>& out) {
                return runAccumulate(*aq, activation, in, out);
            };
        }
    }
    // A Quantize node right after a simulated core-op or Accumulate with the same quantiser
    // would quantise values that are already s_out·code: quantize(dequantize(c)) == c, so it
    // passes them on unchanged (bit for bit what its own kernel computes, at a copy's cost).
    for (size_t id = 0; id < graph.nodes().size(); ++id) {
        const ir::Node& node = graph.nodes()[id];
        if (node.op != ir::OpKind::Quantize || node.inputs.size() != 1 || node.outputs.size() != 1)
            continue;
        const auto q = quant::signalQuantOf(node);
        const ir::NodeId producer = graph.value(node.inputs[0]).producer;
        if (!q || producer == ir::kNoNode)
            continue;
        const auto& op = state->coreOps[static_cast<size_t>(producer)];
        const auto& aq = state->accumulates[static_cast<size_t>(producer)];
        const bool requantized = (op != nullptr && op->quant.output && sameQuantizer(*op->quant.output, *q))
                                 || (aq != nullptr && sameQuantizer(aq->output, *q));
        if (!requantized)
            continue;
        execOptions.kernels[id] = [](const ir::Node&, const std::vector<const ir::Tensor*>& in,
                                                               std::vector<ir::Tensor>& out) -> Expected<void> {
            const ir::Tensor* x = in.empty() ? nullptr : in[0];
            if (x == nullptr || x->dtype != ir::DataType::Float32 || x->shape != out[0].shape)
                return makeError(Errc::InvalidArgument, "Quantize expects a float input of its output's shape");
            out[0].dtype = ir::DataType::Float32;
            out[0].f = x->f;
            return {};
        };
    }
    Simulator sim;
    sim.m_executor = std::make_shared<const exec::Executor>(network.graph, std::move(execOptions));
    sim.m_state = std::move(state);
    return sim;
}

AdcStats Simulator::adcStats() const
{
    const std::lock_guard lock(m_state->statsMutex);
    return m_state->stats;
}

int64_t Simulator::tiles() const { return m_state->tiles; }

} // namespace nnb::sim
