// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>

#include "nnb/quant/signal_quantizer.h"

namespace nnb::quant {

/// How calibrateRange() turns observed signal values into a quantisation range.
enum class RangeMethod {
    Max,        ///< [min, max] of the values: nothing clips, outliers stretch the step
    Percentile, ///< clip the tails at a percentile: robust to rare outliers
    MseOptimal, ///< the clipping threshold that minimises the quantisation MSE at the given bits
};

/// \returns "max", "percentile" or "mse-optimal".
const char* toString(RangeMethod method);

/// Calibrates the range of a signal from the \p n observed values at \p values (calibration
/// activations). Non-finite values (NaN, ±inf) are ignored; if no finite value remains the result
/// is {0, 0}. Deterministic.
///
/// - Max: {min, max}, exactly.
/// - Percentile: hi is the \p percentile-th percentile of the values and, when some values are
///   negative, lo is the (100 − \p percentile)-th; otherwise lo is the minimum, as non-negative
///   signals (ReLU outputs) have no low tail to clip. Percentiles interpolate linearly between
///   order statistics (numpy's default), found with nth_element on a copy.
/// - MseOptimal: the range c·[min(values, 0), max(values, 0)] for the c in [0.1, 1] that
///   minimises quantizationMse() of SignalQuant::fromRange(range, \p bits, isSigned), where
///   isSigned is whether any value is negative: a grid of 91 points 0.01 apart, then a grid of
///   0.0005 steps within ±0.01 of the best. Above 65,536 values the MSE is evaluated on a fixed, evenly spread
///   subsample of 65,536 of them (a Weyl sequence of indices), so the cost does not grow with n.
///   The returned range always contains 0.
///
/// \p bits (1..24) is used by MseOptimal only; \p percentile must be in (50, 100].
/// Out-of-range arguments are programmer errors (NNB_ASSERT), clamped in release builds.
Range calibrateRange(const float* values, size_t n, RangeMethod method, int bits, double percentile = 99.99);

} // namespace nnb::quant
