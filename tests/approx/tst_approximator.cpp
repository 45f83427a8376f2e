// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include <cmath>
#include <cstring>
#include <string>

#include "nnb/approx/approximator.h"

Q_DECLARE_METATYPE(nnb::approx::HiddenNeuron)
Q_DECLARE_METATYPE(nnb::approx::ApproximatorOptions)

using namespace nnb;
using namespace nnb::approx;

namespace {

// The smallest widths at which the default options (range [-8, 8], 2048 samples, 300
// iterations) reach max |error| < 0.01. Measured over seeds 1..30 (largest error in brackets);
// one unit fewer stays above 0.011 even with 1000 iterations and 30 seeds:
//   sigmoid: Ramp 3 (7.4e-3; width 2: 1.4e-2), Relu 6 (7.4e-3; width 5: 1.1e-2)
//   tanh:    Ramp 4 (9.1e-3; width 3: 1.5e-2), Relu 8 (9.6e-3; width 7: 1.4e-2)
// A Ramp unit has two kinks, a Relu unit one, hence about half the width.
constexpr int kSigmoidRampWidth = 3;
constexpr int kSigmoidReluWidth = 6;
constexpr int kTanhRampWidth = 4;
constexpr int kTanhReluWidth = 8;

ApproximatorOptions options(HiddenNeuron neuron, int width)
{
    ApproximatorOptions o;
    o.neuron = neuron;
    o.width = width;
    return o;
}

TargetFunction targetNamed(const QByteArray& name)
{
    return name == "sigmoid" ? targets::sigmoid() : targets::tanh();
}

/// Max |a(x) − f(x)| on an independent grid (not the one fitApproximator reports on).
double independentMaxError(const Approximator& a, const TargetFunction& f)
{
    double worst = 0.0;
    for (int k = 0; k <= 7777; ++k) {
        const double x = a.lo + (a.hi - a.lo) * k / 7777.0;
        worst = std::max(worst, std::abs(a.evaluate(x) - f(x)));
    }
    return worst;
}

} // namespace

class TestApproximator : public QObject {
    Q_OBJECT

private slots:
    void reachesOnePercent_data()
    {
        QTest::addColumn<QByteArray>("function");
        QTest::addColumn<HiddenNeuron>("neuron");
        QTest::addColumn<int>("width");
        QTest::newRow("sigmoid/ramp") << QByteArray("sigmoid") << HiddenNeuron::Ramp << kSigmoidRampWidth;
        QTest::newRow("sigmoid/relu") << QByteArray("sigmoid") << HiddenNeuron::Relu << kSigmoidReluWidth;
        QTest::newRow("tanh/ramp") << QByteArray("tanh") << HiddenNeuron::Ramp << kTanhRampWidth;
        QTest::newRow("tanh/relu") << QByteArray("tanh") << HiddenNeuron::Relu << kTanhReluWidth;
    }
    void reachesOnePercent()
    {
        QFETCH(QByteArray, function);
        QFETCH(HiddenNeuron, neuron);
        QFETCH(int, width);
        const TargetFunction f = targetNamed(function);
        const auto fit = fitApproximator(f, options(neuron, width));
        QVERIFY2(fit.has_value(), fit ? "" : fit.error().toString().c_str());
        QCOMPARE(fit->width(), width);
        QCOMPARE(fit->neuron, neuron);
        QCOMPARE(fit->lo, -8.0);
        QCOMPARE(fit->hi, 8.0);
        QVERIFY2(fit->maxAbsError < 0.01, std::to_string(fit->maxAbsError).c_str());
        QVERIFY(fit->rmsError <= fit->maxAbsError);
        // The reported error is honest: an unrelated grid sees (almost) the same maximum.
        QVERIFY(independentMaxError(*fit, f) < 1.01 * fit->maxAbsError);
        // And the next smaller width does not reach 1%: the widths above are the smallest.
        const auto narrower = fitApproximator(f, options(neuron, width - 1));
        QVERIFY(narrower.has_value());
        QVERIFY2(narrower->maxAbsError >= 0.01, std::to_string(narrower->maxAbsError).c_str());
    }

