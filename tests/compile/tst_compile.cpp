// SPDX-License-Identifier: GPL-3.0-or-later
// The compiler's exact rewrites must reproduce the original network's float outputs (1e-5
// relative) on the shipped networks and on synthetic cases, for digital partial sums and for
// merging through neurons; every core-op must fit the crossbar; resource figures must match
// hand-computed values.
#include "compile_test_util.h"
#include "graph_builders.h"
#include "nnb/data/dataset.h"
#include "nnb/ir/verifier.h"
#include "nnb/onnx/import.h"

using namespace nnb;

namespace {

hw::Profile tinyCrossbar(const char* base, int size)
{
    hw::Profile p = test::shippedProfile(base);
    p.crossbar.rows = size;
    p.crossbar.cols = size;
    return p;
}

ir::Tensor randomInput(ir::Shape shape, uint32_t seed, bool nonNegative = false)
{
    ir::Tensor t = test::randomTensor(std::move(shape), seed, 1.0f);
    if (nonNegative)
        for (float& v : t.f)
            v = std::fabs(v);
    return t;
}

} // namespace

class TestCompile : public QObject {
    Q_OBJECT

    data::Dataset m_sample;

    /// Compiles \p graph for \p profile and checks verification, fitting and float equivalence.
    void checkExact(const ir::Graph& graph, const hw::Profile& profile, const ir::Tensor& input,
                    strategy::Strategy strategy = {}, double tolerance = 1e-5)
    {
        QVERIFY2(ir::verify(graph).has_value(), "the synthetic graph itself is valid");
        const auto result = compile(graph, profile, strategy);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        QVERIFY(ir::verify(*result->compiled).has_value());
        const QString fit = test::checkCoreOpsFit(*result->compiled, profile);
        QVERIFY2(fit.isEmpty(), qPrintable(fit));
        for (const auto& d : result->diagnostics)
            QVERIFY2(d.severity != Severity::Error, d.message.c_str());
        const auto eq = eval::compareGraphs(graph, *result->compiled, {input});
        QVERIFY2(eq.has_value(), eq ? "" : eq.error().toString().c_str());
        QVERIFY2(eq->maxRelativeDifference <= tolerance,
                 qPrintable(QString("max relative difference %1").arg(eq->maxRelativeDifference)));
        // Something was actually rewritten: no original compute op survives except host ops.
        for (const ir::Node& node : result->compiled->nodes())
            QVERIFY2(ir::isInternalOp(node.op) || node.attrs.has("placement"), node.name.c_str());
    }

private slots:
    void initTestCase()
    {
        auto sample = data::loadFashionMnistTest(test::resourceDir() / "data" / "fashion-mnist-sample");
        QVERIFY(sample.has_value());
        m_sample = std::move(*sample);
    }

    void shippedNetworksOnEveryProfile_data()
    {
        QTest::addColumn<QString>("network");
        QTest::addColumn<QString>("profile");
        for (const char* net : {"mlp", "lenet"})
            for (const char* prof : {"tianji", "prime", "truenorth", "isaac-like", "generic"})
                // newRow with a built name: addRow's printf into a fixed buffer trips GCC's
                // -Wformat-overflow at -O3.
                QTest::newRow(qPrintable(QStringLiteral("%1 on %2").arg(QLatin1String(net), QLatin1String(prof)))) << net << prof;
    }

    void shippedNetworksOnEveryProfile()
    {
        QFETCH(QString, network);
        QFETCH(QString, profile);
        auto model = onnx::importModel(test::resourceDir() / "models" / (network.toStdString() + ".onnx"));
        QVERIFY(model.has_value());
        const hw::Profile p = test::shippedProfile(profile.toStdString());
        const auto result = compile(model->graph, p, strategy::Strategy{});
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        const QString fit = test::checkCoreOpsFit(*result->compiled, p);
        QVERIFY2(fit.isEmpty(), qPrintable(fit));
        const auto eq = eval::compareGraphs(model->graph, *result->compiled, {m_sample.batch(0, 64)});
        QVERIFY2(eq.has_value(), eq ? "" : eq.error().toString().c_str());
        QVERIFY2(eq->maxRelativeDifference <= 1e-5, qPrintable(QString::number(eq->maxRelativeDifference)));
        QCOMPARE(eq->agreeingPredictions, int64_t{64});
        QVERIFY(result->resources.crossbars >= result->resources.lowerBound);
        QVERIFY(result->resources.coreOps > 0);
    }

