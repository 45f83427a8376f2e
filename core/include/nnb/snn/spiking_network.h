// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A spiking network: what snn::convert() makes of a compiled core-op graph for a profile whose
// neuron integrates and fires (TianJi's SNN mode, docs/domain.md §2 and §6).
//
// Neurons. Every neuron of the network has a global id. Ids [0, inputNeurons) are the rate
// coders of the network input (one per input element of one sample); id inputNeurons is the
// bias source when hasBiasSource (a neuron that spikes on every tick: the bias input of
// neurons without a leak); then the neurons of layers[0], layers[1], ... in order
// (SpikingLayer::firstNeuron).
//
// One tick of a spiking neuron j (the simplified LIF neuron of TianJi):
//
//     V_j ← V_j + Σ_k w_k·s_{src_k} + L_j        s ∈ {0, 1}: the spikes of this tick
//     if V_j ≥ T_j:  spike, then V_j ← V_j − T_j (ResetMode::Subtract) or V_j ← 0 (Zero)
//
// with integer weights w (profile weight bits, signed), leak L (leak bits, signed) and
// threshold T ≥ 1 (threshold bits). Spikes travel to the next layer within the same tick.
// A readout layer (the one producing the network's output) does not fire: its neurons only
// integrate, and the prediction is the arg-max of V_j / T_j (see SpikingLayer::readout).
//
// Rate model (the TianJi firing-rate model). With x the spike rates of the sources (spikes per
// tick, in [0, 1]), the rate of neuron j converges to
//
//     y_j = clamp((Σ_k w_k·x_{src_k} + L_j) / T_j, 0, 1)
//
// up to one spike in the window (|count/N − y| ≤ 1/N for reset by subtraction and a constant
// input current). A readout neuron's V_j / (N·T_j) converges to the unclamped z_j.
// Relation to tuning: tune::HardwareQuant::rampNeuron trains real W, b through
// rateNeuron(W·x + b) = clamp(W·x + b, 0, 1); that is this model with W = w/T and b = L/T. A
// network tuned that way has activations that already are rates, and convert() with
// NormalizationMethod::None maps it with no rescaling: w = round(W·T), L = round(b·T).

#include <cstdint>
#include <string>
#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/ir/tensor.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"

namespace nnb::snn {

/// How weights and thresholds are normalised by the layer activations (Diehl et al. 2015,
/// Rueckauer et al. 2017): a layer's activation scale λ (the real value a rate of 1 stands for)
/// is its largest activation or a percentile of its non-zero activations on calibration images.
enum class NormalizationMethod {
    Max,        ///< λ = the largest activation (nothing saturates on the calibration images)
    Percentile, ///< λ = a percentile of the non-zero activations (robust to rare outliers)
    None,       ///< λ = 1: the activations already are rates in [0, 1] (a network tuned with rateNeuron)
};
const char* toString(NormalizationMethod method);
/// \returns the method called \p name ("max", "percentile", "none"), or InvalidArgument.
[[nodiscard]] Expected<NormalizationMethod> parseNormalizationMethod(const std::string& name);

/// How the output layer is read.
enum class OutputReadout {
    Potential,  ///< output neurons integrate without firing; prediction = arg-max of V/T
    SpikeCount, ///< output neurons fire; prediction = arg-max of the spike count (ties: the larger V)
};
const char* toString(OutputReadout readout);

/// The rate-model neuron clamp(z, 0, 1): the integrate-and-fire neuron's firing rate in
/// threshold units (tune::HardwareQuant::rampNeuron trains with exactly this function).
inline double rateNeuron(double z) { return z < 0.0 ? 0.0 : z > 1.0 ? 1.0 : z; }

/// One layer of spiking neurons: one core-op of the compiled graph.
///
/// Synapses are stored per neuron (compressed rows): neuron j of the layer reads synapses
/// [rowStart[j], rowStart[j + 1]), synapse k from global neuron source[k] with weight
/// weight[k]. A source that is the bias source or an input coder is listed like any other.
struct SpikingLayer {
    std::string name;  ///< the core-op's node name
    std::string layer; ///< the original layer it realises (the core-op's "layer" attribute)
    std::string role;  ///< the core-op's role: layer, partial, merge, max-tree, ...
    ir::Shape shape;   ///< output shape of one sample (no batch dimension)
    int64_t firstNeuron = 0; ///< global id of neuron 0
    int64_t neurons = 0;
    std::vector<int64_t> rowStart; ///< neurons + 1 entries
    std::vector<int32_t> source;   ///< global presynaptic neuron id per synapse
    std::vector<int32_t> weight;   ///< integer weight per synapse
    std::vector<int32_t> threshold; ///< T_j ≥ 1 per neuron
    std::vector<int32_t> leak;      ///< L_j per neuron, added every tick (0 without a leak)
    /// False for a readout layer: its neurons integrate without firing (OutputReadout::Potential).
    bool spiking = true;
    /// The activation scale λ: a rate of 1 stands for this real activation value, so the
    /// original activation is ≈ λ·rate (for a readout layer, ≈ λ·V/(N·T)).
    double activationScale = 1.0;
    std::vector<int> sourceLayers; ///< layers read, ascending (-1: the input coders, -2: the bias source)

    int64_t synapses() const { return static_cast<int64_t>(source.size()); }
};

/// A converted network: neurons, synapses and the parameters of the simulation.
struct SpikingNetwork {
    ir::Shape inputShape;      ///< of one sample, e.g. [1, 28, 28]
    int64_t inputNeurons = 0;  ///< elements of one input sample, one rate coder each
    double inputScale = 1.0;   ///< λ of the input: rate = clamp(x / inputScale, 0, 1)
    bool hasBiasSource = false;
    std::vector<SpikingLayer> layers; ///< in topological order (sources before readers)
    /// The global ids whose readout makes the network output, in output order (class k).
    std::vector<int32_t> outputNeurons;

    hw::NeuronModel model = hw::NeuronModel::Lif;
    hw::ResetMode reset = hw::ResetMode::Subtract;
    int ticks = 64; ///< the profile's rate-coding window (ticks per inference)
    int weightBits = 8, leakBits = 16, thresholdBits = 16;
    OutputReadout readout = OutputReadout::Potential;
    NormalizationMethod normalization = NormalizationMethod::Percentile;
    double percentile = 99.9;
    Diagnostics diagnostics; ///< clipped weights, leaks and thresholds; saturation warnings

    /// \returns the number of neurons with a global id (input coders and bias source included).
    int64_t totalNeurons() const;
    /// \returns the global id of the bias source (meaningful when hasBiasSource).
    int64_t biasNeuron() const { return inputNeurons; }
    /// \returns the index of the layer holding global neuron \p id, -1 for an input coder, -2
    /// for the bias source.
    int layerOf(int64_t id) const;
    /// \returns the total number of synapses.
    int64_t synapses() const;
};

/// Rates of every layer for a batch under the rate model (see the file comment).
struct RateModelOutput {
    int64_t batch = 0;
    std::vector<float> inputRates;             ///< [batch × inputNeurons]
    std::vector<std::vector<float>> layerRates; ///< per layer [batch × neurons]; a readout layer holds z unclamped
};

/// Runs the rate model of \p net on \p images (float, batch first, each sample shaped as
/// net.inputShape): input rates clamp(x / inputScale, 0, 1), then every layer in order.
/// \returns InvalidArgument when the images' shape does not match.
[[nodiscard]] Expected<RateModelOutput> rateModel(const SpikingNetwork& net, const ir::Tensor& images);

} // namespace nnb::snn
