// SPDX-License-Identifier: GPL-3.0-or-later
// The spiking network's bookkeeping and its rate model (nnb/snn/spiking_network.h).
#include "nnb/snn/spiking_network.h"

#include <algorithm>

namespace nnb::snn {

int64_t SpikingNetwork::totalNeurons() const
{
    if (!layers.empty())
        return layers.back().firstNeuron + layers.back().neurons;
    return inputNeurons + (hasBiasSource ? 1 : 0);
}

int SpikingNetwork::layerOf(int64_t id) const
{
    if (id < inputNeurons)
        return -1;
    if (hasBiasSource && id == inputNeurons)
        return -2;
    const auto it = std::upper_bound(layers.begin(), layers.end(), id,
                                     [](int64_t v, const SpikingLayer& l) { return v < l.firstNeuron; });
    return static_cast<int>(it - layers.begin()) - 1;
}

int64_t SpikingNetwork::synapses() const
{
    int64_t n = 0;
    for (const SpikingLayer& l : layers)
        n += l.synapses();
    return n;
}

Expected<RateModelOutput> rateModel(const SpikingNetwork& net, const ir::Tensor& images)
{
    if (images.dtype != ir::DataType::Float32 || images.rank() < 1 || images.shape[0] < 0
        || images.size() != images.shape[0] * net.inputNeurons)
        return makeError(Errc::InvalidArgument, "the images do not match the spiking network's input");
    RateModelOutput out;
    out.batch = images.shape[0];
    const int64_t total = net.totalNeurons();
    const size_t n = static_cast<size_t>(net.inputNeurons);
    out.inputRates.resize(static_cast<size_t>(out.batch) * n);
    for (size_t k = 0; k < out.inputRates.size(); ++k)
        out.inputRates[k] = static_cast<float>(rateNeuron(images.f[k] / net.inputScale));
    out.layerRates.resize(net.layers.size());
    for (size_t l = 0; l < net.layers.size(); ++l)
        out.layerRates[l].resize(static_cast<size_t>(out.batch * net.layers[l].neurons));
    std::vector<double> rate(static_cast<size_t>(total), 0.0);
    for (int64_t s = 0; s < out.batch; ++s) {
        for (size_t i = 0; i < n; ++i)
            rate[i] = out.inputRates[static_cast<size_t>(s) * n + i];
        if (net.hasBiasSource)
            rate[static_cast<size_t>(net.biasNeuron())] = 1.0;
        for (size_t l = 0; l < net.layers.size(); ++l) {
            const SpikingLayer& layer = net.layers[l];
            for (int64_t j = 0; j < layer.neurons; ++j) {
                double z = layer.leak[static_cast<size_t>(j)];
                for (int64_t k = layer.rowStart[static_cast<size_t>(j)]; k < layer.rowStart[static_cast<size_t>(j) + 1]; ++k)
                    z += layer.weight[static_cast<size_t>(k)] * rate[static_cast<size_t>(layer.source[static_cast<size_t>(k)])];
                z /= layer.threshold[static_cast<size_t>(j)];
                const double y = layer.spiking ? rateNeuron(z) : z;
                rate[static_cast<size_t>(layer.firstNeuron + j)] = y;
                out.layerRates[l][static_cast<size_t>(s * layer.neurons + j)] = static_cast<float>(y);
            }
        }
    }
    return out;
}

} // namespace nnb::snn
