// SPDX-License-Identifier: GPL-3.0-or-later
// Tile graph, XY routing, cost model and schedule against hand-computed figures.
#include <QtTest>

#include "nnb/map/mapping.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::mapping;

namespace {

/// A round-number crossbar profile: 128x128, 8-bit inputs through 4-bit DACs (2 input cycles),
/// 8-bit ADC, integer weights (1 array per tile), 2x1 mesh.
hw::Profile handProfile()
{
    hw::Profile p;
    p.id = "hand";
    p.crossbar = {128, 128};
    p.weights.encoding = hw::WeightEncoding::Integer;
    p.weights.differential = false;
    p.io.inputBits = 8;
    p.io.dacBits = 4;
    p.io.adcBits = 8;
    p.io.outputBits = 8;
    p.neuron.model = hw::NeuronModel::Relu;
    p.chip = {2, 2, 1};
    p.noc = {5.0, 1.0, 8.0};
    p.costs.crossbarMvmLatencyNs = 100;
    p.costs.crossbarMvmEnergyPj = 10;
    p.costs.dacConversionLatencyNs = 1;
    p.costs.dacConversionEnergyPj = 0.5;
    p.costs.adcConversionLatencyNs = 2;
    p.costs.adcConversionEnergyPj = 2;
    p.costs.digitalOpLatencyNs = 1;
    p.costs.digitalOpEnergyPj = 0.1;
    p.costs.spikeLatencyNs = 3;
    p.costs.spikeEnergyPj = 1.5;
    return p;
}

ir::ValueId constant(ir::Graph& g, const std::string& name, ir::Shape shape, float value = 0.5f)
{
    return g.addConstant(name, ir::Tensor::filled(std::move(shape), value));
}

void addCoreOp(ir::Graph& g, const std::string& name, ir::ValueId in, ir::ValueId w, ir::ValueId out, bool conv = false,
               int64_t pad = 0)
{
    ir::Attributes a;
    a.set("kind", std::string(conv ? "conv" : "dense"));
    a.set("layer", name);
    a.set("role", std::string("layer"));
    a.set("activation", std::string("relu"));
    if (conv) {
        a.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
        a.set("strides", std::vector<int64_t>{1, 1});
        a.set("dilations", std::vector<int64_t>{1, 1});
    }
    g.addNode(name, ir::OpKind::CoreOp, {in, w}, {out}, std::move(a));
}

/// fc1: 16 -> 8, fc2: 8 -> 4, as the compiler emits them (one core-op each).
ir::Graph twoLayerDense()
{
    ir::Graph g;
    const ir::ValueId x = g.addInput("x", {ir::kDynamicDim, 16});
    const ir::ValueId h = g.addValue("h", {ir::kDynamicDim, 8});
    const ir::ValueId y = g.addValue("y", {ir::kDynamicDim, 4});
    addCoreOp(g, "fc1", x, constant(g, "w1", {16, 8}), h);
    addCoreOp(g, "fc2", h, constant(g, "w2", {8, 4}), y);
    g.addOutput(y);
    return g;
}

MapOptions sequentialOptions()
{
    MapOptions o;
    o.placement.placer = Placer::Sequential;
    return o;
}

} // namespace

class TestMapCost : public QObject {
    Q_OBJECT

private slots:
    void tileGraphOfTwoLayers()
    {
        const auto g = buildTileGraph(twoLayerDense(), handProfile());
        QVERIFY2(g, g ? "" : g.error().toString().c_str());
        QCOMPARE(g->numTiles(), 2);
        QCOMPARE(g->tiles[0].rowsUsed, 16);
        QCOMPARE(g->tiles[0].colsUsed, 8);
        QCOMPARE(g->tiles[1].rowsUsed, 8);
        QCOMPARE(g->tiles[1].colsUsed, 4);
        QCOMPARE(g->edges.size(), size_t{1});
        const TrafficEdge& e = g->edges[0];
        QCOMPARE(e.from, 0);
        QCOMPARE(e.to, 1);
        QCOMPARE(e.values, 8.0);
        QCOMPARE(e.wireBits, 64.0); // 8 values x 8 bits
        QCOMPARE(e.traffic, 8.0);   // bytes
        QCOMPARE(e.packets, 1.0);   // one 64-bit packet
    }

