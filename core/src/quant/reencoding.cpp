// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/quant/reencoding.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "nnb/support/assert.h"

namespace nnb::quant {

Expected<Reencoding> Reencoding::forRange(Range range, int neuronBits, int expansion, bool isSigned)
{
    if (expansion < 1)
        return makeError(Errc::InvalidArgument, "expansion must be >= 1 (got " + std::to_string(expansion) + ")");
    if (neuronBits < 1)
        return makeError(Errc::InvalidArgument, "neuronBits must be >= 1 (got " + std::to_string(neuronBits) + ")");
    const int64_t combined = int64_t{neuronBits} * expansion;
    const int minBits = isSigned ? 2 : 1;
    if (combined < minBits || combined > 24)
        return makeError(Errc::InvalidArgument,
                         "neuronBits x expansion must be in [" + std::to_string(minBits) +
                             ", 24] so that the combined value fits a float exactly (got " +
                             std::to_string(combined) + ")");
    if (!std::isfinite(range.lo) || !std::isfinite(range.hi) || range.lo > range.hi)
        return makeError(Errc::InvalidArgument, "the range must be finite with lo <= hi");
    Reencoding r;
    r.expansion = expansion;
    r.neuronBits = neuronBits;
    r.fine = SignalQuant::fromRange(range, static_cast<int>(combined), isSigned);
    return r;
}

float Reencoding::step(int k) const { return std::ldexp(fine.scale, neuronBits * k); }

float Reencoding::offset() const { return fine.dequantize(fine.qmin); }

int neuronBitsFor(const SignalQuant& fine, int expansion)
{
    NNB_ASSERT(expansion >= 1);
    return expansion >= 1 ? (fine.bits + expansion - 1) / expansion : fine.bits;
}

std::vector<int32_t> reencode(float x, const SignalQuant& fine, int expansion)
{
    const int bits = neuronBitsFor(fine, expansion);
    const int64_t mask = (int64_t{1} << bits) - 1;
    int64_t u = int64_t{fine.quantize(x)} - fine.qmin;
    std::vector<int32_t> codes(static_cast<size_t>(std::max(expansion, 1)));
    for (int32_t& code : codes) {
        code = static_cast<int32_t>(u & mask);
        u >>= bits;
    }
    return codes;
}

float decodeReencoded(const std::vector<int32_t>& codes, const SignalQuant& fine)
{
    const int bits = neuronBitsFor(fine, static_cast<int>(codes.size()));
    int64_t u = 0;
    for (size_t k = codes.size(); k-- > 0;)
        u = (u << bits) + codes[k];
    return fine.dequantize(static_cast<int32_t>(u + fine.qmin));
}

} // namespace nnb::quant