    void reachesOnePercentForEverySeed()
    {
        for (std::uint64_t seed : {2u, 3u, 17u, 12345u}) {
            for (HiddenNeuron neuron : {HiddenNeuron::Ramp, HiddenNeuron::Relu}) {
                ApproximatorOptions o =
                    options(neuron, neuron == HiddenNeuron::Ramp ? kTanhRampWidth : kTanhReluWidth);
                o.seed = seed;
                const auto fit = fitApproximator(targets::tanh(), o);
                QVERIFY(fit.has_value());
                const std::string what = std::to_string(seed) + ": " + std::to_string(fit->maxAbsError);
                QVERIFY2(fit->maxAbsError < 0.01, what.c_str());
            }
        }
    }

    void errorShrinksWithWidth_data()
    {
        QTest::addColumn<QByteArray>("function");
        QTest::addColumn<HiddenNeuron>("neuron");
        QTest::newRow("sigmoid/ramp") << QByteArray("sigmoid") << HiddenNeuron::Ramp;
        QTest::newRow("sigmoid/relu") << QByteArray("sigmoid") << HiddenNeuron::Relu;
        QTest::newRow("tanh/ramp") << QByteArray("tanh") << HiddenNeuron::Ramp;
        QTest::newRow("tanh/relu") << QByteArray("tanh") << HiddenNeuron::Relu;
    }
    void errorShrinksWithWidth()
    {
        QFETCH(QByteArray, function);
        QFETCH(HiddenNeuron, neuron);
        const TargetFunction f = targetNamed(function);
        double previous = 0.0;
        for (int width : {1, 2, 3, 4, 5, 6, 8, 10, 12, 16}) {
            const auto fit = fitApproximator(f, options(neuron, width));
            QVERIFY(fit.has_value());
            // Non-increasing within 5% (each width is a separate non-convex fit).
            if (width > 1)
                QVERIFY2(fit->maxAbsError <= 1.05 * previous,
                         (std::to_string(width) + ": " + std::to_string(fit->maxAbsError) + " after " +
                          std::to_string(previous)).c_str());
            previous = fit->maxAbsError;
        }
        QVERIFY(previous < 3e-3); // width 16
    }

    void deterministicForASeed()
    {
        for (HiddenNeuron neuron : {HiddenNeuron::Ramp, HiddenNeuron::Relu}) {
            ApproximatorOptions o = options(neuron, 7);
            o.seed = 42;
            const auto a = fitApproximator(targets::tanh(), o);
            const auto b = fitApproximator(targets::tanh(), o);
            QVERIFY(a.has_value() && b.has_value());
            auto sameBits = [](const std::vector<double>& x, const std::vector<double>& y) {
                return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
            };
            QVERIFY(sameBits(a->inWeight, b->inWeight));
            QVERIFY(sameBits(a->inBias, b->inBias));
            QVERIFY(sameBits(a->outWeight, b->outWeight));
            QVERIFY(std::memcmp(&a->outBias, &b->outBias, sizeof(double)) == 0);
            QVERIFY(std::memcmp(&a->maxAbsError, &b->maxAbsError, sizeof(double)) == 0);
        }
    }

    void rejectsInvalidOptions_data()
    {
        QTest::addColumn<ApproximatorOptions>("options");
        const double nan = std::nan("");
        const double inf = HUGE_VAL;
        ApproximatorOptions o;
        o.width = 0;
        QTest::newRow("width 0") << o;
        o = {};
        o.width = -3;
        QTest::newRow("negative width") << o;
        o = {};
        o.width = kMaxApproximatorWidth + 1;
        QTest::newRow("too wide") << o;
        o = {};
        o.lo = 1.0;
        o.hi = 1.0;
        QTest::newRow("empty range") << o;
        o = {};
        o.lo = 2.0;
        o.hi = -2.0;
        QTest::newRow("reversed range") << o;
        o = {};
        o.lo = nan;
        QTest::newRow("nan lo") << o;
        o = {};
        o.hi = inf;
        QTest::newRow("infinite hi") << o;
        o = {};
        o.lo = -1e308;
        o.hi = 1e308;
        QTest::newRow("range overflows") << o;
        o = {};
        o.samples = 3;
        QTest::newRow("too few samples") << o;
        o = {};
        o.iterations = -1;
        QTest::newRow("negative iterations") << o;
    }
    void rejectsInvalidOptions()
    {
        QFETCH(ApproximatorOptions, options);
        const auto fit = fitApproximator(targets::sigmoid(), options);
        QVERIFY(!fit.has_value());
        QCOMPARE(fit.error().code, Errc::InvalidArgument);
        QVERIFY(!fit.error().message.empty());
    }

