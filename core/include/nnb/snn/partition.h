// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <vector>

#include "nnb/snn/neuron_graph.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::snn {

// Partitioning a spiking network into crossbar clusters (Song et al., LCTES 2020, §4 of
// docs/domain.md): fan-in unrolling, then greedy packing into clusters of at most
// rows (S_in) distinct inputs × cols (S_out) neurons. partition_validation.h checks the result
// independently of the code here.

// ---------------------------------------------------------------------------------------------
// Fan-in unrolling

/// The shape of the neurons that replace a neuron with more synapses than crossbar rows. Both
/// use the least possible number of neurons, k = ceil((n − F)/(F − 1)) + 1 for fan-in n on F rows
/// (every neuron but the last uses all F rows), and the same synapse count n + k − 1.
enum class UnrollShape {
    /// LCTES'20 (docs/domain.md §4): a chain. The first neuron takes the first F synapses; each
    /// next one takes the previous one (a weight-1 synapse relaying the partial sum) plus the
    /// next F − 1 synapses; the last one takes the previous one plus the remaining 1..F − 1.
    /// Depth k; every chain neuron after the first carries one private link row next to F − 1
    /// synapses, so two of them rarely share a cluster.
    Chain,
    /// An F-ary reduction tree built with a queue: while more than F items (synapses, in order,
    /// then links) remain, the first F become one intermediate neuron whose link joins the back
    /// of the queue; the last neuron takes what remains. Depth about log_F(n) (2 when n <= F²);
    /// the intermediates of a layer read the same input ranges (0..F−1, F..2F−1, ...), so they
    /// share all their rows and pack F to a cluster.
    Tree,
};

/// A neuron graph after fan-in unrolling, with the correspondence to the graph it came from.
struct UnrolledGraph {
    NeuronGraph graph;
    std::vector<NeuronId> originOf;   ///< per node of graph: the original node it is or whose chain/tree it belongs to
    std::vector<NeuronId> unrolledOf; ///< per original node: its id in graph (for a chain/tree, the last neuron)
    int32_t maxFanIn = 0;             ///< F: the crossbar rows
    UnrollShape shape = UnrollShape::Chain;
    int32_t unrolledNeurons = 0;      ///< original neurons with fan-in > F
    int32_t intermediates = 0;        ///< neurons added: Σ (k − 1) over unrolled neurons
};

/// \returns k, the number of neurons that replace a neuron of fan-in \p fanIn on crossbars of
/// \p maxFanIn rows: 1 when fanIn <= F, else ceil((n − F)/(F − 1)) + 1 (LCTES'20). \p maxFanIn >= 2.
int32_t chainLength(int64_t fanIn, int32_t maxFanIn);

/// Unrolls every neuron of \p graph whose fan-in n exceeds F = \p maxFanIn into k =
/// chainLength(n, F) neurons of \p shape (see UnrollShape). The last of them keeps the original
/// neuron's kind, spikes and outgoing synapses; the others are Intermediates. Synapses are
/// split in their presynaptic order (for the network builder: ascending source id, which keeps
/// receptive-field neighbours together); links have weight 1. Intermediates are inserted just
/// before their group's last neuron, so ids stay topological, and they inherit the original
/// neuron's layer and spike count (a conservative estimate of the relayed traffic). Neurons
/// with n <= F and inputs are copied. InvalidArgument when F < 2.
[[nodiscard]] Expected<UnrolledGraph> unrollFanIn(const NeuronGraph& graph, int32_t maxFanIn,
                                                  UnrollShape shape = UnrollShape::Chain);

// ---------------------------------------------------------------------------------------------
// Greedy packing

/// How the packer chooses among the clusters a neuron fits in.
enum class PackingStrategy {
    /// LCTES'20: the fullest cluster that still fits (fullness = usedRows/rows + usedCols/cols;
    /// ties to the oldest cluster). Minimises the cluster count.
    FullestFirst,
    /// The cluster that already receives the largest share of the neuron's input spikes (its
    /// presynaptic nodes that are already rows of the cluster or placed in it, weighted by their
    /// spikes per inference), ties to the fullest. Each shared input is one spike stream fewer
    /// sent between clusters, so this minimises inter-cluster traffic at some cost in clusters.
    MinTraffic,
};

/// Options of packClusters.
struct PartitionOptions {
    int32_t rows = 256; ///< S_in: distinct inputs (axons) per cluster
    int32_t cols = 256; ///< S_out: neurons per cluster
    UnrollShape unroll = UnrollShape::Chain; ///< used by partitionNeurons
    PackingStrategy strategy = PackingStrategy::FullestFirst;
    /// Bounded candidate search: at most this many clusters are open (candidates) at a time.
    /// Opening one more closes the least recently used open cluster (the one that accepted a
    /// neuron longest ago); a cluster with all cols used closes at once. 0 keeps every cluster
    /// open: the unbounded greedy of the paper, O(neurons × clusters).
    int32_t maxOpenClusters = 64;
};

