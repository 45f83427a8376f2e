// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/snn/snn_dataflow.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>

namespace nnb::snn {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

int64_t ceilNs(double ns) { return static_cast<int64_t>(std::ceil(std::max(0.0, ns) - 1e-9)); }

int hops(const TilePlacement& p, int32_t a, int32_t b)
{
    return std::abs(a % p.width - b % p.width) + std::abs(a / p.width - b / p.width);
}

/// Adds a link actor carrying \p spikesPerTick from \p src to \p dst over \p hopCount hops,
/// with one tick's tokens in flight.
Expected<void> addLinkChannel(dataflow::SdfGraph& g, int src, int dst, double spikesPerTick, int hopCount,
                              const hw::Profile& profile, const DataflowModelOptions& o, const std::string& name)
{
    const int64_t tokens = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(spikesPerTick - 1e-9)), 1, o.maxTokensPerChannel);
    const double spikesPerToken = spikesPerTick / static_cast<double>(tokens);
    const double perSpikeNs = profile.costs.spikeLatencyNs +
                              static_cast<double>(o.spikePacketBits) / std::max(1e-9, profile.noc.linkBandwidthGbitPerS);
    const int64_t timePerToken = ceilNs(spikesPerToken * perSpikeNs + hopCount * profile.noc.hopLatencyNs);
    g.addLink(src, dst, tokens, tokens, timePerToken, name, /*initialTokens=*/tokens);
    // One buffer bounds the whole path: a reverse channel dst -> src whose tokens are the free
    // space, bufferTicks ticks' worth minus the tick in flight.
    g.addChannel(dst, src, tokens, tokens, (o.bufferTicks - 1) * tokens, name + " buffer");
    return {};
}

Expected<void> checkPlacement(const SnnPartition& partition, const TilePlacement& placement)
{
    const size_t n = partition.partition.clusters.size();
    if (placement.tileOf.size() != n || placement.width <= 0 || placement.height <= 0)
        return makeError(Errc::InvalidArgument, "the placement covers " + std::to_string(placement.tileOf.size()) + " of " +
                                                    std::to_string(n) + " clusters");
    std::vector<bool> used(static_cast<size_t>(placement.width) * static_cast<size_t>(placement.height), false);
    for (size_t c = 0; c < n; ++c) {
        const int32_t t = placement.tileOf[c];
        if (t < 0 || static_cast<size_t>(t) >= used.size())
            return makeError(Errc::InvalidArgument, "cluster " + std::to_string(c) + " is placed off the mesh");
        if (used[static_cast<size_t>(t)])
            return makeError(Errc::InvalidArgument, "tile " + std::to_string(t) + " holds two clusters");
        used[static_cast<size_t>(t)] = true;
    }
    return {};
}

} // namespace

