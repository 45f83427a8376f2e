// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: quant::fakeQuantize() and its straight-through gradient as the
// element-wise kernels of the tuning loops.

#include <Eigen/Core>

#include "nnb/quant/signal_quantizer.h"
#include "tune/trainable_layer.h"

namespace nnb::tune::detail {

/// The fake quantiser of one signal: q.dequantize(q.quantize(x)) with the same results as
/// quant::fakeQuantize(), several times faster. That one rounds with std::round, a library call
/// on baseline x86-64, in a scalar chain of conversions whose clamp GCC turns into unpredictable
/// branches; here the same arithmetic runs two doubles at a time with SSE2 (scalar elsewhere).
class FakeQuant {
public:
    explicit FakeQuant(const quant::SignalQuant& q);

    /// \returns q.dequantize(q.quantize(x)).
    float operator()(float x) const;
    /// Replaces each of the \p n values at \p data by operator()(value).
    void apply(float* data, Eigen::Index n) const;
    /// Multiplies each of the \p n gradients at \p dz by the straight-through estimate of
    /// d Q(neuron(z)) / dz at the matching \p z: neuron'(z) where Q does not clip neuron(z)
    /// (lo <= neuron(z) <= hi), else 0.
    void passGradient(Neuron neuron, const float* z, float* dz, Eigen::Index n) const;

    /// The real interval the quantiser represents without clipping.
    float lo() const { return m_lo; }
    float hi() const { return m_hi; }

private:
    double m_scale; ///< a float, held as double for the division
    double m_min;   ///< qmin − zeroPoint
    double m_max;   ///< qmax − zeroPoint
    float m_lo;
    float m_hi;
};

} // namespace nnb::tune::detail