/// One crossbar: the neurons on its columns and the distinct presynaptic nodes on its rows.
struct Cluster {
    std::vector<NeuronId> neurons; ///< column c holds neurons[c] (placement order)
    std::vector<NeuronId> inputs;  ///< row r carries inputs[r]; sorted ascending, distinct
};

inline constexpr int32_t kNoCluster = -1;

/// An assignment of the neurons of a (fan-in-unrolled) graph to clusters.
struct Partition {
    int32_t rows = 0; ///< the limits it was built for
    int32_t cols = 0;
    std::vector<Cluster> clusters;
    std::vector<int32_t> clusterOf; ///< per node of the graph; kNoCluster for input axons
};

/// Packs the neurons of \p unrolled (every fan-in <= options.rows, as unrollFanIn leaves it) in
/// id order, which is topological: each neuron goes to the best open cluster it fits in, by
/// \p options.strategy (a neuron fits when the cluster has a free column and its presynaptic
/// nodes not yet on the cluster's rows fit the free rows: inputs shared with the cluster's
/// other neurons use their existing row), else to a new cluster.
/// Cost: O(synapses × open clusters holding each input + neurons × maxOpenClusters).
/// InvalidArgument when a fan-in exceeds rows or the limits are not positive; Cancelled.
[[nodiscard]] Expected<Partition> packClusters(const NeuronGraph& unrolled, const PartitionOptions& options,
                                               const RunContext& ctx = {});

// ---------------------------------------------------------------------------------------------
// Lower bound and traffic

/// A lower bound on the number of clusters any packing of a graph needs (R = rows, C = cols).
struct ClusterLowerBound {
    int64_t byNeurons = 0; ///< ceil(neurons / C): every neuron takes a column
    /// ceil(Σ_s ceil(fanOut(s) / C) / R): a node s feeding fanOut(s) neurons needs a row in at
    /// least ceil(fanOut(s) / C) clusters, since a cluster holds at most C of them.
    int64_t byInputs = 0;
    /// ceil(Σ_n p(n) / (R − fanIn(n) + p(n))), p(n) = private inputs of neuron n (sources that
    /// feed n alone, such as unrolling links). A cluster holding n has at most
    /// R − (fanIn(n) − p(n)) rows left for private inputs, all distinct, so its neurons' terms
    /// sum to at most 1. Tight for chain-unrolled dense layers, where the other two are not.
    int64_t byPrivateInputs = 0;
    int64_t bound = 0; ///< max of the three
};

/// \returns the lower bound for packing \p unrolled into \p rows × \p cols clusters. It bounds
/// packings of this (unrolled) graph; unrolling itself is fixed by the crossbar rows.
ClusterLowerBound clusterLowerBound(const NeuronGraph& unrolled, int32_t rows, int32_t cols);

/// A channel between two clusters: the spikes per inference that cluster src's neurons send to
/// cluster dst (one spike per spike of each src neuron that is a row of dst, however many of
/// dst's neurons read it: a row fans out inside the crossbar).
struct ClusterEdge {
    int32_t src = 0;
    int32_t dst = 0;
    double spikes = 0.0;
};

/// The inter-cluster connectivity of a partition, the input of a synchronous dataflow graph.
struct ClusterTraffic {
    std::vector<ClusterEdge> edges;   ///< src != dst, sorted by (src, dst)
    std::vector<double> hostSpikes;   ///< per cluster: spikes per inference arriving from input axons
    std::vector<double> localSpikes;  ///< per cluster: spikes of its own neurons fed back to its rows
    std::vector<int32_t> neuronsUsed; ///< per cluster: columns used
    std::vector<int32_t> inputsUsed;  ///< per cluster: rows used
    double interClusterSpikes = 0.0;  ///< Σ edges.spikes
    double hostInputSpikes = 0.0;     ///< Σ hostSpikes
};

/// \returns the traffic of \p partition of \p graph, from the clusters' rows and clusterOf.
ClusterTraffic clusterTraffic(const NeuronGraph& graph, const Partition& partition);

// ---------------------------------------------------------------------------------------------
// One call

/// Everything partitionNeurons produced.
struct SnnPartition {
    UnrolledGraph unrolled;
    Partition partition;
    ClusterTraffic traffic;
    ClusterLowerBound lowerBound;
    PackingStrategy strategy = PackingStrategy::FullestFirst;
    double unrollMilliseconds = 0.0;
    double packMilliseconds = 0.0;
};

/// Unrolls \p graph for \p options.rows, packs it and computes the bound and the traffic.
/// Errors as unrollFanIn and packClusters.
[[nodiscard]] Expected<SnnPartition> partitionNeurons(const NeuronGraph& graph, const PartitionOptions& options,
                                                      const RunContext& ctx = {});

const char* toString(UnrollShape shape);
const char* toString(PackingStrategy strategy);

} // namespace nnb::snn
