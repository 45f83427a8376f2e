// SPDX-License-Identifier: GPL-3.0-or-later
// SDF analysis: repetition vectors, deadlock, exact maximum cycle means on hand-made graphs
// (in code and as SDF3 files), the builder helpers, the error paths, and the property that
// self-timed execution settles on the period the max-plus analysis computes.
#include <QtTest>

#include <random>

#include "nnb/dataflow/analysis.h"
#include "nnb/dataflow/sdf3_io.h"
#include "nnb/dataflow/self_timed.h"
#include "test_paths.h"

using namespace nnb::dataflow;

Q_DECLARE_METATYPE(Rational)
Q_DECLARE_METATYPE(std::vector<int64_t>)

namespace {

std::filesystem::path dataFile(const char* name)
{
    return std::filesystem::path(NNB_DATAFLOW_DATA_DIR) / name;
}

Rational frac(int64_t n, int64_t d) { return Rational::make(n, d); }

QString str(const Rational& r) { return QString::fromStdString(r.toString()); }

/// Ring a0 -> a1 -> ... -> a(n-1) -> a0 with rates 1, the given times and tokens per channel.
SdfGraph ring(const std::vector<int64_t>& times, const std::vector<int64_t>& tokens)
{
    SdfGraph g("ring");
    for (size_t i = 0; i < times.size(); ++i)
        g.addActor("a" + std::to_string(i), times[i]);
    for (size_t i = 0; i < times.size(); ++i)
        g.addChannel(static_cast<int>(i), static_cast<int>((i + 1) % times.size()), 1, 1, tokens[i], "c" + std::to_string(i));
    return g;
}

Rational periodOf(const SdfGraph& g)
{
    auto t = analyzeThroughput(g);
    if (!t) {
        qWarning("%s", t.error().toString().c_str());
        return frac(-1, 1);
    }
    return t->unbounded ? frac(0, 1) : t->period;
}

/// A random strongly connected consistent SDF graph: a ring through all actors plus extra
/// channels, rates derived from a random repetition vector, a few self-loops, and tokens added
/// on starving channels until one iteration completes.
SdfGraph randomGraph(std::mt19937_64& rng, bool multiRate)
{
    auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    SdfGraph g("random");
    const int n = uniform(2, 10);
    std::vector<int64_t> q(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        g.addActor("a" + std::to_string(i), uniform(0, 4) == 0 ? 0 : uniform(1, 9));
        q[static_cast<size_t>(i)] = multiRate ? uniform(1, 4) : 1;
    }
    const auto connect = [&](int s, int d) {
        const int64_t gcd = std::gcd(q[static_cast<size_t>(s)], q[static_cast<size_t>(d)]);
        const int64_t k = multiRate ? uniform(1, 2) : 1;
        g.addChannel(s, d, q[static_cast<size_t>(d)] / gcd * k, q[static_cast<size_t>(s)] / gcd * k, uniform(0, 2) == 0 ? uniform(0, 3) : 0);
    };
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i < n; ++i)
        connect(order[static_cast<size_t>(i)], order[static_cast<size_t>((i + 1) % n)]);
    for (int e = uniform(0, n); e > 0; --e)
        connect(uniform(0, n - 1), uniform(0, n - 1));
    for (int a = 0; a < n; ++a)
        if (uniform(0, 3) == 0)
            g.selfLoop(a, uniform(1, 2));
    // Make it live: while one iteration deadlocks, add tokens on the channel that starves.
    const auto reps = repetitionVector(g);
    for (int guard = 0; guard < 200 && reps; ++guard) {
        auto s = iterationSchedule(g, *reps);
        if (s)
            break;
        const int c = uniform(0, g.channelCount() - 1);
        g.channels()[static_cast<size_t>(c)].initialTokens += g.channels()[static_cast<size_t>(c)].consumption;
    }
    return g;
}

} // namespace