    void costModelTwoLayers()
    {
        const hw::Profile p = handProfile();
        const auto g = buildTileGraph(twoLayerDense(), p);
        QVERIFY(g);
        const auto r = mapTiles(*g, p, sequentialOptions());
        QVERIFY2(r, r ? "" : r.error().toString().c_str());
        QVERIFY(r->feasible);

        // fc1: 1 MVM x 2 input cycles = 2 reads. Crossbar 2 x 100 ns, 2 x 10 pJ. DAC: 2 x 16 rows
        // = 32 conversions x 0.5 pJ = 16 pJ; ADC: 2 x 8 cols = 16 x 2 pJ = 32 pJ; 2 x (1 + 2) ns.
        // Digital: 8 cols x 2 cycles = 16 ops x 0.1 pJ, 2 x 1 ns. Busy 208 ns.
        const LayerMapping& fc1 = r->layers[0];
        QCOMPARE(fc1.layer, std::string("fc1"));
        QCOMPARE(fc1.cores, 1);
        QCOMPARE(fc1.latencyNs.crossbar, 200.0);
        QCOMPARE(fc1.latencyNs.adcDac, 6.0);
        QCOMPARE(fc1.latencyNs.digital, 2.0);
        QCOMPARE(fc1.energyPj.crossbar, 20.0);
        QCOMPARE(fc1.energyPj.adcDac, 48.0);
        QVERIFY(qFuzzyCompare(fc1.energyPj.digital, 1.6));
        // The 8 bytes of h cross one hop: 5 ns + 64 bit / 8 Gbit/s = 13 ns; 1 packet x 1 pJ.
        QCOMPARE(fc1.latencyNs.noc, 13.0);
        QCOMPARE(fc1.energyPj.noc, 1.0);
        // fc2: DAC 2 x 8 = 16 x 0.5 = 8 pJ; ADC 2 x 4 = 8 x 2 = 16 pJ; digital 4 x 2 = 8 ops.
        const LayerMapping& fc2 = r->layers[1];
        QCOMPARE(fc2.latencyNs.total(), 208.0);
        QCOMPARE(fc2.energyPj.crossbar, 20.0);
        QCOMPARE(fc2.energyPj.adcDac, 24.0);
        QVERIFY(qFuzzyCompare(fc2.energyPj.digital, 0.8));
        QCOMPARE(fc2.energyPj.noc, 0.0);

        QCOMPARE(r->energyPj.crossbar, 40.0);
        QCOMPARE(r->energyPj.adcDac, 72.0);
        QVERIFY(qFuzzyCompare(r->energyPj.digital, 2.4));
        QCOMPARE(r->energyPj.noc, 1.0);
        QVERIFY(qFuzzyCompare(r->energyPj.total(), 115.4));
        QCOMPARE(r->hopTraffic, 8.0);
        QCOMPARE(r->maxLinkTraffic, 8.0);
        QCOMPARE(r->maxLinkBusyNs, 8.0);

        // Not pipelined: 208 + 13 + 208 = 429 ns. Pipelined: one inference every 208 ns.
        QCOMPARE(r->schedule.sequentialLatencyNs, 429.0);
        QCOMPARE(r->latencyNs.total(), 429.0);
        QCOMPARE(r->latencyNs.noc, 13.0);
        QCOMPARE(r->schedule.pipelinedLatencyNs, 429.0); // dense layers do not stream
        QCOMPARE(r->schedule.initiationIntervalNs, 208.0);
        QVERIFY(qFuzzyCompare(r->schedule.sequentialThroughput, 1e9 / 429.0));
        QVERIFY(qFuzzyCompare(r->schedule.pipelinedThroughput, 1e9 / 208.0));
        QVERIFY(qFuzzyCompare(r->schedule.speedup, 429.0 / 208.0));

        // The GUI's view: per core its tile and traffic, per link its load.
        QCOMPARE(r->cores.size(), size_t{2});
        QCOMPARE(r->cores[0].layer, std::string("fc1"));
        QCOMPARE(r->cores[0].trafficOut, 8.0);
        QCOMPARE(r->cores[1].trafficIn, 8.0);
        QCOMPARE(r->cores[1].busyNs, 208.0);
        QCOMPARE(r->links.size(), size_t{2});
    }