    void rejectsBadTargets()
    {
        const auto empty = fitApproximator(TargetFunction{}, ApproximatorOptions{});
        QVERIFY(!empty.has_value());
        QCOMPARE(empty.error().code, Errc::InvalidArgument);
        // log is not finite at 0, which lies on the training grid of [0, 1].
        ApproximatorOptions o;
        o.lo = 0.0;
        o.hi = 1.0;
        const auto log = fitApproximator([](double x) { return std::log(x); }, o);
        QVERIFY(!log.has_value());
        QCOMPARE(log.error().code, Errc::InvalidArgument);
    }

    /// Leaky ReLU is relu(x) − α·relu(−x): two ReLU units represent it exactly.
    void leakyReluIsExactWithTwoReluUnits()
    {
        for (double alpha : {0.01, 0.2}) {
            const auto fit = fitApproximator(targets::leakyRelu(alpha), options(HiddenNeuron::Relu, 2));
            QVERIFY(fit.has_value());
            QVERIFY2(fit->maxAbsError < 1e-6, std::to_string(fit->maxAbsError).c_str());
            // Exact beyond the fitted range too (a ReLU network extrapolates linearly).
            QVERIFY(std::abs(fit->evaluate(-20.0) - (-20.0 * alpha)) < 1e-6);
            QVERIFY(std::abs(fit->evaluate(20.0) - 20.0) < 1e-6);
        }
    }

    /// Other piecewise-linear targets are found exactly as well: clip is one Ramp unit (it is
    /// the LIF rate model itself, scaled), two ReLU units; off-centre ranges work too.
    void piecewiseLinearTargetsAreExact()
    {
        const auto clipRamp = fitApproximator(targets::clip(-1.0, 1.0), options(HiddenNeuron::Ramp, 1));
        QVERIFY(clipRamp.has_value());
        QVERIFY2(clipRamp->maxAbsError < 1e-9, std::to_string(clipRamp->maxAbsError).c_str());
        const auto clipRelu = fitApproximator(targets::clip(-1.0, 1.0), options(HiddenNeuron::Relu, 2));
        QVERIFY(clipRelu.has_value());
        QVERIFY(clipRelu->maxAbsError < 1e-9);
        ApproximatorOptions o = options(HiddenNeuron::Ramp, 2);
        o.lo = -3.0;
        o.hi = 11.0;
        const auto leakyRamp = fitApproximator(targets::leakyRelu(0.1), o);
        QVERIFY(leakyRamp.has_value());
        QVERIFY(leakyRamp->maxAbsError < 1e-9);
        QVERIFY(fitApproximator(targets::hardSigmoid(), options(HiddenNeuron::Ramp, 1))->maxAbsError < 1e-9);
    }

