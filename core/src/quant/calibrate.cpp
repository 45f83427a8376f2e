// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/quant/calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <numeric>
#include <vector>

#include "nnb/support/assert.h"

namespace nnb::quant {

const char* toString(RangeMethod method)
{
    switch (method) {
    case RangeMethod::Max:
        return "max";
    case RangeMethod::Percentile:
        return "percentile";
    case RangeMethod::MseOptimal:
        return "mse-optimal";
    }
    return "unknown";
}

namespace {

/// \returns the \p p-th percentile (0..100) of \p v, linearly interpolated between order
/// statistics. Reorders \p v. \p v must not be empty.
double percentileOf(std::vector<float>& v, double p)
{
    const double pos = p / 100.0 * static_cast<double>(v.size() - 1);
    const auto k = static_cast<size_t>(std::floor(pos));
    const double frac = pos - static_cast<double>(k);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    const double a = v[k];
    if (frac == 0.0 || k + 1 >= v.size())
        return a;
    // After nth_element everything behind k is >= v[k]; the next order statistic is its minimum.
    const double b = *std::min_element(v.begin() + static_cast<std::ptrdiff_t>(k) + 1, v.end());
    return a + frac * (b - a);
}

/// \returns at most \p limit of the values, spread evenly over the whole array: indices
/// i·step mod n with step coprime to n (a Weyl sequence), which visits distinct indices and does
/// not alias with the channel or row strides of an activation tensor the way a plain stride can.
std::vector<float> evenSubsample(const std::vector<float>& v, size_t limit)
{
    const size_t n = v.size();
    if (n <= limit)
        return v;
    auto step = static_cast<size_t>(static_cast<double>(n) * 0.6180339887498949) | 1u;
    while (std::gcd(step, n) != 1)
        step += 2;
    std::vector<float> sample(limit);
    size_t index = 0;
    for (float& s : sample) {
        s = v[index];
        index = (index + step) % n;
    }
    return sample;
}

Range mseOptimalRange(const std::vector<float>& v, float minValue, float maxValue, int bits)
{
    const double lo = std::min(static_cast<double>(minValue), 0.0);
    const double hi = std::max(static_cast<double>(maxValue), 0.0);
    if (lo == hi)
        return Range{0.0f, 0.0f};
    const bool isSigned = lo < 0.0;
    const std::vector<float> sample = evenSubsample(v, 65536);
    const auto rangeAt = [&](double c) { return Range{static_cast<float>(c * lo), static_cast<float>(c * hi)}; };
    const auto mseAt = [&](double c) {
        return quantizationMse(sample.data(), sample.size(), SignalQuant::fromRange(rangeAt(c), bits, isSigned));
    };
    // The MSE is not unimodal in the threshold (rounding makes it ripple), so search a grid
    // rather than bisect: coarse over [0.1, 1], then fine around the coarse optimum. Strict
    // comparisons keep the smallest threshold among equals.
    double bestC = 1.0;
    double bestMse = mseAt(1.0);
    const auto tryC = [&](double c) {
        const double mse = mseAt(c);
        if (mse < bestMse) {
            bestMse = mse;
            bestC = c;
        }
    };
    for (int i = 0; i < 90; ++i)
        tryC(0.1 + 0.01 * i);
    const double centre = bestC;
    for (int i = -20; i <= 20; ++i) {
        const double c = centre + 0.0005 * i;
        if (i != 0 && c >= 0.1 && c <= 1.0)
            tryC(c);
    }
    return rangeAt(bestC);
}

} // namespace

Range calibrateRange(const float* values, size_t n, RangeMethod method, int bits, double percentile)
{
    NNB_ASSERT(bits >= 1 && bits <= 24);
    NNB_ASSERT(percentile > 50.0 && percentile <= 100.0);
    bits = std::clamp(bits, 1, 24);
    percentile = std::clamp(percentile, 50.0, 100.0);

    std::vector<float> v;
    v.reserve(n);
    std::copy_if(values, values + n, std::back_inserter(v), [](float x) { return std::isfinite(x); });
    if (v.empty())
        return Range{0.0f, 0.0f};
    const auto [minIt, maxIt] = std::minmax_element(v.begin(), v.end());
    const float minValue = *minIt;
    const float maxValue = *maxIt;

    switch (method) {
    case RangeMethod::Max:
        break;
    case RangeMethod::Percentile: {
        const auto hi = static_cast<float>(percentileOf(v, percentile));
        const auto lo = minValue < 0.0f ? static_cast<float>(percentileOf(v, 100.0 - percentile)) : minValue;
        return Range{lo, hi};
    }
    case RangeMethod::MseOptimal:
        // A signed quantiser needs at least 2 bits.
        return mseOptimalRange(v, minValue, maxValue, minValue < 0.0f ? std::max(bits, 2) : bits);
    }
    return Range{minValue, maxValue};
}

} // namespace nnb::quant