    void groupedStridedPaddedConv_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addRow("digital partial sums") << "generic";
        QTest::addRow("merge through neurons") << "tianji";
    }

    void groupedStridedPaddedConv()
    {
        QFETCH(QString, profile);
        test::GraphBuilder b({ir::kDynamicDim, 4, 9, 9});
        b.conv(4, 6, 3, {2, 2}, {1, 1, 1, 1}, /*group=*/2);
        b.unary(ir::OpKind::Relu);
        b.conv(6, 8, 3, {1, 2}, {0, 1, 2, 1}, /*group=*/1, /*dilations=*/{2, 1});
        // 8 channels x 3x3 = 72 rows: a 16x16 crossbar forces row and column splits everywhere.
        checkExact(b.finish(), tinyCrossbar(profile.toLatin1().constData(), 16), randomInput({3, 4, 9, 9}, 11));
    }

    void residualBlockWithBatchNorm_data() { groupedStridedPaddedConv_data(); }

    void residualBlockWithBatchNorm()
    {
        QFETCH(QString, profile);
        test::GraphBuilder b({ir::kDynamicDim, 8, 6, 6});
        const ir::ValueId x = b.current();
        b.conv(8, 8, 3, {1, 1}, {1, 1, 1, 1});
        b.batchNorm(8);
        b.unary(ir::OpKind::Relu);
        b.conv(8, 8, 3, {1, 1}, {1, 1, 1, 1});
        b.batchNorm(8);
        b.node(ir::OpKind::Add, {b.current(), x});
        b.unary(ir::OpKind::Relu);
        checkExact(b.finish(), tinyCrossbar(profile.toLatin1().constData(), 32), randomInput({2, 8, 6, 6}, 12));
    }

    void fanInThreeTimesTheRows_data() { groupedStridedPaddedConv_data(); }

    void fanInThreeTimesTheRows()
    {
        QFETCH(QString, profile);
        const hw::Profile p = test::shippedProfile(profile.toStdString()); // 128 or 256 rows
        const int64_t fanIn = 3 * p.crossbar.rows;
        test::GraphBuilder b({ir::kDynamicDim, fanIn});
        b.gemm(fanIn, 300);
        b.unary(ir::OpKind::Relu);
        b.gemm(300, 10);
        checkExact(b.finish(), p, randomInput({4, fanIn}, 13));
    }

    void poolingTrees_data()
    {
        QTest::addColumn<QString>("op");
        QTest::addColumn<bool>("afterRelu");
        QTest::addColumn<bool>("padded");
        QTest::addRow("max 2x2 after relu") << "MaxPool" << true << false;
        QTest::addRow("max 3x3 stride 2 padded after relu") << "MaxPool" << true << true;
        QTest::addRow("max 3x3 of signed values") << "MaxPool" << false << false;
        QTest::addRow("average 2x2") << "AveragePool" << false << false;
        QTest::addRow("average padded counting pads") << "AveragePool" << false << true;
        QTest::addRow("global average") << "GlobalAveragePool" << false << false;
    }

    void poolingTrees()
    {
        QFETCH(QString, op);
        QFETCH(bool, afterRelu);
        QFETCH(bool, padded);
        test::GraphBuilder b({ir::kDynamicDim, 3, 7, 7});
        b.conv(3, 5, 3, {1, 1}, {1, 1, 1, 1});
        if (afterRelu)
            b.unary(ir::OpKind::Relu);
        ir::Attributes a;
        const bool big = padded || !afterRelu;
        a.set("kernel_shape", std::vector<int64_t>{big ? 3 : 2, big ? 3 : 2});
        a.set("strides", std::vector<int64_t>{2, 2});
        if (padded)
            a.set("pads", std::vector<int64_t>{1, 1, 1, 1});
        if (op == "AveragePool")
            a.set("count_include_pad", int64_t{1});
        const auto kind = *ir::parseOpName(op.toStdString());
        b.unary(kind, kind == ir::OpKind::GlobalAveragePool ? ir::Attributes{} : a);
        checkExact(b.finish(), test::shippedProfile("generic"), randomInput({2, 3, 7, 7}, 14));
    }

    void approximatedSigmoidStaysClose()
    {
        test::GraphBuilder b({ir::kDynamicDim, 32});
        b.gemm(32, 16);
        b.unary(ir::OpKind::Sigmoid);
        b.gemm(16, 4);
        const ir::Graph g = b.finish();
        const ir::Tensor input = randomInput({64, 32}, 15);
        CompileOptions options;
        options.calibrationInputs = {input};
        strategy::Strategy s;
        s.approximatorWidth = 24;
        const auto result = compile(g, test::shippedProfile("tianji"), s, options);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        QCOMPARE(result->approximators.size(), size_t{1});
        QVERIFY(result->approximators[0].maxAbsError < 0.01);
        const auto eq = eval::compareGraphs(g, *result->compiled, {input});
        QVERIFY(eq.has_value());
        // The approximator's error (< 0.01 per element) passes through one small layer.
        QVERIFY2(eq->maxAbsDifference < 0.05, qPrintable(QString::number(eq->maxAbsDifference)));
    }

    /// Hand-computed figures for LeNet-5 (see the comments for the arithmetic).
    void resourceFiguresByHand()
    {
        auto model = onnx::importModel(test::resourceDir() / "models" / "lenet.onnx");
        QVERIFY(model.has_value());
        {
            const auto r = compile(model->graph, test::shippedProfile("prime"), strategy::Strategy{});
            QVERIFY(r.has_value());
            const auto& conv1 = r->resources.layers.at(0);
            QCOMPARE(conv1.layer, std::string("/0/Conv"));
            // W [6,1,5,5]: 25 rows x 6 columns, one tile; PRIME stores 8-bit signed weights as
            // 7-bit magnitudes over 4-bit cells (2 slices) in differential pairs: 4 arrays.
            QCOMPARE(conv1.coreOps, 1);
            QCOMPARE(conv1.crossbars, 4);
            QCOMPARE(conv1.weights, int64_t{150});
            QCOMPARE(conv1.mvmsPerInference, int64_t{28 * 28});
            QCOMPARE(conv1.lowerBound, 4);
            QVERIFY(std::fabs(conv1.utilizationPercent - 100.0 * 150 / 65536) < 1e-9);
            const auto& fc1 = r->resources.layers.at(7);
            QCOMPARE(fc1.layer, std::string("/7/Gemm"));
            // 400 inputs on 256 rows: 2 row blocks (256 + 144) x 120 columns, partial sums added
            // digitally: 2 tiles, 2 x 4 arrays, 48,000 weights, 36.6 % of 2 x 65,536 cells.
            QCOMPARE(fc1.coreOps, 2);
            QCOMPARE(fc1.crossbars, 8);
            QCOMPARE(fc1.weights, int64_t{48000});
            QCOMPARE(fc1.lowerBound, 4);
            QVERIFY(std::fabs(fc1.utilizationPercent - 100.0 * 48000 / (2 * 65536)) < 1e-9);
            QCOMPARE(r->resources.offChipOps, 1); // the final Softmax
        }
        {
            const auto r = compile(model->graph, test::shippedProfile("tianji"), strategy::Strategy{});
            QVERIFY(r.has_value());
            const auto& fc1 = r->resources.layers.at(7);
            // TianJi merges partial sums through neurons: 2 row blocks give merge fan-in 2 x 2 per
            // output, so column blocks of min(256/2, 256/(2*2)) = 64 outputs: 64 + 56. Per block
            // two partial tiles with W and -W (256 and 144 rows x 2*width columns) and one merge
            // tile with 2*2*width non-zero +-1 weights: 2 x 3 = 6 core-ops,
            // 256*128 + 144*128 + 256 + 256*112 + 144*112 + 224 = 96,480 weights.
            QCOMPARE(fc1.coreOps, 6);
            QCOMPARE(fc1.crossbars, 6);
            QCOMPARE(fc1.weights, int64_t{96480});
            const auto& pool = r->resources.layers.at(2);
            // 2x2 max-pool of ReLU outputs on 6 channels: stages of 4, 2 and 1 neurons per
            // channel, each stage one depthwise tile: 3 core-ops.
            QCOMPARE(pool.coreOps, 3);
            QCOMPARE(pool.rewrite, std::string("3 core-ops (3 max-tree)"));
        }
    }

    void infeasibleKernelIsADiagnostic()
    {
        test::GraphBuilder b({ir::kDynamicDim, 1, 12, 12});
        b.conv(1, 2, 5, {1, 1}, {0, 0, 0, 0});
        const auto r = compile(b.finish(), tinyCrossbar("generic", 16), strategy::Strategy{});
        QVERIFY(r.has_value()); // infeasibility is a result, not an error
        bool found = false;
        for (const auto& d : r->diagnostics)
            found |= d.severity == Severity::Error && d.message.find("exceeds the 16 crossbar rows") != std::string::npos;
        QVERIFY(found);
    }
};

QTEST_APPLESS_MAIN(TestCompile)
#include "tst_compile.moc"
