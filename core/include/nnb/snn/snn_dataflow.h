// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A clustered SNN on a chip as a synchronous dataflow graph (LCTES'20, docs/domain.md §4), its
// guaranteed throughput by max-plus analysis, and run-time admission onto a partly occupied mesh.
//
// The model follows the chip's time steps: one SDF iteration is one tick, in which every core
// integrates the spikes it received and fires, and spikes sent in one tick are read in the next
// (TianJi's time-stepped cores). So every channel starts with one tick's tokens in flight, and
// cycles between clusters (a feed-forward network's clusters can feed each other when packing
// mixes layers) never deadlock.
//  * one actor per cluster (crossbar), executing for the profile's tick latency (one crossbar
//    scan, latency.crossbar_mvm_ns), with a one-token self-loop: a core runs one tick at a time;
//  * a "host" actor (time 0, self-loop) that injects the input spikes;
//  * per inter-cluster channel (and host channel) carrying s spikes per inference, i.e. s/ticks
//    per tick, a link actor with a one-token self-loop between the two clusters: a tick's spikes
//    travel as r = min(maxTokensPerChannel (default 1), ceil(s/ticks)) tokens (packets of
//    s/(ticks·r) spikes), each taking s/(ticks·r) × (spike latency + packet bits / link bandwidth) + hops ×
//    hop latency on the link;
//  * every path holds r initial tokens (a tick in flight) and is bounded by a buffer of
//    bufferTicks × r tokens (a reverse channel holding the free space).
// Times are integers in nanoseconds, each rounded up, so the period is exact for the rounded
// model and never optimistic. The period per inference is ticks × the period per tick (a rate
// coded inference needs all its ticks; consecutive inferences follow each other tick by tick).

#include <cstdint>
#include <string>
#include <vector>

#include "nnb/dataflow/analysis.h"
#include "nnb/dataflow/sdf_graph.h"
#include "nnb/hw/profile.h"
#include "nnb/snn/partition.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::snn {

/// Where each cluster runs: a tile of a mesh of width × height.
struct TilePlacement {
    int width = 0;
    int height = 0;
    std::vector<int32_t> tileOf; ///< per cluster: y × width + x
};

/// Options of the dataflow model.
struct DataflowModelOptions {
    int ticks = 0;                     ///< per inference; 0: the profile's neuron.ticks_per_inference
    /// A tick's spikes on one channel are grouped into at most this many packets (tokens). With
    /// 1 (the default) every rate is 1, the graph is homogeneous and its exact analysis runs on
    /// the actor graph in O(channels) per iteration; more tokens model a link's pipelining more
    /// finely but make the graph multi-rate (analysed through the max-plus matrix of its tokens,
    /// much slower on large graphs).
    int64_t maxTokensPerChannel = 1;
    /// Buffer capacity of a path in ticks' worth of tokens: 3 = the destination's double-buffered
    /// axon memory (this tick's and the next tick's spikes) plus a tick in flight on the NoC.
    int64_t bufferTicks = 3;
    int spikePacketBits = 32;          ///< bits of one address-event spike packet on a link
};

/// The SDF graph of a placed partition and how its actors relate to the clusters.
struct ClusterDataflow {
    dataflow::SdfGraph graph;
    std::vector<int> clusterActor; ///< per cluster
    int hostActor = -1;
    int links = 0;                 ///< link actors (inter-cluster and host channels)
    int ticks = 0;                 ///< per inference
};

/// Builds the SDF graph of \p partition's clusters placed by \p placement on \p profile's NoC.
/// InvalidArgument when the placement does not cover every cluster or a tile is used twice.
[[nodiscard]] Expected<ClusterDataflow> buildClusterDataflow(const SnnPartition& partition, const TilePlacement& placement,
                                                             const hw::Profile& profile, const DataflowModelOptions& options = {});

/// The guaranteed throughput of a placed partition.
struct SnnThroughput {
    dataflow::Rational tickPeriodNs;    ///< exact iteration period of the rounded model (ns per tick)
    dataflow::Rational periodNs;        ///< per inference: ticks × tickPeriodNs
    double inferencesPerSecond = 0.0;   ///< 1e9 / period
    std::string critical;               ///< actors on a critical cycle ("cluster 3 → link 3→7 → ...")
    int actors = 0;
    int channels = 0;
    double buildMilliseconds = 0.0;
    double analysisMilliseconds = 0.0;
};

/// Builds the graph and analyses it (dataflow::analyzeThroughput).
[[nodiscard]] Expected<SnnThroughput> clusterThroughput(const SnnPartition& partition, const TilePlacement& placement,
                                                        const hw::Profile& profile, const DataflowModelOptions& options = {},
                                                        const RunContext& ctx = {});

/// The design-time placement: clusters in id order (topological, so neighbours communicate)
/// snake-wise over the rows of the smallest mesh at least as wide as the profile's that holds
/// them all (the profile's mesh when it has room).
TilePlacement designTimePlacement(const SnnPartition& partition, const hw::Profile& profile);

/// Run-time admission (LCTES'20): some tiles of the mesh are already taken by other
/// applications; bind the clusters to free tiles quickly (each cluster to the free tile nearest
/// its heaviest already placed predecessor, breadth-first) and report the guaranteed throughput.
struct Admission {
    bool admitted = false;       ///< false: fewer free tiles than clusters
    TilePlacement placement;
    SnnThroughput throughput;    ///< when admitted
    double bindMilliseconds = 0; ///< the re-binding alone
    std::string reason;          ///< when not admitted
};
[[nodiscard]] Expected<Admission> admit(const SnnPartition& partition, const hw::Profile& profile, int meshWidth,
                                        int meshHeight, const std::vector<bool>& occupied,
                                        const DataflowModelOptions& options = {}, const RunContext& ctx = {});

} // namespace nnb::snn
