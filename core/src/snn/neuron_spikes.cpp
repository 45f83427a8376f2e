// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/snn/neuron_spikes.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace nnb::snn {

NeuronSpikes measuredSpikes(const SpikingRun& run)
{
    const double images = static_cast<double>(std::max<int64_t>(run.images, 1));
    const auto perInference = [images](const std::vector<int64_t>& counts) {
        std::vector<float> out(counts.size());
        std::transform(counts.begin(), counts.end(), out.begin(),
                       [images](int64_t c) { return static_cast<float>(static_cast<double>(c) / images); });
        return out;
    };
    NeuronSpikes s;
    s.input = perInference(run.inputSpikeCounts);
    for (const LayerActivity& layer : run.layers)
        s.layers.push_back(perInference(layer.spikeCounts));
    return s;
}

NeuronSpikes rateModelSpikes(const SpikingNetwork& net, const RateModelOutput& rates)
{
    const auto batch = static_cast<size_t>(std::max<int64_t>(rates.batch, 1));
    const double ticks = net.ticks;
    const auto perInference = [&](const std::vector<float>& r, size_t neurons, bool fires) {
        std::vector<float> counts(neurons, 0.0f);
        if (!fires || neurons == 0 || r.size() < batch * neurons)
            return counts;
        std::vector<double> sum(neurons, 0.0);
        for (size_t b = 0; b < batch; ++b)
            for (size_t n = 0; n < neurons; ++n)
                sum[n] += r[b * neurons + n];
        for (size_t n = 0; n < neurons; ++n)
            counts[n] = static_cast<float>(sum[n] / static_cast<double>(batch) * ticks);
        return counts;
    };
    NeuronSpikes s;
    s.input = perInference(rates.inputRates, static_cast<size_t>(net.inputNeurons), true);
    for (size_t i = 0; i < net.layers.size() && i < rates.layerRates.size(); ++i)
        s.layers.push_back(perInference(rates.layerRates[i], static_cast<size_t>(net.layers[i].neurons), net.layers[i].spiking));
    return s;
}

void setNeuronSpikes(NeuronGraph& graph, const SpikingNetwork& net, const NeuronSpikes& spikes)
{
    const size_t known = std::min(net.layers.size(), spikes.layers.size());
    std::map<std::string, std::pair<double, double>> meanByLayer; // layer -> (spikes, neurons)
    for (size_t i = 0; i < known; ++i) {
        auto& [total, neurons] = meanByLayer[net.layers[i].layer];
        for (float c : spikes.layers[i])
            total += c;
        neurons += static_cast<double>(net.layers[i].neurons);
    }
    const auto& layers = graph.layers();
    for (size_t l = 0; l < layers.size(); ++l) {
        const NeuronLayer& layer = layers[l];
        if (layer.count <= 0)
            continue;
        if (graph.isInput(layer.first)) {
            if (static_cast<int64_t>(spikes.input.size()) == layer.count)
                (void)graph.setLayerSpikeCounts(static_cast<int32_t>(l), spikes.input);
            continue;
        }
        bool exact = false;
        for (size_t i = 0; i < known && !exact; ++i)
            if (net.layers[i].layer == layer.name && net.layers[i].neurons == layer.count)
                exact = graph.setLayerSpikeCounts(static_cast<int32_t>(l), spikes.layers[i]).has_value();
        if (exact)
            continue;
        const auto it = meanByLayer.find(layer.name);
        if (it == meanByLayer.end() || it->second.second <= 0)
            continue;
        const auto mean = static_cast<float>(it->second.first / it->second.second);
        for (NeuronId id = layer.first; id < layer.first + layer.count; ++id)
            graph.setSpikes(id, mean);
    }
}

} // namespace nnb::snn
