// SPDX-License-Identifier: GPL-3.0-or-later
// A real sweep of the shipped MLP on prime: weight bits x crossbar size on a few test images.
// Four points with sane resources and a Pareto front, streamed point by point, identical for 1
// and 2 threads; infeasible points are rows with their reason; a cancel returns promptly.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <mutex>

#include "nnb/hw/profile_io.h"
#include "nnb/strategy/strategy.h"
#include "nnb/sweep/sweep.h"
#include "test_paths.h"

using namespace nnb;
using namespace nnb::sweep;

namespace {

data::Dataset sample()
{
    auto d = data::loadFashionMnistTest(test::resourceDir() / "data" / "fashion-mnist-sample");
    if (!d)
        qFatal("%s", d.error().toString().c_str());
    return *d;
}

SweepSpec mlpSpec(std::vector<Parameter> parameters, int64_t images)
{
    SweepSpec spec;
    spec.name = "test";
    spec.source = "test.yaml";
    spec.model = test::resourceDir() / "models" / "mlp.onnx";
    spec.profilePath = test::profileDir() / "prime.yaml";
    spec.parameters = std::move(parameters);
    spec.testImages = images;
    spec.calibrationImages = 32;
    return spec;
}

std::shared_ptr<const PreparedSweep> prepare(const SweepSpec& spec)
{
    auto p = prepareSweep(spec, sample(), sample());
    if (!p)
        qFatal("%s", p.error().toString().c_str());
    return *p;
}

const PointResult& at(const SweepResult& r, const std::string& bits, const std::string& size)
{
    for (const PointResult& p : r.points)
        if (p.point.values == std::vector<std::string>{bits, size})
            return p;
    qFatal("no point %s x %s", bits.c_str(), size.c_str());
}

} // namespace

class TestSweepRun : public QObject {
    Q_OBJECT

    std::shared_ptr<const PreparedSweep> m_prepared;
    SweepResult m_twoThreads;

private slots:
    void initTestCase()
    {
        m_prepared = prepare(mlpSpec({Parameter{"weight bits", {"weights.bits"}, {"4", "8"}, 1},
                                      Parameter{"crossbar", {"crossbar.rows", "crossbar.cols"}, {"128", "256"}, 2}},
                                     150));
        QCOMPARE(m_prepared->grid.size(), size_t{4});
        QCOMPARE(m_prepared->testImages, int64_t{150});
        QVERIFY(m_prepared->floatAccuracyPercent > 80.0);
    }

