// SPDX-License-Identifier: GPL-3.0-or-later
// SNN partitioning: fan-in unrolling counts and construction, greedy packing on hand-made graphs
// with known clusterings (shared inputs on one row, fullest first, the traffic variant), the
// lower bound, inter-cluster traffic, the independent validator catching every kind of
// violation, and every shipped network on every spiking profile passing the validator.
#include <QtTest>

#include <filesystem>

#include "nnb/hw/profile_io.h"
#include "nnb/onnx/import.h"
#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/partition.h"
#include "nnb/snn/partition_validation.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::snn;

namespace {

/// A graph with \p inputs input axons and neurons fed by the given presynaptic lists.
NeuronGraph handMade(int inputs, const std::vector<std::vector<NeuronId>>& neurons)
{
    NeuronGraph g;
    g.addLayer(NeuronLayer{"in", ir::kNoValue, {inputs}, 0, inputs});
    g.addLayer(NeuronLayer{"hidden", ir::kNoValue, {static_cast<int64_t>(neurons.size())}, inputs,
                           static_cast<int32_t>(neurons.size())});
    for (int i = 0; i < inputs; ++i)
        g.addInput(0);
    std::vector<float> w;
    for (const auto& pre : neurons) {
        w.clear();
        for (size_t k = 0; k < pre.size(); ++k)
            w.push_back(0.125f * static_cast<float>(k + 1));
        g.addNeuron(1, pre, w);
    }
    return g;
}

PartitionOptions limits(int rows, int cols, PackingStrategy s = PackingStrategy::FullestFirst, int open = 0)
{
    PartitionOptions o;
    o.rows = rows;
    o.cols = cols;
    o.strategy = s;
    o.maxOpenClusters = open;
    return o;
}

Partition mustPack(const NeuronGraph& g, const PartitionOptions& o)
{
    auto p = packClusters(g, o);
    if (!p)
        qFatal("%s", p.error().toString().c_str());
    return std::move(*p);
}

std::vector<std::vector<NeuronId>> neuronLists(const Partition& p)
{
    std::vector<std::vector<NeuronId>> out;
    for (const Cluster& c : p.clusters)
        out.push_back(c.neurons);
    return out;
}

/// A neuron fed by inputs 0..fanIn-1 of a graph with \p fanIn inputs.
NeuronGraph wideNeuron(int fanIn)
{
    std::vector<NeuronId> pre(static_cast<size_t>(fanIn));
    for (int i = 0; i < fanIn; ++i)
        pre[static_cast<size_t>(i)] = i;
    return handMade(fanIn, {pre});
}

std::string firstMessage(const PartitionValidation& v)
{
    return v.violations.empty() ? std::string() : v.violations.front().message;
}

} // namespace

class TestPartition : public QObject {
    Q_OBJECT

private slots:
    void chainLengths_data()
    {
        QTest::addColumn<int>("fanIn");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("k");
        QTest::addRow("fits") << 256 << 256 << 1;
        QTest::addRow("one over") << 257 << 256 << 2;
        QTest::addRow("two full rows") << 511 << 256 << 2;
        QTest::addRow("just over two") << 512 << 256 << 3;
        QTest::addRow("lenet conv2 on 64 rows") << 150 << 64 << 3;
        QTest::addRow("F=4 n=5") << 5 << 4 << 2;
        QTest::addRow("F=4 n=7") << 7 << 4 << 2;
        QTest::addRow("F=4 n=8") << 8 << 4 << 3;
        QTest::addRow("F=2 n=5") << 5 << 2 << 4;
    }

    void chainLengths()
    {
        QFETCH(int, fanIn);
        QFETCH(int, rows);
        QFETCH(int, k);
        QCOMPARE(chainLength(fanIn, rows), k);
        // k is the least count whose capacity F + (k-1)(F-1) holds the fan-in.
        QVERIFY(rows + int64_t{k - 1} * (rows - 1) >= fanIn);
        QVERIFY(k == 1 || rows + int64_t{k - 2} * (rows - 1) < fanIn);
    }

