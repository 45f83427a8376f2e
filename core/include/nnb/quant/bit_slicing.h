// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <vector>

#include "nnb/support/expected.h"

namespace nnb::quant {

/// An integer weight matrix spread over crossbar arrays of multi-level cells (bit slicing,
/// domain.md §6): w = Σ_s 2^(cellBits·s)·w_s, every slice w_s in [0, 2^cellBits − 1] on its
/// own array. Signed weights use one of two encodings:
/// - differential (PRIME): w⁺ = max(w, 0) and w⁻ = max(−w, 0) are sliced separately (their
///   magnitudes have bits − 1 bits) into \c positive and \c negative; the columns are subtracted
///   after conversion, so w = Σ_s 2^(cellBits·s)·(positive[s] − negative[s]);
/// - offset (ISAAC): the stored value is w + offset, offset = 2^(bits−1) − 1, so it lies in
///   [0, 2^bits − 2] and takes all bits; the periphery subtracts offset·Σx digitally.
/// Unsigned weights are sliced as they are (offset 0).
struct SlicedWeights {
    int rows = 0;
    int cols = 0;
    int cellBits = 1;
    int slices = 0; ///< arrays per sign: ceil(magnitude bits / cellBits)
    bool differential = false;
    std::vector<std::vector<int32_t>> positive; ///< [slice][r·cols + c], slice 0 least significant
    std::vector<std::vector<int32_t>> negative; ///< same layout; empty unless differential
    int32_t offset = 0; ///< added before slicing (non-differential signed weights), else 0

    /// \returns the crossbar arrays this matrix occupies per crossbar-sized block:
    /// slices, doubled when differential.
    int arrays() const { return differential ? 2 * slices : slices; }
};

/// \returns the number of slices (arrays per sign) a weight of \p weightBits needs on cells of
/// \p cellBits: ceil((weightBits − 1)/cellBits) for signed differential weights, otherwise
/// ceil(weightBits/cellBits). Arguments must be positive.
int slicesFor(int weightBits, bool isSigned, int cellBits, bool differential);

/// Slices the row-major integer matrix \p codes of \p rows × \p cols. Signed codes must lie in
/// [−(2^(weightBits−1) − 1), 2^(weightBits−1) − 1] (the symmetric range of nnb::quant's
/// quantisers), unsigned codes in [0, 2^weightBits − 1].
///
/// \returns the slices, or Errc::InvalidArgument when a size or bit width is out of range
/// (weightBits 1..31, 2..31 when signed; cellBits 1..16), \p differential is asked for unsigned
/// weights, or a code lies outside its range (the message names its index).
[[nodiscard]] Expected<SlicedWeights> sliceWeights(const std::vector<int32_t>& codes, int rows, int cols,
                                                   int weightBits, bool isSigned, int cellBits, bool differential);

/// \returns the codes \p sliced was made from: the exact inverse of sliceWeights().
std::vector<int32_t> unslice(const SlicedWeights& sliced);

} // namespace nnb::quant
