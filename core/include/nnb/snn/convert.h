// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// ANN→SNN conversion of a compiled core-op graph (issue #7, point 1).
//
// What convert() does, per CoreOp of the compiled graph in topological order:
// 1. Connectivity. The core-op's weights become synapses from the neurons that produce its
//    input: routing (Flatten, Reshape, Identity, Slice, Select, Concat, Transpose) is resolved
//    into neuron ids, a dense core-op gives each output neuron its input block's fan-in, a
//    convolution one synapse per kernel tap inside the input (padding reads nothing).
// 2. Normalisation by the activations (Diehl et al. 2015; Rueckauer et al. 2017). The compiled
//    float network runs on the calibration images; every core-op output gets an activation
//    scale λ (its largest activation, a percentile of its non-zero activations, or 1 with
//    NormalizationMethod::None; always 1 for a "ramp" core-op, whose clamp(z, 0, 1) is already
//    in rate units), the input λ is its largest value. A synapse from a neuron of scale λ_i into
//    a neuron of scale λ_j gets W' = W·λ_i/λ_j, the bias b' = b/λ_j, so the rate y = a/λ of
//    every neuron obeys the rate model y_j = clamp(Σ W'·y_i + b'_j, 0, 1).
// 3. Integers. Each spiking neuron j gets the largest threshold T_j that keeps every
//    round(W'·T_j) within the profile's signed weight bits, T_j within the threshold bits and
//    round(b'_j·T_j) within the leak bits: w = round(W'·T_j), L_j = round(b'_j·T_j). (An
//    integrate-and-fire neuron's rate is invariant to a common positive scale of W, L and T, so
//    this uses the integer ranges fully; ASPLOS'18 phase 2.) Readout neurons share one scale per
//    layer, so their potentials compare.
// 4. Biases. With a leak (NeuronModel::Lif, leakBits > 0) the bias is the leak L_j, added every
//    tick. Without one (If) a bias source that spikes every tick feeds each neuron a synapse of
//    weight round(b'_j·T_j) (within the weight bits).
// 5. Max pooling: the compiler rewrote it into ReLU max-tree core-ops (relu(a − b) + b); they
//    convert like any other core-op (their ±1 weights are normalised like trained ones), so the
//    spiking max is the rate-model max up to the rate quantisation.
// 6. Output. The core-ops producing the network's output (before a host Softmax, which the
//    arg-max does not need) are readout layers. With OutputReadout::Potential (default) they do
//    not fire and the prediction is the arg-max of the accumulated potential V/T (it carries
//    negative logits and needs no output spikes, so it is exact earlier); with SpikeCount they
//    fire like the others and the prediction is the arg-max of the spike count.
//
// Not converted (UnsupportedOp): digital partial-sum accumulation (Accumulate; TianJi merges
// through neurons), host ops other than a final Softmax, output re-encoding (MergeCopies) and
// value-set weights (TrueNorth's axon types).

#include <map>
#include <string>
#include <vector>

#include "nnb/compile.h"
#include "nnb/ir/graph.h"
#include "nnb/ir/tensor.h"
#include "nnb/snn/spiking_network.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"
#include "nnb/tune/tuner.h"

namespace nnb::snn {

/// Options of convert(). Measured on all 10,000 Fashion-MNIST test images on tianji
/// (nnb_bench_snn), within 1 point of float: percentile 99.9 from 32 ticks on the MLP and from
/// 128 on LeNet; max from 64 ticks on the MLP and from 32 on LeNet.
struct ConvertOptions {
    NormalizationMethod normalization = NormalizationMethod::Percentile;
    double percentile = 99.9; ///< NormalizationMethod::Percentile, in (50, 100]
    OutputReadout readout = OutputReadout::Potential;
    /// Ticks per inference stored in the network; 0: the profile's neuron.ticksPerInference.
    int ticks = 0;
    /// Calibration images run through the float network at once (memory bound), >= 1.
    int64_t calibrationChunk = 256;
    int threads = 0; ///< of the float calibration run (0: hardware concurrency)
    /// Activation scales λ fixed by the caller, by the name of the value a core-op produces (its
    /// output in the compiled graph): weight tuning calibrated them (tuningActivationScales), so
    /// the tuned network runs on the grids it was tuned on. Readout and ramp core-ops ignore it.
    std::map<std::string, double> activationScales;
};

/// The activation scales a tuning calibrated: per tuned layer, the upper end of its input
/// quantiser's range, by the name of the value the layer reads (in \p tunedOriginal, whose
/// value names the compiled graph keeps at layer boundaries). For ConvertOptions::activationScales.
std::map<std::string, double> tuningActivationScales(const ir::Graph& tunedOriginal,
                                                     const std::vector<tune::LayerTuneReport>& layers);

/// The conversion options a strategy asks for: the normalisation follows its signal range
/// (quantization.signal_range max → Max, percentile or mse-optimal → Percentile with
/// quantization.percentile).
ConvertOptions convertOptionsFor(const strategy::Strategy& strategy);

/// Converts \p compiled (nnb::compile's core-op graph) for the spiking \p profile, normalising
/// on \p calibration (the graph's single input, batch first: training images).
/// \returns InvalidArgument when the profile does not spike, the calibration does not match the
/// graph's input or an option is out of range; UnsupportedOp for what is not converted (see the
/// file comment), naming the node; Cancelled when \p ctx cancels.
[[nodiscard]] Expected<SpikingNetwork> convert(const ir::Graph& compiled, const hw::Profile& profile,
                                               const ir::Tensor& calibration, const ConvertOptions& options = {},
                                               const RunContext& ctx = {});

/// As above for a compile's result (its compiled graph and profile).
[[nodiscard]] Expected<SpikingNetwork> convert(const CompileResult& compiled, const ir::Tensor& calibration,
                                               const ConvertOptions& options = {}, const RunContext& ctx = {});

} // namespace nnb::snn