    void unrollBuildsTheDocumentedChain()
    {
        const NeuronGraph g = wideNeuron(10);
        auto u = unrollFanIn(g, 4);
        QVERIFY(u);
        QCOMPARE(u->unrolledNeurons, 1);
        QCOMPARE(u->intermediates, 2); // k = ceil(6/3) + 1 = 3 chain neurons
        const NeuronGraph& ug = u->graph;
        QCOMPARE(ug.numNodes(), 13);
        QVERIFY(ug.verify().has_value());
        // First: inputs 0..3; second: first + inputs 4..6; last: second + inputs 7..9.
        QCOMPARE(std::vector<NeuronId>(ug.presynaptic(10).begin(), ug.presynaptic(10).end()),
                 (std::vector<NeuronId>{0, 1, 2, 3}));
        QCOMPARE(std::vector<NeuronId>(ug.presynaptic(11).begin(), ug.presynaptic(11).end()),
                 (std::vector<NeuronId>{10, 4, 5, 6}));
        QCOMPARE(std::vector<NeuronId>(ug.presynaptic(12).begin(), ug.presynaptic(12).end()),
                 (std::vector<NeuronId>{11, 7, 8, 9}));
        QCOMPARE(ug.kind(10), NeuronKind::Intermediate);
        QCOMPARE(ug.kind(12), NeuronKind::Neuron);
        QCOMPARE(ug.weights(11)[0], 1.0f);
        QCOMPARE(ug.weights(12)[3], g.weights(10)[9]);
        QCOMPARE(u->unrolledOf[10], 12);
        QCOMPARE(u->originOf[11], 10);
        const auto v = validateUnrolling(g, *u);
        QVERIFY2(v.ok(), firstMessage(v).c_str());
        QVERIFY(!unrollFanIn(g, 1));
    }

    void unrollAsTree()
    {
        // F = 4, n = 10: {0..3} -> P10, {4..7} -> P11, last {8, 9, P10, P11}; n = 11 (k = 4):
        // {0..3} -> P11, {4..7} -> P12, {8, 9, 10, P11} -> P13, last {P12, P13}.
        const NeuronGraph g10 = wideNeuron(10);
        auto t10 = unrollFanIn(g10, 4, UnrollShape::Tree);
        QVERIFY(t10);
        QCOMPARE(t10->intermediates, 2);
        QCOMPARE(std::vector<NeuronId>(t10->graph.presynaptic(12).begin(), t10->graph.presynaptic(12).end()),
                 (std::vector<NeuronId>{8, 9, 10, 11}));
        QVERIFY(validateUnrolling(g10, *t10).ok());

        const NeuronGraph g11 = wideNeuron(11);
        auto t11 = unrollFanIn(g11, 4, UnrollShape::Tree);
        QVERIFY(t11);
        QCOMPARE(t11->intermediates, chainLength(11, 4) - 1);
        QCOMPARE(std::vector<NeuronId>(t11->graph.presynaptic(13).begin(), t11->graph.presynaptic(13).end()),
                 (std::vector<NeuronId>{8, 9, 10, 11}));
        QCOMPARE(std::vector<NeuronId>(t11->graph.presynaptic(14).begin(), t11->graph.presynaptic(14).end()),
                 (std::vector<NeuronId>{12, 13}));
        const auto v = validateUnrolling(g11, *t11);
        QVERIFY2(v.ok(), firstMessage(v).c_str());
        // Checked as a chain, the last neuron's two links are a violation.
        UnrolledGraph asChain = *t11;
        asChain.shape = UnrollShape::Chain;
        QVERIFY(validateUnrolling(g11, asChain).has(ViolationKind::ChainMalformed));
    }

