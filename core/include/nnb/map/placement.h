// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "nnb/map/mesh.h"
#include "nnb/map/tile_graph.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::mapping {

/// Placement algorithms.
enum class Placer {
    Sequential, ///< tile i on core i (row-major): the baseline
    Greedy,     ///< heaviest-connected tile next, on the free core nearest its placed partners
    Anneal,     ///< simulated annealing of the greedy placement, minimising sum(traffic x hops)
};

/// \returns "sequential", "greedy" or "anneal".
const char* toString(Placer placer);
/// \returns the placer called \p name, or nullopt.
std::optional<Placer> parsePlacer(std::string_view name);

/// Options of place().
struct PlacementOptions {
    Placer placer = Placer::Anneal;
    uint64_t seed = 1; ///< seeds the std::mt19937_64 of the annealer
    /// Annealing moves (tile moves or swaps tried); 0 picks max(100,000, 1,000 x tiles). The result
    /// depends only on the seed and this count, unless the time limit stops the run first.
    int64_t annealMoves = 0;
    /// Wall-clock bound of the annealer. When it stops the run early the best placement so far is
    /// returned, Placement::stoppedByTimeLimit is set and the result is no longer reproducible.
    double timeLimitSeconds = 10.0;
};

/// Where every tile sits, and what the search did.
struct Placement {
    std::vector<int> tileToCore; ///< core of each tile (Mesh numbering); one tile per core
    double hopTraffic = 0;       ///< sum over edges of traffic x hops, in the tile graph's unit
    int64_t movesTried = 0;      ///< annealer only
    int64_t movesAccepted = 0;
    double seconds = 0;
    bool stoppedByTimeLimit = false;
};

/// \returns sum over edges of traffic x hops for \p tileToCore (full recomputation).
double hopTraffic(const TileGraph& graph, const Mesh& mesh, const std::vector<int>& tileToCore);

/// Checks that the tiles fit the cores. \returns nothing when they fit; otherwise an Error
/// diagnostic naming the layer at which the cores (filled in topological order) run out, how
/// many cores are missing, and what to change.
std::optional<Diagnostic> checkCapacity(const TileGraph& graph, const Mesh& mesh, const hw::Profile& profile);

/// Places the tiles of \p graph on \p mesh with \p options. Progress goes to \p ctx (at most every
/// ~50 ms); a cancel yields Errc::Cancelled. The annealer evaluates each move incrementally from
/// the edges of the one or two moved tiles only.
/// \returns InvalidArgument when the tiles do not fit (check with checkCapacity first).
[[nodiscard]] Expected<Placement> place(const TileGraph& graph, const Mesh& mesh, const PlacementOptions& options = {},
                                        const RunContext& ctx = {});

} // namespace nnb::mapping