Expected<ClusterDataflow> buildClusterDataflow(const SnnPartition& partition, const TilePlacement& placement,
                                               const hw::Profile& profile, const DataflowModelOptions& options)
{
    NNB_RETURN_IF_ERROR(checkPlacement(partition, placement));
    if (options.maxTokensPerChannel < 1 || options.bufferTicks < 1)
        return makeError(Errc::InvalidArgument, "maxTokensPerChannel and bufferTicks must be >= 1");
    const int ticks = options.ticks > 0 ? options.ticks : std::max(1, profile.neuron.ticksPerInference);
    const ClusterTraffic& traffic = partition.traffic;
    ClusterDataflow d;
    d.graph.setName("snn");
    d.ticks = ticks;
    const double perTick = 1.0 / static_cast<double>(ticks);
    const int64_t clusterTime = ceilNs(profile.costs.crossbarMvmLatencyNs);
    for (size_t c = 0; c < partition.partition.clusters.size(); ++c) {
        const int a = d.graph.addActor("cluster" + std::to_string(c), clusterTime, "cluster");
        d.graph.selfLoop(a, 1);
        d.clusterActor.push_back(a);
    }
    d.hostActor = d.graph.addActor("host", 0, "host");
    d.graph.selfLoop(d.hostActor, 1);
    for (size_t c = 0; c < traffic.hostSpikes.size(); ++c) {
        if (traffic.hostSpikes[c] <= 0)
            continue;
        // The host injects at tile 0's edge: one hop onto the mesh, then to the cluster's tile.
        const int h = 1 + hops(placement, 0, placement.tileOf[c]);
        NNB_RETURN_IF_ERROR(addLinkChannel(d.graph, d.hostActor, d.clusterActor[c], traffic.hostSpikes[c] * perTick, h, profile, options,
                                           "link host->" + std::to_string(c)));
        ++d.links;
    }
    for (const ClusterEdge& e : traffic.edges) {
        const int h = hops(placement, placement.tileOf[static_cast<size_t>(e.src)], placement.tileOf[static_cast<size_t>(e.dst)]);
        NNB_RETURN_IF_ERROR(addLinkChannel(d.graph, d.clusterActor[static_cast<size_t>(e.src)],
                                           d.clusterActor[static_cast<size_t>(e.dst)], e.spikes * perTick, h, profile, options,
                                           "link " + std::to_string(e.src) + "->" + std::to_string(e.dst)));
        ++d.links;
    }
    // Clusters no other cluster reads still belong to the same pipeline: every cluster without
    // an input channel is fed (with zero spikes) by the host, so the graph is connected.
    std::vector<bool> fed(partition.partition.clusters.size(), false);
    for (const ClusterEdge& e : traffic.edges)
        fed[static_cast<size_t>(e.dst)] = true;
    for (size_t c = 0; c < fed.size(); ++c)
        if (!fed[c] && (c >= traffic.hostSpikes.size() || traffic.hostSpikes[c] <= 0)) {
            NNB_RETURN_IF_ERROR(addLinkChannel(d.graph, d.hostActor, d.clusterActor[c], 0.0, 1 + hops(placement, 0, placement.tileOf[c]),
                                               profile, options, "link host->" + std::to_string(c)));
            ++d.links;
        }
    return d;
}

Expected<SnnThroughput> clusterThroughput(const SnnPartition& partition, const TilePlacement& placement,
                                          const hw::Profile& profile, const DataflowModelOptions& options, const RunContext& ctx)
{
    SnnThroughput t;
    auto start = Clock::now();
    NNB_TRY(const ClusterDataflow d, buildClusterDataflow(partition, placement, profile, options));
    t.buildMilliseconds = msSince(start);
    t.actors = d.graph.actorCount();
    t.channels = d.graph.channelCount();
    start = Clock::now();
    NNB_TRY(const dataflow::ThroughputAnalysis a, dataflow::analyzeThroughput(d.graph, {}, ctx));
    t.analysisMilliseconds = msSince(start);
    if (a.unbounded)
        return makeError(Errc::Internal, "the SNN's dataflow graph has no limiting cycle (every cluster has a self-loop)");
    t.tickPeriodNs = a.period;
    t.periodNs = dataflow::Rational::make(a.period.num * d.ticks, a.period.den);
    t.inferencesPerSecond = 1e9 / t.periodNs.toDouble();
    std::vector<int> seen;
    for (int c : a.criticalChannels) {
        const int actor = d.graph.channels()[static_cast<size_t>(c)].src;
        if (std::find(seen.begin(), seen.end(), actor) != seen.end())
            continue;
        seen.push_back(actor);
        t.critical += (t.critical.empty() ? "" : " → ") + d.graph.actors()[static_cast<size_t>(actor)].name;
    }
    return t;
}

