// SPDX-License-Identifier: GPL-3.0-or-later
// Dimension-ordered (XY) routing on the core mesh: deadlock-free and deterministic, the usual
// choice of mesh NoCs (TrueNorth routes spikes the same way, x first).
#include "nnb/map/routing.h"

#include <algorithm>

namespace nnb::mapping {
namespace {

enum Direction { East, West, South, North, Directions };

} // namespace

Routing routeXY(const TileGraph& graph, const Mesh& mesh, const std::vector<int>& tileToCore, const hw::NocSpec& noc)
{
    Routing r;
    std::vector<int> linkIndex(static_cast<size_t>(mesh.cores()) * Directions, -1);
    for (int c = 0; c < mesh.cores(); ++c) {
        const int x = mesh.x(c);
        const int y = mesh.y(c);
        const int neighbours[Directions] = {x + 1 < mesh.width ? c + 1 : -1, x > 0 ? c - 1 : -1,
                                            y + 1 < mesh.height ? c + mesh.width : -1, y > 0 ? c - mesh.width : -1};
        for (int d = 0; d < Directions; ++d) {
            if (neighbours[d] < 0)
                continue;
            linkIndex[static_cast<size_t>(c) * Directions + static_cast<size_t>(d)] = static_cast<int>(r.links.size());
            r.links.push_back(LinkLoad{c, neighbours[d], 0, 0, 0});
        }
    }
    auto load = [&](int core, Direction d, const TrafficEdge& e) {
        LinkLoad& l = r.links[static_cast<size_t>(linkIndex[static_cast<size_t>(core) * Directions + d])];
        l.traffic += e.traffic;
        l.wireBits += e.wireBits;
    };
    r.edgeHops.reserve(graph.edges.size());
    for (const TrafficEdge& e : graph.edges) {
        int c = tileToCore[static_cast<size_t>(e.from)];
        const int target = tileToCore[static_cast<size_t>(e.to)];
        const int hops = mesh.hops(c, target);
        while (mesh.x(c) != mesh.x(target)) {
            const bool east = mesh.x(target) > mesh.x(c);
            load(c, east ? East : West, e);
            c += east ? 1 : -1;
        }
        while (mesh.y(c) != mesh.y(target)) {
            const bool south = mesh.y(target) > mesh.y(c);
            load(c, south ? South : North, e);
            c += south ? mesh.width : -mesh.width;
        }
        r.edgeHops.push_back(hops);
        r.hopTraffic += e.traffic * hops;
    }
    const double bandwidth = noc.linkBandwidthGbitPerS > 0 ? noc.linkBandwidthGbitPerS : 1.0;
    for (size_t i = 0; i < r.links.size(); ++i) {
        LinkLoad& l = r.links[i];
        l.busyNs = l.wireBits / bandwidth; // bits / (Gbit/s) = ns
        if (l.traffic > r.maxLinkTraffic) {
            r.maxLinkTraffic = l.traffic;
            r.maxLinkBusyNs = l.busyNs;
            r.maxLink = static_cast<int>(i);
        }
    }
    return r;
}

} // namespace nnb::mapping
