// SPDX-License-Identifier: GPL-3.0-or-later
// NeuronGraph: the CSR container, its invariants and small queries.
#include "nnb/snn/neuron_graph.h"

#include <algorithm>

namespace nnb::snn {

NeuronGraph::NeuronGraph(bool withWeights) : m_withWeights(withWeights) {}

int32_t NeuronGraph::addLayer(NeuronLayer layer)
{
    m_layers.push_back(std::move(layer));
    return static_cast<int32_t>(m_layers.size()) - 1;
}

NeuronId NeuronGraph::addInput(int32_t layer, float spikes)
{
    m_kind.push_back(NeuronKind::Input);
    m_layer.push_back(layer);
    m_spikes.push_back(spikes);
    m_offsets.push_back(static_cast<int64_t>(m_pre.size()));
    ++m_numInputs;
    return numNodes() - 1;
}

NeuronId NeuronGraph::addNeuron(int32_t layer, std::span<const NeuronId> pre, std::span<const float> weights,
                                NeuronKind kind, float spikes)
{
    m_kind.push_back(kind);
    m_layer.push_back(layer);
    m_spikes.push_back(spikes);
    m_pre.insert(m_pre.end(), pre.begin(), pre.end());
    if (m_withWeights) {
        // A missing weight list stands for weight 1 on every synapse.
        if (weights.size() == pre.size())
            m_weights.insert(m_weights.end(), weights.begin(), weights.end());
        else
            m_weights.insert(m_weights.end(), pre.size(), 1.0f);
    }
    m_offsets.push_back(static_cast<int64_t>(m_pre.size()));
    return numNodes() - 1;
}

void NeuronGraph::reserve(int64_t nodes, int64_t synapses)
{
    const auto n = static_cast<size_t>(nodes);
    m_kind.reserve(n);
    m_layer.reserve(n);
    m_spikes.reserve(n);
    m_offsets.reserve(n + 1);
    m_pre.reserve(static_cast<size_t>(synapses));
    if (m_withWeights)
        m_weights.reserve(static_cast<size_t>(synapses));
}

std::span<const NeuronId> NeuronGraph::presynaptic(NeuronId id) const
{
    const auto b = static_cast<size_t>(m_offsets[static_cast<size_t>(id)]);
    const auto e = static_cast<size_t>(m_offsets[static_cast<size_t>(id) + 1]);
    return {m_pre.data() + b, e - b};
}

std::span<const float> NeuronGraph::weights(NeuronId id) const
{
    if (!m_withWeights)
        return {};
    const auto b = static_cast<size_t>(m_offsets[static_cast<size_t>(id)]);
    const auto e = static_cast<size_t>(m_offsets[static_cast<size_t>(id) + 1]);
    return {m_weights.data() + b, e - b};
}

Expected<void> NeuronGraph::setLayerSpikeCounts(int32_t layer, std::span<const float> counts)
{
    if (layer < 0 || layer >= static_cast<int32_t>(m_layers.size()))
        return makeError(Errc::InvalidArgument, "no layer " + std::to_string(layer) + " in the neuron graph");
    const NeuronLayer& l = m_layers[static_cast<size_t>(layer)];
    if (l.first == kNoNeuron || l.count <= 0)
        return makeError(Errc::InvalidArgument, "layer " + l.name + " has no contiguous node range");
    if (counts.size() != static_cast<size_t>(l.count))
        return makeError(Errc::InvalidArgument, "layer " + l.name + " has " + std::to_string(l.count) +
                                                    " nodes but " + std::to_string(counts.size()) +
                                                    " spike counts were given");
    std::copy(counts.begin(), counts.end(), m_spikes.begin() + l.first);
    return {};
}

std::vector<int32_t> NeuronGraph::fanOut() const
{
    std::vector<int32_t> out(static_cast<size_t>(numNodes()), 0);
    for (const NeuronId s : m_pre)
        ++out[static_cast<size_t>(s)];
    return out;
}

std::string NeuronGraph::describe(NeuronId id) const
{
    std::string s = "node " + std::to_string(id);
    if (id < 0 || id >= numNodes())
        return s + " (out of range)";
    const int32_t layer = layerOf(id);
    if (layer >= 0 && layer < static_cast<int32_t>(m_layers.size())) {
        const NeuronLayer& l = m_layers[static_cast<size_t>(layer)];
        s += " (" + l.name;
        if (kind(id) == NeuronKind::Intermediate)
            s += ", intermediate";
        else if (l.first != kNoNeuron && id >= l.first && id < l.first + l.count)
            s += " element " + std::to_string(id - l.first);
        s += ")";
    }
    return s;
}

Expected<void> NeuronGraph::verify() const
{
    if (m_offsets.size() != m_kind.size() + 1 || m_layer.size() != m_kind.size() || m_spikes.size() != m_kind.size())
        return makeError(Errc::Internal, "neuron graph arrays disagree in size");
    if (m_withWeights && m_weights.size() != m_pre.size())
        return makeError(Errc::Internal, "neuron graph has a weight count different from its synapse count");
    std::vector<NeuronId> sorted;
    for (NeuronId id = 0; id < numNodes(); ++id) {
        const auto pre = presynaptic(id);
        if (isInput(id) && !pre.empty())
            return makeError(Errc::Internal, describe(id) + " is an input axon but has presynaptic nodes");
        for (const NeuronId s : pre)
            if (s < 0 || s >= id)
                return makeError(Errc::Internal, describe(id) + " has presynaptic node " + std::to_string(s) +
                                                     " that is not an earlier node");
        sorted.assign(pre.begin(), pre.end());
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            return makeError(Errc::Internal, describe(id) + " lists a presynaptic node twice");
    }
    return {};
}

const char* toString(NeuronKind kind)
{
    switch (kind) {
    case NeuronKind::Input: return "input";
    case NeuronKind::Neuron: return "neuron";
    case NeuronKind::Intermediate: return "intermediate";
    }
    return "?";
}

const char* toString(PoolingMode mode)
{
    switch (mode) {
    case PoolingMode::Neurons: return "neurons";
    case PoolingMode::Fold: return "fold";
    }
    return "?";
}

} // namespace nnb::snn
