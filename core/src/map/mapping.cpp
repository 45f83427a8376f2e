// SPDX-License-Identifier: GPL-3.0-or-later
// The mapping stage: capacity check, placement, XY routing, cost model and schedule, assembled
// into one immutable MappingResult.
#include "nnb/map/mapping.h"

#include <algorithm>
#include <cstdio>

namespace nnb::mapping {
namespace {

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

} // namespace

Expected<MappingResult> mapTiles(const TileGraph& graph, const hw::Profile& profile, const MapOptions& options,
                                 const RunContext& ctx)
{
    MappingResult r;
    r.profileId = profile.id;
    r.mesh = Mesh::fromProfile(profile);
    if (r.mesh.width < 1 || r.mesh.height < 1)
        return makeError(Errc::InvalidArgument, "profile '" + profile.id + "' has an empty core mesh");
    r.placer = options.placement.placer;
    r.seed = options.placement.seed;
    r.unit = graph.unit;
    r.tiles = graph;
    r.tilesNeeded = graph.numTiles();
    r.coresAvailable = r.mesh.cores();
    r.layers.resize(graph.layers.size());
    for (size_t l = 0; l < graph.layers.size(); ++l)
        r.layers[l].layer = graph.layers[l];
    for (const Tile& t : graph.tiles)
        ++r.layers[static_cast<size_t>(t.layer)].cores;
    for (const TrafficEdge& e : graph.edges)
        r.totalTraffic += e.traffic;
    if (graph.unit == TrafficUnit::Spikes)
        r.diagnostics.push_back({Severity::Info, "traffic",
                                 "spike traffic assumes a mean rate of " + number(graph.options.meanSpikeRate) +
                                     " spikes per tick per value over " + std::to_string(profile.neuron.ticksPerInference) +
                                     " ticks (" + number(graph.spikesPerValue) + " spikes per value); one spike is one NoC packet"});

    if (auto shortfall = checkCapacity(graph, r.mesh, profile)) {
        r.diagnostics.push_back(std::move(*shortfall));
        return r;
    }
    NNB_TRY(r.placement, place(graph, r.mesh, options.placement, ctx));
    r.feasible = true;
    r.tileToCore = r.placement.tileToCore;
    if (r.placement.stoppedByTimeLimit)
        r.diagnostics.push_back({Severity::Warning, "placement",
                                 "annealing stopped at its time limit after " + std::to_string(r.placement.movesTried) +
                                     " moves; the placement is the best found so far and not reproducible from the seed"});
    std::vector<int> sequential(static_cast<size_t>(graph.numTiles()));
    for (int t = 0; t < graph.numTiles(); ++t)
        sequential[static_cast<size_t>(t)] = t;
    r.sequentialHopTraffic = hopTraffic(graph, r.mesh, sequential);

    const Routing routing = routeXY(graph, r.mesh, r.tileToCore, profile.noc);
    r.hopTraffic = routing.hopTraffic;
    r.maxLinkTraffic = routing.maxLinkTraffic;
    r.maxLinkBusyNs = routing.maxLinkBusyNs;

    std::vector<TileCost> tileCosts;
    tileCosts.reserve(graph.tiles.size());
    for (const Tile& t : graph.tiles)
        tileCosts.push_back(tileCost(t, graph, profile));
    std::vector<EdgeCost> edgeCosts;
    edgeCosts.reserve(graph.edges.size());
    for (size_t e = 0; e < graph.edges.size(); ++e)
        edgeCosts.push_back(edgeCost(graph.edges[e], routing.edgeHops[e], profile.noc));

    // Per layer: energy of all its tiles and outgoing transfers; latency of its slowest tile and
    // slowest outgoing transfer (its tiles run in parallel on their own cores).
    std::vector<double> slowest(r.layers.size(), -1.0);
    for (size_t t = 0; t < graph.tiles.size(); ++t) {
        LayerMapping& l = r.layers[static_cast<size_t>(graph.tiles[t].layer)];
        l.energyPj += tileCosts[t].energyPj;
        if (tileCosts[t].computeNs > slowest[static_cast<size_t>(graph.tiles[t].layer)]) {
            slowest[static_cast<size_t>(graph.tiles[t].layer)] = tileCosts[t].computeNs;
            const double noc = l.latencyNs.noc;
            l.latencyNs = tileCosts[t].latencyNs;
            l.latencyNs.noc = noc;
        }
        r.energyPj += tileCosts[t].energyPj;
    }
    for (size_t e = 0; e < graph.edges.size(); ++e) {
        LayerMapping& l = r.layers[static_cast<size_t>(graph.tiles[static_cast<size_t>(graph.edges[e].from)].layer)];
        l.energyPj.noc += edgeCosts[e].energyPj;
        l.latencyNs.noc = std::max(l.latencyNs.noc, edgeCosts[e].latencyNs);
        l.trafficOut += graph.edges[e].traffic;
        r.energyPj.noc += edgeCosts[e].energyPj;
    }

    r.schedule = computeSchedule(graph, tileCosts, edgeCosts, routing, r.tileToCore);
    r.latencyNs = r.schedule.criticalPathNs;

    r.cores.resize(static_cast<size_t>(r.mesh.cores()));
    for (int c = 0; c < r.mesh.cores(); ++c) {
        CoreMapping& core = r.cores[static_cast<size_t>(c)];
        core.core = c;
        core.x = r.mesh.x(c);
        core.y = r.mesh.y(c);
    }
    for (size_t t = 0; t < graph.tiles.size(); ++t) {
        CoreMapping& core = r.cores[static_cast<size_t>(r.tileToCore[t])];
        core.tile = static_cast<int>(t);
        core.tileName = graph.tiles[t].name;
        core.layer = graph.layers[static_cast<size_t>(graph.tiles[t].layer)];
        core.utilizationPercent = graph.tiles[t].utilizationPercent;
        core.busyNs = tileCosts[t].computeNs;
    }
    for (const TrafficEdge& e : graph.edges) {
        r.cores[static_cast<size_t>(r.tileToCore[static_cast<size_t>(e.from)])].trafficOut += e.traffic;
        r.cores[static_cast<size_t>(r.tileToCore[static_cast<size_t>(e.to)])].trafficIn += e.traffic;
    }
    r.links = routing.links;
    return r;
}

Expected<MappingResult> mapNetwork(const CompileResult& compiled, const MapOptions& options, const RunContext& ctx)
{
    if (!compiled.compiled)
        return makeError(Errc::InvalidArgument, "the compile result holds no compiled graph");
    NNB_TRY(const TileGraph graph, buildTileGraph(*compiled.compiled, compiled.profile, options.traffic));
    NNB_TRY(MappingResult result, mapTiles(graph, compiled.profile, options, ctx));
    if (compiled.resources.offChipOps > 0)
        result.diagnostics.push_back({Severity::Info, "host",
                                      std::to_string(compiled.resources.offChipOps) +
                                          " op(s) run off-chip on the host; they are not mapped and cost nothing here"});
    return result;
}

} // namespace nnb::mapping
