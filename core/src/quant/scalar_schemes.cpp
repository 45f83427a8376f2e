// SPDX-License-Identifier: GPL-3.0-or-later
// The weight schemes that quantise each weight on its own once a group's statistics are known:
// Uniform, PowerOfTwo, Ternary and Binary.
#include <algorithm>
#include <cmath>

#include "quant/rounding.h"
#include "quant/weight_schemes.h"

namespace nnb::quant::detail {
namespace {

double maxAbsOf(std::span<const float> w, std::span<const size_t> members)
{
    double m = 0.0;
    for (const size_t i : members)
        m = std::max(m, std::abs(static_cast<double>(w[i])));
    return m;
}

double meanAbsOf(std::span<const float> w, std::span<const size_t> members)
{
    if (members.empty())
        return 0.0;
    double sum = 0.0;
    for (const size_t i : members)
        sum += std::abs(static_cast<double>(w[i]));
    return sum / static_cast<double>(members.size());
}

int32_t signOf(float v) { return v < 0.0f ? -1 : 1; }

void resetGroups(const GroupIndex& groups, QuantizedWeights& out, float scale)
{
    out.scale.assign(groups.numGroups(), scale);
    out.zeroPoint.assign(groups.numGroups(), 0);
}

} // namespace

void quantizeUniform(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                     QuantizedWeights& out)
{
    out.bits = options.bits;
    resetGroups(groups, out, 0.0f);
    if (options.symmetric) {
        const int32_t qmax = symmetricMax(options.bits);
        out.minCode = -qmax;
        out.maxCode = qmax;
        for (size_t g = 0; g < groups.numGroups(); ++g) {
            const auto members = groups.members(g);
            const double maxAbs = maxAbsOf(w, members);
            if (maxAbs == 0.0)
                continue; // all-zero group: scale 0, codes 0
            out.scale[g] = static_cast<float>(maxAbs / qmax);
            // w·qmax/maxAbs rather than w/scale: the product is exact in double, so a weight
            // that lies exactly halfway between two levels is seen as a tie and rounds away
            // from zero (a rounded scale would tip it either way).
            for (const size_t i : members)
                out.codes[i] = roundClamp(static_cast<double>(w[i]) * qmax / maxAbs, -qmax, qmax);
        }
        return;
    }

    const int32_t qmax = unsignedMax(options.bits);
    out.minCode = 0;
    out.maxCode = qmax;
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        const auto members = groups.members(g);
        // The range always contains 0 so that a zero weight (pruned, padding) stays exactly zero.
        double lo = 0.0;
        double hi = 0.0;
        for (const size_t i : members) {
            lo = std::min(lo, static_cast<double>(w[i]));
            hi = std::max(hi, static_cast<double>(w[i]));
        }
        const double range = hi - lo;
        if (range == 0.0)
            continue;
        out.scale[g] = static_cast<float>(range / qmax);
        const int32_t zp = roundClamp(-lo * qmax / range, 0, qmax);
        out.zeroPoint[g] = zp;
        for (const size_t i : members)
            out.codes[i] = std::clamp(roundClamp(static_cast<double>(w[i]) * qmax / range, -qmax, qmax) + zp, 0, qmax);
    }
}

void quantizePowerOfTwo(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                        QuantizedWeights& out)
{
    // Code c ≠ 0 stands for sign(c)·2^(|c|−1)·scale. With E = 2^(bits−1) − 1 exponents the
    // largest level 2^(E−1)·scale is anchored at max |w|.
    const int exponents = symmetricMax(options.bits);
    out.bits = options.bits;
    out.minCode = -exponents;
    out.maxCode = exponents;
    resetGroups(groups, out, 0.0f);
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        const auto members = groups.members(g);
        const double maxAbs = maxAbsOf(w, members);
        if (maxAbs == 0.0)
            continue;
        out.scale[g] = static_cast<float>(std::ldexp(maxAbs, -(exponents - 1)));
        for (const size_t i : members) {
            // r is |w| in units of the smallest level, in [0, 2^(E−1)].
            const double r = std::ldexp(std::abs(static_cast<double>(w[i])) / maxAbs, exponents - 1);
            if (r < 0.5) // nearer to 0 than to the smallest level 1 (a tie goes away from zero)
                continue;
            // r = m·2^e with m in [0.5, 1): r lies between the levels 2^(e−1) and 2^e, whose
            // midpoint is 0.75·2^e. Nearest in the linear domain, ties away from zero.
            int e = 0;
            const double m = std::frexp(r, &e);
            const int k = std::clamp(m >= 0.75 ? e : e - 1, 0, exponents - 1);
            out.codes[i] = signOf(w[i]) * (k + 1);
        }
    }
}

void quantizeTernary(std::span<const float> w, const GroupIndex& groups, QuantizedWeights& out)
{
    // Ternary weight networks (Li & Liu 2016): threshold Δ = 0.7·E|w| approximates the
    // error-optimal threshold for Gaussian or uniform weights; α is the mean magnitude kept.
    out.bits = 2;
    out.minCode = -1;
    out.maxCode = 1;
    resetGroups(groups, out, 0.0f);
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        const auto members = groups.members(g);
        const double threshold = 0.7 * meanAbsOf(w, members);
        double keptSum = 0.0;
        size_t kept = 0;
        for (const size_t i : members) {
            const double a = std::abs(static_cast<double>(w[i]));
            if (a > threshold) {
                keptSum += a;
                ++kept;
                out.codes[i] = signOf(w[i]);
            }
        }
        if (kept > 0)
            out.scale[g] = static_cast<float>(keptSum / static_cast<double>(kept));
    }
}

void quantizeBinary(std::span<const float> w, const GroupIndex& groups, QuantizedWeights& out)
{
    // α = E|w| minimises ||w − α·sign(w)||² (XNOR-Net, Rastegari et al. 2016).
    out.bits = 1;
    out.minCode = -1;
    out.maxCode = 1;
    resetGroups(groups, out, 0.0f);
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        const auto members = groups.members(g);
        out.scale[g] = static_cast<float>(meanAbsOf(w, members));
        for (const size_t i : members)
            out.codes[i] = signOf(w[i]);
    }
}

} // namespace nnb::quant::detail