    void privateInputBoundIsTightForChains()
    {
        // 8 neurons read the same 10 inputs; on 5 rows each becomes a chain {0..4},
        // {link, 5..8}, {link, 9}. The middle neurons fill a crossbar's rows with one private
        // link each: one cluster per neuron (8); the last ones fit 4 per cluster (2 links...
        // 1 shared row + 4 links): bound 8 × (1 + 1/4) = 10, where neurons give 3 and rows 6.
        std::vector<std::vector<NeuronId>> same(8, std::vector<NeuronId>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        const NeuronGraph g = handMade(10, same);
        const UnrolledGraph chain = *unrollFanIn(g, 5);
        const ClusterLowerBound b = clusterLowerBound(chain.graph, 5, 8);
        QCOMPARE(b.byNeurons, int64_t{3});
        QCOMPARE(b.byInputs, int64_t{6});
        QCOMPARE(b.byPrivateInputs, int64_t{10});
        QCOMPARE(b.bound, int64_t{10});
        const Partition p = mustPack(chain.graph, limits(5, 8));
        QVERIFY(validatePartition(chain.graph, p, 5, 8).ok());
        QCOMPARE(p.clusters.size(), size_t{11}); // first neurons 1, middle 8, last 2
        // The same network unrolled as trees packs its intermediates 8 to a crossbar.
        const UnrolledGraph tree = *unrollFanIn(g, 5, UnrollShape::Tree);
        const Partition pt = mustPack(tree.graph, limits(5, 8));
        QVERIFY(validatePartition(tree.graph, pt, 5, 8).ok());
        QCOMPARE(pt.clusters.size(), size_t{6}); // {0..4}, {5..9}, then 2 private links each: 2 per cluster
        QCOMPARE(clusterLowerBound(tree.graph, 5, 8).bound, int64_t{6});
    }

    void sharedInputsUseOneRow()
    {
        // n6, n7 read the same two inputs: one cluster, two rows. n8 opens a second cluster
        // (the first has no free column); n9 does not fit n8's (3 + 2 > 4 rows): a third.
        const NeuronGraph g = handMade(6, {{0, 1}, {0, 1}, {2, 3, 4}, {0, 1, 2}});
        const Partition p = mustPack(g, limits(4, 2));
        QCOMPARE(neuronLists(p), (std::vector<std::vector<NeuronId>>{{6, 7}, {8}, {9}}));
        QCOMPARE(p.clusters[0].inputs, (std::vector<NeuronId>{0, 1}));
        QCOMPARE(p.clusters[2].inputs, (std::vector<NeuronId>{0, 1, 2}));
        QCOMPARE(p.clusterOf[7], 0);
        QCOMPARE(p.clusterOf[0], kNoCluster);
        QVERIFY(validatePartition(g, p, 4, 2).ok());
    }

    void fullestFirstAgainstMinTraffic()
    {
        // C0 = {n6: 0,1,2}, C1 = {n7: 3,4,5}, then n8 (0,1) joins C0, making it the fuller one.
        // n9 reads input 5 (on a row of C1) and fits both: fullest-first takes C0 (a new row),
        // min-traffic takes C1 (input 5's spikes already go there).
        const NeuronGraph g = handMade(6, {{0, 1, 2}, {3, 4, 5}, {0, 1}, {5}});
        const Partition full = mustPack(g, limits(4, 4));
        QCOMPARE(neuronLists(full), (std::vector<std::vector<NeuronId>>{{6, 8, 9}, {7}}));
        const Partition traffic = mustPack(g, limits(4, 4, PackingStrategy::MinTraffic));
        QCOMPARE(neuronLists(traffic), (std::vector<std::vector<NeuronId>>{{6, 8}, {7, 9}}));
        QVERIFY(validatePartition(g, full, 4, 4).ok());
        QVERIFY(validatePartition(g, traffic, 4, 4).ok());
        // Host traffic: input spikes (1 each) arrive once per cluster row.
        QCOMPARE(clusterTraffic(g, full).hostInputSpikes, 7.0);
        QCOMPARE(clusterTraffic(g, traffic).hostInputSpikes, 6.0);
    }

    void boundedOpenClustersEvictLeastRecentlyUsed()
    {
        // With one open cluster, n7 closes C0 when it opens C1, so n8 (which would fit C0)
        // opens C2.
        const NeuronGraph g = handMade(6, {{0, 1}, {2, 3, 4, 5}, {0}});
        QCOMPARE(neuronLists(mustPack(g, limits(4, 4, PackingStrategy::FullestFirst, 0))),
                 (std::vector<std::vector<NeuronId>>{{6, 8}, {7}}));
        QCOMPARE(neuronLists(mustPack(g, limits(4, 4, PackingStrategy::FullestFirst, 1))),
                 (std::vector<std::vector<NeuronId>>{{6}, {7}, {8}}));
    }

    void lowerBound()
    {
        // 4 neurons on 2 columns: 2 clusters by neurons. Inputs 0 and 1 feed 3 neurons each
        // (rows in >= 2 clusters each), inputs 2, 3, 4 feed 2, 1, 1 (>= 1 each): 7 rows of
        // demand on 4 rows: 2.
        const NeuronGraph g = handMade(6, {{0, 1}, {0, 1}, {2, 3, 4}, {0, 1, 2}});
        const ClusterLowerBound b = clusterLowerBound(g, 4, 2);
        QCOMPARE(b.byNeurons, int64_t{2});
        QCOMPARE(b.byInputs, int64_t{2});
        QCOMPARE(b.bound, int64_t{2});
        QCOMPARE(clusterLowerBound(g, 2, 4).byInputs, int64_t{3}); // 5 rows of demand on 2 rows
    }

    void interClusterTraffic()
    {
        // Layer 1 (n4, n5) on 2-column crossbars fills C0; layer 2 (n6: n4, n5; n7: n4) fills C1.
        NeuronGraph g = handMade(4, {{0, 1}, {2, 3}, {4, 5}, {4}});
        g.setSpikes(4, 3.0f);
        g.setSpikes(5, 5.0f);
        const Partition p = mustPack(g, limits(4, 2));
        QCOMPARE(neuronLists(p), (std::vector<std::vector<NeuronId>>{{4, 5}, {6, 7}}));
        const ClusterTraffic t = clusterTraffic(g, p);
        QCOMPARE(t.edges.size(), size_t{1});
        QCOMPARE(t.edges[0].src, 0);
        QCOMPARE(t.edges[0].dst, 1);
        QCOMPARE(t.edges[0].spikes, 8.0); // n4's 3 spikes once (one row for two readers) + n5's 5
        QCOMPARE(t.interClusterSpikes, 8.0);
        QCOMPARE(t.hostSpikes, (std::vector<double>{4.0, 0.0}));
        QCOMPARE(t.neuronsUsed, (std::vector<int32_t>{2, 2}));
        QCOMPARE(t.inputsUsed, (std::vector<int32_t>{4, 2}));
    }

    void refusesWideNeuronsAndCancels()
    {
        const NeuronGraph g = wideNeuron(10);
        auto p = packClusters(g, limits(4, 4));
        QVERIFY(!p);
        QCOMPARE(p.error().code, Errc::InvalidArgument);
        RunContext cancel;
        cancel.isCancelled = [] { return true; };
        auto c = partitionNeurons(g, limits(4, 4), cancel);
        QVERIFY(!c);
        QCOMPARE(c.error().code, Errc::Cancelled);
    }

    void validatorCatchesEveryViolation()
    {
        const NeuronGraph g = handMade(6, {{0, 1}, {0, 1}, {2, 3, 4}, {0, 1, 2}});
        const Partition good = mustPack(g, limits(4, 2));
        QVERIFY(validatePartition(g, good, 4, 2).ok());
        auto expect = [&](const Partition& p, int rows, int cols, ViolationKind kind, int cluster) {
            const PartitionValidation v = validatePartition(g, p, rows, cols);
            QVERIFY2(v.has(kind), toString(kind));
            // Some violation of that kind names the cluster, in its field and its message.
            const bool named = std::any_of(v.violations.begin(), v.violations.end(), [&](const Violation& x) {
                return x.kind == kind && x.cluster == cluster &&
                       (cluster == kNoCluster ||
                        x.message.find("cluster " + std::to_string(cluster)) != std::string::npos);
            });
            QVERIFY2(named, firstMessage(v).c_str());
            QVERIFY(!v.toDiagnostics().empty());
        };
        {
            Partition p = good; // n9 dropped from its cluster
            p.clusters[2].neurons.clear();
            expect(p, 4, 2, ViolationKind::Unassigned, kNoCluster);
        }
        {
            Partition p = good; // n8 also in cluster 0 (met first, so cluster 1's copy is the extra)
            p.clusters[0].neurons.push_back(8);
            expect(p, 4, 3, ViolationKind::MultiplyAssigned, 1);
        }
        {
            Partition p = good;
            p.clusterOf[8] = 0;
            expect(p, 4, 2, ViolationKind::InconsistentAssignment, 1);
        }
        {
            Partition p = good; // an input axon on a column
            p.clusters[1].neurons.push_back(3);
            expect(p, 4, 2, ViolationKind::InputPlaced, 1);
        }
        // Limits: the same partition on smaller crossbars.
        expect(good, 4, 1, ViolationKind::TooManyNeurons, 0);
        expect(good, 2, 2, ViolationKind::TooManyInputs, 1);
        {
            Partition p = good;
            p.clusters[1].inputs.push_back(2);
            expect(p, 8, 2, ViolationKind::DuplicateRow, 1);
        }
        {
            Partition p = good; // input 4's row removed: n8's synapse from it is lost
            p.clusters[1].inputs.pop_back();
            expect(p, 4, 2, ViolationKind::MissingSynapse, 1);
        }
    }

    void validatorCatchesBrokenUnrolling()
    {
        const NeuronGraph g = wideNeuron(10);
        const UnrolledGraph good = *unrollFanIn(g, 4);
        QVERIFY(validateUnrolling(g, good).ok());
        {
            UnrolledGraph u = good; // claims 3 rows: chain neurons of fan-in 4 exceed them
            u.maxFanIn = 3;
            QVERIFY(validateUnrolling(g, u).has(ViolationKind::FanInExceeded));
        }
        {
            // A chain that drops input 9 and changes a weight.
            UnrolledGraph u = good;
            NeuronGraph broken;
            broken.addLayer(g.layers()[0]);
            broken.addLayer(g.layers()[1]);
            for (int i = 0; i < 10; ++i)
                broken.addInput(0);
            const std::vector<NeuronId> a{0, 1, 2, 3}, b{10, 4, 5, 6}, c{11, 7, 8};
            const std::vector<float> wa{0.125f, 0.25f, 0.375f, 0.5f}, wb{1.0f, 0.625f, 0.75f, 0.875f},
                wc{1.0f, 1.0f, 2.0f};
            broken.addNeuron(1, a, wa, NeuronKind::Intermediate);
            broken.addNeuron(1, b, wb, NeuronKind::Intermediate);
            broken.addNeuron(1, c, wc, NeuronKind::Neuron);
            u.graph = std::move(broken);
            const auto v = validateUnrolling(g, u);
            QVERIFY(v.has(ViolationKind::FanInChanged));
            QVERIFY(firstMessage(v).find("weight sum") != std::string::npos);
        }
        {
            // Chain of 2 where 3 are needed (second neuron takes 6 inputs on 4 rows... and its
            // fan-in exceeds the rows).
            UnrolledGraph u = good;
            NeuronGraph shortChain;
            shortChain.addLayer(g.layers()[0]);
            shortChain.addLayer(g.layers()[1]);
            for (int i = 0; i < 10; ++i)
                shortChain.addInput(0);
            const std::vector<NeuronId> a{0, 1, 2, 3}, b{10, 4, 5, 6, 7, 8, 9};
            shortChain.addNeuron(1, a, g.weights(10).subspan(0, 4), NeuronKind::Intermediate);
            std::vector<float> wb{1.0f};
            for (size_t k = 4; k < 10; ++k)
                wb.push_back(g.weights(10)[k]);
            shortChain.addNeuron(1, b, wb, NeuronKind::Neuron);
            u.graph = std::move(shortChain);
            u.originOf = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10};
            u.unrolledOf[10] = 11;
            const auto v = validateUnrolling(g, u);
            QVERIFY(v.has(ViolationKind::ChainMalformed));
            QVERIFY(v.has(ViolationKind::FanInExceeded));
            QVERIFY(!v.has(ViolationKind::FanInChanged));
        }
    }

