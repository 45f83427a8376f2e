// SPDX-License-Identifier: GPL-3.0-or-later
// The neuron-level graph: CSR container and invariants, expansion of small hand-built networks
// (dense, conv receptive fields with padding, pooling as neurons or folded), the shipped
// networks' neuron and synapse counts, and the seeded synthetic generator.
#include <QtTest>

#include "graph_builders.h"
#include "nnb/onnx/import.h"
#include "nnb/snn/neuron_graph.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::snn;

namespace {

ir::Attributes poolAttrs(int64_t k, int64_t stride)
{
    ir::Attributes a;
    a.set("kernel_shape", std::vector<int64_t>{k, k});
    a.set("strides", std::vector<int64_t>{stride, stride});
    return a;
}

NeuronGraph mustBuild(const ir::Graph& g, const NeuronGraphOptions& o = {})
{
    auto r = buildNeuronGraph(g, o);
    if (!r)
        qFatal("%s", r.error().toString().c_str());
    if (auto ok = r->verify(); !ok)
        qFatal("%s", ok.error().toString().c_str());
    return std::move(*r);
}

ir::Graph loadShipped(const char* name)
{
    auto m = onnx::importModel(test::resourceDir() / "models" / name);
    if (!m)
        qFatal("%s", m.error().toString().c_str());
    return std::move(m->graph);
}

} // namespace

class TestNeuronGraph : public QObject {
    Q_OBJECT

private slots:
    void csrBasics()
    {
        NeuronGraph g;
        const int32_t in = g.addLayer(NeuronLayer{"in", ir::kNoValue, {3}, 0, 3});
        const int32_t l1 = g.addLayer(NeuronLayer{"l1", ir::kNoValue, {2}, 3, 2});
        for (int i = 0; i < 3; ++i)
            g.addInput(in);
        const std::vector<NeuronId> a{0, 2}, b{1, 2, 3};
        const std::vector<float> wa{0.5f, -1.0f};
        QCOMPARE(g.addNeuron(l1, a, wa), 3);
        QCOMPARE(g.addNeuron(l1, b), 4); // no weights given: weight 1
        QCOMPARE(g.numInputs(), 3);
        QCOMPARE(g.numNeurons(), 2);
        QCOMPARE(g.numSynapses(), int64_t{5});
        QCOMPARE(g.fanIn(4), 3);
        QCOMPARE(g.weights(3)[1], -1.0f);
        QCOMPARE(g.weights(4)[2], 1.0f);
        QCOMPARE(g.fanOut(), (std::vector<int32_t>{1, 1, 2, 1, 0}));
        QVERIFY(g.verify().has_value());
        QVERIFY(g.setLayerSpikeCounts(l1, std::vector<float>{3.0f, 7.0f}).has_value());
        QCOMPARE(g.spikes(4), 7.0f);
        QVERIFY(!g.setLayerSpikeCounts(l1, std::vector<float>{1.0f}).has_value());
        QVERIFY(g.describe(4).find("l1 element 1") != std::string::npos);
    }

    void verifyCatchesBrokenGraphs()
    {
        NeuronGraph forward(false);
        forward.addInput(0);
        const std::vector<NeuronId> later{5};
        forward.addNeuron(0, later);
        QVERIFY(!forward.verify().has_value());

        NeuronGraph dup(false);
        dup.addInput(0);
        const std::vector<NeuronId> twice{0, 0};
        dup.addNeuron(0, twice);
        QVERIFY(!dup.verify().has_value());
    }

