// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/ir/tensor.h"
#include "nnb/quant/calibrate.h"
#include "nnb/quant/signal_quantizer.h"
#include "nnb/quant/weight_quantizer.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::tune {

/// What the hardware imposes on every trainable layer; the caller fills it from the profile and
/// the strategy.
///
/// A trainable layer is a Gemm (transA 0, constant B, bias C absent or broadcast per column), a
/// MatMul with a constant 2-D weight, or a 2-D Conv with constant weights (and bias, if any),
/// each with a matrix (Gemm, MatMul) or NCHW (Conv) input; a Relu that is the only reader of
/// its result is fused as the hardware neuron. These are the layers reform-linear turns into
/// core-ops. Every other node runs in float.
///
/// On the hardware such a layer computes
///
///     y = Qout( f( Qin(x)·Qw(W) + b ) )
///
/// - Qin: SignalQuant::fromRange(calibrateRange(x, range, inputBits, percentile), inputBits,
///   signed), calibrated on the layer's input in the transformed network (its predecessors
///   already on the hardware), signed when any calibration value is negative;
/// - Qw: quantizeWeights(W, outputAxis, weights) dequantised, with W laid out as the hardware
///   stores it: [in, out] (outputAxis 1) for Gemm/MatMul, [M, C/group, kh, kw] (outputAxis 0)
///   for Conv; a Gemm's alpha is folded into W and its beta into b; the bias stays float;
/// - f: relu, or clamp(z, 0, 1) when rampNeuron, for a layer with a fused Relu; the identity
///   otherwise;
/// - Qout: as Qin with outputBits, calibrated on the original float network's activations at
///   the layer's output (after the fused Relu), signed when any is negative.
struct HardwareQuant {
    quant::WeightQuantOptions weights;
    int inputBits = 8;  ///< input codes of every crossbar (the network input too), 1..24 (2..24 if signed)
    int outputBits = 8; ///< neuron output codes, 1..24 (2..24 if signed)
    quant::RangeMethod range = quant::RangeMethod::Percentile;
    double percentile = 99.99; ///< for RangeMethod::Percentile, in (50, 100]
    /// The neuron is clamp(z, 0, 1) (the integrate-and-fire rate model in rate units) instead of
    /// relu: for networks already rate-normalised. Targets above 1 cannot be reached then.
    /// (hardwareQuantFor keeps relu for spiking profiles: with rateCodeMax the saturating output
    /// quantiser is the same clamp in each layer's own units.)
    bool rampNeuron = false;
    /// Spiking profiles: signals are spike counts 0..rateCodeMax over that many ticks (the rate
    /// model's grid of step 1/T), and inputBits/outputBits only bound the calibration; 0: codes
    /// of inputBits/outputBits.
    int rateCodeMax = 0;
    /// Data re-encoding of the network's outputs over this many neurons (strategy
    /// quantization.output_expansion): the layer producing the logits (the first graph output,
    /// or the input of a final Softmax) has Qout.refined(outputExpansion) instead of Qout.
    int outputExpansion = 1;
};

/// Budget and switches of tuneNetwork().
struct TuneOptions {
    int epochs = 4;               ///< passes over the calibration images per phase and layer, >= 0
    int batchSize = 64;           ///< samples (images) per Adam step, >= 1
    double learningRate = 1e-3;   ///< Adam step size, > 0
    uint64_t seed = 1;            ///< seeds the mini-batch shuffling
    bool phase1 = true;           ///< free tuning: float weights, hardware neuron and I/O quantisation
    bool phase2 = true;           ///< value-range tuning: per-neuron rescaling
    bool phase3 = true;           ///< rounding tuning: quantised weights, float shadow weights
    /// After the layer-wise phases, train all trainable layers jointly on the labels (softmax
    /// cross-entropy of the quantised network; needs labels, see tuneNetwork()).
    bool endToEnd = false;
    int endToEndEpochs = 1;       ///< passes over the calibration images of the end-to-end pass, >= 0
    /// End-to-end pass: anneal the step size from learningRate to 0 along half a cosine over
    /// all its steps (step t of T: learningRate·(1 + cos(π·t/T))/2); false keeps it constant.
    bool endToEndCosine = true;
};

/// What the layer-wise phases did to one trainable layer. Every MSE is measured on the
/// calibration images in the hardware semantics of HardwareQuant (quantised weights and signals)
/// against the original network's float activations at the layer's output, mean over all output
/// elements. A phase 1 or 2 that is switched off repeats the previous figure.
struct LayerTuneReport {
    std::string layer;            ///< the original node's name
    double mseBefore = 0.0;       ///< with the original weights
    double mseAfterPhase1 = 0.0;
    double mseAfterPhase2 = 0.0;
    double mseAfterPhase3 = 0.0;  ///< of the weights the layer-wise phases keep: the best of all phases
    int steps = 0;                ///< Adam steps taken on this layer
    quant::SignalQuant inputQuant;  ///< Qin as calibrated during tuning
    quant::SignalQuant outputQuant; ///< Qout as calibrated during tuning
};