class TestDataflow : public QObject {
    Q_OBJECT

private slots:
    void rational()
    {
        QCOMPARE(frac(6, 4), (Rational{3, 2}));
        QCOMPARE(frac(3, -6), (Rational{-1, 2}));
        QCOMPARE(frac(0, 5), (Rational{0, 1}));
        QCOMPARE(frac(7, 3).toString(), std::string("7/3"));
        QCOMPARE(frac(8, 2).toString(), std::string("4"));
        QVERIFY(frac(1, 3) < frac(1, 2));
        QCOMPARE(frac(2, 7).inverse(), frac(7, 2));
    }

    void repetitionVectorMultiRate()
    {
        SdfGraph g;
        const int a = g.addActor("a", 1), b = g.addActor("b", 1), c = g.addActor("c", 1);
        g.addChannel(a, b, 2, 3);
        g.addChannel(b, c, 1, 2);
        g.addChannel(c, a, 3, 1, 6);
        const auto q = repetitionVector(g);
        QVERIFY2(q, q ? "" : q.error().toString().c_str());
        QCOMPARE(*q, (std::vector<int64_t>{3, 2, 1}));
    }

    void repetitionVectorOverflowIsAnError()
    {
        SdfGraph g;
        int prev = g.addActor("a0", 1);
        for (int i = 1; i < 70; ++i) {
            const int next = g.addActor("a" + std::to_string(i), 1);
            g.addChannel(prev, next, 2, 1);
            prev = next;
        }
        const auto q = repetitionVector(g);
        QVERIFY(!q);
        QCOMPARE(q.error().code, nnb::Errc::InvalidArgument);
        QVERIFY2(QString::fromStdString(q.error().message).contains("overflow"), q.error().message.c_str());
    }

    void singleRateRings_data()
    {
        QTest::addColumn<std::vector<int64_t>>("times");
        QTest::addColumn<std::vector<int64_t>>("tokens");
        QTest::addColumn<Rational>("period");
        QTest::addRow("3-ring, one token") << std::vector<int64_t>{3, 5, 2} << std::vector<int64_t>{0, 0, 1} << frac(10, 1);
        QTest::addRow("3-ring, two tokens") << std::vector<int64_t>{1, 7, 2} << std::vector<int64_t>{1, 0, 1} << frac(5, 1);
        QTest::addRow("4-ring, three tokens") << std::vector<int64_t>{1, 1, 1, 1} << std::vector<int64_t>{1, 1, 1, 0} << frac(4, 3);
        QTest::addRow("2-ring, zero times") << std::vector<int64_t>{0, 0} << std::vector<int64_t>{1, 0} << frac(0, 1);
        QTest::addRow("5-ring, 7/3") << std::vector<int64_t>{2, 1, 1, 2, 1} << std::vector<int64_t>{1, 0, 1, 0, 1} << frac(7, 3);
    }

    void singleRateRings()
    {
        QFETCH(std::vector<int64_t>, times);
        QFETCH(std::vector<int64_t>, tokens);
        QFETCH(Rational, period);
        const SdfGraph g = ring(times, tokens);
        QCOMPARE(str(periodOf(g)), str(period));
        const auto sim = simulateSelfTimed(g);
        QVERIFY2(sim, sim ? "" : sim.error().toString().c_str());
        QCOMPARE(str(sim->period), str(period));
    }

    void twoCoupledCycles()
    {
        // a <-> b with 1 token (mean (2+3)/1 = 5) and b <-> c with 2 tokens (mean (3+9)/2 = 6).
        SdfGraph g;
        const int a = g.addActor("a", 2), b = g.addActor("b", 3), c = g.addActor("c", 9);
        g.addChannel(a, b, 1, 1, 0, "ab");
        g.addChannel(b, a, 1, 1, 1, "ba");
        g.addChannel(b, c, 1, 1, 1, "bc");
        g.addChannel(c, b, 1, 1, 1, "cb");
        const auto t = analyzeThroughput(g);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(str(t->period), QString("6"));
        QCOMPARE(str(t->throughput()), QString("1/6"));
        // The critical cycle runs through bc and cb.
        for (int ch : t->criticalChannels)
            QVERIFY(ch == 2 || ch == 3);
    }

