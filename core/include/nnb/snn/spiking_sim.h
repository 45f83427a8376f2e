// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The spiking simulator (issue #7, point 2): time-stepped, batched, multi-threaded, exact in
// integers and deterministic.
//
// Each tick, in order: the input coders emit their spikes, the bias source spikes, then every
// layer (in network order) adds its synapses' weights for this tick's source spikes and its
// leak to V, and its spiking neurons fire and reset (nnb/snn/spiking_network.h). A batch of
// images is simulated as matrices (neurons × images of a slice): the images of one slice share
// every weight load. Slices of SpikingSimOptions::sliceSize images run on worker threads; every
// figure is an integer count or a sum formed per slice and added in slice order, so a run gives
// the same result for any thread count.

#include <cstdint>
#include <vector>

#include "nnb/data/dataset.h"
#include "nnb/ir/tensor.h"
#include "nnb/snn/spiking_network.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::snn {

/// How an input value x (rate r = clamp(x / inputScale, 0, 1)) becomes spikes.
enum class InputCoding {
    /// Deterministic: an integrate-and-fire coder with a 16-bit phase that starts at one half,
    /// so after t ticks it has spiked round(r·t) times (r quantised to 1/65536).
    Regular,
    /// Random: a spike with probability r on every tick, drawn from a counter-based hash of
    /// (seed, image index, tick, input), so it does not depend on the slicing or threads.
    Bernoulli,
};
const char* toString(InputCoding coding);

/// Options of simulate().
struct SpikingSimOptions {
    int ticks = 0; ///< ticks simulated; 0: the network's (the profile's ticks per inference)
    /// Tick counts at which the readout is taken (accuracy against ticks); values above the
    /// ticks simulated are dropped; empty: only the last tick.
    std::vector<int> checkpoints;
    InputCoding coding = InputCoding::Regular;
    uint64_t seed = 1;        ///< InputCoding::Bernoulli
    int threads = 0;          ///< worker threads (0: hardware concurrency)
    int sliceSize = 32;       ///< images per slice (a work item), >= 1
    int64_t images = 0;       ///< images simulated from the start of the input (0: all)
    /// Measure the agreement of the spike rates with the rate model (a rate-model run per image).
    bool rateAgreement = true;
    /// Potential every spiking neuron starts from, as a fraction of its threshold, in [0, 1):
    /// V_j = floor(initialPotential·T_j). 0 is the hardware's reset state; 0.5 makes a neuron's
    /// count round instead of truncate its integrated input (fewer ticks for the same accuracy),
    /// where the chip lets the potentials be preset.
    double initialPotential = 0.0;
};

/// Accuracy of the readout after some ticks.
struct TickAccuracy {
    int ticks = 0;
    int64_t correct = 0;
    int64_t total = 0;
    double accuracyPercent = 0.0;
};

/// What one layer did over the run.
struct LayerActivity {
    std::string name;
    /// Spikes per neuron, summed over the images (index: neuron of the layer). A readout layer
    /// without firing has zeros. Divide by SpikingRun::images for spikes per inference.
    std::vector<int64_t> spikeCounts;
    int64_t totalSpikes = 0;
    /// Mean spike rate (spikes per neuron per tick) over neurons and images.
    double meanRate = 0.0;
    /// Mean over neurons and images of |count/N − y|, y the rate model run from the input rates
    /// (for a readout layer, |V/(N·T) − z|). Errors of earlier layers add up here.
    double rateErrorMeanAbs = 0.0;
    /// As rateErrorMeanAbs, but y computed from this layer's measured input spike rates: the
    /// layer's own deviation from the rate model (0 for a readout layer, which integrates
    /// exactly: V = Σ_t (w·s_t + L)).
    double localRateErrorMeanAbs = 0.0;
};

/// The outcome of simulate().
struct SpikingRun {
    int ticks = 0;
    int64_t images = 0;
    std::vector<TickAccuracy> accuracy; ///< per checkpoint, ascending ticks (empty without labels)
    std::vector<int32_t> predictions;   ///< per image, at the last tick
    std::vector<LayerActivity> layers;  ///< per SpikingNetwork layer
    std::vector<int64_t> inputSpikeCounts; ///< per input coder, summed over the images
    int64_t synapticEvents = 0; ///< spikes × fan-out delivered (a proxy of the chip's work)
    double seconds = 0.0;
};

/// Simulates \p net on \p images (float, batch first, samples shaped as net.inputShape) for
/// options.ticks ticks; with \p labels (one per image, may be null) reports the accuracy at each
/// checkpoint. \returns InvalidArgument for mismatched images or labels, options out of range,
/// or when a potential could overflow 32 bits within the ticks; Cancelled when \p ctx cancels
/// (polled every tick). Progress is reported per finished slice.
[[nodiscard]] Expected<SpikingRun> simulate(const SpikingNetwork& net, const ir::Tensor& images,
                                            const std::vector<uint8_t>* labels, const SpikingSimOptions& options = {},
                                            const RunContext& ctx = {});

/// As above on a labelled data set (pixels / 255, the shipped networks' preprocessing).
[[nodiscard]] Expected<SpikingRun> simulate(const SpikingNetwork& net, const data::Dataset& data,
                                            const SpikingSimOptions& options = {}, const RunContext& ctx = {});

} // namespace nnb::snn