    void twoByTwoSweepStreamsFourSanePoints()
    {
        std::mutex mutex;
        std::vector<int> streamed;
        std::vector<int> permilles;
        RunContext ctx;
        ctx.onProgress = [&](const Progress& p) {
            std::lock_guard lock(mutex);
            permilles.push_back(p.permille);
            QVERIFY(p.stage.rfind("point ", 0) == 0);
        };
        auto r = runSweep(*m_prepared, SweepOptions{2},
                          [&](std::shared_ptr<const PointResult> p) {
                              std::lock_guard lock(mutex);
                              streamed.push_back(p->point.index);
                          },
                          ctx);
        QVERIFY2(r.has_value(), r ? "" : r.error().toString().c_str());
        m_twoThreads = *r;
        QCOMPARE(r->points.size(), size_t{4});
        std::sort(streamed.begin(), streamed.end());
        QCOMPARE(streamed, (std::vector<int>{0, 1, 2, 3}));
        QCOMPARE(permilles.back(), 1000);
        for (size_t i = 0; i < r->points.size(); ++i) {
            const PointResult& p = r->points[i];
            QCOMPARE(p.point.index, static_cast<int>(i));
            QVERIFY2(p.feasible, p.reason().c_str());
            QVERIFY(p.accuracyPercent && p.energyPj && p.latencyNs && p.accuracyDropPoints);
            QCOMPARE(p.images, int64_t{150});
            QVERIFY(p.fitsChip);
            QVERIFY(*p.energyPj > 0 && *p.latencyNs > 0);
            QVERIFY(p.timings.totalMs > 0 && p.timings.compileMs > 0 && p.timings.simulateMs > 0);
        }
        for (const std::string bits : {"4", "8"}) {
            // Smaller crossbars: more tiles and arrays for the same network.
            QVERIFY(at(*r, bits, "128").tiles > at(*r, bits, "256").tiles);
            QVERIFY(at(*r, bits, "128").crossbars > at(*r, bits, "256").crossbars);
        }
        for (const std::string size : {"128", "256"}) {
            // 8-bit weights on 4-bit cells take two slices: twice the arrays, more energy; no less accurate.
            QCOMPARE(at(*r, "8", size).crossbars, 2 * at(*r, "4", size).crossbars);
            QCOMPARE(at(*r, "8", size).tiles, at(*r, "4", size).tiles);
            QVERIFY(*at(*r, "8", size).energyPj > *at(*r, "4", size).energyPj);
            QVERIFY(*at(*r, "8", size).accuracyPercent >= *at(*r, "4", size).accuracyPercent - 2.0);
            QVERIFY(std::abs(*at(*r, "8", size).accuracyDropPoints) < 3.0);
        }
        const auto front = paretoFront(r->points, Metric::Crossbars, Metric::ErrorPercent);
        QVERIFY(!front.empty());
        // The fewest arrays (4-bit, 256x256) is always on the crossbars/error front.
        QVERIFY(std::find(front.begin(), front.end(), static_cast<size_t>(at(*r, "4", "256").point.index)) != front.end());
        QVERIFY(!paretoFront(r->points, Metric::EnergyPj, Metric::AccuracyDrop).empty());
    }

    void resultsDoNotDependOnThreads()
    {
        QCOMPARE(m_twoThreads.points.size(), size_t{4});
        auto one = runSweep(*m_prepared, SweepOptions{1});
        QVERIFY(one.has_value());
        QCOMPARE(one->threads, 1);
        for (size_t i = 0; i < 4; ++i) {
            const PointResult& a = one->points[i];
            const PointResult& b = m_twoThreads.points[i];
            QCOMPARE(a.point.label, b.point.label);
            QCOMPARE(*a.accuracyPercent, *b.accuracyPercent);
            QCOMPARE(a.agreementPercent, b.agreementPercent);
            QCOMPARE(a.crossbars, b.crossbars);
            QCOMPARE(a.tiles, b.tiles);
            QCOMPARE(*a.energyPj, *b.energyPj);
            QCOMPARE(*a.latencyNs, *b.latencyNs);
            QCOMPARE(a.adcClippedFraction, b.adcClippedFraction);
        }
        QCOMPARE(toCsv(*one, m_prepared->spec.parameters).substr(0, 200),
                 toCsv(m_twoThreads, m_prepared->spec.parameters).substr(0, 200));
    }

    void infeasiblePointsAreRows()
    {
        // 32x32 crossbars need more than prime's 64 cores; 99-bit weights are not a valid profile.
        const auto prepared = prepare(mlpSpec({Parameter{"crossbar", {"crossbar.rows", "crossbar.cols"}, {"32", "256"}, 1},
                                               Parameter{"bits", {"weights.bits"}, {"4", "99"}, 2}},
                                              20));
        auto r = runSweep(*prepared, SweepOptions{2});
        QVERIFY2(r.has_value(), r ? "" : r.error().toString().c_str());
        QCOMPARE(r->points.size(), size_t{4});
        const PointResult& small = r->points[0];
        QVERIFY(!small.feasible);
        QVERIFY(!small.fitsChip);
        QVERIFY2(small.reason().find("cores") != std::string::npos, small.reason().c_str());
        QVERIFY(small.accuracyPercent.has_value()); // measured even though it does not fit
        QVERIFY(small.tiles > 64);
        for (size_t i : {size_t{1}, size_t{3}}) {
            QVERIFY(!r->points[i].feasible);
            QVERIFY2(r->points[i].reason().find("weights.bits") != std::string::npos, r->points[i].reason().c_str());
        }
        QVERIFY(r->points[2].feasible);
        QCOMPARE(paretoFront(r->points, Metric::Crossbars, Metric::ErrorPercent), std::vector<size_t>{2});
    }