    void selfLoopLimitsAutoConcurrency()
    {
        SdfGraph g = ring({1, 7, 2}, {1, 0, 1});
        QCOMPARE(str(periodOf(g)), QString("5")); // b fires twice concurrently
        g.selfLoop(1, 1);
        QCOMPARE(str(periodOf(g)), QString("7")); // b is sequential now
        g.channels().back().initialTokens = 2;
        QCOMPARE(str(periodOf(g)), QString("5"));
    }

    void multiRateHandComputed()
    {
        // q = (a 2, b 3); self-timed: a 0-1, b 1-3, a 3-4, b b 4-6, initial state again: period 6.
        SdfGraph g;
        const int a = g.addActor("a", 1), b = g.addActor("b", 2);
        g.addChannel(a, b, 3, 2, 0, "ab");
        g.addChannel(b, a, 2, 3, 4, "ba");
        const auto t = analyzeThroughput(g);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(t->repetitions, (std::vector<int64_t>{2, 3}));
        QCOMPARE(t->initialTokens, int64_t(4));
        QCOMPARE(str(t->period), QString("6"));
        QCOMPARE(str(t->actorThroughput(0)), QString("1/3"));
        QCOMPARE(str(t->actorThroughput(1)), QString("1/2"));
        const auto sim = simulateSelfTimed(g);
        QVERIFY(sim);
        QCOMPARE(str(sim->period), QString("6"));
        QCOMPARE(sim->transientTime, int64_t(0));
        QCOMPARE(sim->cycleTime, int64_t(6));
    }

    void maxPlusMatrixByHand()
    {
        // multirate.xml's graph: tokens t0..t3 on ba. a consumes t0..t2 and ends 1 later; b
        // fires once (ends +2) and puts two tokens y back; a consumes t3, y, y; b fires twice,
        // and all four new tokens are max(t0 + 6, t1 + 6, t2 + 6, t3 + 3).
        SdfGraph g;
        const int a = g.addActor("a", 1), b = g.addActor("b", 2);
        g.addChannel(a, b, 3, 2, 0, "ab");
        g.addChannel(b, a, 2, 3, 4, "ba");
        const auto q = repetitionVector(g);
        QVERIFY(q);
        const auto schedule = iterationSchedule(g, *q);
        QVERIFY(schedule);
        const auto m = iterationMatrix(g, *schedule);
        QVERIFY(m);
        QCOMPARE(m->size, 4);
        for (int j = 0; j < 4; ++j) {
            QCOMPARE(m->tokenChannel[static_cast<size_t>(j)], 1);
            for (int i = 0; i < 4; ++i)
                QCOMPARE(m->at(j, i), int64_t(i < 3 ? 6 : 3));
        }
        // A tight bound on held entries is refused with the limit's name.
        AnalysisLimits tight;
        tight.maxMaxPlusEntries = 5;
        const auto refused = iterationMatrix(g, *schedule, tight);
        QVERIFY(!refused);
        QVERIFY2(QString::fromStdString(refused.error().message).contains("maxMaxPlusEntries"), refused.error().message.c_str());
    }

    void multiRateAutoConcurrency()
    {
        // a (2) produces 2, b (3) consumes 1: b's two firings overlap unless b has a self-loop.
        SdfGraph g;
        const int a = g.addActor("a", 2), b = g.addActor("b", 3);
        g.addChannel(a, b, 2, 1, 0);
        g.addChannel(b, a, 1, 2, 2);
        QCOMPARE(str(periodOf(g)), QString("5"));
        g.selfLoop(b, 1);
        QCOMPARE(str(periodOf(g)), QString("8"));
    }

    void acyclicIsUnbounded()
    {
        SdfGraph g;
        const int a = g.addActor("a", 4), b = g.addActor("b", 3);
        g.addChannel(a, b, 2, 1, 5);
        const auto t = analyzeThroughput(g);
        QVERIFY(t);
        QVERIFY(t->unbounded);
        QCOMPARE(t->repetitions, (std::vector<int64_t>{1, 2}));
        // A self-loop bounds it: a alone limits the period to 4 per iteration.
        g.selfLoop(a, 1);
        const auto bounded = analyzeThroughput(g);
        QVERIFY(bounded && !bounded->unbounded);
        QCOMPARE(str(bounded->period), QString("4"));
    }

