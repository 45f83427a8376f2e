// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include <cmath>
#include <limits>
#include <random>

#include "nnb/quant/calibrate.h"
#include "nnb/quant/signal_quantizer.h"

using namespace nnb;
using namespace nnb::quant;

namespace {

/// Uniform in (0, 1) from mt19937_64, whose output (unlike std distributions) is portable.
double uniform01(std::mt19937_64& rng) { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }

/// Laplace(0, 1) samples by the inverse CDF: heavy exponential tails.
std::vector<float> laplacian(size_t n, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<float> v(n);
    for (float& x : v) {
        const double u = uniform01(rng) - 0.5;
        x = static_cast<float>(-std::copysign(1.0, u) * std::log(1.0 - 2.0 * std::abs(u)));
    }
    return v;
}

std::vector<float> uniformValues(size_t n, double lo, double hi, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<float> v(n);
    for (float& x : v)
        x = static_cast<float>(lo + (hi - lo) * uniform01(rng));
    return v;
}

} // namespace

Q_DECLARE_METATYPE(nnb::quant::RangeMethod)

class TestSignalQuantizer : public QObject {
    Q_OBJECT

private slots:
    void maxIsExact()
    {
        const std::vector<float> v{0.5f, -1.25f, 3.0f, std::numeric_limits<float>::quiet_NaN(), 2.0f};
        const Range r = calibrateRange(v.data(), v.size(), RangeMethod::Max, 8);
        QCOMPARE(r.lo, -1.25f);
        QCOMPARE(r.hi, 3.0f);
        const Range none = calibrateRange(v.data(), 0, RangeMethod::Max, 8);
        QCOMPARE(none.lo, 0.0f);
        QCOMPARE(none.hi, 0.0f);
    }

    void percentileInterpolates()
    {
        std::vector<float> v(101);
        for (size_t i = 0; i < v.size(); ++i)
            v[(i * 37) % v.size()] = static_cast<float>(i); // 0..100, shuffled
        const Range r = calibrateRange(v.data(), v.size(), RangeMethod::Percentile, 8, 90.0);
        QCOMPARE(r.hi, 90.0f);
        QCOMPARE(r.lo, 0.0f); // no negatives: the minimum
        const Range between = calibrateRange(v.data(), v.size(), RangeMethod::Percentile, 8, 99.5);
        QCOMPARE(between.hi, 99.5f);
        for (float& x : v)
            x -= 50.0f; // now -50..50: the low end is clipped too
        const Range s = calibrateRange(v.data(), v.size(), RangeMethod::Percentile, 8, 90.0);
        QCOMPARE(s.lo, -40.0f);
        QCOMPARE(s.hi, 40.0f);
    }

    void percentileIgnoresFarOutlier()
    {
        std::vector<float> v = uniformValues(20000, 0.0, 1.0, 3);
        v[1234] = 1000.0f;
        const Range max = calibrateRange(v.data(), v.size(), RangeMethod::Max, 8);
        const Range p = calibrateRange(v.data(), v.size(), RangeMethod::Percentile, 8, 99.9);
        QCOMPARE(max.hi, 1000.0f);
        QVERIFY2(p.hi > 0.99f && p.hi <= 1.0f, qPrintable(QString::number(p.hi)));
        QVERIFY(p.lo >= 0.0f && p.lo < 0.001f);
    }

