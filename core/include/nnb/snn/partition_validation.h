// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/partition.h"
#include "nnb/support/diagnostics.h"

namespace nnb::snn {

// An independent check of SNN partitions and fan-in unrolling. It recomputes every quantity
// from the graph and the partition's cluster lists with its own plain code (sorting, no
// incremental bookkeeping) and shares nothing with the packer but the value types, so a packer
// bug cannot hide itself.

/// What a violation breaks.
enum class ViolationKind {
    Unassigned,             ///< a neuron is in no cluster's list
    MultiplyAssigned,       ///< a neuron is in several cluster lists (or twice in one)
    InconsistentAssignment, ///< clusterOf disagrees with the cluster lists, or has the wrong size
    InputPlaced,            ///< an input axon (or a bad id) sits on a column
    TooManyInputs,          ///< a cluster has more distinct rows than the crossbar
    TooManyNeurons,         ///< a cluster has more neurons than the crossbar has columns
    DuplicateRow,           ///< a cluster lists the same input on two rows
    MissingSynapse,         ///< a synapse's source is not a row of its neuron's cluster
    FanInExceeded,          ///< an unrolled neuron still has more synapses than rows
    FanInChanged,           ///< a chain's/tree's synapses differ from its original neuron's (count, sources or weights)
    ChainMalformed,         ///< a chain/tree is not k neurons linked as unrollFanIn documents
};

/// One violated limit or invariant.
struct Violation {
    ViolationKind kind = ViolationKind::Unassigned;
    int32_t cluster = kNoCluster; ///< the cluster concerned, if any
    NeuronId node = kNoNeuron;    ///< the node concerned, if any (original id for unrolling checks)
    int64_t limit = 0;            ///< the limit broken (rows, cols, expected count), 0 if none
    int64_t actual = 0;           ///< the value found
    std::string message;          ///< one sentence naming the cluster/node and the limit
};

/// The outcome of a validation: empty violations means valid.
struct PartitionValidation {
    std::vector<Violation> violations;
    int64_t suppressed = 0; ///< violations found beyond the reporting cap

    bool ok() const { return violations.empty(); }
    /// \returns true if some violation is of \p kind.
    bool has(ViolationKind kind) const;
    /// \returns the violations as Error diagnostics (where: "cluster 12" or the node).
    Diagnostics toDiagnostics() const;
};

/// Checks \p partition of \p graph against \p rows × \p cols crossbars: every neuron in exactly
/// one cluster and clusterOf agreeing; no input axon placed; per cluster distinct rows <= rows,
/// no duplicate row, neurons <= cols; every synapse's source a row of its neuron's cluster.
/// At most \p maxViolations are listed (the rest are counted in suppressed).
PartitionValidation validatePartition(const NeuronGraph& graph, const Partition& partition, int32_t rows,
                                      int32_t cols, int32_t maxViolations = 100);

/// Checks that \p unrolled is a correct fan-in unrolling of \p original: every neuron of the
/// unrolled graph has fan-in <= unrolled.maxFanIn; the neurons that replace each original
/// neuron, minus their links, carry exactly the original's synapses (same count, same sources
/// mapped back through originOf, weights within \p weightTolerance, hence the same fan-in sum);
/// they are chainLength(n, F) neurons whose intermediates each feed exactly one of them, the
/// last being unrolledOf[original] (and, for UnrollShape::Chain, each receives at most one
/// link, so they form a path). At most \p maxViolations are listed.
PartitionValidation validateUnrolling(const NeuronGraph& original, const UnrolledGraph& unrolled,
                                      double weightTolerance = 1e-6, int32_t maxViolations = 100);

const char* toString(ViolationKind kind);

} // namespace nnb::snn