    void builderHelpers()
    {
        // A fast producer bounded by a 2-token buffer in front of a slow consumer.
        SdfGraph g("pipe");
        const int p = g.addActor("p", 1), c = g.addActor("c", 4);
        g.selfLoop(p);
        g.selfLoop(c);
        const int ch = g.addChannel(p, c, 1, 1, 0, "pc");
        const auto space = g.addBuffer(ch, 2);
        QVERIFY(space);
        QCOMPARE(g.channels()[static_cast<size_t>(*space)].src, c);
        QCOMPARE(g.channels()[static_cast<size_t>(*space)].initialTokens, int64_t(2));
        QCOMPARE(g.channels()[static_cast<size_t>(*space)].name, std::string("pc_space"));
        QCOMPARE(str(periodOf(g)), QString("4"));
        QVERIFY(!g.addBuffer(ch, -1));
        QVERIFY(!g.addBuffer(99, 1));
        // A link of 3 time units per token from c back to p, carrying 2 tokens per c firing.
        SdfGraph h("linked");
        const int x = h.addActor("x", 1), y = h.addActor("y", 1);
        h.addChannel(x, y, 1, 1, 0, "xy");
        const int link = h.addLink(y, x, 2, 2, 3, "net", /*initialTokens=*/2);
        QCOMPARE(h.actors()[static_cast<size_t>(link)].executionTime, int64_t(3));
        QCOMPARE(h.actorCount(), 3);
        QCOMPARE(h.channelCount(), 4); // xy, net_in, net_out, net_self
        const auto t = analyzeThroughput(h);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(t->repetitions, (std::vector<int64_t>{1, 1, 2}));
        // Two tokens cross the link one at a time: 2 x 3, plus x and y: 8.
        QCOMPARE(str(t->period), QString("8"));
    }

    void validationNamesTheCulprit()
    {
        SdfGraph g;
        g.addActor("a", 1);
        g.addActor("a", 1);
        auto v = g.validate();
        QVERIFY(!v && QString::fromStdString(v.error().message).contains("'a'"));
        SdfGraph h;
        h.addActor("a", -2);
        v = h.validate();
        QVERIFY(!v && QString::fromStdString(v.error().message).contains("negative execution time"));
        SdfGraph k;
        k.addActor("a", 1);
        k.addActor("b", 1);
        k.addChannel(0, 1, 0, 1, 0, "zero");
        v = k.validate();
        QVERIFY(!v && QString::fromStdString(v.error().message).contains("'zero'"));
        QVERIFY(!SdfGraph().validate());
    }

    void inconsistentNamesAChannelOnTheCycle()
    {
        SdfGraph g;
        const int a = g.addActor("a", 1), b = g.addActor("b", 1), c = g.addActor("c", 1), d = g.addActor("d", 1);
        g.addChannel(d, a, 1, 1, 1, "tail"); // not on the cycle
        g.addChannel(a, b, 2, 1, 0, "ab");
        g.addChannel(b, c, 1, 1, 0, "bc");
        g.addChannel(c, a, 1, 1, 1, "ca");
        const auto t = analyzeThroughput(g);
        QVERIFY(!t);
        QCOMPARE(t.error().code, nnb::Errc::InvalidModel);
        const QString msg = QString::fromStdString(t.error().message);
        QVERIFY2(msg.contains("inconsistent") && (msg.contains("'ab'") || msg.contains("'bc'") || msg.contains("'ca'")),
                 qPrintable(msg));
        QVERIFY(!msg.contains("'tail'"));
    }

