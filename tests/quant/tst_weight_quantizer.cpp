// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>

#include "nnb/quant/weight_quantizer.h"

using namespace nnb;
using namespace nnb::quant;

namespace {

/// Deterministic weights in [-1, 1): mt19937_64 output is specified by the standard, unlike
/// the std distributions.
std::vector<float> randomWeights(size_t n, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<float> v(n);
    for (float& x : v)
        x = static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2.0 - 1.0);
    return v;
}

QuantizedWeights quantizeOrFail(const ir::Tensor& t, int axis, const WeightQuantOptions& options)
{
    auto q = quantizeWeights(t, axis, options);
    if (!q)
        qFatal("quantizeWeights failed: %s", q.error().toString().c_str());
    return std::move(*q);
}

WeightQuantOptions optionsFor(WeightScheme scheme, Granularity granularity = Granularity::PerOutputChannel)
{
    WeightQuantOptions o;
    o.scheme = scheme;
    o.granularity = granularity;
    if (scheme == WeightScheme::PowerOfTwo)
        o.bits = 4;
    return o;
}

/// \returns true if a and b induce the same partition of their indices (equal up to relabelling).
bool samePartition(const std::vector<int32_t>& a, const std::vector<int32_t>& b)
{
    if (a.size() != b.size())
        return false;
    std::map<int32_t, int32_t> ab;
    std::map<int32_t, int32_t> ba;
    for (size_t i = 0; i < a.size(); ++i) {
        if (ab.emplace(a[i], b[i]).first->second != b[i])
            return false;
        if (ba.emplace(b[i], a[i]).first->second != a[i])
            return false;
    }
    return true;
}

struct ValidationCase {
    WeightQuantOptions options;
    ir::Tensor weights;
    int axis = 1;
    QString messagePart;
};

} // namespace

Q_DECLARE_METATYPE(nnb::quant::WeightScheme)
Q_DECLARE_METATYPE(nnb::quant::Granularity)
Q_DECLARE_METATYPE(ValidationCase)

class TestWeightQuantizer : public QObject {
    Q_OBJECT

private slots:
    void uniformCodes_data()
    {
        QTest::addColumn<std::vector<float>>("values");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("symmetric");
        QTest::addColumn<std::vector<int32_t>>("codes");
        QTest::addColumn<double>("scale");
        QTest::addColumn<int>("zeroPoint");
        using F = std::vector<float>;
        using C = std::vector<int32_t>;
        // -0.5·7 = -3.5 is an exact tie: halves round away from zero.
        QTest::addRow("symmetric 4-bit, negative tie")
            << F{-1.0f, -0.5f, 0.0f, 0.26f, 1.0f} << 4 << true << C{-7, -4, 0, 2, 7} << 1.0 / 7 << 0;
        // qmax 1: -0.45 -> 0, 0.495 -> 0, 0.5 -> 1 (tie away from zero).
        QTest::addRow("symmetric 2-bit, positive tie")
            << F{-2.0f, -0.9f, 0.99f, 1.0f, 2.0f} << 2 << true << C{-1, 0, 0, 1, 1} << 2.0 << 0;
        QTest::addRow("symmetric 8-bit")
            << F{0.5f, -0.25f, 0.125f, 0.0f} << 8 << true << C{127, -64, 32, 0} << 0.5 / 127 << 0;
        QTest::addRow("asymmetric 2-bit") << F{0.0f, 1.0f, 2.0f, 3.0f} << 2 << false << C{0, 1, 2, 3} << 1.0 << 0;
        // Range [-1, 6] over 7 steps: scale 1, zero point 1; 0.5 -> round(0.5) + 1 = 2.
        QTest::addRow("asymmetric 3-bit with zero point")
            << F{-1.0f, 0.0f, 0.5f, 6.0f} << 3 << false << C{0, 1, 2, 7} << 1.0 << 1;
        // All negative: the range is widened to [-2, 0] so that 0 stays representable.
        QTest::addRow("asymmetric 8-bit, all negative")
            << F{-2.0f, -1.0f} << 8 << false << C{0, 127} << 2.0 / 255 << 255;
    }

