// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::snn {

/// Index of a node of a NeuronGraph: an input axon or a neuron.
using NeuronId = int32_t;
inline constexpr NeuronId kNoNeuron = -1;

/// What a node of a NeuronGraph is.
enum class NeuronKind : uint8_t {
    Input,        ///< an input axon: a network input element; spikes arrive from the host, never placed
    Neuron,       ///< a neuron of the network (dense, conv or pooling output element)
    Intermediate, ///< a neuron added by fan-in unrolling: it relays a partial sum down a chain
};

/// A group of nodes produced by one layer of the network (or one synthetic layer).
struct NeuronLayer {
    std::string name;                 ///< network node name ("/0/Conv"), "input", or "layer 3"
    ir::ValueId value = ir::kNoValue; ///< the IR value whose elements the nodes are (network builds)
    ir::Shape shape;                  ///< that value's shape without the batch dimension
    NeuronId first = kNoNeuron;       ///< first node of the layer: node first + i is element i
    int32_t count = 0;                ///< nodes in the layer (0 when its ids are not contiguous)
};

/// A neuron-level spiking network in CSR form: for every node the presynaptic nodes that feed
/// it (input axons have none), optionally one weight per synapse, and the spikes it emits per
/// inference, which weight the traffic it causes.
///
/// Invariants (checked by verify()): a neuron's presynaptic ids are distinct and smaller than its
/// own id, so id order is a topological order (the networks are feed-forward); inputs have no
/// presynaptic nodes; either every synapse has a weight (hasWeights()) or none has.
class NeuronGraph {
public:
    /// An empty graph; \p withWeights says whether addNeuron takes one weight per synapse.
    explicit NeuronGraph(bool withWeights = true);

    /// Adds a layer description and \returns its index.
    int32_t addLayer(NeuronLayer layer);
    /// Adds an input axon of \p layer and \returns its id.
    NeuronId addInput(int32_t layer, float spikes = 1.0f);
    /// Adds a neuron of \p layer fed by \p pre (distinct ids of existing nodes) with weights
    /// \p weights (same length, or empty for weight 1 on every synapse; ignored when
    /// !hasWeights()). \returns its id. The invariants are not checked here (hot path): call
    /// verify() after building.
    NeuronId addNeuron(int32_t layer, std::span<const NeuronId> pre, std::span<const float> weights = {},
                       NeuronKind kind = NeuronKind::Neuron, float spikes = 1.0f);
    /// Reserves room for \p nodes nodes and \p synapses synapses.
    void reserve(int64_t nodes, int64_t synapses);

    int32_t numNodes() const { return static_cast<int32_t>(m_kind.size()); }
    int32_t numInputs() const { return m_numInputs; }
    /// \returns the number of placed nodes (neurons and intermediates).
    int32_t numNeurons() const { return numNodes() - m_numInputs; }
    int64_t numSynapses() const { return static_cast<int64_t>(m_pre.size()); }
    bool hasWeights() const { return m_withWeights; }

    NeuronKind kind(NeuronId id) const { return m_kind[static_cast<size_t>(id)]; }
    bool isInput(NeuronId id) const { return kind(id) == NeuronKind::Input; }
    int32_t layerOf(NeuronId id) const { return m_layer[static_cast<size_t>(id)]; }
    /// \returns the presynaptic nodes of \p id, in the order they were added.
    std::span<const NeuronId> presynaptic(NeuronId id) const;
    /// \returns the weights of \p id's synapses (parallel to presynaptic()); empty without weights.
    std::span<const float> weights(NeuronId id) const;
    int32_t fanIn(NeuronId id) const { return static_cast<int32_t>(presynaptic(id).size()); }
    /// \returns the spikes \p id emits per inference (rate × ticks; 1 unless set).
    float spikes(NeuronId id) const { return m_spikes[static_cast<size_t>(id)]; }
    void setSpikes(NeuronId id, float spikes) { m_spikes[static_cast<size_t>(id)] = spikes; }
    const std::vector<float>& spikeCounts() const { return m_spikes; }

    const std::vector<NeuronLayer>& layers() const { return m_layers; }
    /// Sets the spikes per inference of the nodes of \p layer from \p counts (one per element,
    /// e.g. the spiking simulator's counts of the layer's IR value). The layer must have
    /// contiguous ids and counts.size() == its count, else InvalidArgument.
    [[nodiscard]] Expected<void> setLayerSpikeCounts(int32_t layer, std::span<const float> counts);

    /// \returns for every node the number of neurons it feeds (its fan-out).
    std::vector<int32_t> fanOut() const;
    /// \returns "node 123 (/0/Conv element 17)" for messages.
    std::string describe(NeuronId id) const;