    void deadlockNamesAChannel()
    {
        SdfGraph g = ring({1, 1, 1}, {0, 0, 0});
        auto t = analyzeThroughput(g);
        QVERIFY(!t);
        QVERIFY2(QString::fromStdString(t.error().message).contains("deadlocks"), t.error().message.c_str());
        // Too few tokens for a multi-rate consumer: b needs 3, the cycle holds 2.
        SdfGraph h;
        h.addActor("a", 1);
        h.addActor("b", 1);
        h.addChannel(0, 1, 3, 3, 2, "ab");
        h.addChannel(1, 0, 3, 3, 0, "ba");
        t = analyzeThroughput(h);
        QVERIFY(!t);
        const QString msg = QString::fromStdString(t.error().message);
        QVERIFY2(msg.contains("needs 3") && (msg.contains("'ab'") || msg.contains("'ba'")), qPrintable(msg));
        QVERIFY(!simulateSelfTimed(h));
    }

    void disconnectedIsRefused()
    {
        SdfGraph g = ring({1, 1}, {1, 0});
        g.addActor("lonely", 1);
        const auto t = analyzeThroughput(g);
        QVERIFY(!t);
        QVERIFY2(QString::fromStdString(t.error().message).contains("disconnected") &&
                     QString::fromStdString(t.error().message).contains("'lonely'"),
                 t.error().message.c_str());
    }

    void hugeGraphsFailPromptlyWithinBounds()
    {
        // An iteration of 10^12 firings: refused before any work.
        SdfGraph g;
        const int a = g.addActor("a", 1), b = g.addActor("b", 1);
        g.addChannel(a, b, 1'000'000'000'000, 1, 0);
        g.addChannel(b, a, 1, 1'000'000'000'000, 1'000'000'000'000);
        QElapsedTimer timer;
        timer.start();
        auto t = analyzeThroughput(g);
        QVERIFY(!t);
        QCOMPARE(t.error().code, nnb::Errc::InvalidArgument);
        QVERIFY2(QString::fromStdString(t.error().message).contains("maxIterationFirings"), t.error().message.c_str());
        // 10^12 initial tokens on a single-rate ring: the max-plus matrix would not fit...
        SdfGraph h = ring({1, 1}, {1'000'000'000'000, 0});
        AnalysisLimits matrixOnly;
        matrixOnly.forceMaxPlusMatrix = true;
        t = analyzeThroughput(h, matrixOnly);
        QVERIFY(!t);
        QVERIFY2(QString::fromStdString(t.error().message).contains("maxInitialTokens"), t.error().message.c_str());
        // ... but a homogeneous graph takes the cycle-ratio path, which does not expand tokens.
        t = analyzeThroughput(h);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(str(t->period), str(frac(2, 1'000'000'000'000)));
        // A simulation whose regime needs more steps than allowed.
        SelfTimedOptions small;
        small.maxSteps = 3;
        const auto sim = simulateSelfTimed(ring({1, 2, 3, 4, 5}, {1, 0, 0, 0, 0}), small);
        QVERIFY(!sim);
        QCOMPARE(sim.error().code, nnb::Errc::InvalidArgument);
        QVERIFY(timer.elapsed() < 2000);
    }

    void cancellation()
    {
        std::vector<int64_t> times(5000, 1), tokens(5000, 0);
        tokens[0] = 1;
        const SdfGraph g = ring(times, tokens);
        nnb::RunContext ctx;
        ctx.isCancelled = [] { return true; };
        const auto t = analyzeThroughput(g, {}, ctx);
        QVERIFY(!t);
        QCOMPARE(t.error().code, nnb::Errc::Cancelled);
        const auto sim = simulateSelfTimed(g, {}, ctx);
        QVERIFY(!sim);
        QCOMPARE(sim.error().code, nnb::Errc::Cancelled);
        const auto fine = analyzeThroughput(g);
        QVERIFY(fine);
        QCOMPARE(str(fine->period), QString("5000"));
    }

    void simulationNeedsStrongConnectivity()
    {
        SdfGraph g;
        g.addActor("a", 1);
        g.addActor("b", 1);
        g.addChannel(0, 1, 1, 1, 0);
        const auto sim = simulateSelfTimed(g);
        QVERIFY(!sim);
        QVERIFY2(QString::fromStdString(sim.error().message).contains("strongly connected"), sim.error().message.c_str());
    }

