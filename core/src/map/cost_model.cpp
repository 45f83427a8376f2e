// SPDX-License-Identifier: GPL-3.0-or-later
// Per-tile latency and energy from the profile's per-operation costs (see cost_model.h for the
// formulas). Everything is per inference at batch 1; ns and pJ throughout.
#include "nnb/map/cost_model.h"

#include <algorithm>

namespace nnb::mapping {

CostBreakdown& CostBreakdown::operator+=(const CostBreakdown& o)
{
    crossbar += o.crossbar;
    adcDac += o.adcDac;
    digital += o.digital;
    noc += o.noc;
    spikes += o.spikes;
    return *this;
}

TileCost tileCost(const Tile& tile, const TileGraph& graph, const hw::Profile& profile)
{
    const hw::OperationCosts& k = profile.costs;
    const double m = static_cast<double>(tile.mvmsPerInference);
    const double rows = tile.rowsUsed;
    const double cols = tile.colsUsed;
    const double arrays = profile.arraysPerWeightBlock();
    const bool analog = profile.io.adcBits > 0;
    TileCost c;
    double steps = 0; // activations of each array
    if (profile.isSpiking()) {
        const double ticks = std::max(1, profile.neuron.ticksPerInference);
        steps = m * ticks;
        c.digitalOps = steps * cols; // potential update and threshold test of every neuron per tick
        c.latencyNs.digital = steps * k.digitalOpLatencyNs;
        c.spikes = m * cols * ticks * graph.options.meanSpikeRate;
        c.latencyNs.spikes = steps * k.spikeLatencyNs;
        c.energyPj.spikes = c.spikes * k.spikeEnergyPj;
    } else {
        const int dacBits = std::max(1, profile.io.dacBits);
        const double cycles = (std::max(1, profile.io.inputBits) + dacBits - 1) / dacBits; // bit-serial input cycles
        steps = m * cycles;
        c.digitalOps = m * cols * cycles * arrays; // shift-and-add of each slice result; the last adds bias + neuron
        c.latencyNs.digital = m * cycles * arrays * k.digitalOpLatencyNs;
    }
    c.latencyNs.crossbar = steps * k.crossbarMvmLatencyNs;
    c.energyPj.crossbar = steps * arrays * k.crossbarMvmEnergyPj;
    if (analog) {
        c.dacConversions = steps * rows;
        c.adcConversions = steps * cols * arrays;
        c.latencyNs.adcDac = steps * (k.dacConversionLatencyNs + k.adcConversionLatencyNs);
        c.energyPj.adcDac = c.dacConversions * k.dacConversionEnergyPj + c.adcConversions * k.adcConversionEnergyPj;
    }
    // Partial sums added by this tile's digital periphery (elements in parallel).
    c.digitalOps += tile.accumulateOps;
    c.latencyNs.digital += tile.accumulateDepth * k.digitalOpLatencyNs;
    c.energyPj.digital = c.digitalOps * k.digitalOpEnergyPj;
    c.computeNs = c.latencyNs.total();
    return c;
}

EdgeCost edgeCost(const TrafficEdge& edge, int hops, const hw::NocSpec& noc)
{
    EdgeCost c;
    const double bandwidth = noc.linkBandwidthGbitPerS > 0 ? noc.linkBandwidthGbitPerS : 1.0;
    if (hops > 0) {
        c.hopNs = hops * noc.hopLatencyNs;
        c.serialNs = edge.wireBits / bandwidth;
        c.latencyNs = c.hopNs + c.serialNs;
        c.energyPj = edge.packets * hops * noc.hopEnergyPj;
    }
    return c;
}

} // namespace nnb::mapping
