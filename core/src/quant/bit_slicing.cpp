// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/quant/bit_slicing.h"

#include <string>

#include "nnb/support/assert.h"
#include "quant/rounding.h"

namespace nnb::quant {
namespace {

tl::unexpected<Error> invalid(const std::string& message) { return makeError(Errc::InvalidArgument, message); }

int ceilDiv(int a, int b) { return (a + b - 1) / b; }

/// Writes the base-2^cellBits digits of \p value (>= 0) into \p out[s][index].
void storeDigits(int64_t value, size_t index, int cellBits, std::vector<std::vector<int32_t>>& out)
{
    const int64_t mask = (int64_t{1} << cellBits) - 1;
    for (auto& slice : out) {
        slice[index] = static_cast<int32_t>(value & mask);
        value >>= cellBits;
    }
}

int64_t loadDigits(const std::vector<std::vector<int32_t>>& in, size_t index, int cellBits)
{
    int64_t value = 0;
    for (size_t s = in.size(); s-- > 0;)
        value = (value << cellBits) + in[s][index];
    return value;
}

} // namespace

int slicesFor(int weightBits, bool isSigned, int cellBits, bool differential)
{
    NNB_ASSERT(weightBits > 0 && cellBits > 0);
    const int magnitudeBits = isSigned && differential ? weightBits - 1 : weightBits;
    return ceilDiv(magnitudeBits, cellBits);
}

Expected<SlicedWeights> sliceWeights(const std::vector<int32_t>& codes, int rows, int cols, int weightBits,
                                     bool isSigned, int cellBits, bool differential)
{
    if (rows < 0 || cols < 0)
        return invalid("rows and cols must not be negative (got " + std::to_string(rows) + " x " +
                       std::to_string(cols) + ")");
    if (static_cast<int64_t>(codes.size()) != int64_t{rows} * cols)
        return invalid("codes hold " + std::to_string(codes.size()) + " values, expected rows x cols = " +
                       std::to_string(int64_t{rows} * cols));
    const int minBits = isSigned ? 2 : 1;
    if (weightBits < minBits || weightBits > 31)
        return invalid("weightBits must be in [" + std::to_string(minBits) + ", 31] for " +
                       (isSigned ? "signed" : "unsigned") + " weights (got " + std::to_string(weightBits) + ")");
    if (cellBits < 1 || cellBits > 16)
        return invalid("cellBits must be in [1, 16] (got " + std::to_string(cellBits) + ")");
    if (differential && !isSigned)
        return invalid("differential encoding needs signed weights");

    const int32_t hi = isSigned ? detail::symmetricMax(weightBits) : detail::unsignedMax(weightBits);
    const int32_t lo = isSigned ? -hi : 0;
    for (size_t i = 0; i < codes.size(); ++i) {
        if (codes[i] < lo || codes[i] > hi)
            return invalid("code " + std::to_string(codes[i]) + " at index " + std::to_string(i) + " is outside [" +
                           std::to_string(lo) + ", " + std::to_string(hi) + "] of " + std::to_string(weightBits) +
                           "-bit " + (isSigned ? "signed" : "unsigned") + " weights");
    }

    SlicedWeights out;
    out.rows = rows;
    out.cols = cols;
    out.cellBits = cellBits;
    out.differential = differential;
    out.slices = slicesFor(weightBits, isSigned, cellBits, differential);
    out.offset = isSigned && !differential ? hi : 0;
    out.positive.assign(static_cast<size_t>(out.slices), std::vector<int32_t>(codes.size(), 0));
    if (differential)
        out.negative.assign(static_cast<size_t>(out.slices), std::vector<int32_t>(codes.size(), 0));

    for (size_t i = 0; i < codes.size(); ++i) {
        const int64_t w = codes[i];
        if (differential) {
            storeDigits(w > 0 ? w : 0, i, cellBits, out.positive);
            storeDigits(w < 0 ? -w : 0, i, cellBits, out.negative);
        } else {
            storeDigits(w + out.offset, i, cellBits, out.positive);
        }
    }
    return out;
}

std::vector<int32_t> unslice(const SlicedWeights& sliced)
{
    const size_t n = static_cast<size_t>(sliced.rows) * static_cast<size_t>(sliced.cols);
    NNB_ASSERT(sliced.positive.size() == static_cast<size_t>(sliced.slices));
    NNB_ASSERT(!sliced.differential || sliced.negative.size() == sliced.positive.size());
    NNB_ASSERT(sliced.positive.empty() || sliced.positive.front().size() == n);
    std::vector<int32_t> codes(n, 0);
    for (size_t i = 0; i < n; ++i) {
        int64_t w = loadDigits(sliced.positive, i, sliced.cellBits) - sliced.offset;
        if (sliced.differential)
            w -= loadDigits(sliced.negative, i, sliced.cellBits);
        codes[i] = static_cast<int32_t>(w);
    }
    return codes;
}

} // namespace nnb::quant
