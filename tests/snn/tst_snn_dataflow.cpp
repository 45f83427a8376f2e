// SPDX-License-Identifier: GPL-3.0-or-later
// The clustered SNN as a dataflow graph: hand-computed periods (a core-bound and a link-bound
// two-cluster pipeline), run-time admission around occupied tiles, and the shipped networks on
// the spiking profiles end to end (neurons -> clusters -> SDF -> throughput).
#include <QtTest>

#include <algorithm>

#include "nnb/hw/profile_io.h"
#include "nnb/onnx/import.h"
#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/partition.h"
#include "nnb/snn/snn_dataflow.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::snn;

namespace {

hw::Profile testProfile()
{
    hw::Profile p;
    p.id = "test";
    p.neuron.model = hw::NeuronModel::Lif;
    p.neuron.ticksPerInference = 4;
    p.costs.crossbarMvmLatencyNs = 256; // a tick
    p.costs.spikeLatencyNs = 1;
    p.noc.linkBandwidthGbitPerS = 8;    // 32-bit packets: 4 ns each
    p.noc.hopLatencyNs = 10;
    p.chip.meshWidth = 2;
    p.chip.meshHeight = 1;
    p.chip.cores = 2;
    return p;
}

/// Two clusters, cluster 0 -> cluster 1 with \p spikes per inference, 5 host spikes into 0.
SnnPartition pipeline(double spikes)
{
    SnnPartition s;
    s.partition.clusters.resize(2);
    s.traffic.edges = {{0, 1, spikes}};
    s.traffic.hostSpikes = {5.0, 0.0};
    return s;
}

} // namespace

class TestSnnDataflow : public QObject {
    Q_OBJECT
private slots:
    void coreBoundPipeline()
    {
        // A tick of a cluster: 256 ns. Link 0->1: 10 spikes per inference = 2.5 per tick, as one
        // token taking ceil(2.5 x (1 + 32/8) + 10) = 23 ns. The core bounds: 256 ns per tick
        // (the buffer cycle is (256 + 23 + 256) / 3), 4 ticks = 1024 ns per inference.
        const SnnPartition s = pipeline(10);
        const TilePlacement placement = designTimePlacement(s, testProfile());
        QCOMPARE(placement.tileOf, (std::vector<int32_t>{0, 1}));
        auto t = clusterThroughput(s, placement, testProfile());
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(t->tickPeriodNs, dataflow::Rational::make(256, 1));
        QCOMPARE(t->periodNs, dataflow::Rational::make(1024, 1));
        QVERIFY(t->critical.find("cluster") != std::string::npos);
    }

    void linkBoundPipeline()
    {
        // 1000 spikes per inference = 250 per tick travel as 16 tokens of 15.625 spikes:
        // ceil(15.625 x 5 + 10) = 89 ns each, 1424 ns per tick on the sequential link, which
        // bounds: 5696 ns per inference.
        const SnnPartition s = pipeline(1000);
        DataflowModelOptions fine;
        fine.maxTokensPerChannel = 16;
        auto t = clusterThroughput(s, designTimePlacement(s, testProfile()), testProfile(), fine);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(t->tickPeriodNs, dataflow::Rational::make(16 * 89, 1));
        QCOMPARE(t->periodNs, dataflow::Rational::make(4 * 16 * 89, 1));
        QVERIFY2(t->critical.find("link 0->1") != std::string::npos, t->critical.c_str());
        QCOMPARE(t->inferencesPerSecond, 1e9 / 5696.0);
        // Farther apart, every token pays more hops: slower.
        TilePlacement far{3, 1, {0, 2}};
        auto slower = clusterThroughput(s, far, testProfile(), fine);
        QVERIFY(slower);
        QCOMPARE(slower->periodNs, dataflow::Rational::make(4 * 16 * 99, 1));
        // The default: a tick's spikes as one token (ceil(250 x 5 + 10) = 1260 ns): one hop paid.
        auto coarse = clusterThroughput(s, designTimePlacement(s, testProfile()), testProfile());
        QVERIFY(coarse);
        QCOMPARE(coarse->periodNs, dataflow::Rational::make(4 * 1260, 1));
    }

