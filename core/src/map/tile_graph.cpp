// SPDX-License-Identifier: GPL-3.0-or-later
// Tiles and per-inference traffic of a compiled graph. Values are followed forward from each
// core-op's output through routing and host nodes to the core-ops that read them, so the traffic
// of an edge is what the consumer actually receives (a row split's Slice sends part of a vector).
#include "nnb/map/tile_graph.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace nnb::mapping {
namespace {

/// Elements of one inference of \p shape (dimension 0 is the batch; dynamic dims count as 1).
double perInference(const ir::Shape& shape)
{
    if (shape.empty())
        return 0;
    double n = 1;
    for (size_t d = 1; d < shape.size(); ++d)
        n *= shape[d] > 0 ? static_cast<double>(shape[d]) : 1.0;
    return n;
}

/// Where the data of one value comes from: per producing tile, values per inference, plus the
/// partial-sum additions still to be done by whoever consumes it.
struct Flow {
    std::map<int, double> sources;
    double adds = 0;
    int addDepth = 0;
};

} // namespace

const char* toString(TrafficUnit unit) { return unit == TrafficUnit::Spikes ? "spike" : "byte"; }

TrafficEdge TileGraph::makeEdge(int from, int to, double values, double startFraction) const
{
    TrafficEdge e;
    e.from = from;
    e.to = to;
    e.values = values;
    e.startFraction = startFraction;
    const double packetBits = std::max(1, options.packetBits);
    if (unit == TrafficUnit::Spikes) {
        e.traffic = values * spikesPerValue;
        e.packets = e.traffic;
        e.wireBits = e.packets * packetBits;
    } else {
        e.wireBits = values * bitsPerValue;
        e.traffic = e.wireBits / 8.0;
        e.packets = std::ceil(e.wireBits / packetBits);
    }
    return e;
}

