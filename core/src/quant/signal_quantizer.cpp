// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/quant/signal_quantizer.h"

#include <algorithm>
#include <cmath>

#include "nnb/support/assert.h"
#include "quant/rounding.h"

namespace nnb::quant {

int32_t SignalQuant::quantize(float x) const
{
    if (std::isnan(x))
        return zeroPoint;
    // Clamp in the real domain first so that huge inputs stay defined, then round the offset
    // from the zero point (rounding x/scale, not x/scale + zeroPoint, keeps halves symmetric
    // around zero).
    return detail::roundClamp(static_cast<double>(x) / scale, qmin - zeroPoint, qmax - zeroPoint) + zeroPoint;
}

float SignalQuant::dequantize(int32_t q) const { return scale * static_cast<float>(q - zeroPoint); }

SignalQuant SignalQuant::refined(int copies) const
{
    NNB_ASSERT(copies >= 1);
    copies = std::max(copies, 1);
    SignalQuant q = *this;
    q.scale = scale / static_cast<float>(copies);
    q.zeroPoint = zeroPoint * copies;
    q.qmin = qmin * copies;
    q.qmax = qmax * copies;
    while ((1 << (q.bits - bits)) < copies)
        ++q.bits;
    return q;
}

SignalQuant SignalQuant::fromRange(Range range, int bits, bool isSigned)
{
    const int minBits = isSigned ? 2 : 1;
    NNB_ASSERT(bits >= minBits && bits <= 24);
    bits = std::clamp(bits, minBits, 24);
    return fromRangeCodes(range, isSigned ? detail::symmetricMax(bits) : detail::unsignedMax(bits), isSigned);
}

SignalQuant SignalQuant::fromRangeCodes(Range range, int32_t maxCode, bool isSigned)
{
    const int32_t largest = isSigned ? detail::symmetricMax(24) : detail::unsignedMax(24);
    NNB_ASSERT(maxCode >= 1 && maxCode <= largest);
    NNB_ASSERT(std::isfinite(range.lo) && std::isfinite(range.hi) && range.lo <= range.hi);
    maxCode = std::clamp(maxCode, 1, largest);
    const double lo = std::isfinite(range.lo) ? range.lo : 0.0;
    const double hi = std::isfinite(range.hi) ? range.hi : 0.0;

    SignalQuant q;
    q.bits = 1;
    while (detail::unsignedMax(q.bits) < maxCode)
        ++q.bits;
    q.bits += isSigned ? 1 : 0;
    q.isSigned = isSigned;
    if (isSigned) {
        q.qmax = maxCode;
        q.qmin = -q.qmax;
        const double maxAbs = std::max(std::abs(lo), std::abs(hi));
        q.scale = maxAbs > 0.0 ? static_cast<float>(maxAbs / q.qmax) : 1.0f;
        q.zeroPoint = 0;
        return q;
    }
    q.qmin = 0;
    q.qmax = maxCode;
    const double lo0 = std::min(std::min(lo, hi), 0.0);
    const double hi0 = std::max(std::max(lo, hi), 0.0);
    if (hi0 == lo0) {
        q.scale = 1.0f;
        q.zeroPoint = 0;
        return q;
    }
    q.scale = static_cast<float>((hi0 - lo0) / q.qmax);
    q.zeroPoint = detail::roundClamp(-lo0 * q.qmax / (hi0 - lo0), 0, q.qmax);
    return q;
}

void fakeQuantize(float* data, size_t n, const SignalQuant& q)
{
    for (size_t i = 0; i < n; ++i)
        data[i] = q.dequantize(q.quantize(data[i]));
}

double quantizationMse(const float* data, size_t n, const SignalQuant& q)
{
    if (n == 0)
        return 0.0;
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double e = static_cast<double>(q.dequantize(q.quantize(data[i]))) - static_cast<double>(data[i]);
        sum += e * e;
    }
    return sum / static_cast<double>(n);
}

} // namespace nnb::quant