    void badPlacementIsRefused()
    {
        const SnnPartition s = pipeline(10);
        QVERIFY(!clusterThroughput(s, TilePlacement{2, 1, {0, 0}}, testProfile()));
        QVERIFY(!clusterThroughput(s, TilePlacement{2, 1, {0}}, testProfile()));
        QVERIFY(!clusterThroughput(s, TilePlacement{2, 1, {0, 5}}, testProfile()));
    }

    void admissionAvoidsOccupiedTiles()
    {
        const SnnPartition s = pipeline(1000);
        // 3 x 3 mesh, the middle column taken: the clusters go to free tiles, adjacent if possible.
        std::vector<bool> occupied(9, false);
        occupied[1] = occupied[4] = occupied[7] = true;
        auto a = admit(s, testProfile(), 3, 3, occupied);
        QVERIFY2(a, a ? "" : a.error().toString().c_str());
        QVERIFY(a->admitted);
        for (int32_t t : a->placement.tileOf)
            QVERIFY(!occupied[static_cast<size_t>(t)]);
        QVERIFY(a->placement.tileOf[0] != a->placement.tileOf[1]);
        auto same = clusterThroughput(s, a->placement, testProfile());
        QVERIFY(same);
        QCOMPARE(a->throughput.periodNs, same->periodNs);
        // Too few free tiles: refused with the count, not an error.
        std::vector<bool> full(9, true);
        full[8] = false;
        auto refused = admit(s, testProfile(), 3, 3, full);
        QVERIFY(refused);
        QVERIFY(!refused->admitted);
        QVERIFY2(refused->reason.find("1 are free") != std::string::npos, refused->reason.c_str());
    }

    void shippedNetworksOnSpikingProfiles_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("profile");
        for (const char* m : {"mlp", "lenet"})
            for (const char* p : {"tianji", "truenorth"})
                QTest::newRow(qPrintable(QStringLiteral("%1 on %2").arg(m, p))) << QString::fromLatin1(m) << QString::fromLatin1(p);
    }

    void shippedNetworksOnSpikingProfiles()
    {
        QFETCH(QString, model);
        QFETCH(QString, profile);
        auto network = onnx::importModel(test::resourceDir() / "models" / (model.toStdString() + ".onnx"));
        QVERIFY(network);
        auto hw = hw::loadProfile(test::profileDir() / (profile.toStdString() + ".yaml"));
        QVERIFY(hw);
        QVERIFY(hw->isSpiking());
        auto neurons = buildNeuronGraph(network->graph);
        QVERIFY2(neurons, neurons ? "" : neurons.error().toString().c_str());
        PartitionOptions options;
        options.rows = hw->crossbar.rows;
        options.cols = hw->crossbar.cols;
        options.unroll = UnrollShape::Tree;
        auto partition = partitionNeurons(*neurons, options);
        QVERIFY2(partition, partition ? "" : partition.error().toString().c_str());
        const TilePlacement placement = designTimePlacement(*partition, *hw);
        auto t = clusterThroughput(*partition, placement, *hw);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        // No faster than one cluster's ticks; every cluster and the host are actors.
        const double clusterNs = hw->neuron.ticksPerInference * hw->costs.crossbarMvmLatencyNs;
        QVERIFY(t->tickPeriodNs.toDouble() >= hw->costs.crossbarMvmLatencyNs);
        QVERIFY(t->periodNs.toDouble() >= clusterNs);
        QVERIFY(t->actors > static_cast<int>(partition->partition.clusters.size()));
        qInfo("%s on %s: %zu clusters, %d actors, period %s ns (%.0f inferences/s), critical %s", qPrintable(model),
              qPrintable(profile), partition->partition.clusters.size(), t->actors, t->periodNs.toString().c_str(),
              t->inferencesPerSecond, t->critical.c_str());
    }
};

QTEST_GUILESS_MAIN(TestSnnDataflow)
#include "tst_snn_dataflow.moc"
