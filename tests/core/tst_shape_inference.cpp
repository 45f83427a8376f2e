// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include "nnb/ir/shape_inference.h"

using namespace nnb;
using namespace nnb::ir;

Q_DECLARE_METATYPE(nnb::ir::Shape)

namespace {

Node makeNode(OpKind op, Attributes attrs, size_t inputs)
{
    Node n;
    n.name = "n";
    n.op = op;
    n.attrs = std::move(attrs);
    n.inputs.assign(inputs, 0);
    n.outputs = {0};
    return n;
}

Attributes windowAttrs(std::vector<int64_t> strides, std::vector<int64_t> pads, std::vector<int64_t> dilations,
                       const std::string& autoPad, int64_t ceilMode)
{
    Attributes a;
    a.set("strides", std::move(strides));
    a.set("pads", std::move(pads));
    a.set("dilations", std::move(dilations));
    a.set("auto_pad", autoPad);
    a.set("ceil_mode", ceilMode);
    return a;
}

} // namespace

class TestShapeInference : public QObject {
    Q_OBJECT

private slots:
    void windowGeometry_data()
    {
        QTest::addColumn<int>("in");
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("pad");
        QTest::addColumn<int>("dilation");
        QTest::addColumn<QString>("autoPad");
        QTest::addColumn<int>("ceilMode");
        QTest::addColumn<int>("out");
        QTest::addColumn<int>("padBegin");
        QTest::addColumn<int>("padEnd");
        QTest::addRow("5x5 pad 2 keeps 28") << 28 << 5 << 1 << 2 << 1 << "NOTSET" << 0 << 28 << 2 << 2;
        QTest::addRow("3x3 stride 2 pad 1 on 7") << 7 << 3 << 2 << 1 << 1 << "NOTSET" << 0 << 4 << 1 << 1;
        QTest::addRow("dilation 2 on 7") << 7 << 3 << 1 << 0 << 2 << "NOTSET" << 0 << 3 << 0 << 0;
        QTest::addRow("SAME_UPPER stride 2 on 5") << 5 << 3 << 2 << 0 << 1 << "SAME_UPPER" << 0 << 3 << 1 << 1;
        QTest::addRow("SAME_LOWER even kernel") << 4 << 2 << 1 << 0 << 1 << "SAME_LOWER" << 0 << 4 << 1 << 0;
        QTest::addRow("SAME_UPPER even kernel") << 4 << 2 << 1 << 0 << 1 << "SAME_UPPER" << 0 << 4 << 0 << 1;
        QTest::addRow("VALID stride 2 on 8") << 8 << 3 << 2 << 0 << 1 << "VALID" << 0 << 3 << 0 << 0;
        QTest::addRow("ceil_mode adds a window") << 4 << 3 << 2 << 0 << 1 << "NOTSET" << 1 << 2 << 0 << 0;
        QTest::addRow("ceil_mode drops a window in the padding") << 5 << 2 << 2 << 1 << 1 << "NOTSET" << 1 << 3 << 1 << 1;
    }

    void windowGeometry()
    {
        QFETCH(int, in);
        QFETCH(int, kernel);
        QFETCH(int, stride);
        QFETCH(int, pad);
        QFETCH(int, dilation);
        QFETCH(QString, autoPad);
        QFETCH(int, ceilMode);
        QFETCH(int, out);
        QFETCH(int, padBegin);
        QFETCH(int, padEnd);
        const Node node = makeNode(OpKind::MaxPool,
                                   windowAttrs({stride, stride}, {pad, pad, pad, pad}, {dilation, dilation},
                                               autoPad.toStdString(), ceilMode),
                                   1);
        const auto g = computeWindowGeometry(node, in, in, kernel, kernel);
        QVERIFY2(g.has_value(), g ? "" : g.error().message.c_str());
        QCOMPARE(g->outH, int64_t{out});
        QCOMPARE(g->outW, int64_t{out});
        QCOMPARE(g->padTop, int64_t{padBegin});
        QCOMPARE(g->padBottom, int64_t{padEnd});
    }

    void windowGeometryErrors()
    {
        const Node tooBig = makeNode(OpKind::MaxPool, windowAttrs({1, 1}, {0, 0, 0, 0}, {1, 1}, "NOTSET", 0), 1);
        QVERIFY(!computeWindowGeometry(tooBig, 3, 3, 5, 5));
        const Node badPads = makeNode(OpKind::MaxPool, windowAttrs({1, 1}, {0, 0}, {1, 1}, "NOTSET", 0), 1);
        QVERIFY(!computeWindowGeometry(badPads, 8, 8, 3, 3));
        const Node badAutoPad = makeNode(OpKind::MaxPool, windowAttrs({1, 1}, {0, 0, 0, 0}, {1, 1}, "SAME", 0), 1);
        const auto r = computeWindowGeometry(badAutoPad, 8, 8, 3, 3);
        QVERIFY(!r);
        QCOMPARE(r.error().code, Errc::UnsupportedOp);
        const Node zeroStride = makeNode(OpKind::MaxPool, windowAttrs({0, 1}, {0, 0, 0, 0}, {1, 1}, "NOTSET", 0), 1);
        QVERIFY(!computeWindowGeometry(zeroStride, 8, 8, 3, 3));
    }

