// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/map/mesh.h"
#include "nnb/map/tile_graph.h"

namespace nnb::mapping {

/// One directed link between neighbouring cores and what crosses it per inference.
struct LinkLoad {
    int from = 0;        ///< core
    int to = 0;          ///< neighbouring core
    double traffic = 0;  ///< bytes or spikes per inference (the tile graph's unit)
    double wireBits = 0; ///< bits per inference
    double busyNs = 0;   ///< wireBits / link bandwidth: time the link is occupied per inference
};

/// The routes of all traffic edges.
struct Routing {
    std::vector<LinkLoad> links; ///< every directed link of the mesh, loaded or not
    std::vector<int> edgeHops;   ///< hops of each TileGraph edge
    double hopTraffic = 0;       ///< sum over edges of traffic x hops (hop-bytes or hop-spikes)
    double maxLinkTraffic = 0;   ///< the most loaded link's traffic
    double maxLinkBusyNs = 0;
    int maxLink = -1;            ///< index into links of the most loaded link (-1 without traffic)
};

/// Routes every edge of \p graph with dimension-ordered XY routing (along x first, then y) on
/// \p mesh for the placement \p tileToCore, and accumulates the per-link load. Link occupancy
/// uses \p noc's bandwidth (1 Gbit/s moves one bit per ns).
Routing routeXY(const TileGraph& graph, const Mesh& mesh, const std::vector<int>& tileToCore, const hw::NocSpec& noc);

} // namespace nnb::mapping