    void unknownSweptKeyIsNamed()
    {
        auto spec = mlpSpec({Parameter{"bits", {"weights.bitz"}, {"4"}, 7}}, 10);
        auto p = prepareSweep(spec, sample(), sample());
        QVERIFY(!p);
        const std::string m = p.error().toString();
        QVERIFY2(m.find("weights.bitz") != std::string::npos && m.find("line 7") != std::string::npos &&
                     m.find("weights.bits") != std::string::npos,
                 m.c_str());
    }

    // The desktop app sweeps its edited profile and strategy, not files: the in-memory values
    // are the base, the point's overrides go on top, and configurationOf gives a point's pair.
    void inMemoryBaseAndPointConfiguration()
    {
        auto base = hw::loadProfile(test::profileDir() / "prime.yaml");
        QVERIFY(base);
        base->crossbar.rows = base->crossbar.cols = 128;
        base->weights.cellBits = 2;
        strategy::Strategy strategy;
        strategy.seed = 7;
        auto spec = mlpSpec({Parameter{"bits", {"weights.bits"}, {"4", "6"}, -1}}, 10);
        spec.profilePath = "/nonexistent/profile.yaml"; // must not be read
        spec.profileValue = *base;
        spec.strategyValue = strategy;
        spec.strategyOverrides = {"quantization.granularity=per_tensor"};
        const auto p = prepare(spec);
        QCOMPARE(p->baseProfile.crossbar.rows, 128);
        QCOMPARE(p->baseStrategy.quantization.granularity, strategy::WeightGranularity::PerTensor);
        auto c = configurationOf(*p, p->grid[1]);
        QVERIFY2(c, c ? "" : c.error().toString().c_str());
        QCOMPARE(c->profile.weights.bits, 6);
        QCOMPARE(c->profile.crossbar.cols, 128);
        QCOMPARE(c->profile.weights.cellBits, 2);
        QCOMPARE(c->strategy.quantization.granularity, strategy::WeightGranularity::PerTensor);

        GridPoint bad = p->grid[0];
        bad.profileOverrides = {"weights.bits=many"};
        auto refused = configurationOf(*p, bad);
        QVERIFY(!refused);
        QVERIFY2(refused.error().toString().find("weights.bits") != std::string::npos, refused.error().toString().c_str());
    }

    void cancelReturnsPromptly()
    {
        std::atomic<bool> cancel{false};
        std::atomic<int> finished{0};
        RunContext ctx;
        ctx.isCancelled = [&]() { return cancel.load(); };
        const auto start = std::chrono::steady_clock::now();
        auto r = runSweep(*m_prepared, SweepOptions{2},
                          [&](std::shared_ptr<const PointResult>) {
                              ++finished;
                              cancel = true;
                          },
                          ctx);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QVERIFY(!r);
        QCOMPARE(r.error().code, Errc::Cancelled);
        QVERIFY(finished.load() < 4);
        QVERIFY2(seconds < 5.0, qPrintable(QString::number(seconds)));

        // Cancelled before it starts: nothing runs.
        cancel = true;
        finished = 0;
        auto early = runSweep(*m_prepared, SweepOptions{2}, [&](std::shared_ptr<const PointResult>) { ++finished; }, ctx);
        QVERIFY(!early);
        QCOMPARE(early.error().code, Errc::Cancelled);
        QCOMPARE(finished.load(), 0);
    }
};

QTEST_APPLESS_MAIN(TestSweepRun)
#include "tst_sweep_run.moc"