    void conv()
    {
        Attributes a;
        a.set("group", int64_t{2});
        a.set("strides", std::vector<int64_t>{2, 2});
        a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
        const Node node = makeNode(OpKind::Conv, a, 3);
        const auto r = inferNodeShapes(node, {{kDynamicDim, 4, 9, 9}, {6, 2, 3, 3}, {6}}, {nullptr, nullptr, nullptr});
        QVERIFY(r.has_value());
        QCOMPARE(r->at(0), (Shape{kDynamicDim, 6, 5, 5}));
        // Channel mismatch: 4 input channels but weight expects 3 * group 2 = 6.
        QVERIFY(!inferNodeShapes(node, {{1, 4, 9, 9}, {6, 3, 3, 3}, {6}}, {nullptr, nullptr, nullptr}));
    }

    void others_data()
    {
        QTest::addColumn<int>("op");
        QTest::addColumn<QList<Shape>>("inputs");
        QTest::addColumn<Shape>("expected");
        auto row = [](const char* name, OpKind op, QList<Shape> in, Shape out) {
            QTest::addRow("%s", name) << static_cast<int>(op) << in << out;
        };
        row("broadcast add", OpKind::Add, {{3, 1}, {1, 4}}, {3, 4});
        row("broadcast with dynamic batch", OpKind::Mul, {{kDynamicDim, 8}, {8}}, {kDynamicDim, 8});
        row("batched matmul broadcast", OpKind::MatMul, {{2, 1, 3, 4}, {5, 4, 6}}, {2, 5, 3, 6});
        row("vector times matrix", OpKind::MatMul, {{4}, {4, 6}}, {6});
        row("matrix times vector", OpKind::MatMul, {{3, 4}, {4}}, {3});
        row("gemm", OpKind::Gemm, {{kDynamicDim, 4}, {4, 3}}, {kDynamicDim, 3});
        row("global average pool", OpKind::GlobalAveragePool, {{2, 3, 7, 7}}, {2, 3, 1, 1});
        row("flatten default axis", OpKind::Flatten, {{kDynamicDim, 16, 5, 5}}, {kDynamicDim, 400});
        row("transpose default", OpKind::Transpose, {{2, 3, 4}}, {4, 3, 2});
    }

    void others()
    {
        QFETCH(int, op);
        QFETCH(QList<Shape>, inputs);
        QFETCH(Shape, expected);
        const Node node = makeNode(static_cast<OpKind>(op), {}, static_cast<size_t>(inputs.size()));
        const std::vector<Shape> in(inputs.begin(), inputs.end());
        const auto r = inferNodeShapes(node, in, std::vector<const Tensor*>(in.size(), nullptr));
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->at(0), expected);
    }

    void shapeErrors()
    {
        const Node add = makeNode(OpKind::Add, {}, 2);
        QVERIFY(!inferNodeShapes(add, {{3}, {4}}, {nullptr, nullptr}));
        Attributes t;
        t.set("transB", int64_t{1});
        const Node gemm = makeNode(OpKind::Gemm, t, 2);
        const auto r = inferNodeShapes(gemm, {{2, 4}, {4, 3}}, {nullptr, nullptr});
        QVERIFY(!r);
        QVERIFY(r.error().message.find("inner dimensions") != std::string::npos);
        QVERIFY(!inferNodeShapes(add, {{3}}, {nullptr})); // arity
    }

    void reshape_data()
    {
        QTest::addColumn<Shape>("input");
        QTest::addColumn<std::vector<int64_t>>("target");
        QTest::addColumn<Shape>("expected");
        QTest::addRow("flatten with dynamic batch") << Shape{kDynamicDim, 16, 5, 5} << std::vector<int64_t>{-1, 400}
                                                    << Shape{kDynamicDim, 400};
        QTest::addRow("copy dim and infer") << Shape{kDynamicDim, 16, 5, 5} << std::vector<int64_t>{0, -1}
                                            << Shape{kDynamicDim, 400};
        QTest::addRow("static") << Shape{2, 3, 4} << std::vector<int64_t>{4, -1} << Shape{4, 6};
    }

    void reshape()
    {
        QFETCH(Shape, input);
        QFETCH(std::vector<int64_t>, target);
        QFETCH(Shape, expected);
        const Tensor shape = Tensor::fromInts({static_cast<int64_t>(target.size())}, target);
        const Node node = makeNode(OpKind::Reshape, {}, 2);
        const auto r = inferNodeShapes(node, {input, shape.shape}, {nullptr, &shape});
        QVERIFY2(r.has_value(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->at(0), expected);
    }

    void reshapeErrors()
    {
        const Node node = makeNode(OpKind::Reshape, {}, 2);
        const Tensor bad = Tensor::fromInts({2}, {5, -1});
        QVERIFY(!inferNodeShapes(node, {{2, 3, 4}, {2}}, {nullptr, &bad}));
        const Tensor twoInferred = Tensor::fromInts({2}, {-1, -1});
        QVERIFY(!inferNodeShapes(node, {{2, 3, 4}, {2}}, {nullptr, &twoInferred}));
        const auto runtime = inferNodeShapes(node, {{2, 3, 4}, {2}}, {nullptr, nullptr});
        QVERIFY(!runtime);
        QCOMPARE(runtime.error().code, Errc::UnsupportedOp);
    }
};

QTEST_APPLESS_MAIN(TestShapeInference)
#include "tst_shape_inference.moc"
