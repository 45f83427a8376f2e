// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/map/routing.h"
#include "nnb/map/tile_graph.h"

namespace nnb::mapping {

/// A latency (ns) or energy (pJ) split by where it is spent.
struct CostBreakdown {
    double crossbar = 0; ///< crossbar MVMs (analog reads or digital synapse scans)
    double adcDac = 0;   ///< ADC and DAC conversions
    double digital = 0;  ///< shift-and-add, bias, neuron function, partial-sum additions
    double noc = 0;      ///< network-on-chip hops and link serialisation
    double spikes = 0;   ///< spike generation (spiking profiles)

    double total() const { return crossbar + adcDac + digital + noc + spikes; }
    CostBreakdown& operator+=(const CostBreakdown& o);
};

/// Cost of one tile for one inference (NoC excluded; see edgeCosts).
struct TileCost {
    CostBreakdown latencyNs; ///< time the core is busy per inference (its parts run one after another)
    CostBreakdown energyPj;
    double computeNs = 0;    ///< latencyNs.total()
    double adcConversions = 0;
    double dacConversions = 0;
    double digitalOps = 0;
    double spikes = 0;       ///< spikes emitted per inference
};

/// Cost of one traffic edge for one inference.
struct EdgeCost {
    double hopNs = 0;     ///< hops x hop latency
    double serialNs = 0;  ///< wire bits / link bandwidth (1 Gbit/s = 1 bit per ns)
    double latencyNs = 0; ///< hopNs + serialNs
    double energyPj = 0;  ///< packets x hops x hop energy
};

/// The cost model of one tile on \p profile (per inference, batch 1). With m MVMs per inference,
/// r rows and c columns in use and A arrays per weight block:
/// - non-spiking: k = ceil(input_bits / dac_bits) input cycles, reads = m·k. Crossbar: reads
///   x mvm latency; reads·A x mvm energy. With an ADC (adc_bits > 0): reads·r DAC and reads·c·A
///   ADC conversions; every row has a DAC and every column an ADC, so a read adds one DAC and one
///   ADC latency. Digital: m·c·k·A operations (shift-and-add of every converted slice, the last
///   one with bias and neuron), m·k·A operation latencies (columns in parallel);
/// - spiking: steps = m x ticks. Crossbar: steps x mvm latency; steps·A x mvm energy. Digital:
///   steps·c neuron updates, steps latencies. Spikes: m·c·ticks·rate emitted, steps x spike latency;
/// - partial sums added on the tile (Tile::accumulateOps) are digital operations, depth x latency.
TileCost tileCost(const Tile& tile, const TileGraph& graph, const hw::Profile& profile);

/// \returns the cost of \p edge over \p hops hops on \p noc.
EdgeCost edgeCost(const TrafficEdge& edge, int hops, const hw::NocSpec& noc);

} // namespace nnb::mapping
