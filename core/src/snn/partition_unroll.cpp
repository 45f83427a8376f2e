// SPDX-License-Identifier: GPL-3.0-or-later
// Fan-in unrolling (LCTES'20): a neuron with more synapses than crossbar rows becomes a chain or
// a reduction tree of k neurons (see UnrollShape in partition.h).
#include <algorithm>
#include <utility>

#include "nnb/snn/partition.h"

namespace nnb::snn {

int32_t chainLength(int64_t fanIn, int32_t maxFanIn)
{
    if (fanIn <= maxFanIn || maxFanIn < 2)
        return 1;
    const int64_t extra = fanIn - maxFanIn;
    return static_cast<int32_t>((extra + maxFanIn - 2) / (maxFanIn - 1) + 1); // ceil(extra/(F-1)) + 1
}

Expected<UnrolledGraph> unrollFanIn(const NeuronGraph& graph, int32_t maxFanIn, UnrollShape shape)
{
    if (maxFanIn < 2)
        return makeError(Errc::InvalidArgument, "fan-in unrolling needs at least 2 crossbar rows, got " +
                                                    std::to_string(maxFanIn));
    UnrolledGraph u{NeuronGraph(graph.hasWeights()), {}, {}, maxFanIn, shape, 0, 0};
    NeuronGraph& g = u.graph;

    // Size the result first: one pass over fan-ins.
    int64_t nodes = 0;
    for (NeuronId id = 0; id < graph.numNodes(); ++id)
        nodes += graph.isInput(id) ? 1 : chainLength(graph.fanIn(id), maxFanIn);
    g.reserve(nodes, graph.numSynapses() + (nodes - graph.numNodes()));
    u.originOf.reserve(static_cast<size_t>(nodes));
    u.unrolledOf.assign(static_cast<size_t>(graph.numNodes()), kNoNeuron);

    std::vector<bool> layerUnrolled(graph.layers().size(), false);
    std::vector<NeuronId> ids;
    std::vector<float> ws;
    std::vector<std::pair<NeuronId, float>> queue;
    for (NeuronId id = 0; id < graph.numNodes(); ++id) {
        const int32_t layer = graph.layerOf(id);
        if (graph.isInput(id)) {
            u.unrolledOf[static_cast<size_t>(id)] = g.addInput(layer, graph.spikes(id));
            u.originOf.push_back(id);
            continue;
        }
        const auto pre = graph.presynaptic(id);
        const auto w = graph.weights(id);
        const auto n = static_cast<int64_t>(pre.size());
        const int32_t k = chainLength(n, maxFanIn);
        if (k > 1) {
            ++u.unrolledNeurons;
            u.intermediates += k - 1;
            if (layer >= 0 && static_cast<size_t>(layer) < layerUnrolled.size())
                layerUnrolled[static_cast<size_t>(layer)] = true;
        }
        if (k == 1 || shape == UnrollShape::Chain) {
            int64_t pos = 0;
            NeuronId previous = kNoNeuron;
            for (int32_t j = 0; j < k; ++j) {
                ids.clear();
                ws.clear();
                if (previous != kNoNeuron) {
                    ids.push_back(previous);
                    ws.push_back(1.0f); // the relayed partial sum
                }
                const int64_t take = std::min<int64_t>(j == 0 ? maxFanIn : maxFanIn - 1, n - pos);
                for (int64_t t = pos; t < pos + take; ++t) {
                    ids.push_back(u.unrolledOf[static_cast<size_t>(pre[static_cast<size_t>(t)])]);
                    if (!w.empty())
                        ws.push_back(w[static_cast<size_t>(t)]);
                }
                pos += take;
                const bool last = j == k - 1;
                previous = g.addNeuron(layer, ids, ws, last ? graph.kind(id) : NeuronKind::Intermediate,
                                       graph.spikes(id));
                u.originOf.push_back(id);
            }
            u.unrolledOf[static_cast<size_t>(id)] = previous;
            continue;
        }
        // Tree: a queue of (source, weight) items; each full group of F at the front becomes an
        // intermediate whose link goes to the back. Each step shrinks the queue by F − 1, so
        // exactly k − 1 intermediates are made before at most F items remain for the last one.
        queue.clear();
        for (size_t t = 0; t < pre.size(); ++t)
            queue.emplace_back(u.unrolledOf[static_cast<size_t>(pre[t])], w.empty() ? 1.0f : w[t]);
        size_t head = 0;
        while (queue.size() - head > static_cast<size_t>(maxFanIn)) {
            ids.clear();
            ws.clear();
            for (size_t t = head; t < head + static_cast<size_t>(maxFanIn); ++t) {
                ids.push_back(queue[t].first);
                ws.push_back(queue[t].second);
            }
            head += static_cast<size_t>(maxFanIn);
            const NeuronId partial = g.addNeuron(layer, ids, ws, NeuronKind::Intermediate, graph.spikes(id));
            u.originOf.push_back(id);
            queue.emplace_back(partial, 1.0f);
        }
        ids.clear();
        ws.clear();
        for (size_t t = head; t < queue.size(); ++t) {
            ids.push_back(queue[t].first);
            ws.push_back(queue[t].second);
        }
        u.unrolledOf[static_cast<size_t>(id)] = g.addNeuron(layer, ids, ws, graph.kind(id), graph.spikes(id));
        u.originOf.push_back(id);
    }

    // Layers keep their contiguous range only where nothing was inserted.
    for (size_t l = 0; l < graph.layers().size(); ++l) {
        NeuronLayer layer = graph.layers()[l];
        if (layerUnrolled[l] || layer.first == kNoNeuron || layer.count <= 0) {
            layer.first = kNoNeuron;
            layer.count = 0;
        } else {
            layer.first = u.unrolledOf[static_cast<size_t>(layer.first)];
        }
        g.addLayer(std::move(layer));
    }
    return u;
}

} // namespace nnb::snn