    void denseLayer()
    {
        test::GraphBuilder b({ir::kDynamicDim, 3});
        b.gemm(3, 2);
        b.unary(ir::OpKind::Relu);
        const ir::Graph net = b.finish();
        const NeuronGraph g = mustBuild(net);
        QCOMPARE(g.numInputs(), 3);
        QCOMPARE(g.numNeurons(), 2);
        // Gemm with transB: W is [out, in]; neuron j's weight from input i is W[j, i].
        const ir::Tensor& w = *net.value(net.node(0).inputs[1]).constant;
        QCOMPARE(g.presynaptic(4).size(), size_t{3});
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(g.presynaptic(4)[static_cast<size_t>(i)], i);
            QCOMPARE(g.weights(4)[static_cast<size_t>(i)], w.f[static_cast<size_t>(3 + i)]);
        }
        QCOMPARE(g.layers().size(), size_t{2});
        QCOMPARE(g.layers()[1].first, 3);
        QCOMPARE(g.layers()[1].count, 2);
    }

    void convReceptiveFieldsExcludePadding()
    {
        test::GraphBuilder b({ir::kDynamicDim, 2, 4, 4});
        b.conv(2, 3, 3, {1, 1}, {1, 1, 1, 1});
        const ir::Graph net = b.finish();
        const NeuronGraph g = mustBuild(net);
        QCOMPARE(g.numInputs(), 32);
        QCOMPARE(g.numNeurons(), 3 * 16);
        // Output (c=1, y=0, x=0): window rows/cols 0..1 of both input channels.
        const NeuronId corner = 32 + 16;
        QCOMPARE(g.fanIn(corner), 2 * 4);
        const std::vector<NeuronId> expected{0, 1, 4, 5, 16, 17, 20, 21};
        QCOMPARE(std::vector<NeuronId>(g.presynaptic(corner).begin(), g.presynaptic(corner).end()), expected);
        // Weight of input (c=1, y=1, x=1) = W[1, 1, 2, 2] (kernel offset +1 from the -1 pad).
        const ir::Tensor& w = *net.value(net.node(0).inputs[1]).constant;
        QCOMPARE(g.weights(corner)[7], w.f[((1 * 2 + 1) * 3 + 2) * 3 + 2]);
        // An interior output has the full 3 x 3 x 2 window.
        QCOMPARE(g.fanIn(32 + 16 + 5), 18);
    }

    void poolingAsNeuronsOrFolded()
    {
        test::GraphBuilder b({ir::kDynamicDim, 1, 4, 4});
        b.conv(1, 1, 1, {1, 1}, {0, 0, 0, 0});
        b.unary(ir::OpKind::AveragePool, poolAttrs(2, 2));
        b.unary(ir::OpKind::Flatten);
        b.gemm(4, 1);
        const ir::Graph net = b.finish();

        const NeuronGraph asNeurons = mustBuild(net);
        QCOMPARE(asNeurons.numNeurons(), 16 + 4 + 1);
        const NeuronId pool0 = 16 + 16;
        QCOMPARE(asNeurons.fanIn(pool0), 4);
        QCOMPARE(asNeurons.weights(pool0)[0], 0.25f);
        QCOMPARE(asNeurons.fanIn(asNeurons.numNodes() - 1), 4);

        NeuronGraphOptions fold;
        fold.pooling = PoolingMode::Fold;
        const NeuronGraph folded = mustBuild(net, fold);
        QCOMPARE(folded.numNeurons(), 16 + 1);
        const NeuronId out = folded.numNodes() - 1;
        QCOMPARE(folded.fanIn(out), 16); // all four windows reach the dense neuron
        const ir::Tensor& w = *net.value(net.node(3).inputs[1]).constant;
        // Conv output (0,0) is in window 0: weight w[0] / 4.
        QVERIFY(std::abs(folded.weights(out)[0] - w.f[0] * 0.25f) < 1e-6f);
    }

    void residualAddMergesSources()
    {
        test::GraphBuilder b({ir::kDynamicDim, 4});
        const ir::ValueId x = b.current();
        b.gemm(4, 4);
        const ir::ValueId y = b.current();
        b.node(ir::OpKind::Add, {x, y});
        b.gemm(4, 1);
        const NeuronGraph g = mustBuild(b.finish());
        QCOMPARE(g.numNeurons(), 5);
        QCOMPARE(g.fanIn(g.numNodes() - 1), 8); // 4 inputs (skip path) + 4 neurons
    }

    void unsupportedOpNamesTheNode()
    {
        test::GraphBuilder b({ir::kDynamicDim, 2, 3});
        ir::Attributes perm;
        perm.set("perm", std::vector<int64_t>{0, 2, 1});
        b.unary(ir::OpKind::Transpose, perm);
        auto r = buildNeuronGraph(b.finish());
        QVERIFY(!r);
        QCOMPARE(r.error().code, Errc::UnsupportedOp);
        QVERIFY(r.error().toString().find("Transpose") != std::string::npos);
    }

    void shippedNetworks_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<int>("pooling");
        QTest::addColumn<int>("inputs");
        QTest::addColumn<int>("neurons");
        QTest::addColumn<qint64>("synapses");
        QTest::addRow("mlp") << "mlp.onnx" << 0 << 784 << 256 + 128 + 10
                             << qint64{784 * 256 + 256 * 128 + 128 * 10};
        // LeNet: conv 6x28x28 (5x5, pad 2: border windows are cut), pool 6x14x14, conv 16x10x10,
        // pool 16x5x5, dense 120, 84, 10.
        QTest::addRow("lenet pooling neurons") << "lenet.onnx" << 0 << 784 << 4704 + 1176 + 1600 + 400 + 120 + 84 + 10
                                               << qint64{-1};
        QTest::addRow("lenet pooling folded") << "lenet.onnx" << 1 << 784 << 4704 + 1600 + 120 + 84 + 10 << qint64{-1};
    }

    void shippedNetworks()
    {
        QFETCH(QString, model);
        QFETCH(int, pooling);
        QFETCH(int, inputs);
        QFETCH(int, neurons);
        QFETCH(qint64, synapses);
        NeuronGraphOptions o;
        o.pooling = pooling == 0 ? PoolingMode::Neurons : PoolingMode::Fold;
        const NeuronGraph g = mustBuild(loadShipped(model.toStdString().c_str()), o);
        QCOMPARE(g.numInputs(), inputs);
        QCOMPARE(g.numNeurons(), neurons);
        if (synapses >= 0)
            QCOMPARE(g.numSynapses(), synapses);
        if (model == "lenet.onnx" && pooling == 0) {
            // The first dense layer reads the 400 pooled neurons; the second conv 6 x 5 x 5 windows.
            QCOMPARE(g.fanIn(g.numNodes() - 10 - 84 - 1), 400);
            QCOMPARE(g.fanIn(784 + 4704 + 1176 + 11), 150);
        }
    }

    void syntheticIsSeededAndShaped()
    {
        SyntheticOptions o;
        o.inputs = 300;
        o.neurons = 2000;
        o.layers = 4;
        o.minFanIn = 50;
        o.maxFanIn = 120;
        o.randomFraction = 0.2;
        o.withWeights = true;
        auto a = syntheticNeuronGraph(o);
        auto b = syntheticNeuronGraph(o);
        QVERIFY(a && b);
        QVERIFY(a->verify().has_value());
        QCOMPARE(a->numInputs(), 300);
        QCOMPARE(a->numNeurons(), 2000);
        QCOMPARE(a->numSynapses(), b->numSynapses());
        for (NeuronId id = 300; id < a->numNodes(); ++id) {
            QVERIFY(a->fanIn(id) >= 50 && a->fanIn(id) <= 120);
            QVERIFY(std::equal(a->presynaptic(id).begin(), a->presynaptic(id).end(), b->presynaptic(id).begin()));
        }
        // Groups of 4 consecutive neurons share a receptive field, like conv channels.
        o.groupSize = 4;
        auto grouped = syntheticNeuronGraph(o);
        QVERIFY(grouped && grouped->verify().has_value());
        for (NeuronId id = 300; id + 3 < grouped->numNodes(); id += 4)
            for (NeuronId m = id + 1; m < id + 4; ++m)
                QVERIFY(std::equal(grouped->presynaptic(id).begin(), grouped->presynaptic(id).end(),
                                   grouped->presynaptic(m).begin(), grouped->presynaptic(m).end()));
        o.groupSize = 1;
        o.seed = 2;
        auto c = syntheticNeuronGraph(o);
        QVERIFY(c && c->numSynapses() != a->numSynapses());
        o.minFanIn = 200;
        QVERIFY(!syntheticNeuronGraph(o));
    }
};

QTEST_APPLESS_MAIN(TestNeuronGraph)
#include "tst_neuron_graph.moc"