    void shippedNetworksOnSpikingProfiles_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("profile");
        QTest::addColumn<int>("pooling");
        int spiking = 0;
        for (const auto& entry : std::filesystem::directory_iterator(test::profileDir())) {
            if (entry.path().extension() != ".yaml")
                continue;
            auto profile = hw::loadProfile(entry.path());
            QVERIFY2(profile.has_value(), entry.path().string().c_str());
            if (!profile->isSpiking())
                continue;
            ++spiking;
            for (const char* model : {"mlp", "lenet"})
                for (int pooling : {0, 1})
                    if (pooling == 0 || std::string(model) == "lenet")
                        QTest::addRow("%s on %s%s", model, profile->id.c_str(), pooling ? " (pooling folded)" : "")
                            << QString(model) << QString::fromStdString(entry.path().string()) << pooling;
        }
        QVERIFY(spiking >= 2); // tianji and truenorth
    }

    void shippedNetworksOnSpikingProfiles()
    {
        QFETCH(QString, model);
        QFETCH(QString, profile);
        QFETCH(int, pooling);
        auto hwProfile = hw::loadProfile(profile.toStdString());
        QVERIFY(hwProfile);
        auto net = onnx::importModel(test::resourceDir() / "models" / (model.toStdString() + ".onnx"));
        QVERIFY(net);
        NeuronGraphOptions go;
        go.pooling = pooling == 0 ? PoolingMode::Neurons : PoolingMode::Fold;
        auto graph = buildNeuronGraph(net->graph, go);
        QVERIFY(graph);
        const int rows = hwProfile->crossbar.rows, cols = hwProfile->crossbar.cols;
        for (const PackingStrategy s : {PackingStrategy::FullestFirst, PackingStrategy::MinTraffic}) {
            for (const UnrollShape shape : {UnrollShape::Chain, UnrollShape::Tree}) {
                PartitionOptions o = limits(rows, cols, s, 64);
                o.unroll = shape;
                auto r = partitionNeurons(*graph, o);
                QVERIFY(r);
                const PartitionValidation unrolling = validateUnrolling(*graph, r->unrolled);
                QVERIFY2(unrolling.ok(), firstMessage(unrolling).c_str());
                const PartitionValidation v = validatePartition(r->unrolled.graph, r->partition, rows, cols);
                QVERIFY2(v.ok(), firstMessage(v).c_str());
                const auto clusters = static_cast<int64_t>(r->partition.clusters.size());
                QVERIFY(clusters >= r->lowerBound.bound);
                qInfo("%s, %s: %lld clusters (bound %lld), %d intermediates, %.0f inter-cluster spikes",
                      toString(s), toString(shape), static_cast<long long>(clusters),
                      static_cast<long long>(r->lowerBound.bound),
                      r->unrolled.intermediates, r->traffic.interClusterSpikes);
            }
        }
    }

    void syntheticNetworkPartitionsValidly()
    {
        SyntheticOptions so;
        so.inputs = 512;
        so.neurons = 8000;
        so.layers = 4;
        so.minFanIn = 100;
        so.maxFanIn = 400;
        so.withWeights = true;
        auto g = syntheticNeuronGraph(so);
        QVERIFY(g);
        double spikes[2] = {0.0, 0.0};
        for (const PackingStrategy s : {PackingStrategy::FullestFirst, PackingStrategy::MinTraffic}) {
            PartitionOptions o = limits(256, 256, s, 64);
            o.unroll = s == PackingStrategy::MinTraffic ? UnrollShape::Tree : UnrollShape::Chain;
            auto r = partitionNeurons(*g, o);
            QVERIFY(r);
            QVERIFY(validateUnrolling(*g, r->unrolled).ok());
            const auto v = validatePartition(r->unrolled.graph, r->partition, 256, 256);
            QVERIFY2(v.ok(), firstMessage(v).c_str());
            QVERIFY(static_cast<int64_t>(r->partition.clusters.size()) >= r->lowerBound.bound);
            spikes[s == PackingStrategy::MinTraffic ? 1 : 0] = r->traffic.interClusterSpikes;
        }
        qInfo("inter-cluster spikes: fullest-first %.0f, min-traffic %.0f", spikes[0], spikes[1]);
    }
};

QTEST_APPLESS_MAIN(TestPartition)
#include "tst_partition.moc"