TilePlacement designTimePlacement(const SnnPartition& partition, const hw::Profile& profile)
{
    const int n = static_cast<int>(partition.partition.clusters.size());
    TilePlacement p;
    p.width = std::max(1, profile.chip.meshWidth);
    p.height = std::max(1, profile.chip.meshHeight);
    if (p.width * p.height < n) {
        const int side = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
        p.width = std::max(p.width, side);
        p.height = (n + p.width - 1) / p.width;
    }
    for (int c = 0; c < n; ++c) {
        const int y = c / p.width;
        const int x = y % 2 == 0 ? c % p.width : p.width - 1 - c % p.width; // snake: row ends stay adjacent
        p.tileOf.push_back(y * p.width + x);
    }
    return p;
}

Expected<Admission> admit(const SnnPartition& partition, const hw::Profile& profile, int meshWidth, int meshHeight,
                          const std::vector<bool>& occupied, const DataflowModelOptions& options, const RunContext& ctx)
{
    if (meshWidth <= 0 || meshHeight <= 0 || occupied.size() != static_cast<size_t>(meshWidth) * static_cast<size_t>(meshHeight))
        return makeError(Errc::InvalidArgument, "admission: the occupancy map must have mesh width × height entries");
    Admission result;
    const auto start = Clock::now();
    const size_t n = partition.partition.clusters.size();
    const auto freeTiles = static_cast<size_t>(std::count(occupied.begin(), occupied.end(), false));
    if (freeTiles < n) {
        result.reason = std::to_string(n) + " clusters need " + std::to_string(n) + " free tiles; " +
                        std::to_string(freeTiles) + " are free";
        result.bindMilliseconds = msSince(start);
        return result;
    }
    // The heaviest already placed predecessor of each cluster anchors its search.
    std::vector<int32_t> anchor(n, -1);
    std::vector<double> anchorSpikes(n, -1.0);
    for (const ClusterEdge& e : partition.traffic.edges)
        if (e.src < e.dst && e.spikes > anchorSpikes[static_cast<size_t>(e.dst)]) {
            anchorSpikes[static_cast<size_t>(e.dst)] = e.spikes;
            anchor[static_cast<size_t>(e.dst)] = e.src;
        }
    TilePlacement& p = result.placement;
    p.width = meshWidth;
    p.height = meshHeight;
    p.tileOf.assign(n, -1);
    std::vector<bool> taken = occupied;
    std::vector<int32_t> visitedAt(taken.size(), -1);
    int32_t lastTile = 0;
    for (size_t c = 0; c < n; ++c) {
        const int32_t from = anchor[c] >= 0 ? p.tileOf[static_cast<size_t>(anchor[c])] : lastTile;
        // Breadth-first over the mesh from the anchor to the nearest free tile.
        std::deque<int32_t> queue{from};
        visitedAt[static_cast<size_t>(from)] = static_cast<int32_t>(c);
        int32_t found = -1;
        while (!queue.empty()) {
            const int32_t t = queue.front();
            queue.pop_front();
            if (!taken[static_cast<size_t>(t)]) {
                found = t;
                break;
            }
            const int x = t % meshWidth, y = t / meshWidth;
            const int32_t next[4] = {x > 0 ? t - 1 : -1, x + 1 < meshWidth ? t + 1 : -1, y > 0 ? t - meshWidth : -1,
                                     y + 1 < meshHeight ? t + meshWidth : -1};
            for (int32_t q : next)
                if (q >= 0 && visitedAt[static_cast<size_t>(q)] != static_cast<int32_t>(c)) {
                    visitedAt[static_cast<size_t>(q)] = static_cast<int32_t>(c);
                    queue.push_back(q);
                }
        }
        if (found < 0)
            return makeError(Errc::Internal, "admission: no free tile reachable although enough are free");
        taken[static_cast<size_t>(found)] = true;
        p.tileOf[c] = found;
        lastTile = found;
    }
    result.bindMilliseconds = msSince(start);
    NNB_TRY(result.throughput, clusterThroughput(partition, p, profile, options, ctx));
    result.admitted = true;
    return result;
}

} // namespace nnb::snn