    void uniformCodes()
    {
        QFETCH(std::vector<float>, values);
        QFETCH(int, bits);
        QFETCH(bool, symmetric);
        QFETCH(std::vector<int32_t>, codes);
        QFETCH(double, scale);
        QFETCH(int, zeroPoint);
        WeightQuantOptions o;
        o.bits = bits;
        o.symmetric = symmetric;
        o.granularity = Granularity::PerTensor;
        const auto shape = ir::Shape{static_cast<int64_t>(values.size())};
        const QuantizedWeights q = quantizeOrFail(ir::Tensor::fromData(shape, values), 0, o);
        QCOMPARE(q.codes, codes);
        QCOMPARE(q.scale.size(), size_t{1});
        QCOMPARE(q.scale[0], static_cast<float>(scale));
        QCOMPARE(q.zeroPoint[0], zeroPoint);
        QCOMPARE(q.bits, bits);
        QCOMPARE(q.minCode, symmetric ? -((1 << (bits - 1)) - 1) : 0);
        QCOMPARE(q.maxCode, symmetric ? (1 << (bits - 1)) - 1 : (1 << bits) - 1);
        for (size_t i = 0; i < values.size(); ++i) {
            QCOMPARE(q.dequantize(i), q.scale[0] * static_cast<float>(q.codes[i] - q.zeroPoint[0]));
            if (values[i] == 0.0f)
                QCOMPARE(q.dequantize(i), 0.0f); // zero is exactly representable
        }
    }

    void perChannelScalesAreIndependent()
    {
        // Dense W [in 3, out 2]: column 1 is column 0 times 100.
        const ir::Tensor dense = ir::Tensor::fromData({3, 2}, {0.1f, 10.0f, -0.05f, -5.0f, 0.02f, 2.0f});
        WeightQuantOptions o; // symmetric 8-bit per output channel
        const QuantizedWeights q = quantizeOrFail(dense, 1, o);
        QCOMPARE(q.numGroups(), size_t{2});
        QCOMPARE(q.scale[0], static_cast<float>(0.1f / 127.0));
        QCOMPARE(q.scale[1], static_cast<float>(10.0f / 127.0));
        // -0.05·127/0.1 = -63.5 -> -64; 0.02·127/0.1 = 25.4 -> 25. Both columns use the full range.
        QCOMPARE(q.codes, (std::vector<int32_t>{127, 127, -64, -64, 25, 25}));
        QCOMPARE(q.groupOf(4), size_t{0});
        QCOMPARE(q.groupOf(5), size_t{1});

        // Changing one channel leaves the other's scale and codes alone.
        ir::Tensor changed = dense;
        changed.f[1] = 40.0f;
        const QuantizedWeights q2 = quantizeOrFail(changed, 1, o);
        QCOMPARE(q2.scale[0], q.scale[0]);
        for (const size_t i : {size_t{0}, size_t{2}, size_t{4}})
            QCOMPARE(q2.codes[i], q.codes[i]);
        QVERIFY(q2.scale[1] != q.scale[1]);

        // Per tensor, the small column collapses onto few codes.
        o.granularity = Granularity::PerTensor;
        const QuantizedWeights t = quantizeOrFail(dense, 1, o);
        QCOMPARE(t.numGroups(), size_t{1});
        QCOMPARE(t.codes[0], 1); // 0.1·127/10 = 1.27

        // Conv W [M 2, C 1, 2, 2] with output axis 0: channel 1 = 4 × channel 0.
        const ir::Tensor conv = ir::Tensor::fromData({2, 1, 2, 2}, {0.25f, -0.5f, 0.0f, 1.0f, 1.0f, -2.0f, 0.0f, 4.0f});
        WeightQuantOptions c;
        c.bits = 4;
        const QuantizedWeights qc = quantizeOrFail(conv, 0, c);
        QCOMPARE(qc.scale, (std::vector<float>{static_cast<float>(1.0 / 7), static_cast<float>(4.0 / 7)}));
        QCOMPARE(qc.codes, (std::vector<int32_t>{2, -4, 0, 7, 2, -4, 0, 7}));
        QCOMPARE(qc.numRows(), size_t{4});
        QCOMPARE(qc.rowOf(5), size_t{1});
        QVERIFY(qc.maxAbsError <= 0.5 * 4.0 / 7 + 1e-6);
    }