    // Homogeneous graphs: the cycle ratio on the actor graph equals the max-plus eigenvalue of
    // the token matrix, period and unboundedness alike.
    void cycleRatioPathEqualsMaxPlusMatrixOnHomogeneousGraphs()
    {
        std::mt19937_64 rng(31);
        AnalysisLimits matrixOnly;
        matrixOnly.forceMaxPlusMatrix = true;
        int compared = 0;
        for (int trial = 0; trial < 500; ++trial) {
            const SdfGraph g = randomGraph(rng, false);
            const auto fast = analyzeThroughput(g);
            const auto matrix = analyzeThroughput(g, matrixOnly);
            QCOMPARE(bool(fast), bool(matrix));
            if (!fast)
                continue;
            QCOMPARE(fast->unbounded, matrix->unbounded);
            QCOMPARE(str(fast->period), str(matrix->period));
            QVERIFY(fast->unbounded || !fast->criticalChannels.empty());
            ++compared;
        }
        QVERIFY(compared > 450);
    }

    void howardAgreesWithKarpOnRandomDigraphs()
    {
        std::mt19937_64 rng(7);
        for (int trial = 0; trial < 300; ++trial) {
            const int n = std::uniform_int_distribution<int>(1, 25)(rng);
            const int m = std::uniform_int_distribution<int>(0, 3 * n)(rng);
            std::vector<WeightedEdge> edges;
            for (int e = 0; e < m; ++e)
                edges.push_back(WeightedEdge{std::uniform_int_distribution<int>(0, n - 1)(rng),
                                             std::uniform_int_distribution<int>(0, n - 1)(rng),
                                             std::uniform_int_distribution<int64_t>(0, 30)(rng)});
            const auto howard = maximumCycleMeanHoward(n, edges);
            const auto karp = maximumCycleMeanKarp(n, edges);
            QVERIFY(howard && karp);
            QCOMPARE(howard->hasCycle, karp->hasCycle);
            if (!howard->hasCycle)
                continue;
            QCOMPARE(str(howard->mean), str(karp->mean));
            // The reported cycle is a real cycle with that mean.
            int64_t weight = 0;
            const auto& cyc = howard->cycle;
            for (size_t k = 0; k < cyc.size(); ++k) {
                int64_t best = kMinusInfinity;
                for (const WeightedEdge& e : edges)
                    if (e.from == cyc[k] && e.to == cyc[(k + 1) % cyc.size()])
                        best = std::max(best, e.weight);
                QVERIFY(best != kMinusInfinity);
                weight += best;
            }
            QCOMPARE(str(frac(weight, static_cast<int64_t>(cyc.size()))), str(howard->mean));
        }
    }

    void propertySelfTimedPeriodEqualsMcm_data()
    {
        QTest::addColumn<bool>("multiRate");
        QTest::addColumn<uint64_t>("seed");
        QTest::addRow("single-rate") << false << uint64_t(11);
        QTest::addRow("multi-rate") << true << uint64_t(23);
    }

    void propertySelfTimedPeriodEqualsMcm()
    {
        QFETCH(bool, multiRate);
        QFETCH(uint64_t, seed);
        std::mt19937_64 rng(seed);
        int checked = 0;
        for (int trial = 0; trial < 100; ++trial) {
            const SdfGraph g = randomGraph(rng, multiRate);
            const auto t = analyzeThroughput(g);
            if (!t && t.error().message.find("deadlock") != std::string::npos)
                continue; // the generator gave up making it live (rare)
            if (!t)
                qWarning() << QString::fromStdString(toSdf3(g));
            QVERIFY2(t, t ? "" : t.error().toString().c_str());
            const auto sim = simulateSelfTimed(g);
            QVERIFY2(sim, sim ? "" : sim.error().toString().c_str());
            const Rational expected = t->unbounded ? frac(0, 1) : t->period;
            if (!(sim->period == expected))
                qWarning() << "trial" << trial << "\n" << QString::fromStdString(toSdf3(g));
            QCOMPARE(str(sim->period), str(expected));
            // Karp on the same matrix agrees with Howard.
            const auto q = repetitionVector(g);
            const auto schedule = iterationSchedule(g, *q);
            const auto m = iterationMatrix(g, *schedule);
            const auto karp = maximumCycleMeanKarp(m->size, precedenceEdges(*m));
            QVERIFY(karp);
            QCOMPARE(str(karp->hasCycle ? karp->mean : frac(0, 1)), str(expected));
            ++checked;
        }
        QVERIFY(checked >= 95);
    }

