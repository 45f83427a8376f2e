// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nnb/compile.h"
#include "nnb/map/cost_model.h"
#include "nnb/map/placement.h"
#include "nnb/map/routing.h"
#include "nnb/map/schedule.h"
#include "nnb/map/tile_graph.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::mapping {

/// Options of one mapping run.
struct MapOptions {
    PlacementOptions placement;
    TrafficOptions traffic;
};

/// One core of the mesh after placement (what the GUI's core map draws).
struct CoreMapping {
    int core = 0;
    int x = 0;
    int y = 0;
    int tile = -1;                  ///< index into MappingResult::tiles.tiles, -1 when the core is idle
    std::string tileName;           ///< the core-op on it
    std::string layer;              ///< its original layer
    double utilizationPercent = 0;  ///< crossbar cells in use
    double trafficIn = 0;           ///< per inference, in the traffic unit
    double trafficOut = 0;
    double busyNs = 0;              ///< compute time per inference
};

/// Per-layer figures of the mapped network.
struct LayerMapping {
    std::string layer;
    int cores = 0;
    CostBreakdown latencyNs; ///< its slowest tile, plus its slowest outgoing transfer (noc)
    CostBreakdown energyPj;  ///< all of its tiles, plus the NoC energy of their outgoing traffic
    double trafficOut = 0;   ///< traffic its tiles send, per inference
};

/// The result of mapping a compiled network onto a chip: immutable once returned; share it with
/// the GUI as std::shared_ptr<const MappingResult>.
struct MappingResult {
    std::string profileId;
    Mesh mesh;
    Placer placer = Placer::Anneal;
    uint64_t seed = 0;
    TrafficUnit unit = TrafficUnit::Bytes;
    TileGraph tiles;

    /// False when the network does not fit; then only tiles, layers (cores) and diagnostics are filled.
    bool feasible = false;
    int tilesNeeded = 0;
    int coresAvailable = 0;

    std::vector<int> tileToCore;
    std::vector<CoreMapping> cores; ///< every core of the mesh, row-major
    std::vector<LinkLoad> links;    ///< every directed mesh link
    std::vector<LayerMapping> layers;

    double totalTraffic = 0;          ///< sum of edge traffic per inference
    double hopTraffic = 0;            ///< hop-bytes (hop-spikes for spiking profiles)
    double sequentialHopTraffic = 0;  ///< the same for the sequential placement (baseline)
    double maxLinkTraffic = 0;
    double maxLinkBusyNs = 0;
    CostBreakdown energyPj;           ///< per inference, all tiles and edges
    CostBreakdown latencyNs;          ///< the non-pipelined critical path
    Schedule schedule;
    Placement placement;              ///< search statistics (tileToCore duplicated above)
    Diagnostics diagnostics;
};

/// Maps \p graph (from buildTileGraph) onto \p profile's mesh: capacity check, placement, XY
/// routing, cost model and schedule. A network that does not fit is a result with
/// feasible = false and an Error diagnostic, not an error. Errors: Cancelled, InvalidArgument.
[[nodiscard]] Expected<MappingResult> mapTiles(const TileGraph& graph, const hw::Profile& profile,
                                               const MapOptions& options = {}, const RunContext& ctx = {});

/// Maps the compiled network of \p compiled onto its profile (buildTileGraph + mapTiles).
[[nodiscard]] Expected<MappingResult> mapNetwork(const CompileResult& compiled, const MapOptions& options = {},
                                                 const RunContext& ctx = {});

} // namespace nnb::mapping