    void allZeroGroupHasZeroScale_data()
    {
        QTest::addColumn<WeightScheme>("scheme");
        QTest::addRow("uniform") << WeightScheme::Uniform;
        QTest::addRow("power-of-two") << WeightScheme::PowerOfTwo;
        QTest::addRow("ternary") << WeightScheme::Ternary;
        QTest::addRow("binary") << WeightScheme::Binary;
        QTest::addRow("value-set") << WeightScheme::ValueSet;
        QTest::addRow("kmeans") << WeightScheme::KMeans;
    }

    void allZeroGroupHasZeroScale()
    {
        QFETCH(WeightScheme, scheme);
        // Column 1 pruned away entirely.
        const ir::Tensor w = ir::Tensor::fromData({3, 2}, {0.5f, 0.0f, -0.25f, 0.0f, 1.0f, 0.0f});
        const QuantizedWeights q = quantizeOrFail(w, 1, optionsFor(scheme));
        if (scheme != WeightScheme::KMeans)
            QCOMPARE(q.scale[1], 0.0f);
        for (const size_t i : {size_t{1}, size_t{3}, size_t{5}})
            QCOMPARE(q.dequantize(i), 0.0f);
    }

    void kmeansRecoversClusters_data()
    {
        QTest::addColumn<int>("levels");
        QTest::addColumn<float>("spread");
        QTest::addRow("three exact points, 3 levels") << 3 << 0.0f;
        QTest::addRow("three exact points, 16 levels") << 16 << 0.0f;
        QTest::addRow("three symmetric clusters, 3 levels") << 3 << 0.01f;
    }

    void kmeansRecoversClusters()
    {
        QFETCH(int, levels);
        QFETCH(float, spread);
        const std::vector<float> centres{-0.5f, 0.125f, 0.75f};
        // Unequal cluster sizes, shuffled; each cluster symmetric around its centre.
        std::vector<float> values;
        for (size_t c = 0; c < centres.size(); ++c) {
            for (size_t k = 0; k < 10 + 7 * c; ++k) {
                values.push_back(centres[c] - spread);
                values.push_back(centres[c] + spread);
            }
        }
        std::shuffle(values.begin(), values.end(), std::mt19937_64(7));
        WeightQuantOptions o;
        o.scheme = WeightScheme::KMeans;
        o.levels = levels;
        o.granularity = Granularity::PerTensor;
        const QuantizedWeights q = quantizeOrFail(ir::Tensor::fromData({static_cast<int64_t>(values.size())}, values), 0, o);
        QCOMPARE(q.codebook.size(), size_t{1});
        QCOMPARE(q.codebook[0].size(), centres.size());
        for (size_t c = 0; c < centres.size(); ++c)
            QVERIFY2(std::abs(q.codebook[0][c] - centres[c]) <= 1e-6f, qPrintable(QString::number(q.codebook[0][c])));
        for (size_t i = 0; i < values.size(); ++i)
            QVERIFY(std::abs(q.dequantize(i) - values[i]) <= spread + 1e-6f);
        if (spread == 0.0f) {
            QCOMPARE(q.mse, 0.0);
            QCOMPARE(q.maxAbsError, 0.0);
        }
        QCOMPARE(q.minCode, 0);
        QCOMPARE(q.maxCode, levels - 1);
        QCOMPARE(q.bits, static_cast<int>(std::ceil(std::log2(levels))));
    }