    void mseOptimalClipsHeavyTail_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("shifted");
        QTest::addRow("4-bit signed Laplacian") << 4 << false;
        QTest::addRow("3-bit signed Laplacian") << 3 << false;
        QTest::addRow("4-bit unsigned |Laplacian|") << 4 << true;
    }

    void mseOptimalClipsHeavyTail()
    {
        QFETCH(int, bits);
        QFETCH(bool, shifted);
        std::vector<float> v = laplacian(100000, 5); // above the 65,536 subsample limit
        if (shifted) {
            for (float& x : v)
                x = std::abs(x);
        }
        const bool isSigned = !shifted;
        const Range max = calibrateRange(v.data(), v.size(), RangeMethod::Max, bits);
        const Range opt = calibrateRange(v.data(), v.size(), RangeMethod::MseOptimal, bits);
        QVERIFY2(opt.hi < 0.6f * max.hi, qPrintable(QStringLiteral("%1 vs %2").arg(opt.hi).arg(max.hi)));
        QVERIFY(opt.hi >= 0.1f * max.hi - 1e-6f);
        QVERIFY(opt.lo <= 0.0f);
        const double mseMax = quantizationMse(v.data(), v.size(), SignalQuant::fromRange(max, bits, isSigned));
        const double mseOpt = quantizationMse(v.data(), v.size(), SignalQuant::fromRange(opt, bits, isSigned));
        QVERIFY2(mseOpt < 0.5 * mseMax, qPrintable(QStringLiteral("%1 vs %2").arg(mseOpt).arg(mseMax)));
        // Deterministic.
        const Range again = calibrateRange(v.data(), v.size(), RangeMethod::MseOptimal, bits);
        QCOMPARE(again.lo, opt.lo);
        QCOMPARE(again.hi, opt.hi);
    }

    void mseOptimalKeepsUniformData()
    {
        // No tail to clip: the best threshold stays near the maximum.
        const std::vector<float> v = uniformValues(10000, 0.0, 1.0, 8);
        const Range r = calibrateRange(v.data(), v.size(), RangeMethod::MseOptimal, 4);
        QVERIFY2(r.hi > 0.9f, qPrintable(QString::number(r.hi)));
        QCOMPARE(r.lo, 0.0f);
    }

    void roundTrip_data()
    {
        QTest::addColumn<float>("lo");
        QTest::addColumn<float>("hi");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("isSigned");
        QTest::addRow("unsigned 8-bit [0, 1]") << 0.0f << 1.0f << 8 << false;
        QTest::addRow("unsigned 4-bit [-1, 3]") << -1.0f << 3.0f << 4 << false;
        QTest::addRow("unsigned 1-bit [0, 6]") << 0.0f << 6.0f << 1 << false;
        QTest::addRow("unsigned 8-bit [0.2, 0.7]") << 0.2f << 0.7f << 8 << false;
        QTest::addRow("unsigned 12-bit [-5, -2]") << -5.0f << -2.0f << 12 << false;
        QTest::addRow("signed 8-bit [-2, 1]") << -2.0f << 1.0f << 8 << true;
        QTest::addRow("signed 2-bit [-1, 1]") << -1.0f << 1.0f << 2 << true;
        QTest::addRow("signed 16-bit [0, 3]") << 0.0f << 3.0f << 16 << true;
    }

    void roundTrip()
    {
        QFETCH(float, lo);
        QFETCH(float, hi);
        QFETCH(int, bits);
        QFETCH(bool, isSigned);
        const SignalQuant q = SignalQuant::fromRange({lo, hi}, bits, isSigned);
        QCOMPARE(q.bits, bits);
        QCOMPARE(q.isSigned, isSigned);
        QCOMPARE(q.qmax, isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1);
        QCOMPARE(q.qmin, isSigned ? -q.qmax : 0);
        QVERIFY(q.scale > 0.0f);
        // Codes survive dequantise -> quantise.
        for (int32_t c = q.qmin; c <= q.qmax; ++c)
            QCOMPARE(q.quantize(q.dequantize(c)), c);
        // Zero is exactly representable.
        QCOMPARE(q.dequantize(q.quantize(0.0f)), 0.0f);
        QCOMPARE(q.quantize(0.0f), q.zeroPoint);
        // Inside the range the error is at most half a step; outside it saturates.
        const float lo0 = std::min(lo, 0.0f);
        const float hi0 = std::max(hi, 0.0f);
        const float a = isSigned ? -std::max(std::abs(lo), std::abs(hi)) : lo0;
        const float b = isSigned ? std::max(std::abs(lo), std::abs(hi)) : hi0;
        for (int i = 0; i <= 1000; ++i) {
            const float x = a + (b - a) * static_cast<float>(i) / 1000.0f;
            QVERIFY(std::abs(q.dequantize(q.quantize(x)) - x) <= 0.5f * q.scale * (1.0f + 1e-4f) + 1e-6f);
        }
        QCOMPARE(q.quantize(b + 100.0f * (b - a) + 1.0f), q.qmax);
        QCOMPARE(q.quantize(a - 100.0f * (b - a) - 1.0f), q.qmin);
        QCOMPARE(q.quantize(std::numeric_limits<float>::infinity()), q.qmax);
        QCOMPARE(q.quantize(std::numeric_limits<float>::quiet_NaN()), q.zeroPoint);
    }

    // Spike counts over T ticks: T + 1 levels, not a power of two.
    void rateCodesOfASpikeCount()
    {
        const SignalQuant q = SignalQuant::fromRangeCodes({0.0f, 2.0f}, 64, false);
        QCOMPARE(q.qmax, 64);
        QCOMPARE(q.qmin, 0);
        QCOMPARE(q.bits, 7);
        QCOMPARE(q.zeroPoint, 0);
        QCOMPARE(q.scale, 2.0f / 64.0f);
        QCOMPARE(q.quantize(1.0f), 32);
        QCOMPARE(q.quantize(5.0f), 64);
        QCOMPARE(q.quantize(-1.0f), 0);
        for (int32_t c = 0; c <= 64; ++c)
            QCOMPARE(q.quantize(q.dequantize(c)), c);
        const SignalQuant s = SignalQuant::fromRangeCodes({-1.0f, 3.0f}, 100, true);
        QCOMPARE(s.qmax, 100);
        QCOMPARE(s.qmin, -100);
        QCOMPARE(s.bits, 8);
        QCOMPARE(s.scale, 3.0f / 100.0f);
        // A power-of-two grid is the same quantiser as fromRange's.
        for (bool isSigned : {false, true}) {
            const SignalQuant a = SignalQuant::fromRange({-0.5f, 1.5f}, 6, isSigned);
            const SignalQuant b = SignalQuant::fromRangeCodes({-0.5f, 1.5f}, a.qmax, isSigned);
            QCOMPARE(b.bits, a.bits);
            QCOMPARE(b.qmax, a.qmax);
            QCOMPARE(b.qmin, a.qmin);
            QCOMPARE(b.scale, a.scale);
            QCOMPARE(b.zeroPoint, a.zeroPoint);
        }
    }

    void roundsHalfAwayFromZero()
    {
        const SignalQuant q = SignalQuant::fromRange({-7.0f, 7.0f}, 4, true); // scale 1
        QCOMPARE(q.scale, 1.0f);
        QCOMPARE(q.quantize(2.5f), 3);
        QCOMPARE(q.quantize(-2.5f), -3);
        QCOMPARE(q.quantize(0.49f), 0);
        const SignalQuant u = SignalQuant::fromRange({0.0f, 15.0f}, 4, false);
        QCOMPARE(u.quantize(0.5f), 1);
        QCOMPARE(u.quantize(14.5f), 15);
    }

    void fakeQuantizeMatchesRoundTrip()
    {
        std::vector<float> v = laplacian(1000, 2);
        const SignalQuant q = SignalQuant::fromRange({-2.0f, 2.0f}, 5, true);
        const double mse = quantizationMse(v.data(), v.size(), q);
        std::vector<float> fq = v;
        fakeQuantize(fq.data(), fq.size(), q);
        double sum = 0.0;
        for (size_t i = 0; i < v.size(); ++i) {
            QCOMPARE(fq[i], q.dequantize(q.quantize(v[i])));
            sum += (static_cast<double>(fq[i]) - v[i]) * (static_cast<double>(fq[i]) - v[i]);
        }
        QCOMPARE(mse, sum / static_cast<double>(v.size()));
        // Idempotent.
        std::vector<float> twice = fq;
        fakeQuantize(twice.data(), twice.size(), q);
        QCOMPARE(twice, fq);
    }

    void degenerateRange()
    {
        const SignalQuant q = SignalQuant::fromRange({0.0f, 0.0f}, 8, false);
        QCOMPARE(q.scale, 1.0f);
        QCOMPARE(q.dequantize(q.quantize(0.0f)), 0.0f);
        const SignalQuant s = SignalQuant::fromRange({0.0f, 0.0f}, 8, true);
        QCOMPARE(s.scale, 1.0f);
    }

    // Data re-encoding with offset copies (passes: reencode-outputs): k copies of a value, copy i
    // shifted by (i − (k−1)/2)/k of one step and quantised on the same b-bit grid, average to the
    // value on refined(k), a grid k times finer, also where some copies clip (Hermite's identity).
    void offsetCopiesAverageToTheRefinedGrid_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("copies");
        QTest::addColumn<bool>("isSigned");
        QTest::addRow("4-bit, 4 copies") << 4 << 4 << false;
        QTest::addRow("4-bit, 3 copies") << 4 << 3 << false;
        QTest::addRow("2-bit, 8 copies") << 2 << 8 << false;
        QTest::addRow("signed 4-bit, 2 copies") << 4 << 2 << true;
    }

    void offsetCopiesAverageToTheRefinedGrid()
    {
        QFETCH(int, bits);
        QFETCH(int, copies);
        QFETCH(bool, isSigned);
        const SignalQuant q = SignalQuant::fromRange({-0.75f, 2.0f}, bits, isSigned);
        const SignalQuant fine = q.refined(copies);
        QCOMPARE(fine.qmax - fine.qmin, copies * (q.qmax - q.qmin));
        QCOMPARE(fine.scale, q.scale / static_cast<float>(copies));
        int exact = 0, total = 0;
        for (int i = -3000; i <= 3000; ++i) {
            const float x = static_cast<float>(i) / 1000.0f; // beyond both ends: clipping
            double mean = 0.0;
            for (int c = 0; c < copies; ++c) {
                const float offset = static_cast<float>((c - 0.5 * (copies - 1)) / copies) * q.scale;
                mean += q.dequantize(q.quantize(x + offset));
            }
            mean /= copies;
            const double expected = fine.dequantize(fine.quantize(x));
            QVERIFY2(std::abs(mean - expected) <= 1.0001 * fine.scale, qPrintable(QString("x = %1").arg(x)));
            exact += std::abs(mean - expected) <= 1e-4 * fine.scale;
            ++total;
        }
        // Off the fine grid only where x + offset lands within float rounding of a half step.
        QVERIFY2(exact >= total * 99 / 100, qPrintable(QString("%1 of %2").arg(exact).arg(total)));
    }

    void methodNames()
    {
        QCOMPARE(std::string(toString(RangeMethod::MseOptimal)), std::string("mse-optimal"));
        QCOMPARE(std::string(toString(RangeMethod::Percentile)), std::string("percentile"));
    }
};

QTEST_APPLESS_MAIN(TestSignalQuantizer)
#include "tst_signal_quantizer.moc"
