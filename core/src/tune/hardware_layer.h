// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: the hardware semantics of one trainable layer (tuner.h,
// HardwareQuant) and an executor kernel that runs a layer that way.

#include <cstdint>
#include <memory>
#include <span>

#include "nnb/exec/executor.h"
#include "nnb/quant/signal_quantizer.h"
#include "nnb/tune/tuner.h"
#include "tune/fake_quant.h"
#include "tune/trainable_layer.h"

namespace nnb::tune::detail {

/// Most samples per block in every pass over many samples. Blocks are anchored at sample 0 and
/// the executor splits batches only at multiples of 32 samples, so with blocks dividing 32 a
/// sample's result never depends on how many others run with it (Eigen picks product kernels
/// by operand size).
inline constexpr int64_t kSampleBlock = 32;

/// \returns the samples per block for \p shape: the largest power of two up to kSampleBlock
/// whose rows stay within ~4096, so that a block's im2col columns (a convolution's input
/// expanded kh·kw times) stay in cache between being built and being multiplied.
inline int64_t blockSamples(const LayerShape& shape)
{
    int64_t samples = kSampleBlock;
    while (samples > 1 && samples * shape.rowsPerSample > 4096)
        samples /= 2;
    return samples;
}

/// Applies \p neuron to the \p n values at \p data in place.
inline void applyNeuron(Neuron neuron, float* data, Eigen::Index n)
{
    Eigen::Map<Eigen::ArrayXf> z(data, n);
    if (neuron == Neuron::Relu)
        z = z.max(0.0f);
    else if (neuron == Neuron::Ramp)
        z = z.max(0.0f).min(1.0f);
}

/// \returns the neuron of \p layer on the hardware: none without a fused Relu.
Neuron neuronOf(const TrainableLayer& layer, const HardwareQuant& hw);

/// \returns the quantiser of a signal calibrated on its \p n observed \p values: signed when any
/// finite value is negative; InvalidArgument when \p bits does not fit the signedness.
[[nodiscard]] Expected<quant::SignalQuant> calibrateSignal(const float* values, size_t n, int bits,
                                                           const HardwareQuant& hw);

/// One trainable layer as the hardware runs it: y = Qout(f(Qin(x)·Qw(W) + b)).
struct HardwareLayer {
    LayerShape shape;
    Neuron neuron = Neuron::Identity;
    quant::SignalQuant input;
    quant::SignalQuant output;
    Matrix weight; ///< [M, K], already quantised and dequantised
    Vector bias;
};

/// Computes the hardware output rows of \p samples: the columns of the (already input-quantised)
/// \p xq, z = columnsᵀ·wᵀ + b, then Qout(neuron(z)) into \p y [rows, M]. \p columns is scratch.
void hardwareRows(const LayerShape& shape, Neuron neuron, const FakeQuant& output, const float* xq,
                  std::span<const int64_t> samples, const Matrix& w, const Vector& b, Matrix& columns, Matrix& y);

/// Computes \p layer's output in its node's layout (Gemm/MatMul [n, M], Conv [n, M, outH, outW])
/// for \p n samples of \p xq, already quantised by Qin, into \p y.
void hardwareOutput(const HardwareLayer& layer, const float* xq, int64_t n, float* y);

/// \returns an executor kernel computing \p layer's node (Gemm, MatMul or Conv) in the hardware
/// semantics, fused neuron included (the Relu node after it then changes nothing).
exec::NodeKernel hardwareKernel(std::shared_ptr<const HardwareLayer> layer);

} // namespace nnb::tune::detail