    void kmeansBeatsUniformAtEqualLevels()
    {
        // Bell-shaped weights: 16 learned levels fit better than 15 evenly spaced ones.
        std::vector<float> w = randomWeights(4096, 3);
        for (float& x : w)
            x = x * x * x;
        const ir::Tensor t = ir::Tensor::fromData({64, 64}, w);
        WeightQuantOptions k;
        k.scheme = WeightScheme::KMeans;
        WeightQuantOptions u;
        u.bits = 4;
        const QuantizedWeights qk = quantizeOrFail(t, 1, k);
        const QuantizedWeights qu = quantizeOrFail(t, 1, u);
        QVERIFY2(qk.mse < 0.5 * qu.mse, qPrintable(QStringLiteral("%1 vs %2").arg(qk.mse).arg(qu.mse)));
        for (const auto& book : qk.codebook) {
            QVERIFY(book.size() <= 16);
            QVERIFY(std::is_sorted(book.begin(), book.end()));
            QVERIFY(std::adjacent_find(book.begin(), book.end()) == book.end());
        }
    }

    void kmeansHandlesHeavyDuplicates()
    {
        // 90% pruned zeros: the quantile initialisation collides and must re-seed.
        std::vector<float> w = randomWeights(2000, 11);
        for (size_t i = 0; i < w.size(); ++i) {
            if (i % 10 != 0)
                w[i] = 0.0f;
        }
        WeightQuantOptions o;
        o.scheme = WeightScheme::KMeans;
        o.levels = 8;
        o.granularity = Granularity::PerTensor;
        const QuantizedWeights q = quantizeOrFail(ir::Tensor::fromData({2000}, w), 0, o);
        QCOMPARE(q.codebook[0].size(), size_t{8}); // every level in use despite the collisions
        // The zero cluster is dominated by the pruned weights, so its level sits at ~0.
        for (size_t i = 0; i < w.size(); ++i) {
            if (w[i] == 0.0f)
                QVERIFY(std::abs(q.dequantize(i)) < 0.01f);
        }
    }

    void ternaryAndBinaryAlpha()
    {
        const std::vector<float> v{0.1f, -0.2f, 0.9f, -1.0f, 0.05f, 0.4f, 0.0f};
        const ir::Tensor t = ir::Tensor::fromData({7}, v);
        double meanAbs = 0.0;
        for (float x : v)
            meanAbs += std::abs(x);
        meanAbs /= 7.0; // 2.65 / 7 ≈ 0.3786; threshold 0.265: keeps 0.9, -1.0, 0.4
        const QuantizedWeights ternary = quantizeOrFail(t, 0, optionsFor(WeightScheme::Ternary, Granularity::PerTensor));
        QCOMPARE(ternary.codes, (std::vector<int32_t>{0, 0, 1, -1, 0, 1, 0}));
        QCOMPARE(ternary.scale[0], static_cast<float>((0.9 + 1.0 + 0.4) / 3.0));
        QCOMPARE(ternary.bits, 2);
        QVERIFY(0.7 * meanAbs > 0.2 && 0.7 * meanAbs < 0.4); // the case is not borderline

        const QuantizedWeights binary = quantizeOrFail(t, 0, optionsFor(WeightScheme::Binary, Granularity::PerTensor));
        QCOMPARE(binary.codes, (std::vector<int32_t>{1, -1, 1, -1, 1, 1, 1})); // zero maps to +1
        QCOMPARE(binary.scale[0], static_cast<float>(meanAbs));
        QCOMPARE(binary.dequantize(3), -binary.scale[0]);
        QCOMPARE(binary.bits, 1);
    }

