// SPDX-License-Identifier: GPL-3.0-or-later
// Stage-based pipeline model over the tile graph (see schedule.h). Pipelining across layers is
// the schedule the polyhedral PIM compiler generates (domain primer, section 3).
#include "nnb/map/schedule.h"

#include <algorithm>

namespace nnb::mapping {
namespace {

/// Tiles in a topological order of the traffic edges (tile order when it already is one).
std::vector<int> tileOrder(const TileGraph& g)
{
    const int n = g.numTiles();
    std::vector<int> indegree(static_cast<size_t>(n), 0);
    std::vector<std::vector<int>> out(static_cast<size_t>(n));
    for (const TrafficEdge& e : g.edges) {
        ++indegree[static_cast<size_t>(e.to)];
        out[static_cast<size_t>(e.from)].push_back(e.to);
    }
    std::vector<int> order;
    order.reserve(static_cast<size_t>(n));
    for (int t = 0; t < n; ++t)
        if (indegree[static_cast<size_t>(t)] == 0)
            order.push_back(t);
    for (size_t i = 0; i < order.size(); ++i)
        for (int next : out[static_cast<size_t>(order[i])])
            if (--indegree[static_cast<size_t>(next)] == 0)
                order.push_back(next);
    // A cycle (not produced by the compiler) leaves tiles out: append them in index order.
    if (order.size() < static_cast<size_t>(n))
        for (int t = 0; t < n; ++t)
            if (indegree[static_cast<size_t>(t)] > 0)
                order.push_back(t);
    return order;
}

} // namespace

Schedule computeSchedule(const TileGraph& graph, const std::vector<TileCost>& tiles, const std::vector<EdgeCost>& edges,
                         const Routing& routing, const std::vector<int>& tileToCore)
{
    Schedule s;
    const int n = graph.numTiles();
    if (n == 0)
        return s;
    std::vector<std::vector<int>> incoming(static_cast<size_t>(n));
    for (size_t e = 0; e < graph.edges.size(); ++e)
        incoming[static_cast<size_t>(graph.edges[e].to)].push_back(static_cast<int>(e));
    const std::vector<int> order = tileOrder(graph);

    // Non-pipelined: a tile starts when every input is complete and transferred.
    std::vector<double> finishSeq(static_cast<size_t>(n), 0.0);
    std::vector<int> criticalEdge(static_cast<size_t>(n), -1);
    // Pipelined with row streaming.
    std::vector<double> start(static_cast<size_t>(n), 0.0);
    std::vector<double> finish(static_cast<size_t>(n), 0.0);
    int last = order.front();
    for (const int t : order) {
        const auto ti = static_cast<size_t>(t);
        const double c = tiles[ti].computeNs;
        const double lastRow = c / std::max(1, graph.tiles[ti].outputRows);
        double ready = 0;
        double st = 0;
        double fin = 0;
        for (const int e : incoming[ti]) {
            const TrafficEdge& edge = graph.edges[static_cast<size_t>(e)];
            const auto p = static_cast<size_t>(edge.from);
            const double d = edges[static_cast<size_t>(e)].latencyNs;
            if (criticalEdge[ti] < 0 || finishSeq[p] + d > ready) {
                ready = finishSeq[p] + d;
                criticalEdge[ti] = e;
            }
            // The producer delivers its rows at its own pace: the fraction the first window
            // needs is ready that far into the producer's run, and crosses the link with that
            // fraction of the bits. The last row arrives after the producer's last row, and no
            // earlier than the link can carry all of the bits.
            const EdgeCost& ec = edges[static_cast<size_t>(e)];
            const double f = edge.startFraction;
            const double produced = start[p] + f * (finish[p] - start[p]);
            const double producerRows = std::max(1, graph.tiles[p].outputRows);
            const double lastArrival = std::max(finish[p] + ec.hopNs + ec.serialNs / producerRows, produced + ec.hopNs + ec.serialNs);
            st = std::max(st, produced + ec.hopNs + f * ec.serialNs);
            fin = std::max(fin, lastArrival + lastRow);
        }
        finishSeq[ti] = ready + c;
        start[ti] = st;
        finish[ti] = std::max(st + c, fin);
        if (finishSeq[ti] > finishSeq[static_cast<size_t>(last)])
            last = t;
        s.pipelinedLatencyNs = std::max(s.pipelinedLatencyNs, finish[ti]);
    }
    s.sequentialLatencyNs = finishSeq[static_cast<size_t>(last)];
    for (int t = last; t >= 0;) {
        const TileCost& tc = tiles[static_cast<size_t>(t)];
        s.criticalPathNs += tc.latencyNs;
        const int e = criticalEdge[static_cast<size_t>(t)];
        if (e < 0)
            break;
        s.criticalPathNs.noc += edges[static_cast<size_t>(e)].latencyNs;
        t = graph.edges[static_cast<size_t>(e)].from;
    }

    // Initiation interval: each core holds one tile and each link carries its load every
    // inference; the busiest of them paces the pipeline.
    int slowTile = 0;
    for (int t = 1; t < n; ++t)
        if (tiles[static_cast<size_t>(t)].computeNs > tiles[static_cast<size_t>(slowTile)].computeNs)
            slowTile = t;
    s.initiationIntervalNs = tiles[static_cast<size_t>(slowTile)].computeNs;
    const Tile& slow = graph.tiles[static_cast<size_t>(slowTile)];
    s.bottleneck = "tile " + slow.name + " (" + graph.layers[static_cast<size_t>(slow.layer)] + ") on core " +
                   std::to_string(tileToCore[static_cast<size_t>(slowTile)]);
    if (routing.maxLink >= 0 && routing.maxLinkBusyNs > s.initiationIntervalNs) {
        const LinkLoad& l = routing.links[static_cast<size_t>(routing.maxLink)];
        s.initiationIntervalNs = routing.maxLinkBusyNs;
        s.bottleneck = "link " + std::to_string(l.from) + "->" + std::to_string(l.to);
    }
    s.sequentialThroughput = s.sequentialLatencyNs > 0 ? 1e9 / s.sequentialLatencyNs : 0.0;
    s.pipelinedThroughput = s.initiationIntervalNs > 0 ? 1e9 / s.initiationIntervalNs : 0.0;
    s.speedup = s.sequentialThroughput > 0 ? s.pipelinedThroughput / s.sequentialThroughput : 0.0;
    return s;
}

} // namespace nnb::mapping
