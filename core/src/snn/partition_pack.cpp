// SPDX-License-Identifier: GPL-3.0-or-later
// Greedy packing of neurons into crossbar clusters (LCTES'20), the cluster-count lower bound and
// the inter-cluster traffic summary.
//
// Data structures of the packer, chosen so 100,000 neurons of fan-in ~300 pack in well under a
// second:
//   - holders[s]: the open clusters that have node s on a row. For a neuron, one pass over its
//     presynaptic nodes' holder lists counts, for every open cluster at once, how many of its
//     inputs the cluster already has (shared[c]) and their spikes; closed clusters are pruned from
//     the lists lazily as they are met. A cluster's input set is therefore never searched.
//   - open: at most maxOpenClusters candidate clusters, scanned linearly per neuron (64 by
//     default), with least-recently-used eviction.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "nnb/snn/partition.h"

namespace nnb::snn {
namespace {

class Packer {
public:
    Packer(const NeuronGraph& g, const PartitionOptions& o) : m_g(g), m_o(o)
    {
        const auto n = static_cast<size_t>(g.numNodes());
        m_holders.resize(n);
        m_part.rows = o.rows;
        m_part.cols = o.cols;
        m_part.clusterOf.assign(n, kNoCluster);
    }

    Expected<Partition> run(const RunContext& ctx)
    {
        const NeuronId total = m_g.numNodes();
        int64_t placed = 0;
        for (NeuronId id = 0; id < total; ++id) {
            if (m_g.isInput(id))
                continue;
            if ((placed++ & 4095) == 0) {
                if (ctx.cancelled())
                    return makeError(Errc::Cancelled, "partitioning cancelled");
                ctx.report(static_cast<int>(int64_t{1000} * id / std::max(total, 1)), "packing neurons into clusters");
            }
            const auto pre = m_g.presynaptic(id);
            if (static_cast<int64_t>(pre.size()) > m_o.rows)
                return makeError(Errc::InvalidArgument, m_g.describe(id) + " has fan-in " + std::to_string(pre.size()) +
                                                            " above the " + std::to_string(m_o.rows) +
                                                            " crossbar rows: unroll the graph first");
            place(id, pre);
        }
        for (Cluster& c : m_part.clusters)
            std::sort(c.inputs.begin(), c.inputs.end());
        return std::move(m_part);
    }

private:
    struct State {
        int32_t usedRows = 0;
        int32_t usedCols = 0;
        int32_t openSlot = -1; ///< index in m_open, -1 when closed
        int64_t lastUse = 0;
        int32_t shared = 0;    ///< scratch: inputs of the current neuron already on a row
        double gain = 0.0;     ///< scratch: spikes of those inputs (+ inputs placed in the cluster)
        bool touched = false;  ///< scratch: listed in m_touched
    };

    bool isOpen(int32_t c) const { return m_state[static_cast<size_t>(c)].openSlot >= 0; }

    void touch(int32_t c)
    {
        State& s = m_state[static_cast<size_t>(c)];
        if (!s.touched) {
            s.touched = true;
            m_touched.push_back(c);
        }
    }

