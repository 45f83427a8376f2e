// SPDX-License-Identifier: GPL-3.0-or-later
// The independent validator of SNN partitions and fan-in unrolling: recomputes every figure from
// the graph and the cluster lists with plain sorting and marking, sharing no code with the packer.
#include "nnb/snn/partition_validation.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace nnb::snn {
namespace {

class Collector {
public:
    Collector(PartitionValidation& out, int32_t cap) : m_out(out), m_cap(cap) {}
    void add(ViolationKind kind, int32_t cluster, NeuronId node, int64_t limit, int64_t actual, std::string message)
    {
        if (static_cast<int32_t>(m_out.violations.size()) >= m_cap) {
            ++m_out.suppressed;
            return;
        }
        m_out.violations.push_back(Violation{kind, cluster, node, limit, actual, std::move(message)});
    }

private:
    PartitionValidation& m_out;
    int32_t m_cap;
};

std::string clusterName(size_t c) { return "cluster " + std::to_string(c); }

} // namespace

bool PartitionValidation::has(ViolationKind kind) const
{
    return std::any_of(violations.begin(), violations.end(), [kind](const Violation& v) { return v.kind == kind; });
}

Diagnostics PartitionValidation::toDiagnostics() const
{
    Diagnostics d;
    for (const Violation& v : violations)
        d.push_back(Diagnostic{Severity::Error,
                               v.cluster != kNoCluster ? clusterName(static_cast<size_t>(v.cluster))
                                                       : "node " + std::to_string(v.node),
                               v.message});
    if (suppressed > 0)
        d.push_back(Diagnostic{Severity::Error, "partition", std::to_string(suppressed) + " more violations not listed"});
    return d;
}

PartitionValidation validatePartition(const NeuronGraph& graph, const Partition& partition, int32_t rows,
                                      int32_t cols, int32_t maxViolations)
{
    PartitionValidation result;
    Collector out(result, maxViolations);
    const auto nodes = static_cast<size_t>(graph.numNodes());
    const bool clusterOfUsable = partition.clusterOf.size() == nodes;
    if (!clusterOfUsable)
        out.add(ViolationKind::InconsistentAssignment, kNoCluster, kNoNeuron, static_cast<int64_t>(nodes),
                static_cast<int64_t>(partition.clusterOf.size()),
                "clusterOf has " + std::to_string(partition.clusterOf.size()) + " entries for " +
                    std::to_string(nodes) + " nodes");

    // Assignment: count each neuron's appearances over all cluster lists.
    std::vector<int32_t> owner(nodes, kNoCluster);
    std::vector<int32_t> seen(nodes, 0);
    for (size_t c = 0; c < partition.clusters.size(); ++c) {
        for (const NeuronId v : partition.clusters[c].neurons) {
            if (v < 0 || static_cast<size_t>(v) >= nodes || graph.isInput(v)) {
                out.add(ViolationKind::InputPlaced, static_cast<int32_t>(c), v, 0, 0,
                        clusterName(c) + " places " +
                            (v < 0 || static_cast<size_t>(v) >= nodes ? "the nonexistent node " + std::to_string(v)
                                                                      : "the input axon " + graph.describe(v)) +
                            " on a column");
                continue;
            }
            if (++seen[static_cast<size_t>(v)] == 1)
                owner[static_cast<size_t>(v)] = static_cast<int32_t>(c);
            else
                out.add(ViolationKind::MultiplyAssigned, static_cast<int32_t>(c), v, 1, seen[static_cast<size_t>(v)],
                        graph.describe(v) + " is in " + clusterName(c) + " but already in " +
                            clusterName(static_cast<size_t>(owner[static_cast<size_t>(v)])));
        }
    }
    for (NeuronId v = 0; v < graph.numNodes(); ++v) {
        const auto i = static_cast<size_t>(v);
        const int32_t recorded = clusterOfUsable ? partition.clusterOf[i] : owner[i];
        if (graph.isInput(v)) {
            if (recorded != kNoCluster)
                out.add(ViolationKind::InconsistentAssignment, recorded, v, kNoCluster, recorded,
                        "clusterOf assigns the input axon " + graph.describe(v) + " to " +
                            clusterName(static_cast<size_t>(std::max(recorded, 0))));
            continue;
        }
        if (seen[i] == 0)
            out.add(ViolationKind::Unassigned, kNoCluster, v, 1, 0, graph.describe(v) + " is in no cluster");
        else if (recorded != owner[i])
            out.add(ViolationKind::InconsistentAssignment, owner[i], v, owner[i], recorded,
                    "clusterOf says " + graph.describe(v) + " is in cluster " + std::to_string(recorded) +
                        " but it is listed in " + clusterName(static_cast<size_t>(owner[i])));
    }

    // Capacity and synapses, cluster by cluster. rowMark[s] == c + 1 marks s as a row of c.
    std::vector<int32_t> rowMark(nodes, 0);
    std::vector<NeuronId> distinct;
    for (size_t c = 0; c < partition.clusters.size(); ++c) {
        const Cluster& cluster = partition.clusters[c];
        const auto cid = static_cast<int32_t>(c);
        if (static_cast<int64_t>(cluster.neurons.size()) > cols)
            out.add(ViolationKind::TooManyNeurons, cid, kNoNeuron, cols, static_cast<int64_t>(cluster.neurons.size()),
                    clusterName(c) + " holds " + std::to_string(cluster.neurons.size()) + " neurons but the crossbar has " +
                        std::to_string(cols) + " columns");
        distinct.assign(cluster.inputs.begin(), cluster.inputs.end());
        std::sort(distinct.begin(), distinct.end());
        const auto dup = std::adjacent_find(distinct.begin(), distinct.end());
        if (dup != distinct.end())
            out.add(ViolationKind::DuplicateRow, cid, *dup, 0, 0,
                    clusterName(c) + " puts node " + std::to_string(*dup) + " on more than one row");
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        if (static_cast<int64_t>(distinct.size()) > rows)
            out.add(ViolationKind::TooManyInputs, cid, kNoNeuron, rows, static_cast<int64_t>(distinct.size()),
                    clusterName(c) + " needs " + std::to_string(distinct.size()) + " distinct input rows but the crossbar has " +
                        std::to_string(rows));
        for (const NeuronId s : distinct)
            if (s >= 0 && static_cast<size_t>(s) < nodes)
                rowMark[static_cast<size_t>(s)] = cid + 1;
        for (const NeuronId v : cluster.neurons) {
            if (v < 0 || static_cast<size_t>(v) >= nodes || graph.isInput(v))
                continue;
            for (const NeuronId s : graph.presynaptic(v))
                if (rowMark[static_cast<size_t>(s)] != cid + 1)
                    out.add(ViolationKind::MissingSynapse, cid, v, 0, 0,
                            "the synapse " + graph.describe(s) + " -> " + graph.describe(v) + " is not realised: " +
                                clusterName(c) + " has no row for its source");
        }
    }
    return result;
}