    /// The Approximator's fields are the network; evaluate() is nothing more than that formula.
    void evaluateIsTheDocumentedNetwork()
    {
        const auto fit = fitApproximator(targets::sigmoid(), options(HiddenNeuron::Ramp, 5));
        QVERIFY(fit.has_value());
        QCOMPARE(int(fit->inWeight.size()), 5);
        QCOMPARE(int(fit->inBias.size()), 5);
        for (double x : {-8.0, -1.5, 0.0, 0.3, 7.9}) {
            double y = fit->outBias;
            for (int j = 0; j < 5; ++j)
                y += fit->outWeight[j] * std::clamp(fit->inWeight[j] * x + fit->inBias[j], 0.0, 1.0);
            QCOMPARE(fit->evaluate(x), y);
        }
        // Relu units are normalised: each one's activation peaks at 1 on [lo, hi].
        const auto relu = fitApproximator(targets::tanh(), options(HiddenNeuron::Relu, 6));
        QVERIFY(relu.has_value());
        for (int j = 0; j < 6; ++j) {
            const double peak = std::max(relu->inWeight[j] * relu->lo + relu->inBias[j],
                                         relu->inWeight[j] * relu->hi + relu->inBias[j]);
            QVERIFY(std::abs(peak - 1.0) < 1e-12);
        }
        QCOMPARE(applyHiddenNeuron(HiddenNeuron::Relu, -2.0), 0.0);
        QCOMPARE(applyHiddenNeuron(HiddenNeuron::Relu, 2.5), 2.5);
        QCOMPARE(applyHiddenNeuron(HiddenNeuron::Ramp, 2.5), 1.0);
        QCOMPARE(applyHiddenNeuron(HiddenNeuron::Ramp, 0.25), 0.25);
        QCOMPARE(std::string(toString(HiddenNeuron::Ramp)), std::string("ramp"));
    }

    void otherRangesAndTargets()
    {
        ApproximatorOptions o = options(HiddenNeuron::Relu, 8);
        o.lo = 0.5;
        o.hi = 3.0;
        const auto fit = fitApproximator([](double x) { return 1.0 / x; }, o);
        QVERIFY(fit.has_value());
        QVERIFY2(fit->maxAbsError < 0.01, std::to_string(fit->maxAbsError).c_str());
        QVERIFY(fitApproximator(targets::softsign(), options(HiddenNeuron::Ramp, 16))->maxAbsError < 0.003);
        QVERIFY(fitApproximator(targets::elu(), options(HiddenNeuron::Relu, 12))->maxAbsError < 0.003);
        // A constant is exact with any width.
        QVERIFY(fitApproximator([](double) { return 0.25; }, options(HiddenNeuron::Ramp, 3))->maxAbsError < 1e-12);
    }

    void zeroIterationsGivesTheInitialGuess()
    {
        ApproximatorOptions o = options(HiddenNeuron::Ramp, 4);
        o.iterations = 0;
        const auto guess = fitApproximator(targets::sigmoid(), o);
        QVERIFY(guess.has_value());
        QVERIFY(guess->maxAbsError < 0.05);
        const auto trained = fitApproximator(targets::sigmoid(), options(HiddenNeuron::Ramp, 4));
        QVERIFY(trained->maxAbsError < guess->maxAbsError);
    }

    void cancels()
    {
        int polls = 0;
        RunContext ctx;
        ctx.isCancelled = [&polls] { return ++polls > 5; };
        const auto fit = fitApproximator(targets::tanh(), options(HiddenNeuron::Relu, 16), ctx);
        QVERIFY(!fit.has_value());
        QCOMPARE(fit.error().code, Errc::Cancelled);
        QCOMPARE(polls, 6); // polled once per iteration, stopped at the first "yes"

        RunContext already;
        already.isCancelled = [] { return true; };
        const auto none = fitApproximator(targets::tanh(), ApproximatorOptions{}, already);
        QVERIFY(!none.has_value());
        QCOMPARE(none.error().code, Errc::Cancelled);
    }

    void reportsProgress()
    {
        std::vector<int> permille;
        RunContext ctx;
        ctx.onProgress = [&permille](const Progress& p) { permille.push_back(p.permille); };
        QVERIFY(fitApproximator(targets::sigmoid(), options(HiddenNeuron::Ramp, 4), ctx).has_value());
        QVERIFY(permille.size() >= 3);
        QVERIFY(permille.size() <= 25); // coarse: at most every 5% of the budget
        QCOMPARE(permille.front(), 0);
        QCOMPARE(permille.back(), 1000);
        QVERIFY(std::is_sorted(permille.begin(), permille.end()));
    }
};

QTEST_APPLESS_MAIN(TestApproximator)
#include "tst_approximator.moc"