    void sdf3Files_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("period"); // "inf" for unbounded
        QTest::addRow("ring3") << "ring3.xml" << "10";
        QTest::addRow("ring3 two tokens") << "ring3_two_tokens.xml" << "5";
        QTest::addRow("ring3 self-loop") << "ring3_selfloop.xml" << "7";
        QTest::addRow("multirate") << "multirate.xml" << "6";
        QTest::addRow("acyclic") << "acyclic.xml" << "inf";
        QTest::addRow("sdf3 style") << "sdf3_style.xml" << "9";
    }

    void sdf3Files()
    {
        QFETCH(QString, file);
        QFETCH(QString, period);
        const auto g = readSdf3(dataFile(qPrintable(file)));
        QVERIFY2(g, g ? "" : g.error().toString().c_str());
        const auto t = analyzeThroughput(*g);
        QVERIFY2(t, t ? "" : t.error().toString().c_str());
        QCOMPARE(t->unbounded ? QString("inf") : str(t->period), period);
        // Round trip through the writer: same structure, same answer.
        const auto again = parseSdf3(toSdf3(*g), "round trip");
        QVERIFY2(again, again ? "" : again.error().toString().c_str());
        QCOMPARE(again->actorCount(), g->actorCount());
        QCOMPARE(again->channelCount(), g->channelCount());
        for (int c = 0; c < g->channelCount(); ++c) {
            const Channel& x = g->channels()[static_cast<size_t>(c)];
            const Channel& y = again->channels()[static_cast<size_t>(c)];
            QCOMPARE(y.name, x.name);
            QCOMPARE(y.production, x.production);
            QCOMPARE(y.consumption, x.consumption);
            QCOMPARE(y.initialTokens, x.initialTokens);
            QCOMPARE(y.srcPort, x.srcPort);
        }
        for (int a = 0; a < g->actorCount(); ++a)
            QCOMPARE(again->actors()[static_cast<size_t>(a)].executionTime, g->actors()[static_cast<size_t>(a)].executionTime);
        const auto t2 = analyzeThroughput(*again);
        QVERIFY(t2);
        QCOMPARE(t2->period, t->period);
    }

    void sdf3Errors_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("expected");
        QTest::addRow("inconsistent") << "inconsistent.xml" << QStringList{"inconsistent", "channel '"};
        QTest::addRow("deadlock") << "deadlock.xml" << QStringList{"deadlocks", "channel '"};
        QTest::addRow("disconnected") << "disconnected.xml" << QStringList{"disconnected", "'x'"};
        QTest::addRow("malformed") << "malformed.xml" << QStringList{"malformed.xml", "line 16", "not well-formed XML"};
        QTest::addRow("unknown actor") << "unknown_actor.xml" << QStringList{"unknown_actor.xml", "line 15",
                                                                            "<channel name='ab'>", "dstActor 'bee'"};
        QTest::addRow("missing file") << "nowhere.xml" << QStringList{"nowhere.xml", "cannot open"};
    }

    void sdf3Errors()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, expected);
        const auto path = dataFile(qPrintable(file));
        auto g = readSdf3(path);
        QString message;
        if (g) {
            const auto t = analyzeThroughput(*g);
            QVERIFY(!t);
            message = QString::fromStdString(t.error().toString());
        } else {
            message = QString::fromStdString(g.error().toString());
        }
        for (const QString& e : expected)
            QVERIFY2(message.contains(e), qPrintable(message + " lacks " + e));
    }

    void sdf3ParserMessages_data()
    {
        QTest::addColumn<QString>("xml");
        QTest::addColumn<QStringList>("expected");
        const QString head = "<sdf3 type=\"sdf\" version=\"1.0\"><applicationGraph name=\"g\"><sdf name=\"g\" type=\"G\">\n";
        const QString props = "<sdfProperties><actorProperties actor=\"a\"><processor type=\"p\" default=\"true\">"
                              "<executionTime time=\"1\"/></processor></actorProperties></sdfProperties>";
        QTest::addRow("not sdf3") << "<graph/>" << QStringList{"line 1", "<graph>", "not <sdf3>"};
        QTest::addRow("csdf type") << "<sdf3 type=\"csdf\"/>" << QStringList{"type=\"csdf\"", "not supported"};
        QTest::addRow("csdf rate") << head + "<actor name=\"a\"><port type=\"out\" name=\"p\" rate=\"1,2\"/></actor></sdf>" + props +
                                          "</applicationGraph></sdf3>"
                                   << QStringList{"line 2", "<port name='p'>", "cyclo-static"};
        QTest::addRow("bad rate") << head + "<actor name=\"a\"><port type=\"out\" name=\"p\" rate=\"two\"/></actor></sdf>" + props +
                                         "</applicationGraph></sdf3>"
                                  << QStringList{"rate=\"two\" is not an integer"};
        QTest::addRow("no time") << head + "<actor name=\"a\"/></sdf></applicationGraph></sdf3>"
                                 << QStringList{"line 2", "actor 'a' has no execution time", "<actorProperties actor=\"a\">"};
        QTest::addRow("wrong port direction")
            << head + "<actor name=\"a\"><port type=\"in\" name=\"p\" rate=\"1\"/></actor>\n"
                      "<channel name=\"c\" srcActor=\"a\" srcPort=\"p\" dstActor=\"a\" dstPort=\"p\"/></sdf>" + props +
                   "</applicationGraph></sdf3>"
            << QStringList{"line 3", "srcPort 'p'", "input port"};
        QTest::addRow("negative tokens")
            << head + "<actor name=\"a\"><port type=\"in\" name=\"i\" rate=\"1\"/><port type=\"out\" name=\"o\" rate=\"1\"/></actor>\n"
                      "<channel name=\"c\" srcActor=\"a\" srcPort=\"o\" dstActor=\"a\" dstPort=\"i\" initialTokens=\"-1\"/></sdf>" +
                   props + "</applicationGraph></sdf3>"
            << QStringList{"line 3", "initialTokens=\"-1\" must be at least 0"};
    }

    void sdf3ParserMessages()
    {
        QFETCH(QString, xml);
        QFETCH(QStringList, expected);
        const std::string text = xml.toStdString();
        const auto g = parseSdf3(text, "t.xml");
        QVERIFY(!g);
        const QString message = QString::fromStdString(g.error().toString());
        QVERIFY2(message.startsWith("t.xml: "), qPrintable(message));
        for (const QString& e : expected)
            QVERIFY2(message.contains(e), qPrintable(message + " lacks " + e));
    }

    void sdf3WriterGeneratesNames()
    {
        SdfGraph g("built");
        const int a = g.addActor("a", 2), b = g.addActor("b", 3);
        g.addChannel(a, b, 2, 1);
        g.addChannel(b, a, 1, 2, 2, "ch0"); // collides with the generated name of channel 0
        g.selfLoop(b);
        const std::string xml = toSdf3(g);
        const auto back = parseSdf3(xml, "built.xml");
        QVERIFY2(back, back ? "" : back.error().toString().c_str());
        QCOMPARE(back->channelCount(), 3);
        QVERIFY(back->channels()[0].name != back->channels()[1].name);
        QCOMPARE(str(periodOf(*back)), str(periodOf(g)));
        QTemporaryDir dir;
        const std::filesystem::path path = dir.filePath("g.xml").toStdString();
        QVERIFY(writeSdf3(g, path));
        QVERIFY(readSdf3(path));
    }
};

QTEST_APPLESS_MAIN(TestDataflow)
#include "tst_dataflow.moc"
