// SPDX-License-Identifier: GPL-3.0-or-later
// syntheticNeuronGraph: random layered feed-forward SNNs for benchmarks and property tests.
#include <algorithm>
#include <vector>

#include "nnb/snn/neuron_graph.h"

namespace nnb::snn {
namespace {

/// SplitMix64: tiny, fast and identical on every platform (std::uniform_*_distribution is not).
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    /// \returns an integer in [0, n) (n > 0; the modulo bias is below 2^-32 for our sizes).
    int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
    /// \returns a double in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    uint64_t m_state;
};

} // namespace

Expected<NeuronGraph> syntheticNeuronGraph(const SyntheticOptions& o)
{
    if (o.inputs <= 0 || o.neurons <= 0 || o.layers <= 0 || o.neurons < o.layers)
        return makeError(Errc::InvalidArgument, "a synthetic SNN needs positive inputs, neurons >= layers > 0");
    if (o.groupSize < 1)
        return makeError(Errc::InvalidArgument, "a synthetic SNN needs groupSize >= 1");
    if (o.minFanIn <= 0 || o.minFanIn > o.maxFanIn)
        return makeError(Errc::InvalidArgument, "a synthetic SNN needs 0 < minFanIn <= maxFanIn");
    if (o.randomFraction < 0.0 || o.randomFraction > 1.0 || o.meanSpikes < 0.0)
        return makeError(Errc::InvalidArgument, "randomFraction must be in [0, 1] and meanSpikes >= 0");

    SplitMix64 rng(o.seed);
    NeuronGraph g(o.withWeights);
    const int64_t meanFanIn = (int64_t{o.minFanIn} + o.maxFanIn) / 2;
    g.reserve(int64_t{o.inputs} + o.neurons, int64_t{o.neurons} * meanFanIn);
    auto spikes = [&] { return static_cast<float>(2.0 * o.meanSpikes * rng.unit()); };

    const int32_t inputLayer = g.addLayer(NeuronLayer{"input", ir::kNoValue, {o.inputs}, 0, o.inputs});
    for (int32_t i = 0; i < o.inputs; ++i)
        g.addInput(inputLayer, spikes());

    NeuronId prevFirst = 0;
    int32_t prevCount = o.inputs;
    std::vector<NeuronId> pre;
    std::vector<float> w;
    std::vector<uint32_t> mark(static_cast<size_t>(o.inputs) + static_cast<size_t>(o.neurons), 0);
    uint32_t stamp = 0;
    for (int32_t l = 0; l < o.layers; ++l) {
        // Even split; the first (neurons % layers) layers take one more.
        const int32_t count = o.neurons / o.layers + (l < o.neurons % o.layers ? 1 : 0);
        const NeuronId first = g.numNodes();
        const int32_t layer =
            g.addLayer(NeuronLayer{"layer " + std::to_string(l + 1), ir::kNoValue, {count}, first, count});
        for (int32_t j = 0; j < count; ++j) {
            if (j % o.groupSize != 0) { // the group's receptive field, drawn for its first neuron
                if (o.withWeights) {
                    for (float& x : w)
                        x = static_cast<float>(2.0 * rng.unit() - 1.0);
                }
                g.addNeuron(layer, pre, w, NeuronKind::Neuron, spikes());
                continue;
            }
            ++stamp;
            pre.clear();
            const int64_t fanIn = std::min<int64_t>(prevCount, o.minFanIn + rng.below(o.maxFanIn - o.minFanIn + 1));
            const auto local = static_cast<int64_t>(static_cast<double>(fanIn) * (1.0 - o.randomFraction) + 0.5);
            // Local window centred at the neuron's relative position in the previous layer.
            const int64_t centre = (int64_t{j} * prevCount + prevCount / 2) / count;
            const int64_t start = std::clamp<int64_t>(centre - local / 2, 0, prevCount - local);
            for (int64_t k = 0; k < local; ++k) {
                const NeuronId s = prevFirst + static_cast<NeuronId>(start + k);
                mark[static_cast<size_t>(s)] = stamp;
                pre.push_back(s);
            }
            // Random long-range sources, distinct from the window and from each other.
            while (static_cast<int64_t>(pre.size()) < fanIn) {
                const NeuronId s = prevFirst + static_cast<NeuronId>(rng.below(prevCount));
                if (mark[static_cast<size_t>(s)] == stamp)
                    continue;
                mark[static_cast<size_t>(s)] = stamp;
                pre.push_back(s);
            }
            std::sort(pre.begin(), pre.end());
            if (o.withWeights) {
                w.resize(pre.size());
                for (float& x : w)
                    x = static_cast<float>(2.0 * rng.unit() - 1.0);
            }
            g.addNeuron(layer, pre, w, NeuronKind::Neuron, spikes());
        }
        prevFirst = first;
        prevCount = count;
    }
    return g;
}

} // namespace nnb::snn
