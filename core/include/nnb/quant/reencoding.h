// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <vector>

#include "nnb/quant/signal_quantizer.h"
#include "nnb/support/expected.h"

namespace nnb::quant {

/// Data re-encoding across several neurons (ASPLOS'18 §data re-encoding): a value that needs
/// more precision than one neuron carries is spread over `expansion` neurons of `neuronBits`
/// each, a wider layer whose extra neurons share the inputs.
///
/// The scheme is a radix expansion of one fine quantiser. \c fine quantises the value with
/// neuronBits·expansion bits; its code, shifted to start at 0 (u = code − fine.qmin), is
/// written in base 2^neuronBits, and neuron k carries digit k (k = 0 the finest):
///
///     u = Σ_k code_k · 2^(neuronBits·k),   code_k ∈ [0, 2^neuronBits − 1]
///     value = Σ_k code_k · step(k) + offset(),  step(k) = fine.scale · 2^(neuronBits·k)
///
/// So two 4-bit neurons (a coarse one with step 16·Δ and a fine one with step Δ) carry an 8-bit
/// value exactly. The consuming core-op reads neuron k with its weights multiplied by step(k)
/// and folds offset() into its bias; the weight range grows by 2^(neuronBits·(expansion−1)),
/// which is the price in weight precision (or in cores, through more slices) of the extra
/// signal precision.
struct Reencoding {
    int expansion = 1;  ///< neurons per value
    int neuronBits = 8; ///< bits each neuron carries
    SignalQuant fine;   ///< the combined quantiser, of neuronBits·expansion bits

    /// \returns the re-encoding of \p range onto \p expansion neurons of \p neuronBits, or
    /// Errc::InvalidArgument unless expansion >= 1, neuronBits >= 1 and the combined
    /// neuronBits·expansion lies in [1, 24] ([2, 24] when \p isSigned).
    [[nodiscard]] static Expected<Reencoding> forRange(Range range, int neuronBits, int expansion,
                                                       bool isSigned = false);

    /// \returns the real value of one unit of neuron \p k's code: fine.scale·2^(neuronBits·k).
    float step(int k) const;
    /// \returns the value all-zero codes stand for: fine.dequantize(fine.qmin) (0 when unsigned).
    float offset() const;
};

/// \returns the bits each of \p expansion neurons carries for the combined quantiser \p fine:
/// ceil(fine.bits / expansion) (the most significant neuron may use fewer).
int neuronBitsFor(const SignalQuant& fine, int expansion);

/// \returns the \p expansion neuron codes of \p x, finest first: the base-2^neuronBitsFor(fine,
/// expansion) digits of fine.quantize(x) − fine.qmin. \p expansion must be >= 1.
std::vector<int32_t> reencode(float x, const SignalQuant& fine, int expansion);

/// \returns the value that \p codes (from reencode() with the same \p fine) stand for:
/// fine.dequantize(fine.quantize(x)) for the x they were made from.
float decodeReencoded(const std::vector<int32_t>& codes, const SignalQuant& fine);

} // namespace nnb::quant