    void convolutionRowsStream()
    {
        // Two 3x3 convolutions (pad 1) on 8x8 maps: the second starts once 2 of the first's 8
        // output rows exist. Digital core, 8-bit DAC: 1 cycle; 64 MVMs x 10 ns = 640 ns each.
        hw::Profile p = handProfile();
        p.io.dacBits = 8;
        p.io.adcBits = 0;
        p.costs.crossbarMvmLatencyNs = 10;
        p.costs.digitalOpLatencyNs = 0;
        p.noc = {4.0, 1.0, 1024.0};
        ir::Graph g;
        const ir::ValueId x = g.addInput("x", {ir::kDynamicDim, 1, 8, 8});
        const ir::ValueId h = g.addValue("h", {ir::kDynamicDim, 2, 8, 8});
        const ir::ValueId y = g.addValue("y", {ir::kDynamicDim, 2, 8, 8});
        addCoreOp(g, "conv1", x, constant(g, "w1", {2, 1, 3, 3}), h, true, 1);
        addCoreOp(g, "conv2", h, constant(g, "w2", {2, 2, 3, 3}), y, true, 1);
        g.addOutput(y);
        const auto tiles = buildTileGraph(g, p);
        QVERIFY(tiles);
        QCOMPARE(tiles->tiles[0].mvmsPerInference, int64_t{64});
        QCOMPARE(tiles->tiles[1].rowsUsed, 18);
        QCOMPARE(tiles->edges[0].startFraction, 0.25);
        const auto r = mapTiles(*tiles, p, sequentialOptions());
        QVERIFY(r && r->feasible);
        // Transfer: 4 ns hop + 128 values x 8 bit / 1024 Gbit/s = 5 ns.
        QCOMPARE(r->schedule.sequentialLatencyNs, 640.0 + 5.0 + 640.0);
        // Pipelined: conv2 starts when 2 of 8 rows exist and a quarter of the bits crossed:
        // 0.25 x 640 + 4 + 0.25 x 1 = 164.25 ns, and ends at 164.25 + 640 = 804.25 ns (its last
        // input row arrives at 640 + 4 + 1/8 ns, 80 ns per output row before that bound).
        QCOMPARE(r->schedule.pipelinedLatencyNs, 804.25);
        QCOMPARE(r->schedule.initiationIntervalNs, 640.0);
        QVERIFY(qFuzzyCompare(r->schedule.speedup, 1285.0 / 640.0));
    }

    void spikingTrafficCountsSpikes()
    {
        hw::Profile p = handProfile();
        p.neuron.model = hw::NeuronModel::Lif;
        p.neuron.ticksPerInference = 10;
        p.io.adcBits = 0;
        p.io.inputBits = 1;
        p.io.dacBits = 1;
        TrafficOptions t;
        t.meanSpikeRate = 0.25;
        const auto g = buildTileGraph(twoLayerDense(), p, t);
        QVERIFY(g);
        QCOMPARE(g->unit, TrafficUnit::Spikes);
        // 8 values x 10 ticks x 0.25 = 20 spikes, one packet each.
        QCOMPARE(g->edges[0].traffic, 20.0);
        QCOMPARE(g->edges[0].packets, 20.0);
        const auto r = mapTiles(*g, p, sequentialOptions());
        QVERIFY(r && r->feasible);
        QCOMPARE(r->hopTraffic, 20.0); // hop-spikes
        // fc1 emits 8 neurons x 10 ticks x 0.25 = 20 spikes x 1.5 pJ; 10 ticks x 3 ns.
        QCOMPARE(r->layers[0].energyPj.spikes, 30.0);
        QCOMPARE(r->layers[0].latencyNs.spikes, 30.0);
        QCOMPARE(r->layers[0].latencyNs.crossbar, 1000.0); // 10 ticks x 100 ns
        QCOMPARE(r->layers[0].energyPj.noc, 20.0);         // 20 packets x 1 hop x 1 pJ
        QCOMPARE(r->layers[0].energyPj.adcDac, 0.0);
        QVERIFY(!r->diagnostics.empty()); // the rate assumption is stated
    }

    void xyRoutingLoadsLinks()
    {
        TileGraph g;
        g.layers = {"a", "b"};
        g.tiles.resize(2);
        g.tiles[1].layer = 1;
        g.edges.push_back(g.makeEdge(0, 1, 10)); // 10 bytes
        g.edges.push_back(g.makeEdge(1, 0, 2));  // 2 bytes back
        const Mesh mesh{3, 3};
        const Routing r = routeXY(g, mesh, {0, 8}, hw::NocSpec{1.0, 1.0, 8.0});
        QCOMPARE(r.links.size(), size_t{24});
        QCOMPARE(r.edgeHops, (std::vector<int>{4, 4}));
        QCOMPARE(r.hopTraffic, 48.0);
        QCOMPARE(r.maxLinkTraffic, 10.0);
        QCOMPARE(r.maxLinkBusyNs, 10.0); // 80 bits / 8 Gbit/s
        auto loadOf = [&](int from, int to) {
            for (const LinkLoad& l : r.links)
                if (l.from == from && l.to == to)
                    return l.traffic;
            return -1.0;
        };
        // Forward: x first (0->1->2), then y (2->5->8); backward: 8->7->6, then 6->3->0.
        for (auto [from, to] : {std::pair{0, 1}, {1, 2}, {2, 5}, {5, 8}})
            QCOMPARE(loadOf(from, to), 10.0);
        for (auto [from, to] : {std::pair{8, 7}, {7, 6}, {6, 3}, {3, 0}})
            QCOMPARE(loadOf(from, to), 2.0);
        QCOMPARE(loadOf(1, 0), 0.0);
        QCOMPARE(loadOf(4, 5), 0.0);
    }
};

QTEST_APPLESS_MAIN(TestMapCost)
#include "tst_map_cost.moc"
