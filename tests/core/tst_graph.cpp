// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include "nnb/ir/graph.h"
#include "nnb/ir/printer.h"
#include "nnb/ir/shape_inference.h"
#include "nnb/ir/verifier.h"

using namespace nnb;
using namespace nnb::ir;

class TestGraph : public QObject {
    Q_OBJECT

    /// x[?,4] -> Gemm(W[3,4]^T, b[3]) -> Relu -> y[?,3]
    static Graph makeTinyMlp(bool sorted = true)
    {
        Graph g;
        g.name = "tiny";
        const ValueId x = g.addInput("x", {kDynamicDim, 4});
        const ValueId w = g.addConstant("w", Tensor::filled({3, 4}, 0.5f));
        const ValueId b = g.addConstant("b", Tensor::filled({3}, 0.1f));
        const ValueId h = g.addValue("h");
        const ValueId y = g.addValue("y");
        Attributes gemm;
        gemm.set("transB", int64_t{1});
        if (sorted) {
            g.addNode("fc", OpKind::Gemm, {x, w, b}, {h}, gemm);
            g.addNode("act", OpKind::Relu, {h}, {y});
        } else {
            g.addNode("act", OpKind::Relu, {h}, {y});
            g.addNode("fc", OpKind::Gemm, {x, w, b}, {h}, gemm);
        }
        g.addOutput(y);
        return g;
    }

private slots:
    void shapesAndVerify()
    {
        Graph g = makeTinyMlp();
        QVERIFY(inferShapes(g).has_value());
        QCOMPARE(shapeToString(g.value(*g.findValue("y")).shape), std::string("[?,3]"));
        QVERIFY(verify(g).has_value());
    }

    void sortsTopologically()
    {
        Graph g = makeTinyMlp(/*sorted=*/false);
        QVERIFY(g.sortTopologically().has_value());
        QCOMPARE(g.node(0).name, std::string("fc"));
        QCOMPARE(g.value(*g.findValue("y")).producer, 1);
        QVERIFY(inferShapes(g).has_value());
        QVERIFY(verify(g).has_value());
    }

    void detectsCycle()
    {
        Graph g;
        const ValueId a = g.addValue("a", {2});
        const ValueId b = g.addValue("b", {2});
        g.addNode("n1", OpKind::Relu, {a}, {b});
        g.addNode("n2", OpKind::Relu, {b}, {a});
        g.addOutput(b);
        const auto order = g.topologicalOrder();
        QVERIFY(!order);
        QCOMPARE(order.error().code, Errc::InvalidModel);
        QVERIFY(order.error().message.find("cycle") != std::string::npos);
    }

    void verifierRejectsUndefinedInput()
    {
        Graph g = makeTinyMlp();
        QVERIFY(inferShapes(g).has_value());
        const ValueId orphan = g.addValue("orphan", {3});
        g.node(1).inputs[0] = orphan;
        const auto result = verify(g);
        QVERIFY(!result);
        QVERIFY(result.error().message.find("orphan") != std::string::npos);
        QCOMPARE(result.error().context.at(0), std::string("node 'act' (Relu)"));
    }

    void verifierRejectsTwoProducers()
    {
        Graph g = makeTinyMlp();
        const ValueId y = *g.findValue("y");
        g.addNode("dup", OpKind::Relu, {*g.findValue("h")}, {y});
        g.addOutput(y);
        QVERIFY(!verify(g));
    }

    void verifierRejectsWrongArity()
    {
        Graph g = makeTinyMlp();
        QVERIFY(inferShapes(g).has_value());
        g.node(1).inputs.push_back(g.node(1).inputs[0]);
        const auto result = verify(g);
        QVERIFY(!result);
        QVERIFY(result.error().message.find("inputs") != std::string::npos);
    }

    void verifierRejectsStaleShape()
    {
        Graph g = makeTinyMlp();
        QVERIFY(inferShapes(g).has_value());
        g.value(*g.findValue("y")).shape = {kDynamicDim, 5};
        const auto result = verify(g);
        QVERIFY(!result);
        QVERIFY(result.error().message.find("[?,5]") != std::string::npos);
    }

    void printsDeterministically()
    {
        Graph g = makeTinyMlp();
        QVERIFY(inferShapes(g).has_value());
        const std::string expected = "graph tiny (%x[?,4]) {\n"
                                     "  %h[?,3] = Gemm(%x[?,4], $w[3,4], $b[3]) {transB=1}  # fc\n"
                                     "  %y[?,3] = Relu(%h[?,3])  # act\n"
                                     "  return %y[?,3]\n"
                                     "}\n";
        QCOMPARE(printGraph(g), expected);
    }

    void statsCountSharedWeightsOnce()
    {
        Graph g = makeTinyMlp();
        const ValueId y2 = g.addValue("y2");
        Attributes gemm;
        gemm.set("transB", int64_t{1});
        g.addNode("fc2", OpKind::Gemm, {g.inputs()[0], *g.findValue("w"), *g.findValue("b")}, {y2}, gemm);
        const auto stats = computeStats(g);
        QCOMPARE(stats.parameters, int64_t{15});
        QCOMPARE(nodeParameterCount(g, 0), int64_t{15});
        QCOMPARE(stats.nodes, 3);
    }

    void opRegistryRoundTrips()
    {
        for (auto op : {OpKind::Gemm, OpKind::Conv, OpKind::BatchNormalization, OpKind::Dropout}) {
            const auto parsed = parseOpName(opName(op));
            QVERIFY(parsed.has_value());
            QCOMPARE(*parsed, op);
        }
        QVERIFY(!parseOpName("LSTM").has_value());
        QCOMPARE(minInputs(OpKind::Clip), 1);
        QCOMPARE(maxInputs(OpKind::Clip), 3);
    }
};

QTEST_APPLESS_MAIN(TestGraph)
#include "tst_graph.moc"