    void place(NeuronId id, std::span<const NeuronId> pre)
    {
        const auto fanIn = static_cast<int32_t>(pre.size());
        // Count, per open cluster, the inputs it already has on its rows.
        for (const NeuronId s : pre) {
            std::vector<int32_t>& list = m_holders[static_cast<size_t>(s)];
            const double spikes = m_g.spikes(s);
            bool rowInOwnCluster = false;
            for (size_t i = 0; i < list.size();) {
                const int32_t c = list[i];
                if (!isOpen(c)) { // lazy pruning of closed clusters
                    list[i] = list.back();
                    list.pop_back();
                    continue;
                }
                touch(c);
                State& st = m_state[static_cast<size_t>(c)];
                ++st.shared;
                st.gain += spikes;
                rowInOwnCluster = rowInOwnCluster || c == m_part.clusterOf[static_cast<size_t>(s)];
                ++i;
            }
            // A presynaptic neuron placed in an open cluster: its spikes to this neuron would
            // stay inside that cluster (it still needs a row there).
            const int32_t home = m_part.clusterOf[static_cast<size_t>(s)];
            if (home != kNoCluster && !rowInOwnCluster && isOpen(home)) {
                touch(home);
                m_state[static_cast<size_t>(home)].gain += spikes;
            }
        }

        // Choose among the open clusters.
        int32_t best = kNoCluster;
        int64_t bestFull = -1;
        double bestGain = -1.0;
        for (const int32_t c : m_open) {
            const State& st = m_state[static_cast<size_t>(c)];
            if (st.usedCols >= m_o.cols || st.usedRows + (fanIn - st.shared) > m_o.rows)
                continue;
            // Fullness usedRows/rows + usedCols/cols, scaled by rows × cols to stay integral.
            const int64_t full = int64_t{st.usedRows} * m_o.cols + int64_t{st.usedCols} * m_o.rows;
            bool better = false;
            if (m_o.strategy == PackingStrategy::MinTraffic && st.gain != bestGain)
                better = st.gain > bestGain;
            else if (full != bestFull)
                better = full > bestFull;
            else
                better = best == kNoCluster || c < best;
            if (better) {
                best = c;
                bestFull = full;
                bestGain = st.gain;
            }
        }
        if (best == kNoCluster)
            best = openCluster();

        // Place: new rows for the inputs the cluster does not have yet.
        State& st = m_state[static_cast<size_t>(best)];
        Cluster& cluster = m_part.clusters[static_cast<size_t>(best)];
        cluster.neurons.push_back(id);
        m_part.clusterOf[static_cast<size_t>(id)] = best;
        if (st.shared < fanIn) {
            for (const NeuronId s : pre) {
                std::vector<int32_t>& list = m_holders[static_cast<size_t>(s)];
                if (std::find(list.begin(), list.end(), best) != list.end())
                    continue;
                list.push_back(best);
                cluster.inputs.push_back(s);
            }
        }
        st.usedRows = static_cast<int32_t>(cluster.inputs.size());
        st.usedCols = static_cast<int32_t>(cluster.neurons.size());
        st.lastUse = ++m_step;

        for (const int32_t c : m_touched) {
            State& t = m_state[static_cast<size_t>(c)];
            t.shared = 0;
            t.gain = 0.0;
            t.touched = false;
        }
        m_touched.clear();
        if (st.usedCols >= m_o.cols)
            close(best); // no free column: never a candidate again
    }

    int32_t openCluster()
    {
        if (m_o.maxOpenClusters > 0 && static_cast<int32_t>(m_open.size()) >= m_o.maxOpenClusters) {
            // Evict the least recently used open cluster.
            int32_t lru = m_open.front();
            for (const int32_t c : m_open)
                if (m_state[static_cast<size_t>(c)].lastUse < m_state[static_cast<size_t>(lru)].lastUse)
                    lru = c;
            close(lru);
        }
        const auto c = static_cast<int32_t>(m_part.clusters.size());
        m_part.clusters.emplace_back();
        m_state.push_back(State{});
        m_state.back().openSlot = static_cast<int32_t>(m_open.size());
        m_state.back().lastUse = ++m_step;
        m_open.push_back(c);
        return c;
    }

    void close(int32_t c)
    {
        State& st = m_state[static_cast<size_t>(c)];
        if (st.openSlot < 0)
            return;
        const int32_t moved = m_open.back();
        m_open[static_cast<size_t>(st.openSlot)] = moved;
        m_state[static_cast<size_t>(moved)].openSlot = st.openSlot;
        m_open.pop_back();
        st.openSlot = -1;
    }

