// SPDX-License-Identifier: GPL-3.0-or-later
// The per-scheme weight quantisers behind quantizeWeights(). Each receives validated options and
// a result whose shape, outputAxis, scheme, granularity and codes (sized, zero) are already set;
// it fills codes, scale, zeroPoint, bits, minCode, maxCode and the scheme's own fields.
// quantizeWeights() computes the error statistics afterwards.
#pragma once

#include <cstdint>
#include <random>
#include <span>

#include "nnb/quant/weight_quantizer.h"
#include "quant/weight_layout.h"

namespace nnb::quant::detail {

void quantizeUniform(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                     QuantizedWeights& out);
void quantizePowerOfTwo(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                        QuantizedWeights& out);
void quantizeTernary(std::span<const float> w, const GroupIndex& groups, QuantizedWeights& out);
void quantizeBinary(std::span<const float> w, const GroupIndex& groups, QuantizedWeights& out);
void quantizeKMeans(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                    QuantizedWeights& out);
void quantizeValueSet(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                      QuantizedWeights& out);

} // namespace nnb::quant::detail
