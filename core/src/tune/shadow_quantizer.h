// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: the quantised weights a layer multiplies with while its float
// shadow weights train (straight-through estimator).

#include <vector>

#include "nnb/quant/weight_quantizer.h"
#include "tune/fake_quant.h"
#include "tune/trainable_layer.h"

namespace nnb::tune::detail {

/// Quantised weights for shadow weights w, fresh for every mini-batch: phase 3 loses most of
/// its gain when the codes lag even one batch behind the shadow weights. refresh() runs the
/// exact quantizeWeights() once per epoch; project() then moves the codes per batch at a cost
/// that fits the scheme:
/// - Uniform re-rounds every weight on the epoch's grid (its scales and zero points), a pass
///   of inline arithmetic: quantizeWeights() itself costs tens of ns per weight, more than the
///   products of a dense layer's batch;
/// - KMeans moves each weight to the nearest value of the epoch's codebook;
/// - PowerOfTwo, Ternary and Binary re-quantise exactly;
/// - ValueSet's per-row type assignment is a global search and stays fixed for the epoch.
class ShadowQuantizer {
public:
    ShadowQuantizer(const LayerShape& shape, const quant::WeightQuantOptions& options)
        : m_shape(shape)
        , m_options(options)
    {
    }

    /// Quantises exactly; call at the start of every epoch.
    [[nodiscard]] Expected<void> refresh(const Matrix& w);
    /// \returns the quantised weights for the next mini-batch (valid until the next call).
    [[nodiscard]] Expected<const Matrix*> project(const Matrix& w);

private:
    const LayerShape& m_shape;
    const quant::WeightQuantOptions& m_options;
    Matrix m_q;
    bool m_perTensor = false;
    std::vector<FakeQuant> m_grid;                 ///< Uniform: per group
    std::vector<std::vector<float>> m_codebook;    ///< KMeans: per group
};

} // namespace nnb::tune::detail