    const NeuronGraph& m_g;
    PartitionOptions m_o;
    Partition m_part;
    std::vector<State> m_state;
    std::vector<std::vector<int32_t>> m_holders;
    std::vector<int32_t> m_open;
    std::vector<int32_t> m_touched;
    int64_t m_step = 0;
};

double millisecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

Expected<Partition> packClusters(const NeuronGraph& unrolled, const PartitionOptions& options, const RunContext& ctx)
{
    if (options.rows <= 0 || options.cols <= 0 || options.maxOpenClusters < 0)
        return makeError(Errc::InvalidArgument, "cluster limits must be positive (rows " + std::to_string(options.rows) +
                                                    ", cols " + std::to_string(options.cols) + ")");
    Packer packer(unrolled, options);
    return packer.run(ctx);
}

ClusterLowerBound clusterLowerBound(const NeuronGraph& unrolled, int32_t rows, int32_t cols)
{
    ClusterLowerBound b;
    if (rows <= 0 || cols <= 0)
        return b;
    b.byNeurons = (int64_t{unrolled.numNeurons()} + cols - 1) / cols;
    int64_t rowDemand = 0;
    for (const int32_t out : unrolled.fanOut())
        rowDemand += (int64_t{out} + cols - 1) / cols;
    b.byInputs = (rowDemand + rows - 1) / rows;

    // Private inputs: sources with fan-out 1.
    const std::vector<int32_t> fanOut = unrolled.fanOut();
    double privateShare = 0.0;
    for (NeuronId n = 0; n < unrolled.numNodes(); ++n) {
        if (unrolled.isInput(n))
            continue;
        int64_t priv = 0;
        for (const NeuronId s : unrolled.presynaptic(n))
            priv += fanOut[static_cast<size_t>(s)] == 1 ? 1 : 0;
        const int64_t cap = int64_t{rows} - unrolled.fanIn(n) + priv;
        if (priv > 0 && cap > 0)
            privateShare += static_cast<double>(priv) / static_cast<double>(cap);
    }
    // The sum is a rational; shave the floating-point noise before the ceiling.
    b.byPrivateInputs = static_cast<int64_t>(std::ceil(privateShare - 1e-9));
    b.bound = std::max({b.byNeurons, b.byInputs, b.byPrivateInputs});
    return b;
}

ClusterTraffic clusterTraffic(const NeuronGraph& graph, const Partition& partition)
{
    ClusterTraffic t;
    const size_t n = partition.clusters.size();
    t.hostSpikes.assign(n, 0.0);
    t.localSpikes.assign(n, 0.0);
    t.neuronsUsed.resize(n);
    t.inputsUsed.resize(n);
    std::vector<ClusterEdge> raw;
    for (size_t dst = 0; dst < n; ++dst) {
        const Cluster& c = partition.clusters[dst];
        t.neuronsUsed[dst] = static_cast<int32_t>(c.neurons.size());
        t.inputsUsed[dst] = static_cast<int32_t>(c.inputs.size());
        for (const NeuronId s : c.inputs) {
            const double spikes = graph.spikes(s);
            const int32_t src = partition.clusterOf[static_cast<size_t>(s)];
            if (src == kNoCluster)
                t.hostSpikes[dst] += spikes;
            else if (src == static_cast<int32_t>(dst))
                t.localSpikes[dst] += spikes;
            else
                raw.push_back(ClusterEdge{src, static_cast<int32_t>(dst), spikes});
        }
    }
    std::sort(raw.begin(), raw.end(), [](const ClusterEdge& a, const ClusterEdge& b) {
        return a.src != b.src ? a.src < b.src : a.dst < b.dst;
    });
    for (const ClusterEdge& e : raw) {
        if (!t.edges.empty() && t.edges.back().src == e.src && t.edges.back().dst == e.dst)
            t.edges.back().spikes += e.spikes;
        else
            t.edges.push_back(e);
        t.interClusterSpikes += e.spikes;
    }
    for (const double h : t.hostSpikes)
        t.hostInputSpikes += h;
    return t;
}

Expected<SnnPartition> partitionNeurons(const NeuronGraph& graph, const PartitionOptions& options, const RunContext& ctx)
{
    SnnPartition r;
    r.strategy = options.strategy;
    auto start = std::chrono::steady_clock::now();
    NNB_TRY(r.unrolled, unrollFanIn(graph, options.rows, options.unroll));
    r.unrollMilliseconds = millisecondsSince(start);
    start = std::chrono::steady_clock::now();
    NNB_TRY(r.partition, packClusters(r.unrolled.graph, options, ctx));
    r.packMilliseconds = millisecondsSince(start);
    r.lowerBound = clusterLowerBound(r.unrolled.graph, options.rows, options.cols);
    r.traffic = clusterTraffic(r.unrolled.graph, r.partition);
    return r;
}

const char* toString(UnrollShape shape)
{
    switch (shape) {
    case UnrollShape::Chain: return "chain";
    case UnrollShape::Tree: return "tree";
    }
    return "?";
}

const char* toString(PackingStrategy strategy)
{
    switch (strategy) {
    case PackingStrategy::FullestFirst: return "fullest-first";
    case PackingStrategy::MinTraffic: return "min-traffic";
    }
    return "?";
}

} // namespace nnb::snn