    /// Checks the class invariants; \returns an Internal error naming the first offending node.
    [[nodiscard]] Expected<void> verify() const;

private:
    bool m_withWeights = true;
    int32_t m_numInputs = 0;
    std::vector<NeuronKind> m_kind;
    std::vector<int32_t> m_layer;
    std::vector<float> m_spikes;
    std::vector<int64_t> m_offsets{0}; ///< CSR row pointers: node i's synapses are [off[i], off[i+1])
    std::vector<NeuronId> m_pre;
    std::vector<float> m_weights;
    std::vector<NeuronLayer> m_layers;
};

/// How pooling layers of a network become neurons.
enum class PoolingMode {
    /// Each pooling output element is a neuron fed by its window (average pooling: weight
    /// 1/window, the exact spiking equivalent; max pooling: weight 1, the usual rate-coded
    /// approximation). Pooling neurons take crossbar columns like any other. The default,
    /// since spiking chips (TianJi, TrueNorth) run pooling on neurons.
    Neurons,
    /// Pooling is folded into the next weighted layer: a neuron that reads a pooled element is
    /// fed directly by the window's neurons (weight w/window for average, w for max). Fewer
    /// neurons, larger fan-in.
    Fold,
};

/// Options of buildNeuronGraph.
struct NeuronGraphOptions {
    PoolingMode pooling = PoolingMode::Neurons;
    bool withWeights = true;         ///< keep one weight per synapse
    float defaultSpikes = 1.0f;      ///< spikes per inference of every node until measured ones are set
};

/// Expands the ORIGINAL float network \p network (as importModel returns it: shapes inferred,
/// topological order) into neurons. Every element of every network input (batch dimension
/// dropped) is an input axon; every output element of a Gemm, MatMul (with a constant right
/// operand) or Conv is a neuron fed by its receptive field (a conv neuron by its kh×kw×Cin/group
/// window, padding excluded; a dense neuron by all its inputs); pooling follows \p options.
/// Element-wise activations, BatchNormalization (its scale multiplies the weights), Flatten,
/// Reshape, Identity, Dropout and a final Softmax pass elements through unchanged; Add/Sub of
/// two neuron-valued tensors of equal shape merge their sources; Add/Sub/Mul/Div with a
/// constant are biases or scales; GlobalAveragePool is a pooling window over the whole plane.
/// Other ops on spike-carrying values (Transpose, Concat, ...) give UnsupportedOp naming the
/// node; nodes that only compute constants are skipped.
/// Synapses with the same source reaching a neuron through several paths are merged (weights
/// added). Bias terms are not synapses. Layers: index 0 per graph input, then one per
/// neuron-producing node with its output value, so the spiking simulator's counts can be set
/// with setLayerSpikeCounts().
[[nodiscard]] Expected<NeuronGraph> buildNeuronGraph(const ir::Graph& network, const NeuronGraphOptions& options = {});

/// Options of the synthetic layered SNN generator.
struct SyntheticOptions {
    int32_t inputs = 1024;           ///< input axons (layer 0)
    int32_t neurons = 100000;        ///< neurons, split evenly over `layers` layers
    int32_t layers = 10;
    int32_t minFanIn = 100;          ///< fan-in drawn uniformly in [minFanIn, maxFanIn], capped at the previous layer's size
    int32_t maxFanIn = 500;
    /// Share of each neuron's fan-in drawn uniformly from the whole previous layer; the rest is
    /// a contiguous window of the previous layer centred at the neuron's relative position
    /// (receptive-field locality, as in convolutions). 1 gives a fully random network.
    double randomFraction = 0.05;
    /// Consecutive neurons of a layer in groups of this size share one receptive field (fan-in,
    /// window and random sources), as the output channels at one position of a convolution do.
    int32_t groupSize = 1;
    double meanSpikes = 8.0;         ///< spikes per inference, uniform in [0, 2 × meanSpikes]
    bool withWeights = false;        ///< random weights in [-1, 1] (costs 4 bytes per synapse)
    uint64_t seed = 1;
};

/// \returns a random layered feed-forward SNN. Deterministic for a given \p options on every
/// platform (its own generator, not <random>'s distributions). InvalidArgument on non-positive
/// sizes, groupSize < 1 or minFanIn > maxFanIn.
[[nodiscard]] Expected<NeuronGraph> syntheticNeuronGraph(const SyntheticOptions& options);

const char* toString(NeuronKind kind);
const char* toString(PoolingMode mode);

} // namespace nnb::snn
