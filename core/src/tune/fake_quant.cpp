// SPDX-License-Identifier: GPL-3.0-or-later
#include "tune/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nnb::tune::detail {

// The rounding of quantize(): roundClamp(x/scale, qmin − zp, qmax − zp) rounds halves away from
// zero. Here that is trunc(|v| + 0.5) with v's sign, which equals std::round(v) for every
// quotient of two floats: adding 0.5 is exact unless it carries |v| into the next binade, which
// lands on an integer (or stays below 1) and so never changes the truncation, except for the
// double just below 0.5, which no float quotient rounds to (a quotient of floats that is not
// exactly a half-integer stays at least 2^-49 of its value away from one). scale·code is exact
// in double, so its conversion to float equals the float product dequantize() forms.

FakeQuant::FakeQuant(const quant::SignalQuant& q)
    : m_scale(q.scale)
    , m_min(q.qmin - q.zeroPoint)
    , m_max(q.qmax - q.zeroPoint)
    , m_lo(q.dequantize(q.qmin))
    , m_hi(q.dequantize(q.qmax))
{
}

float FakeQuant::operator()(float x) const
{
    if (std::isnan(x))
        return 0.0f; // quantize(NaN) is the zero point
    const double v = std::clamp(static_cast<double>(x) / m_scale, m_min, m_max);
    const auto code = static_cast<int32_t>(std::abs(v) + 0.5);
    return static_cast<float>(m_scale * (v < 0.0 ? -code : code));
}

#if defined(__SSE2__)
namespace {

/// Two values through the quantiser: operator()'s arithmetic.
inline __m128d quantizePair(__m128d x, __m128d scale, __m128d min, __m128d max)
{
    const __m128d sign = _mm_set1_pd(-0.0);
    const __m128d v = _mm_min_pd(_mm_max_pd(_mm_div_pd(x, scale), min), max);
    const __m128d magnitude = _mm_cvtepi32_pd(_mm_cvttpd_epi32(_mm_add_pd(_mm_andnot_pd(sign, v), _mm_set1_pd(0.5))));
    // The sign of v, but not on a zero code, which is +0 as in operator().
    const __m128d code = _mm_or_pd(magnitude, _mm_and_pd(_mm_and_pd(v, sign), _mm_cmpneq_pd(magnitude, _mm_setzero_pd())));
    return _mm_and_pd(_mm_mul_pd(code, scale), _mm_cmpord_pd(x, x)); // NaN gives 0
}

/// neuron(z) for four values.
inline __m128 neuronOf(Neuron neuron, __m128 z)
{
    if (neuron == Neuron::Relu)
        return _mm_max_ps(z, _mm_setzero_ps());
    if (neuron == Neuron::Ramp)
        return _mm_min_ps(_mm_max_ps(z, _mm_setzero_ps()), _mm_set1_ps(1.0f));
    return z;
}

/// All-ones where neuron'(z) is 1, zero where it is 0.
inline __m128 slopeMask(Neuron neuron, __m128 z)
{
    if (neuron == Neuron::Relu)
        return _mm_cmpgt_ps(z, _mm_setzero_ps());
    if (neuron == Neuron::Ramp)
        return _mm_and_ps(_mm_cmpgt_ps(z, _mm_setzero_ps()), _mm_cmplt_ps(z, _mm_set1_ps(1.0f)));
    return _mm_castsi128_ps(_mm_set1_epi32(-1));
}

} // namespace
#endif

void FakeQuant::apply(float* data, Eigen::Index n) const
{
    Eigen::Index i = 0;
#if defined(__SSE2__)
    const __m128d scale = _mm_set1_pd(m_scale);
    const __m128d min = _mm_set1_pd(m_min);
    const __m128d max = _mm_set1_pd(m_max);
    for (; i + 4 <= n; i += 4) {
        const __m128 x = _mm_loadu_ps(data + i);
        const __m128 low = _mm_cvtpd_ps(quantizePair(_mm_cvtps_pd(x), scale, min, max));
        const __m128 high = _mm_cvtpd_ps(quantizePair(_mm_cvtps_pd(_mm_movehl_ps(x, x)), scale, min, max));
        _mm_storeu_ps(data + i, _mm_movelh_ps(low, high));
    }
#endif
    for (; i < n; ++i)
        data[i] = (*this)(data[i]);
}

void FakeQuant::passGradient(Neuron neuron, const float* z, float* dz, Eigen::Index n) const
{
    Eigen::Index i = 0;
#if defined(__SSE2__)
    const __m128 lo = _mm_set1_ps(m_lo);
    const __m128 hi = _mm_set1_ps(m_hi);
    for (; i + 4 <= n; i += 4) {
        const __m128 zi = _mm_loadu_ps(z + i);
        const __m128 a = neuronOf(neuron, zi);
        const __m128 pass = _mm_and_ps(_mm_and_ps(_mm_cmpge_ps(a, lo), _mm_cmple_ps(a, hi)), slopeMask(neuron, zi));
        _mm_storeu_ps(dz + i, _mm_and_ps(_mm_loadu_ps(dz + i), pass));
    }
#endif
    for (; i < n; ++i) {
        const float zi = z[i];
        const float a = neuron == Neuron::Relu ? std::max(zi, 0.0f)
                        : neuron == Neuron::Ramp ? std::clamp(zi, 0.0f, 1.0f)
                                                 : zi;
        const bool slope = neuron == Neuron::Relu ? zi > 0.0f : neuron == Neuron::Ramp ? zi > 0.0f && zi < 1.0f : true;
        if (!(slope && a >= m_lo && a <= m_hi))
            dz[i] = 0.0f;
    }
}

} // namespace nnb::tune::detail