    void powerOfTwoLevels_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addRow("2 bits") << 2;
        QTest::addRow("3 bits") << 3;
        QTest::addRow("4 bits") << 4;
        QTest::addRow("6 bits") << 6;
    }

    void powerOfTwoLevels()
    {
        QFETCH(int, bits);
        const int exponents = (1 << (bits - 1)) - 1;
        std::vector<float> w = randomWeights(64 * 8, 5);
        for (float& x : w)
            x = x * x * x; // many small magnitudes
        const ir::Tensor t = ir::Tensor::fromData({64, 8}, w);
        WeightQuantOptions o;
        o.scheme = WeightScheme::PowerOfTwo;
        o.bits = bits;
        const QuantizedWeights q = quantizeOrFail(t, 1, o);
        QCOMPARE(q.minCode, -exponents);
        QCOMPARE(q.maxCode, exponents);
        std::vector<double> maxAbs(8, 0.0);
        for (size_t i = 0; i < w.size(); ++i)
            maxAbs[i % 8] = std::max(maxAbs[i % 8], static_cast<double>(std::abs(w[i])));
        for (size_t i = 0; i < w.size(); ++i) {
            const size_t g = q.groupOf(i);
            const float real = q.dequantize(i);
            const int32_t integer = q.integerWeight(i);
            QCOMPARE(real, q.scale[g] * static_cast<float>(integer));
            if (integer != 0) { // ±2^k with 0 <= k < exponents
                const int magnitude = std::abs(integer);
                QCOMPARE(magnitude & (magnitude - 1), 0);
                QVERIFY(magnitude <= (1 << (exponents - 1)));
            }
            // Nearest level in the linear domain.
            double bestError = std::abs(static_cast<double>(w[i]));
            for (int k = 0; k < exponents; ++k) {
                const double level = std::ldexp(static_cast<double>(q.scale[g]), k);
                bestError = std::min(bestError, std::abs(std::abs(static_cast<double>(w[i])) - level));
            }
            QVERIFY(std::abs(static_cast<double>(real) - w[i]) <= bestError + 1e-7);
        }
        // The largest level is anchored at max |w|.
        for (size_t g = 0; g < 8; ++g)
            QCOMPARE(static_cast<double>(std::ldexp(q.scale[g], exponents - 1)), static_cast<double>(static_cast<float>(maxAbs[g])));
    }

    void valueSetRecoversConstructedMatrix_data()
    {
        QTest::addColumn<ir::Shape>("shape");
        QTest::addColumn<int>("axis");
        QTest::addRow("dense [32, 6], axis 1") << ir::Shape{32, 6} << 1;
        QTest::addRow("conv [6, 2, 4, 4], axis 0") << ir::Shape{6, 2, 4, 4} << 0;
    }

    void valueSetRecoversConstructedMatrix()
    {
        QFETCH(ir::Shape, shape);
        QFETCH(int, axis);
        constexpr size_t rows = 32;
        constexpr size_t cols = 6;
        constexpr size_t types = 4;
        // Each neuron j: scale 2^-(1 + j%3) and 4 integers in [-7, 7] reaching ±7, so the
        // values are exactly representable with 4 bits and a per-neuron scale max|v|/7.
        const int32_t values[cols][types] = {{7, -3, 0, 2}, {-7, 5, 1, -1}, {3, 7, -6, 0},
                                             {0, -2, -7, 4}, {1, 1, 7, -5}, {-4, 6, 2, -7}};
        std::vector<int32_t> trueType(rows);
        for (size_t r = 0; r < rows; ++r)
            trueType[r] = static_cast<int32_t>((r * 7 + r / 5) % types);
        std::vector<float> w(rows * cols);
        for (size_t r = 0; r < rows; ++r) {
            for (size_t j = 0; j < cols; ++j) {
                const float value = std::ldexp(static_cast<float>(values[j][trueType[r]]), -1 - static_cast<int>(j % 3));
                const size_t index = axis == 1 ? r * cols + j : j * rows + r;
                w[index] = value;
            }
        }
        WeightQuantOptions o;
        o.scheme = WeightScheme::ValueSet;
        o.bits = 4;
        o.axonTypes = 4;
        const QuantizedWeights q = quantizeOrFail(ir::Tensor::fromData(shape, w), axis, o);
        QCOMPARE(q.mse, 0.0);
        QCOMPARE(q.maxAbsError, 0.0);
        QCOMPARE(q.rowType.size(), rows);
        QVERIFY(samePartition(q.rowType, trueType));
        QCOMPARE(q.typeValues.size(), cols);
        QCOMPARE(q.minCode, 0);
        QCOMPARE(q.maxCode, 3);
        for (size_t i = 0; i < w.size(); ++i) {
            QCOMPARE(q.codes[i], q.rowType[q.rowOf(i)]);
            QCOMPARE(q.scale[q.groupOf(i)] * static_cast<float>(q.integerWeight(i)), w[i]);
            QVERIFY(std::abs(q.integerWeight(i)) <= 7);
        }
    }

    void valueSetErrorShrinksWithTypes()
    {
        const std::vector<float> w = randomWeights(64 * 16, 9);
        const ir::Tensor t = ir::Tensor::fromData({64, 16}, w);
        WeightQuantOptions o;
        o.scheme = WeightScheme::ValueSet;
        o.bits = 9; // TrueNorth: 9-bit signed weights
        double previous = std::numeric_limits<double>::infinity();
        for (int types : {1, 2, 4, 16, 64}) {
            o.axonTypes = types;
            const QuantizedWeights q = quantizeOrFail(t, 1, o);
            QVERIFY2(q.mse < previous, qPrintable(QStringLiteral("%1 types: mse %2").arg(types).arg(q.mse)));
            previous = q.mse;
            if (types == 64) { // one type per row: only the rounding of the values remains
                for (size_t i = 0; i < w.size(); ++i)
                    QVERIFY(std::abs(q.dequantize(i) - w[i]) <= 0.5f * q.scale[q.groupOf(i)] + 1e-7f);
            }
        }
    }

    void deterministic_data()
    {
        QTest::addColumn<WeightScheme>("scheme");
        QTest::addColumn<Granularity>("granularity");
        QTest::addRow("kmeans per tensor") << WeightScheme::KMeans << Granularity::PerTensor;
        QTest::addRow("kmeans per channel") << WeightScheme::KMeans << Granularity::PerOutputChannel;
        QTest::addRow("value-set per channel") << WeightScheme::ValueSet << Granularity::PerOutputChannel;
        QTest::addRow("value-set per tensor") << WeightScheme::ValueSet << Granularity::PerTensor;
    }

    void deterministic()
    {
        QFETCH(WeightScheme, scheme);
        QFETCH(Granularity, granularity);
        // Symmetric values with duplicates produce equidistant re-seeding candidates.
        std::vector<float> w = randomWeights(48 * 12, 13);
        for (size_t i = 0; i < w.size(); i += 3)
            w[i] = (i % 2 == 0) ? 0.5f : -0.5f;
        const ir::Tensor t = ir::Tensor::fromData({48, 12}, w);
        WeightQuantOptions o = optionsFor(scheme, granularity);
        o.seed = 42;
        const QuantizedWeights a = quantizeOrFail(t, 1, o);
        const QuantizedWeights b = quantizeOrFail(t, 1, o);
        QCOMPARE(a.codes, b.codes);
        QCOMPARE(a.codebook, b.codebook);
        QCOMPARE(a.scale, b.scale);
        QCOMPARE(a.rowType, b.rowType);
        QCOMPARE(a.mse, b.mse);
        o.seed = 43; // another seed still gives a valid quantisation
        const QuantizedWeights c = quantizeOrFail(t, 1, o);
        QVERIFY(c.mse <= 2.0 * a.mse + 1e-12);
    }

    void consistency_data()
    {
        QTest::addColumn<WeightScheme>("scheme");
        QTest::addColumn<Granularity>("granularity");
        for (WeightScheme s : {WeightScheme::Uniform, WeightScheme::KMeans, WeightScheme::PowerOfTwo,
                               WeightScheme::Ternary, WeightScheme::Binary, WeightScheme::ValueSet}) {
            for (Granularity g : {Granularity::PerTensor, Granularity::PerOutputChannel})
                QTest::addRow("%s %s", toString(s), toString(g)) << s << g;
        }
    }

    /// For every scheme: codes within [minCode, maxCode], dequantized() equals dequantize(),
    /// the integer form decodes bit-exactly, and the error statistics match a recomputation.
    void consistency()
    {
        QFETCH(WeightScheme, scheme);
        QFETCH(Granularity, granularity);
        const std::vector<float> w = randomWeights(5 * 3 * 3 * 4, 17);
        const ir::Tensor t = ir::Tensor::fromData({5, 3, 3, 4}, w); // conv [M, C, kh, kw]
        WeightQuantOptions o = optionsFor(scheme, granularity);
        o.symmetric = false;
        const QuantizedWeights q = quantizeOrFail(t, 0, o);
        QCOMPARE(q.scheme, scheme);
        QCOMPARE(q.codes.size(), w.size());
        QCOMPARE(q.scale.size(), granularity == Granularity::PerTensor ? size_t{1} : size_t{5});
        QCOMPARE(q.zeroPoint.size(), q.scale.size());
        const ir::Tensor d = q.dequantized();
        QCOMPARE(d.shape, t.shape);
        double sumSq = 0.0;
        double maxAbs = 0.0;
        for (size_t i = 0; i < w.size(); ++i) {
            QVERIFY(q.codes[i] >= q.minCode && q.codes[i] <= q.maxCode);
            QCOMPARE(d.f[i], q.dequantize(i));
            if (q.hasIntegerForm())
                QCOMPARE(q.scale[q.groupOf(i)] * static_cast<float>(q.integerWeight(i)), d.f[i]);
            const double e = std::abs(static_cast<double>(d.f[i]) - w[i]);
            sumSq += e * e;
            maxAbs = std::max(maxAbs, e);
        }
        QCOMPARE(q.mse, sumSq / static_cast<double>(w.size()));
        QCOMPARE(q.maxAbsError, maxAbs);
        QVERIFY(q.mse > 0.0);
    }

    void largeMatrix_data()
    {
        QTest::addColumn<WeightScheme>("scheme");
        QTest::addColumn<Granularity>("granularity");
        QTest::addRow("kmeans per tensor") << WeightScheme::KMeans << Granularity::PerTensor;
        QTest::addRow("kmeans per channel") << WeightScheme::KMeans << Granularity::PerOutputChannel;
        QTest::addRow("value-set") << WeightScheme::ValueSet << Granularity::PerOutputChannel;
    }

    /// A 784×256 dense layer (MNIST MLP size). Release timings are in the report; this checks
    /// the result's invariants at full size.
    void largeMatrix()
    {
        QFETCH(WeightScheme, scheme);
        QFETCH(Granularity, granularity);
        const ir::Tensor t = ir::Tensor::fromData({784, 256}, randomWeights(784 * 256, 21));
        QElapsedTimer clock;
        clock.start();
        const QuantizedWeights q = quantizeOrFail(t, 1, optionsFor(scheme, granularity));
        qInfo("%s %s on 784x256: %lld ms", toString(scheme), toString(granularity),
              static_cast<long long>(clock.elapsed()));
        QCOMPARE(q.codes.size(), size_t{784 * 256});
        QVERIFY(std::all_of(q.codes.begin(), q.codes.end(),
                            [&](int32_t c) { return c >= q.minCode && c <= q.maxCode; }));
        if (scheme == WeightScheme::KMeans) {
            // Uniform-ish data over [-1, 1): 16 levels give an error near (2/16)²/12.
            QVERIFY2(q.mse < 2.0 * (1.0 / 64.0) / 12.0, qPrintable(QString::number(q.mse)));
        } else {
            QCOMPARE(q.rowType.size(), size_t{784});
        }
    }

    void rejectsInvalidInput_data()
    {
        QTest::addColumn<ValidationCase>("testCase");
        const ir::Tensor w = ir::Tensor::fromData({2, 3}, {0.1f, 0.2f, 0.3f, -0.1f, -0.2f, -0.3f});
        const auto with = [&](auto edit) {
            ValidationCase c{WeightQuantOptions{}, w, 1, {}};
            edit(c);
            return c;
        };
        QTest::addRow("uniform bits 0") << with([](ValidationCase& c) { c.options.bits = 0; c.messagePart = "bits"; });
        QTest::addRow("uniform bits 17") << with([](ValidationCase& c) { c.options.bits = 17; c.messagePart = "bits"; });
        QTest::addRow("symmetric uniform bits 1")
            << with([](ValidationCase& c) { c.options.bits = 1; c.messagePart = "bits must be in [2, 16]"; });
        QTest::addRow("kmeans levels 1") << with([](ValidationCase& c) {
            c.options.scheme = WeightScheme::KMeans;
            c.options.levels = 1;
            c.messagePart = "levels";
        });
        QTest::addRow("kmeans iterations 0") << with([](ValidationCase& c) {
            c.options.scheme = WeightScheme::KMeans;
            c.options.kmeansIterations = 0;
            c.messagePart = "kmeansIterations";
        });
        QTest::addRow("power-of-two bits 7") << with([](ValidationCase& c) {
            c.options.scheme = WeightScheme::PowerOfTwo;
            c.options.bits = 7;
            c.messagePart = "bits must be in [2, 6] for power-of-two";
        });
        QTest::addRow("value-set axonTypes 0") << with([](ValidationCase& c) {
            c.options.scheme = WeightScheme::ValueSet;
            c.options.axonTypes = 0;
            c.messagePart = "axonTypes";
        });
        QTest::addRow("value-set bits 1") << with([](ValidationCase& c) {
            c.options.scheme = WeightScheme::ValueSet;
            c.options.bits = 1;
            c.messagePart = "bits";
        });
        QTest::addRow("output axis outside rank") << with([](ValidationCase& c) {
            c.axis = 2;
            c.messagePart = "outputAxis 2";
        });
        QTest::addRow("negative output axis") << with([](ValidationCase& c) {
            c.axis = -1;
            c.messagePart = "outputAxis -1";
        });
        QTest::addRow("data shorter than shape") << with([](ValidationCase& c) {
            c.weights.f.pop_back();
            c.messagePart = "hold 5 values";
        });
        QTest::addRow("non-finite weight") << with([](ValidationCase& c) {
            c.weights.f[4] = std::numeric_limits<float>::quiet_NaN();
            c.messagePart = "non-finite value at index 4";
        });
        QTest::addRow("dynamic shape") << with([](ValidationCase& c) {
            c.weights.shape = {ir::kDynamicDim, 3};
            c.messagePart = "static shape";
        });
        QTest::addRow("int64 tensor") << with([](ValidationCase& c) {
            c.weights = ir::Tensor::fromInts({2}, {1, 2});
            c.axis = 0;
            c.messagePart = "float tensor";
        });
    }

    void rejectsInvalidInput()
    {
        QFETCH(ValidationCase, testCase);
        const auto q = quantizeWeights(testCase.weights, testCase.axis, testCase.options);
        QVERIFY(!q);
        QCOMPARE(q.error().code, Errc::InvalidArgument);
        QVERIFY2(q.error().message.find(testCase.messagePart.toStdString()) != std::string::npos,
                 q.error().message.c_str());
    }

    void emptyTensor()
    {
        const QuantizedWeights q = quantizeOrFail(ir::Tensor::fromData({0, 4}, {}), 1, WeightQuantOptions{});
        QVERIFY(q.codes.empty());
        QCOMPARE(q.scale.size(), size_t{4});
        QCOMPARE(q.mse, 0.0);
    }

    void schemeNames()
    {
        QCOMPARE(std::string(toString(WeightScheme::PowerOfTwo)), std::string("power-of-two"));
        QCOMPARE(std::string(toString(WeightScheme::ValueSet)), std::string("value-set"));
        QCOMPARE(std::string(toString(Granularity::PerOutputChannel)), std::string("per-output-channel"));
    }
};

QTEST_APPLESS_MAIN(TestWeightQuantizer)
#include "tst_weight_quantizer.moc"