PartitionValidation validateUnrolling(const NeuronGraph& original, const UnrolledGraph& unrolled, double weightTolerance,
                                      int32_t maxViolations)
{
    PartitionValidation result;
    Collector out(result, maxViolations);
    const NeuronGraph& g = unrolled.graph;
    const int32_t f = unrolled.maxFanIn;
    const auto origNodes = static_cast<size_t>(original.numNodes());
    const auto nodes = static_cast<size_t>(g.numNodes());
    if (unrolled.originOf.size() != nodes || unrolled.unrolledOf.size() != origNodes) {
        out.add(ViolationKind::InconsistentAssignment, kNoCluster, kNoNeuron, 0, 0,
                "the unrolled graph's originOf/unrolledOf tables do not match the graphs' sizes");
        return result;
    }
    for (size_t x = 0; x < nodes; ++x) {
        const NeuronId o = unrolled.originOf[x];
        if (o < 0 || static_cast<size_t>(o) >= origNodes) {
            out.add(ViolationKind::InconsistentAssignment, kNoCluster, static_cast<NeuronId>(x), 0, o,
                    "unrolled node " + std::to_string(x) + " has no valid original node");
            return result;
        }
        if (!g.isInput(static_cast<NeuronId>(x)) && g.fanIn(static_cast<NeuronId>(x)) > f)
            out.add(ViolationKind::FanInExceeded, kNoCluster, o, f, g.fanIn(static_cast<NeuronId>(x)),
                    "unrolled " + g.describe(static_cast<NeuronId>(x)) + " has fan-in " +
                        std::to_string(g.fanIn(static_cast<NeuronId>(x))) + " above " + std::to_string(f) + " rows");
    }

    // Members of each original node's chain (counting sort by origin) and fan-outs.
    std::vector<int64_t> start(origNodes + 1, 0);
    for (const NeuronId o : unrolled.originOf)
        ++start[static_cast<size_t>(o) + 1];
    for (size_t o = 0; o < origNodes; ++o)
        start[o + 1] += start[o];
    std::vector<NeuronId> members(nodes);
    {
        std::vector<int64_t> fill(start.begin(), start.end() - 1);
        for (size_t x = 0; x < nodes; ++x)
            members[static_cast<size_t>(fill[static_cast<size_t>(unrolled.originOf[x])]++)] = static_cast<NeuronId>(x);
    }
    std::vector<int32_t> fanOut(nodes, 0);
    for (size_t x = 0; x < nodes; ++x)
        for (const NeuronId s : g.presynaptic(static_cast<NeuronId>(x)))
            ++fanOut[static_cast<size_t>(s)];

    std::vector<std::pair<NeuronId, float>> want, got;
    for (size_t oi = 0; oi < origNodes; ++oi) {
        const auto o = static_cast<NeuronId>(oi);
        const std::span<const NeuronId> chain(members.data() + start[oi], static_cast<size_t>(start[oi + 1] - start[oi]));
        const NeuronId last = unrolled.unrolledOf[oi];
        const bool lastInChain = std::find(chain.begin(), chain.end(), last) != chain.end();
        if (!lastInChain || g.kind(last) != original.kind(o)) {
            out.add(ViolationKind::ChainMalformed, kNoCluster, o, 0, 0,
                    "original " + original.describe(o) + " does not map to a node of its own kind in its chain");
            continue;
        }
        if (original.isInput(o)) {
            if (chain.size() != 1)
                out.add(ViolationKind::ChainMalformed, kNoCluster, o, 1, static_cast<int64_t>(chain.size()),
                        "input axon " + original.describe(o) + " became " + std::to_string(chain.size()) + " nodes");
            continue;
        }
        const int64_t n = original.fanIn(o);
        const int32_t k = chainLength(n, f);
        if (static_cast<int64_t>(chain.size()) != k)
            out.add(ViolationKind::ChainMalformed, kNoCluster, o, k, static_cast<int64_t>(chain.size()),
                    original.describe(o) + " with fan-in " + std::to_string(n) + " should become " + std::to_string(k) +
                        " chain neurons for " + std::to_string(f) + " rows, found " + std::to_string(chain.size()));

        // The chain's synapses: links between its members, and the rest, mapped back.
        want.clear();
        got.clear();
        const auto ws = original.weights(o);
        const auto pre = original.presynaptic(o);
        for (size_t t = 0; t < pre.size(); ++t)
            want.emplace_back(pre[t], ws.empty() ? 1.0f : ws[t]);
        int64_t links = 0;
        bool malformed = false;
        for (const NeuronId x : chain) {
            const bool isLast = x == last;
            if (!isLast && (g.kind(x) != NeuronKind::Intermediate || fanOut[static_cast<size_t>(x)] != 1))
                malformed = true; // an intermediate relays to exactly one neuron
            const auto xs = g.presynaptic(x);
            const auto xw = g.weights(x);
            int linksIn = 0;
            for (size_t t = 0; t < xs.size(); ++t) {
                const NeuronId s = xs[t];
                const NeuronId so = unrolled.originOf[static_cast<size_t>(s)];
                if (g.kind(s) == NeuronKind::Intermediate) {
                    if (so != o)
                        malformed = true; // another chain's partial sum
                    ++linksIn;
                    continue;
                }
                if (unrolled.unrolledOf[static_cast<size_t>(so)] != s)
                    malformed = true; // a source that is not its original's final node
                got.emplace_back(so, xw.empty() ? 1.0f : xw[t]);
            }
            if (linksIn > 1 && unrolled.shape == UnrollShape::Chain)
                malformed = true; // a chain neuron relays one partial sum
            links += linksIn;
        }
        if (malformed || links != k - 1)
            out.add(ViolationKind::ChainMalformed, kNoCluster, o, k - 1, links,
                    "the " + std::string(toString(unrolled.shape)) + " of " + original.describe(o) +
                        " is malformed: its intermediates must each relay to exactly one of its neurons" +
                        (unrolled.shape == UnrollShape::Chain ? ", one after the other" : ""));

        std::sort(want.begin(), want.end());
        std::sort(got.begin(), got.end());
        bool same = want.size() == got.size();
        for (size_t t = 0; same && t < want.size(); ++t)
            same = want[t].first == got[t].first &&
                   std::abs(double{want[t].second} - double{got[t].second}) <= weightTolerance;
        if (!same) {
            double sumWant = 0.0, sumGot = 0.0;
            for (const auto& p : want)
                sumWant += p.second;
            for (const auto& p : got)
                sumGot += p.second;
            out.add(ViolationKind::FanInChanged, kNoCluster, o, static_cast<int64_t>(want.size()),
                    static_cast<int64_t>(got.size()),
                    "the chain of " + original.describe(o) + " carries " + std::to_string(got.size()) +
                        " synapses (weight sum " + std::to_string(sumGot) + ") instead of the original's " +
                        std::to_string(want.size()) + " (weight sum " + std::to_string(sumWant) + ")");
        }
    }
    return result;
}

const char* toString(ViolationKind kind)
{
    switch (kind) {
    case ViolationKind::Unassigned: return "unassigned";
    case ViolationKind::MultiplyAssigned: return "multiply-assigned";
    case ViolationKind::InconsistentAssignment: return "inconsistent-assignment";
    case ViolationKind::InputPlaced: return "input-placed";
    case ViolationKind::TooManyInputs: return "too-many-inputs";
    case ViolationKind::TooManyNeurons: return "too-many-neurons";
    case ViolationKind::DuplicateRow: return "duplicate-row";
    case ViolationKind::MissingSynapse: return "missing-synapse";
    case ViolationKind::FanInExceeded: return "fan-in-exceeded";
    case ViolationKind::FanInChanged: return "fan-in-changed";
    case ViolationKind::ChainMalformed: return "chain-malformed";
    }
    return "?";
}

} // namespace nnb::snn