Expected<TileGraph> buildTileGraph(const ir::Graph& compiled, const hw::Profile& profile, const TrafficOptions& options)
{
    TileGraph g;
    g.options = options;
    if (profile.isSpiking()) {
        g.unit = TrafficUnit::Spikes;
        g.spikesPerValue = profile.neuron.ticksPerInference * options.meanSpikeRate;
        g.bitsPerValue = 1;
    } else {
        g.unit = TrafficUnit::Bytes;
        g.bitsPerValue = std::max(1, profile.io.outputBits);
    }
    const double capacity = static_cast<double>(profile.crossbar.rows) * profile.crossbar.cols;

    auto order = compiled.topologicalOrder();
    if (!order)
        return tl::unexpected<Error>(order.error());

    std::vector<Flow> flows(static_cast<size_t>(compiled.numValues()));
    std::map<std::string, int> layerIndex;
    std::map<std::pair<int, int>, std::pair<double, double>> edges; // (from, to) -> (values, start fraction)

    for (const ir::NodeId id : *order) {
        const ir::Node& node = compiled.node(id);
        if (node.op == ir::OpKind::CoreOp) {
            if (node.inputs.size() < 2 || node.inputs[1] < 0 || !compiled.value(node.inputs[1]).isConstant())
                return makeError(Errc::InvalidArgument, "core-op " + node.name + " has no constant weight");
            const ir::Tensor& w = *compiled.value(node.inputs[1]).constant;
            Tile t;
            t.name = node.name;
            t.role = node.attrs.getString("role", "layer");
            t.conv = node.attrs.getString("kind", "dense") == "conv";
            const int64_t group = std::max<int64_t>(1, node.attrs.getInt("group", 1));
            if ((t.conv && w.rank() != 4) || (!t.conv && w.rank() != 2))
                return makeError(Errc::InvalidArgument, "core-op " + node.name + " has a weight of unexpected rank");
            t.rowsUsed = static_cast<int>(t.conv ? w.shape[1] * w.shape[2] * w.shape[3] * group : w.shape[0] * group);
            t.colsUsed = static_cast<int>(t.conv ? w.shape[0] : w.shape[1]);
            if (node.attrs.getInt("structural", 0) != 0)
                t.weights = std::count_if(w.f.begin(), w.f.end(), [](float v) { return v != 0.0f; });
            else
                t.weights = w.size();
            t.utilizationPercent = capacity > 0 ? 100.0 * static_cast<double>(t.weights) / capacity : 0.0;
            const ir::Shape& out = compiled.value(node.outputs[0]).shape;
            if (t.conv) {
                if (out.size() != 4 || out[2] <= 0 || out[3] <= 0)
                    return makeError(Errc::InvalidArgument, "convolution core-op " + node.name + " has no static output shape");
                t.mvmsPerInference = out[2] * out[3];
                t.outputRows = static_cast<int>(out[2]);
            }
            const std::string layer = node.attrs.getString("layer", node.name);
            const auto [it, inserted] = layerIndex.emplace(layer, static_cast<int>(g.layers.size()));
            if (inserted)
                g.layers.push_back(layer);
            t.layer = it->second;

            const int self = static_cast<int>(g.tiles.size());
            const ir::ValueId in = node.inputs[0];
            const Flow& f = flows[static_cast<size_t>(in)];
            t.accumulateOps = f.adds;
            t.accumulateDepth = f.addDepth;
            // Row streaming (schedule): a convolution reading a convolution's output can start
            // once the rows of its first window exist: (kh - 1)·dilation + 1 - top pad rows.
            double needFraction = 1.0;
            const ir::Shape& inShape = compiled.value(in).shape;
            if (t.conv && inShape.size() == 4 && inShape[2] > 0) {
                const auto dil = node.attrs.getInts("dilations", {1, 1});
                const auto pads = node.attrs.getInts("pads", {0, 0, 0, 0});
                const double need = static_cast<double>((w.shape[2] - 1) * (dil.empty() ? 1 : dil[0]) + 1 - (pads.empty() ? 0 : pads[0]));
                const double rows = static_cast<double>(inShape[2]);
                needFraction = std::clamp(need, 1.0, rows) / rows;
            }
            for (const auto& [src, values] : f.sources) {
                auto& e = edges[{src, self}];
                e.first += values;
                e.second = std::max(e.second, g.tiles[static_cast<size_t>(src)].conv ? needFraction : 1.0);
            }
            g.tiles.push_back(std::move(t));
            for (const ir::ValueId o : node.outputs)
                flows[static_cast<size_t>(o)].sources[self] = perInference(compiled.value(o).shape);
            continue;
        }
        // Routing, digital and host nodes pass on min(1, out / in) of each data input.
        int dataInputs = 0;
        for (const ir::ValueId in : node.inputs)
            dataInputs += in >= 0 && !compiled.value(in).isConstant() ? 1 : 0;
        for (const ir::ValueId o : node.outputs) {
            const double outElems = perInference(compiled.value(o).shape);
            Flow& f = flows[static_cast<size_t>(o)];
            for (const ir::ValueId in : node.inputs) {
                if (in < 0 || compiled.value(in).isConstant())
                    continue;
                const double inElems = perInference(compiled.value(in).shape);
                const double ratio = inElems > 0 ? std::min(1.0, outElems / inElems) : 0.0;
                const Flow& src = flows[static_cast<size_t>(in)];
                for (const auto& [tile, values] : src.sources)
                    f.sources[tile] += values * ratio;
                f.adds += src.adds * ratio;
                f.addDepth = std::max(f.addDepth, src.addDepth);
            }
            // Digital partial sums: every consumer adds the n partial vectors itself.
            if (node.op == ir::OpKind::Accumulate && dataInputs > 1) {
                f.adds += outElems * (dataInputs - 1);
                f.addDepth += dataInputs - 1;
            }
        }
    }
    g.edges.reserve(edges.size());
    for (const auto& [key, e] : edges)
        if (e.first > 0)
            g.edges.push_back(g.makeEdge(key.first, key.second, e.first, e.second));
    return g;
}

} // namespace nnb::mapping
