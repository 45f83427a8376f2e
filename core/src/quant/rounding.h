// SPDX-License-Identifier: GPL-3.0-or-later
// The one rounding rule of nnb::quant: to nearest, halves away from zero (std::round), so that
// quantisation is symmetric around zero (round(−x) == −round(x)).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace nnb::quant::detail {

/// \returns \p v rounded to nearest (halves away from zero) and clamped to [\p lo, \p hi].
/// \p v must not be NaN. Clamping first keeps huge values defined; it gives the same result as
/// clamping after rounding because the bounds are integers.
inline int32_t roundClamp(double v, int32_t lo, int32_t hi)
{
    return static_cast<int32_t>(std::round(std::clamp(v, static_cast<double>(lo), static_cast<double>(hi))));
}

/// \returns 2^bits − 1 for 0 <= bits <= 31.
constexpr int32_t unsignedMax(int bits) { return static_cast<int32_t>((int64_t{1} << bits) - 1); }
/// \returns 2^(bits−1) − 1, the largest code of a symmetric signed range, for 1 <= bits <= 32.
constexpr int32_t symmetricMax(int bits) { return static_cast<int32_t>((int64_t{1} << (bits - 1)) - 1); }

} // namespace nnb::quant::detail