/// What the end-to-end pass did, measured on the calibration images with every layer in the
/// hardware semantics (the quantisers calibrated by the layer-wise phases).
struct EndToEndReport {
    double crossEntropyBefore = 0.0; ///< mean softmax cross-entropy after the layer-wise phases
    double crossEntropyAfter = 0.0;  ///< of the stored weights
    double accuracyBefore = 0.0;     ///< fraction of images whose top-1 class is their label
    double accuracyAfter = 0.0;
    int steps = 0;                   ///< Adam steps
};

/// The outcome of tuneNetwork().
struct TuneResult {
    /// A copy of the original with the same nodes, values and names in which only the weight
    /// and bias constants of trainable layers hold tuned float values. (A scalar Gemm bias C is
    /// widened to one value per output.)
    std::shared_ptr<const ir::Graph> tuned;
    std::vector<LayerTuneReport> layers; ///< one per trainable layer, in topological order
    std::optional<EndToEndReport> endToEnd; ///< set when TuneOptions::endToEnd ran
    double milliseconds = 0.0;           ///< wall-clock time of the whole tuning
};

/// Multi-phase weight tuning of ASPLOS'18 (Ji et al., §weight tuning): fine-tunes every
/// trainable layer of \p original, in topological order, so that the layer in the hardware
/// semantics of \p hw (see HardwareQuant) reproduces the original network's float activations
/// at its output, taking as input the output of its already tuned and quantised predecessors.
///
/// Per layer, on the calibration \p images (a float tensor whose dimension 0 is the batch,
/// shaped as the graph's single input), minimising the MSE against those activations:
/// 1. free tuning: Adam on float W and b with the hardware neuron and I/O quantisation in the
///    forward pass (straight-through estimator for the rounding);
/// 2. value-range tuning: one scale per output neuron, applied to its weights and bias, chosen
///    by a search that minimises the quantised output's error;
/// 3. rounding tuning: Adam on float shadow weights through quantised weights (straight-through
///    estimator). The weights are quantised exactly at every epoch; in between, the codes follow
///    the shadow weights per mini-batch: re-rounded on the epoch's grid (Uniform), moved to the
///    nearest codebook value (KMeans), re-quantised (PowerOfTwo, Ternary, Binary), or kept
///    (ValueSet, whose per-row types are a global search).
/// Each phase's result and each epoch of phase 3 is measured in the hardware semantics on all
/// calibration images and the best weights are kept (phase 3 starts from them), so the stored
/// weights are never worse than the original ones. The stored values are the float (shadow)
/// weights, which quantise to the tuned codes under the same rules.
///
/// With options.endToEnd, a final pass trains all trainable layers jointly: Adam on the shadow
/// weights, minimising the softmax cross-entropy on \p labels of the network's logits (its first
/// output, or the input of the Softmax producing it) with every quantiser of the layer-wise
/// phases in the forward pass (straight-through estimators), keeping the best epoch by
/// cross-entropy on all calibration images. It trains through Relu, MaxPool, AveragePool,
/// GlobalAveragePool, Add, Flatten, Reshape, Identity and Dropout between the layers. The
/// layer-wise MSE figures in the result do not include it.
///
/// \p labels holds one class per image; it may be null unless options.endToEnd is set.
///
/// Deterministic for a given options.seed: the work that runs on two threads is always split in
/// the same two halves, whatever the number of cores. (Eigen sizes its product blocks by the
/// CPU's caches, so another machine may round differently.) Progress is reported at most every
/// ~50 ms; cancellation is polled per mini-batch.
///
/// \returns the tuned network and a report per layer; InvalidArgument for unusable \p images,
/// \p labels or options; UnsupportedOp when a BatchNormalization follows a trainable layer (run
/// fold-batchnorm first), when a trainable layer's weight or bias constant is shared with another
/// node, or when the end-to-end pass meets an op it cannot train through; Cancelled when \p ctx
/// cancels.
[[nodiscard]] Expected<TuneResult> tuneNetwork(const ir::Graph& original, const HardwareQuant& hw,
                                               const ir::Tensor& images, const std::vector<uint8_t>* labels,
                                               const TuneOptions& options, const RunContext& ctx = {});

/// Runs \p net on \p images with every trainable layer in the hardware semantics of \p hw (see
/// HardwareQuant) and everything else in float: what a network quantised by those rules
/// computes, for measuring a tuning's effect. The quantisers are calibrated on
/// \p calibrationImages layer by layer, as tuneNetwork() does, the output quantisers on \p net's
/// own float activations (for a tuned network these differ slightly from the original's that
/// tuning used; LayerTuneReport holds those).
///
/// \returns the graph's first output for \p images; InvalidArgument for unusable images or
/// options, Cancelled when \p ctx cancels.
[[nodiscard]] Expected<ir::Tensor> runFakeQuantized(const ir::Graph& net, const HardwareQuant& hw,
                                                    const ir::Tensor& calibrationImages, const ir::Tensor& images,
                                                    const RunContext& ctx = {});

} // namespace nnb::tune
