// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::mapping {

/// What network-on-chip traffic is counted in: bytes of values (ReLU / crossbar profiles) or
/// spikes (integrate-and-fire profiles, one packet per spike).
enum class TrafficUnit { Bytes, Spikes };

/// \returns "byte" or "spike".
const char* toString(TrafficUnit unit);

/// One crossbar tile: one core-op of the compiled graph. The mapper puts exactly one tile on one
/// core (the profile has no "tiles per core" figure; a core holds one crossbar-sized core-op with
/// all of its weight-slice and differential arrays, Profile::arraysPerWeightBlock()).
struct Tile {
    std::string name;              ///< the core-op node's name
    int layer = 0;                 ///< index into TileGraph::layers
    std::string role;              ///< "layer", "partial", "merge", "max-tree", ...
    bool conv = false;             ///< a convolution tile, reused over output positions
    int rowsUsed = 0;              ///< crossbar rows (inputs) in use
    int colsUsed = 0;              ///< crossbar columns (outputs) in use
    int64_t weights = 0;           ///< weight cells in use (non-zeros for structural tiles)
    double utilizationPercent = 0; ///< weights / (rows x cols of the crossbar)
    int64_t mvmsPerInference = 1;  ///< crossbar activations per inference (conv: output positions)
    int outputRows = 1;            ///< rows the tile's output streams in (conv: output height; dense: 1)
    double accumulateOps = 0;      ///< digital partial-sum additions this tile's core performs on its inputs
    int accumulateDepth = 0;       ///< sequential addition steps of those (partials per sum - 1)
};

/// Data one tile sends to another per inference.
struct TrafficEdge {
    int from = 0;               ///< producing tile
    int to = 0;                 ///< consuming tile
    double values = 0;          ///< values per inference
    double traffic = 0;         ///< per inference in TileGraph::unit (bytes or spikes)
    double packets = 0;         ///< NoC packets per inference (spiking: one per spike)
    double wireBits = 0;        ///< bits on a link per inference (packets x packet bits for spikes)
    double startFraction = 1.0; ///< fraction of the producer's output the consumer needs before it can start
};

/// Assumptions of the traffic model, exposed as options.
struct TrafficOptions {
    /// Spiking profiles: mean firing rate of a rate-coded value (spikes per tick). A value then
    /// costs ticksPerInference x meanSpikeRate spikes. 0.25 is an assumption, not a measurement.
    double meanSpikeRate = 0.25;
    /// Payload bits of one NoC packet (values are packed; a spike is one packet of this size).
    int packetBits = 64;
};

/// The tiles of a compiled network and the traffic between them: the input of placement,
/// routing, the cost model and the schedule. A value type.
struct TileGraph {
    std::vector<std::string> layers; ///< original layers that hold tiles, in topological order
    std::vector<Tile> tiles;         ///< in topological order of the compiled graph
    std::vector<TrafficEdge> edges;  ///< one per (producer, consumer) tile pair with traffic
    TrafficUnit unit = TrafficUnit::Bytes;
    double bitsPerValue = 8;          ///< non-spiking: bits of one value on the NoC (signals.output_bits)
    double spikesPerValue = 0;        ///< spiking: ticks x mean rate
    TrafficOptions options;

    int numTiles() const { return static_cast<int>(tiles.size()); }
    /// \returns the edge's traffic and NoC packets filled from \p values with this graph's unit.
    TrafficEdge makeEdge(int from, int to, double values, double startFraction = 1.0) const;
};

/// Builds the tile graph of \p compiled (a graph of CoreOp nodes, routing and host ops, as
/// nnb::compile produces) for \p profile. Traffic follows values from each core-op's output
/// through routing nodes (Slice, Select, Concat, Flatten, Quantize, ...) to the core-ops that read
/// them: a node passes min(1, its output size / an input's size) of that input on. Partial sums
/// of an Accumulate node are sent to every consuming tile and added by its digital periphery.
/// Graph inputs and outputs (host I/O) are not on the mesh and carry no NoC traffic.
/// \returns an InvalidArgument error when a core-op lacks a constant weight or static shapes.
[[nodiscard]] Expected<TileGraph> buildTileGraph(const ir::Graph& compiled, const hw::Profile& profile,
                                                 const TrafficOptions& options = {});

} // namespace nnb::mapping
