// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>

namespace nnb::quant {

/// A closed interval [lo, hi] of real signal values, as calibrated by calibrateRange().
struct Range {
    float lo = 0.0f;
    float hi = 0.0f;
};

/// An affine quantiser of a signal (activations, crossbar inputs and outputs), the data
/// re-encoding x' = round(x/scale) + zeroPoint of ASPLOS'18 §data re-encoding:
/// - unsigned: codes [0, 2^bits − 1]; the range is widened to contain 0 and the zero point is
///   chosen so that 0.0 is exactly representable (quantize(0) == zeroPoint);
/// - signed: symmetric codes [−(2^(bits−1) − 1), 2^(bits−1) − 1], zeroPoint 0.
///
/// quantize() rounds to nearest with halves away from zero and saturates to [qmin, qmax].
/// Build one with fromRange(); the default is an 8-bit unsigned quantiser of [0, 255].
struct SignalQuant {
    float scale = 1.0f; ///< real value of one code step (> 0)
    int32_t zeroPoint = 0;
    int bits = 8;
    bool isSigned = false;
    int32_t qmin = 0;
    int32_t qmax = 255;

    /// \returns the code of \p x: clamp(round(x/scale) + zeroPoint, qmin, qmax); NaN gives the
    /// zero point.
    int32_t quantize(float x) const;
    /// \returns the real value of code \p q: scale·(q − zeroPoint).
    float dequantize(int32_t q) const;

    /// \returns the quantiser of \p bits covering \p range. Unsigned: scale = (hi' − lo')/qmax
    /// with lo' = min(lo, 0), hi' = max(hi, 0), zeroPoint = round(−lo'/scale). Signed:
    /// scale = max(|lo|, |hi|)/qmax. An empty range (all zero) gives scale 1.
    /// \p bits must be in [1, 24] (unsigned) or [2, 24] (signed) and \p range finite with
    /// lo <= hi; violations are programmer errors (NNB_ASSERT), clamped in release builds.
    static SignalQuant fromRange(Range range, int bits, bool isSigned);
    /// \returns the quantiser of \p range with codes [0, maxCode] (unsigned) or [−maxCode,
    /// maxCode] (signed), as fromRange() otherwise: a grid that is not a power of two, such as
    /// the spike counts 0..T of a rate-coded signal over T ticks. bits is the width of maxCode
    /// (plus the sign). \p maxCode must be in [1, 2^24 − 1] (unsigned) or [1, 2^23 − 1] (signed).
    static SignalQuant fromRangeCodes(Range range, int32_t maxCode, bool isSigned);

    /// \returns the grid \p copies times finer over the same range: scale/copies, with zero point,
    /// qmin and qmax times copies (bits grown by ceil(log2 copies)). It is what the host decodes
    /// from data re-encoding over \p copies neurons with offset biases (passes: reencode-outputs):
    /// the mean of the copies' dequantised codes equals refined(copies) applied to the value.
    /// \p copies >= 1.
    SignalQuant refined(int copies) const;
};

/// Replaces each of the \p n values at \p data by q.dequantize(q.quantize(value)), in place:
/// the forward pass of quantisation-aware tuning (its straight-through estimator passes the
/// gradient through unchanged).
void fakeQuantize(float* data, size_t n, const SignalQuant& q);

/// \returns the mean squared error of fakeQuantize() on the \p n values at \p data (0 if n is 0),
/// without modifying them.
double quantizationMse(const float* data, size_t n, const SignalQuant& q);

} // namespace nnb::quant
