// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Spikes per inference of a converted network's neurons, and how they weight the neuron graph
// that partitioning packs (LCTES'20 weights its channels by the spikes measured on
// representative inputs). Two sources: the spiking simulation's counts (`nnbridge compile
// --snn`) and the rate model's rates × ticks (the GUI's quick estimate, the limit the
// simulation converges to).

#include <vector>

#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/spiking_network.h"
#include "nnb/snn/spiking_sim.h"

namespace nnb::snn {

/// Mean spikes per inference of every neuron of a SpikingNetwork.
struct NeuronSpikes {
    std::vector<float> input;               ///< per input neuron
    std::vector<std::vector<float>> layers; ///< per SpikingNetwork layer, per neuron (a readout layer: 0)
};

/// The spiking simulation's counts divided by its images.
NeuronSpikes measuredSpikes(const SpikingRun& run);

/// The rate model's rates × \p net's ticks, averaged over the batch; readout layers (which do
/// not fire) get 0.
NeuronSpikes rateModelSpikes(const SpikingNetwork& net, const RateModelOutput& rates);

/// Weights \p graph (built from the same original network as \p net) by \p spikes: the input
/// layer and every layer that one core-op realises element for element get per-neuron counts;
/// the others (split over several core-ops, pooling windows) the mean count of the core-ops
/// realising them. Layers no core-op realises keep their counts.
void setNeuronSpikes(NeuronGraph& graph, const SpikingNetwork& net, const NeuronSpikes& spikes);

} // namespace nnb::snn
