// SPDX-License-Identifier: GPL-3.0-or-later
#include <atomic>
#include <chrono>
#include <thread>

#include "compile_test_util.h"
#include "graph_builders.h"
#include "nnb/passes/pipeline.h"

using namespace nnb;
using Clock = std::chrono::steady_clock;

class TestPassManager : public QObject {
    Q_OBJECT

private slots:
    void registryNamesRoundTrip()
    {
        for (auto id : passes::allPasses()) {
            const auto parsed = passes::parsePassName(passes::passName(id));
            QVERIFY(parsed.has_value());
            QCOMPARE(*parsed, id);
            QVERIFY(!passes::passDescription(id).empty());
            QVERIFY(passes::createPass(id) != nullptr);
            QCOMPARE(passes::createPass(id)->id(), id);
        }
        const auto unknown = passes::parsePassName("fold-everything");
        QVERIFY(!unknown);
        QVERIFY(unknown.error().message.find("split-merge") != std::string::npos); // lists the known names
    }

    void dumpAndStopAfter()
    {
        test::GraphBuilder b({ir::kDynamicDim, 2, 8, 8});
        b.conv(2, 3, 3, {1, 1}, {0, 0, 0, 0});
        b.unary(ir::OpKind::Relu);
        ir::Attributes pool;
        pool.set("kernel_shape", std::vector<int64_t>{2, 2});
        pool.set("strides", std::vector<int64_t>{2, 2});
        b.unary(ir::OpKind::MaxPool, pool);
        const ir::Graph g = b.finish();
        CompileOptions options;
        std::vector<passes::PassId> dumped;
        options.passes.dumpAfter = {passes::PassId::ReformLinear, passes::PassId::SplitMerge};
        options.passes.stopAfter = passes::PassId::ReformLinear;
        options.passes.onDump = [&](passes::PassId id, const ir::Graph& graph) {
            dumped.push_back(id);
            QVERIFY(graph.numNodes() > 0);
        };
        const auto r = compile(g, test::shippedProfile("generic"), strategy::Strategy{}, options);
        QVERIFY(r.has_value());
        QCOMPARE(dumped, std::vector<passes::PassId>{passes::PassId::ReformLinear});
        QCOMPARE(r->timings.back().id, passes::PassId::ReformLinear);
        // Stopped before reform-pooling: the MaxPool is still there.
        bool hasMaxPool = false;
        for (const auto& node : r->compiled->nodes())
            hasMaxPool |= node.op == ir::OpKind::MaxPool;
        QVERIFY(hasMaxPool);
    }

    void progressNamesEveryPass()
    {
        test::GraphBuilder b({ir::kDynamicDim, 8});
        b.gemm(8, 4);
        std::vector<std::string> stages;
        const RunContext ctx{[&](const Progress& p) { stages.push_back(p.stage); }, nullptr};
        const auto r = compile(b.finish(), test::shippedProfile("generic"), strategy::Strategy{}, {}, ctx);
        QVERIFY(r.has_value());
        for (auto id : passes::defaultPipeline())
            QVERIFY(std::find(stages.begin(), stages.end(), std::string(passes::passName(id))) != stages.end());
    }

    /// A cancel requested while a long split runs takes effect within 100 ms.
    void cancelTakesEffectQuickly()
    {
        // 1024 x 1024 weights on 4 x 4 crossbars: 65,536 tiles, seconds of work uncancelled.
        test::GraphBuilder b({ir::kDynamicDim, 1024});
        b.gemm(1024, 1024);
        const ir::Graph g = b.finish();
        hw::Profile p = test::shippedProfile("generic");
        p.crossbar.rows = 4;
        p.crossbar.cols = 4;
        std::atomic<bool> cancel{false};
        std::atomic<bool> splitting{false};
        std::atomic<int64_t> requestedAt{0};
        // Cancel 20 ms into split-merge, the long pass here (checked at its start, that would be
        // too easy).
        const RunContext ctx{[&](const Progress& progress) { splitting = splitting || progress.stage == "split-merge"; },
                             [&] { return cancel.load(); }};
        std::thread canceller([&] {
            while (!splitting)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            requestedAt = Clock::now().time_since_epoch().count();
            cancel = true;
        });
        const auto r = compile(g, p, strategy::Strategy{}, {}, ctx);
        const auto returnedAt = Clock::now().time_since_epoch().count();
        canceller.join();
        QVERIFY2(!r, "the split must not finish within 20 ms on this graph");
        QVERIFY2(r.error().code == Errc::Cancelled, r.error().toString().c_str());
        const double ms = std::chrono::duration<double, std::milli>(Clock::duration(returnedAt - requestedAt)).count();
        QVERIFY2(ms < 100.0, qPrintable(QString("cancel took %1 ms").arg(ms)));
    }
};

QTEST_APPLESS_MAIN(TestPassManager)
#include "tst_pass_manager.moc"
