// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of the crossbar kernel of the bit-accurate simulator (nnb::sim::CrossbarTile): a
// hand-computed layer, exactness of lossless configurations against the plain integer product,
// lossy ADCs against a plain per-slice per-cycle reference loop (each with every read kernel:
// AVX-512 VNNI / AVX2 integer GEMMs where the CPU has them, and Eigen), the device model,
// threads, and rejection of invalid configurations and weights.
#include <QtTest>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "nnb/hw/profile_io.h"
#include "nnb/sim/crossbar.h"

using namespace nnb;
using namespace nnb::sim;

Q_DECLARE_METATYPE(nnb::sim::CrossbarConfig)
Q_DECLARE_METATYPE(nnb::sim::DeviceModel)

namespace {

using AdcMode = CrossbarConfig::AdcMode;

enum class Encoding { Differential, Offset, Unsigned };

const char* name(Encoding e)
{
    switch (e) {
    case Encoding::Differential:
        return "diff";
    case Encoding::Offset:
        return "offset";
    case Encoding::Unsigned:
        return "unsigned";
    }
    return "?";
}

CrossbarConfig makeConfig(Encoding encoding, int weightBits, int cellBits, int inputBits, int dacBits, int adcBits,
    double adcStep = 0.0, AdcMode mode = AdcMode::Clip, int rows = 8, int cols = 6)
{
    CrossbarConfig c;
    c.rows = rows;
    c.cols = cols;
    c.weightBits = weightBits;
    c.weightSigned = encoding != Encoding::Unsigned;
    c.differential = encoding == Encoding::Differential;
    c.cellBits = cellBits;
    c.inputBits = inputBits;
    c.dacBits = dacBits;
    c.adcBits = adcBits;
    c.adcStep = adcStep;
    c.adcMode = mode;
    return c;
}

std::vector<int32_t> randomCodes(size_t count, int64_t lo, int64_t hi, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    std::vector<int32_t> v(count);
    for (int32_t& e : v)
        e = static_cast<int32_t>(dist(rng));
    return v;
}

std::vector<int32_t> randomWeights(const CrossbarConfig& c, int rows, int cols, uint64_t seed)
{
    return randomCodes(
        static_cast<size_t>(rows) * static_cast<size_t>(cols), c.minWeightCode(), c.maxWeightCode(), seed);
}

std::vector<int32_t> randomInputs(const CrossbarConfig& c, int64_t batch, int rows, uint64_t seed)
{
    return randomCodes(static_cast<size_t>(batch) * static_cast<size_t>(rows), 0, c.maxInputCode(), seed);
}

/// The plain integer product y = x · W.
std::vector<int64_t> naiveProduct(
    const std::vector<int32_t>& x, const std::vector<int32_t>& w, int64_t batch, int rows, int cols)
{
    std::vector<int64_t> y(static_cast<size_t>(batch * cols), 0);
    for (int64_t b = 0; b < batch; ++b)
        for (int j = 0; j < cols; ++j)
            for (int i = 0; i < rows; ++i)
                y[static_cast<size_t>(b * cols + j)]
                    += int64_t{x[static_cast<size_t>(b * rows + i)]} * w[static_cast<size_t>(i * cols + j)];
    return y;
}

/// domain.md §6 written out plainly, one read at a time: for every sample, column, slice,
/// polarity and input cycle, the column sum I, the ADC code q and the shift-and-add, then the
/// offset correction. Independent of the implementation (no GEMM, no int64 recombination).
std::vector<double> referenceCrossbar(const CrossbarConfig& c, const std::vector<int32_t>& w,
    const std::vector<int32_t>& x, int64_t batch, int rows, int cols, int64_t* clipped = nullptr)
{
    const bool isSigned = c.weightSigned;
    const int magnitudeBits = isSigned && c.differential ? c.weightBits - 1 : c.weightBits;
    const int slices = (magnitudeBits + c.cellBits - 1) / c.cellBits;
    const int cycles = (c.inputBits + c.dacBits - 1) / c.dacBits;
    const int polarities = c.differential ? 2 : 1;
    const int64_t offset = isSigned && !c.differential ? (int64_t{1} << (c.weightBits - 1)) - 1 : 0;
    const int64_t cellMax = (int64_t{1} << c.cellBits) - 1;
    const int64_t dacMax = (int64_t{1} << c.dacBits) - 1;
    const int64_t qmax = (int64_t{1} << c.adcBits) - 1;

    const auto stored = [&](int i, int j, int polarity) -> int64_t {
        const int64_t v = w[static_cast<size_t>(i * cols + j)];
        if (c.differential)
            return polarity == 0 ? std::max<int64_t>(v, 0) : std::max<int64_t>(-v, 0);
        return v + offset;
    };
    const auto level
        = [&](int i, int j, int s, int polarity) { return (stored(i, j, polarity) >> (c.cellBits * s)) & cellMax; };
    // Δ per (slice, polarity, cycle, column): Scale mode fits cycle t's largest read, its largest
    // digit d_t = min(2^dacBits − 1, maxInput >> dacBits·t) times the largest column sum (or,
    // with adcPerColumn, column j's own sum).
    const auto step = [&](int s, int polarity, int t, int col) -> double {
        if (c.adcMode == AdcMode::Clip) {
            if (c.adcStep > 0)
                return c.adcStep;
            const double fullScale = double(c.rows) * double(dacMax) * double(cellMax);
            return std::max(1.0, fullScale / std::pow(2.0, c.adcBits));
        }
        int64_t maxColumn = 0;
        for (int j = 0; j < cols; ++j) {
            if (c.adcPerColumn && j != col)
                continue;
            int64_t column = 0;
            for (int i = 0; i < rows; ++i)
                column += level(i, j, s, polarity);
            maxColumn = std::max(maxColumn, column);
        }
        const int64_t digit = std::min(dacMax, ((int64_t{1} << c.inputBits) - 1) >> (c.dacBits * t));
        double delta = 1.0;
        while (std::round(double(digit * maxColumn) / delta) > double(qmax))
            delta *= 2.0;
        return delta;
    };

    std::vector<double> steps; // [slice][polarity][cycle][column]
    for (int s = 0; s < slices; ++s)
        for (int p = 0; p < polarities; ++p)
            for (int t = 0; t < cycles; ++t)
                for (int j = 0; j < cols; ++j)
                    steps.push_back(step(s, p, t, j));

    std::vector<double> y(static_cast<size_t>(batch * cols), 0.0);
    int64_t clips = 0;
    for (int64_t b = 0; b < batch; ++b) {
        for (int j = 0; j < cols; ++j) {
            double sum = 0.0;
            for (int s = 0; s < slices; ++s) {
                for (int p = 0; p < polarities; ++p) {
                    for (int t = 0; t < cycles; ++t) {
                        const double delta = steps[static_cast<size_t>(((s * polarities + p) * cycles + t) * cols + j)];
                        int64_t current = 0;
                        for (int i = 0; i < rows; ++i) {
                            const int64_t xt = (x[static_cast<size_t>(b * rows + i)] >> (c.dacBits * t)) & dacMax;
                            current += xt * level(i, j, s, p);
                        }
                        double value = double(current);
                        if (c.adcBits > 0) {
                            double q = std::round(double(current) / delta);
                            if (q > double(qmax)) {
                                q = double(qmax);
                                ++clips;
                            }
                            value = q * delta;
                        }
                        sum += (p == 0 ? 1.0 : -1.0) * std::ldexp(value, c.cellBits * s + c.dacBits * t);
                    }
                }
            }
            int64_t inputSum = 0;
            for (int i = 0; i < rows; ++i)
                inputSum += x[static_cast<size_t>(b * rows + i)];
            y[static_cast<size_t>(b * cols + j)] = sum - double(offset * inputSum);
        }
    }
    if (clipped)
        *clipped = clips;
    return y;
}

template <class T>
std::vector<T> run(const CrossbarTile& tile, const std::vector<int32_t>& x, int64_t batch, AdcStats* stats = nullptr)
{
    std::vector<T> y(static_cast<size_t>(batch * tile.colsUsed()), T(-12345));
    tile.mvm(x.data(), batch, y.data(), stats);
    return y;
}

/// Bitwise equality of two double vectors (QCOMPARE on doubles is fuzzy).
bool sameBits(const std::vector<double>& a, const std::vector<double>& b, QString* where = nullptr)
{
    if (a.size() != b.size())
        return false;
    for (size_t k = 0; k < a.size(); ++k) {
        if (std::bit_cast<uint64_t>(a[k]) != std::bit_cast<uint64_t>(b[k])) {
            if (where)
                *where = QStringLiteral("element %1: %2 vs %3").arg(k).arg(a[k], 0, 'g', 17).arg(b[k], 0, 'g', 17);
            return false;
        }
    }
    return true;
}

std::vector<double> toDouble(const std::vector<int64_t>& v)
{
    return std::vector<double>(v.begin(), v.end());
}

CrossbarTile makeTile(const CrossbarConfig& c, const std::vector<int32_t>& w, int rows, int cols,
                      ReadKernel kernel = ReadKernel::Auto)
{
    auto tile = CrossbarTile::create(c, w, rows, cols, kernel);
    if (!tile)
        qFatal("%s", tile.error().toString().c_str());
    return *tile;
}

/// Every read kernel: the CPU's best, AVX2 at most, and Eigen only. They must agree bit for bit.
constexpr ReadKernel kKernels[] = {ReadKernel::Auto, ReadKernel::Avx2, ReadKernel::Portable};

const char* name(ReadKernel k)
{
    switch (k) {
    case ReadKernel::Auto: return "auto";
    case ReadKernel::Avx2: return "avx2";
    case ReadKernel::Portable: return "portable";
    }
    return "?";
}

} // namespace

class TestCrossbar : public QObject {
    Q_OBJECT

private slots:
    void handComputedLayer();
    void losslessEqualsIntegerProduct_data();
    void losslessEqualsIntegerProduct();
    void losslessBoundary();
    void lossyMatchesReferenceLoop_data();
    void lossyMatchesReferenceLoop();
    void scaleModeNeverClipsIdealTile();
    void scaleModeStepsPerArrayAndCycle();
    void readKernelsAreChosenByBounds();
    void fromProfile();
    void everyShippedProfileGivesAValidConfig();
    void deviceModelZeroReproducesIdeal_data();
    void deviceModelZeroReproducesIdeal();
    void deviceModelIsDeterministicPerSeed();
    void deviceErrorGrowsWithSigma();
    void deviceStatisticsMatchModel();
    void stuckCellsMoveOutputs();
    void stuckAtMaxClipsCalibratedAdc();
    void invalidDeviceModelsAreRejected_data();
    void invalidDeviceModelsAreRejected();
    void parallelEqualsSerial_data();
    void parallelEqualsSerial();
    void invalidConfigsAreRejected_data();
    void invalidConfigsAreRejected();
    void invalidWeightsAreRejected();
    void checkInputsNamesTheCode();
};

// -----------------------------------------------------------------------------------------------
// (a) One small layer computed by hand.

void TestCrossbar::handComputedLayer()
{
    // 3 rows × 2 columns, 4-bit signed weights (range [-7, 7]) in differential pairs over 2-bit
    // cells: magnitudes have 3 bits, so 2 slices (bits 0-1 and bit 2) × 2 polarities = 4 arrays.
    // Inputs 4 bits through a 2-bit DAC: 2 cycles (x = x_0 + 4·x_1). ADC 3 bits (codes 0..7)
    // with Δ = 2 (the profile sets a range of 16 instead of the full scale 3·3·3 = 27).
    CrossbarConfig c = makeConfig(Encoding::Differential, 4, 2, 4, 2, 3, 2.0, AdcMode::Clip, 3, 2);
    //        W = [  7  -3 ]      w+ = [ 7 0 ]   w- = [ 0 3 ]
    //            [  7   6 ]           [ 7 6 ]        [ 0 0 ]
    //            [ -2   5 ]           [ 0 5 ]        [ 2 0 ]
    // Slices (slice 0 = bits 0-1, slice 1 = bit 2):
    //   w+ s0 = [3 0; 3 2; 0 1]   w+ s1 = [1 0; 1 1; 0 1]
    //   w- s0 = [0 3; 0 0; 2 0]   w- s1 = 0 (all magnitudes of negative weights are < 4)
    const std::vector<int32_t> w = {7, -3, 7, 6, -2, 5};
    // x0 = [15 14 6]: cycle 0 (bits 0-1) = [3 2 2], cycle 1 (bits 2-3) = [3 3 1]
    // x1 = [ 1  8 13]: cycle 0            = [1 0 1], cycle 1            = [0 2 3]
    const std::vector<int32_t> x = {15, 14, 6, 1, 8, 13};
    // Plain product: x0·W = [15·7+14·7−6·2, −15·3+14·6+6·5] = [191, 69]
    //                x1·W = [7+56−26, −3+48+65]            = [37, 110]
    //
    // Reads I = Σ_i x_{t,i}·w_{s,i,j}, ADC q = clamp(round(I/2), 0, 7) (ties round up), and the
    // shift-and-add factor ±2^(2s + 2t):
    // sample 0                 col 0: I -> q          col 1: I -> q        factor
    //   w+ s0 t0  [3 2 2]      9+6+0 = 15 -> 7.5 -> 8 CLIPPED to 7   0+4+2 = 6 -> 3     +1
    //   w+ s0 t1  [3 3 1]      9+9+0 = 18 -> 9   CLIPPED to 7        0+6+1 = 7 -> 3.5 -> 4  +4
    //   w+ s1 t0  [3 2 2]      3+2+0 = 5 -> 2.5 -> 3                 0+2+2 = 4 -> 2     +4
    //   w+ s1 t1  [3 3 1]      3+3+0 = 6 -> 3                        0+3+1 = 4 -> 2     +16
    //   w- s0 t0  [3 2 2]      0+0+4 = 4 -> 2                        9+0+0 = 9 -> 4.5 -> 5  -1
    //   w- s0 t1  [3 3 1]      0+0+2 = 2 -> 1                        9+0+0 = 9 -> 4.5 -> 5  -4
    //   w- s1 t0/t1            0 -> 0                                0 -> 0             -4, -16
    //   y0 col 0 = 2·(1·7 + 4·7 + 4·3 + 16·3 − 1·2 − 4·1) = 2·89 = 178   (exact: 191)
    //   y0 col 1 = 2·(1·3 + 4·4 + 4·2 + 16·2 − 1·5 − 4·5) = 2·34 = 68    (exact: 69)
    // sample 1
    //   w+ s0 t0  [1 0 1]      3+0+0 = 3 -> 1.5 -> 2                 0+0+1 = 1 -> 0.5 -> 1  +1
    //   w+ s0 t1  [0 2 3]      0+6+0 = 6 -> 3                        0+4+3 = 7 -> 3.5 -> 4  +4
    //   w+ s1 t0  [1 0 1]      1+0+0 = 1 -> 0.5 -> 1                 0+0+1 = 1 -> 0.5 -> 1  +4
    //   w+ s1 t1  [0 2 3]      0+2+0 = 2 -> 1                        0+2+3 = 5 -> 2.5 -> 3  +16
    //   w- s0 t0  [1 0 1]      0+0+2 = 2 -> 1                        3+0+0 = 3 -> 1.5 -> 2  -1
    //   w- s0 t1  [0 2 3]      0+0+6 = 6 -> 3                        0+0+0 = 0 -> 0     -4
    //   y1 col 0 = 2·(1·2 + 4·3 + 4·1 + 16·1 − 1·1 − 4·3) = 2·21 = 42    (exact: 37)
    //   y1 col 1 = 2·(1·1 + 4·4 + 4·1 + 16·3 − 1·2 − 4·0) = 2·67 = 134   (exact: 110)
    // Conversions: 2 samples × 2 cycles × 4 arrays × 2 columns = 32, of which 2 clipped.
    const std::vector<int64_t> expected = {178, 68, 42, 134};

    for (ReadKernel kernel : kKernels) {
        const CrossbarTile tile = makeTile(c, w, 3, 2, kernel);
        AdcStats stats;
        QCOMPARE(run<int64_t>(tile, x, 2, &stats), expected);
        QCOMPARE(stats.conversions, int64_t{32});
        QCOMPARE(stats.clipped, int64_t{2});
    }
    const CrossbarTile tile = makeTile(c, w, 3, 2);
    QCOMPARE(tile.arrays(), 4);
    QCOMPARE(tile.config().inputCycles(), 2);
    QVERIFY(!tile.isLossless());
    QVERIFY(tile.hasIntegerOutput());
    QCOMPARE(tile.adcStep(0), 2.0);

    AdcStats stats;
    QCOMPARE(run<int64_t>(tile, x, 2, &stats), expected);
    QCOMPARE(stats.conversions, int64_t{32});
    QCOMPARE(stats.clipped, int64_t{2});
    QVERIFY(sameBits(run<double>(tile, x, 2), toDouble(expected)));

    // Stats accumulate over calls; one sample alone converts 16 times and clips twice.
    AdcStats one;
    QCOMPARE(run<int64_t>(tile, {15, 14, 6}, 1, &one), (std::vector<int64_t>{178, 68}));
    QCOMPARE(one.conversions, int64_t{16});
    QCOMPARE(one.clipped, int64_t{2});
    stats += one;
    QCOMPARE(stats.clipped, int64_t{4});

    // The independent reference loop agrees (it is used against many configurations below).
    int64_t referenceClipped = 0;
    QVERIFY(sameBits(referenceCrossbar(c, w, x, 2, 3, 2, &referenceClipped), toDouble(expected)));
    QCOMPARE(referenceClipped, int64_t{2});

    // With 5 ADC bits and Δ = 1 nothing is lost: the plain product.
    c.adcBits = c.losslessAdcBits();
    c.adcStep = 1.0;
    QCOMPARE(c.losslessAdcBits(), 5); // full scale 27 needs 5 bits
    const CrossbarTile exact = makeTile(c, w, 3, 2);
    QVERIFY(exact.isLossless());
    QCOMPARE(run<int64_t>(exact, x, 2), (std::vector<int64_t>{191, 69, 37, 110}));
}

// -----------------------------------------------------------------------------------------------
// (b) Lossless configurations equal the integer product exactly.

void TestCrossbar::losslessEqualsIntegerProduct_data()
{
    QTest::addColumn<CrossbarConfig>("config");
    QTest::addColumn<int>("rowsUsed");
    QTest::addColumn<int>("colsUsed");
    for (Encoding e : {Encoding::Differential, Encoding::Offset, Encoding::Unsigned}) {
        for (int cellBits = 1; cellBits <= 4; ++cellBits) {
            for (int dacBits = 1; dacBits <= 4; ++dacBits) {
                for (bool adc : {false, true}) {
                    CrossbarConfig c = makeConfig(e, 5, cellBits, 4, dacBits, 0);
                    if (adc)
                        c.adcBits = c.losslessAdcBits(); // default Δ = max(1, FS / 2^bits) = 1
                    QTest::addRow("%s cell %d dac %d %s", name(e), cellBits, dacBits, adc ? "lossless ADC" : "no ADC")
                        << c << 7 << 5;
                }
            }
        }
    }
    // Large sums: the fast path's float GEMM would not be exact (|Σ| >= 2^24), so it must use doubles.
    QTest::addRow("16-bit weights and inputs, 300 rows (double GEMM)")
        << makeConfig(Encoding::Offset, 16, 4, 16, 4, 0, 0.0, AdcMode::Clip, 300, 8) << 300 << 8;
    QTest::addRow("16-bit differential, lossless ADC, 300 rows") << [] {
        CrossbarConfig c = makeConfig(Encoding::Differential, 16, 8, 16, 8, 0, 0.0, AdcMode::Clip, 300, 8);
        c.adcBits = c.losslessAdcBits();
        return c;
    }() << 300 << 8;
    QTest::addRow("prime geometry 256x256, lossless ADC") << [] {
        CrossbarConfig c = makeConfig(Encoding::Differential, 8, 4, 6, 3, 0, 0.0, AdcMode::Clip, 256, 256);
        c.adcBits = c.losslessAdcBits();
        return c;
    }() << 256 << 256;
}

void TestCrossbar::losslessEqualsIntegerProduct()
{
    QFETCH(CrossbarConfig, config);
    QFETCH(int, rowsUsed);
    QFETCH(int, colsUsed);
    const int64_t batch = 9;
    const std::vector<int32_t> w = randomWeights(config, rowsUsed, colsUsed, 11);
    std::vector<int32_t> x = randomInputs(config, batch, rowsUsed, 12);
    // The extremes: all inputs at the top code (full-scale reads) in the first sample.
    for (int i = 0; i < rowsUsed; ++i)
        x[static_cast<size_t>(i)] = static_cast<int32_t>(config.maxInputCode());
    const std::vector<int64_t> expected = naiveProduct(x, w, batch, rowsUsed, colsUsed);

    for (ReadKernel kernel : kKernels) {
        const CrossbarTile other = makeTile(config, w, rowsUsed, colsUsed, kernel);
        QVERIFY2(run<int64_t>(other, x, batch) == expected,
                 qPrintable(QStringLiteral("%1 (%2)").arg(name(kernel), other.readKernelName())));
    }
    const CrossbarTile tile = makeTile(config, w, rowsUsed, colsUsed);
    QVERIFY(tile.isLossless());
    QVERIFY(tile.hasIntegerOutput());
    AdcStats stats;
    QCOMPARE(run<int64_t>(tile, x, batch, &stats), expected);
    QVERIFY(sameBits(run<double>(tile, x, batch), toDouble(expected)));
    QCOMPARE(stats.clipped, int64_t{0});
    QCOMPARE(stats.conversions,
        config.adcBits > 0 ? batch * config.inputCycles() * tile.arrays() * colsUsed : int64_t{0});

    // The same reads one slice and one cycle at a time (a device tile with no variation takes
    // the sliced path) give the same exact product.
    const auto programmed = tile.withDeviceModel(DeviceModel{});
    QVERIFY(programmed);
    AdcStats slicedStats;
    QVERIFY(sameBits(run<double>(*programmed, x, batch, &slicedStats), toDouble(expected)));
    QCOMPARE(slicedStats.conversions, stats.conversions);
    QCOMPARE(slicedStats.clipped, int64_t{0});
}

void TestCrossbar::losslessBoundary()
{
    // Every weight and input at its maximum makes every read hit the full scale 5·3·3 = 45:
    // 6 ADC bits (top code 63) keep it, 5 bits (top code 31) clip it.
    CrossbarConfig c = makeConfig(Encoding::Unsigned, 4, 2, 4, 2, 0, 1.0, AdcMode::Clip, 5, 3);
    QCOMPARE(c.fullScale(), int64_t{45});
    QCOMPARE(c.losslessAdcBits(), 6);
    const std::vector<int32_t> w(15, 15);
    const std::vector<int32_t> x(5, 15);
    const std::vector<int64_t> exact = naiveProduct(x, w, 1, 5, 3); // 5·15·15 = 1125
    QCOMPARE(exact.front(), int64_t{1125});

    c.adcBits = 6;
    const CrossbarTile lossless = makeTile(c, w, 5, 3);
    QVERIFY(lossless.isLossless());
    QCOMPARE(run<int64_t>(lossless, x, 1), exact);

    c.adcBits = 5;
    const CrossbarTile clipping = makeTile(c, w, 5, 3);
    QVERIFY(!clipping.isLossless());
    AdcStats stats;
    // Each of the 2 slices × 2 cycles reads 45 and converts to 31: 31·(1 + 4)·(1 + 4) = 775.
    QCOMPARE(run<int64_t>(clipping, x, 1, &stats), (std::vector<int64_t>{775, 775, 775}));
    QCOMPARE(stats.conversions, int64_t{12});
    QCOMPARE(stats.clipped, int64_t{12});

    // A tile whose actual weights cannot reach the top code is lossless with fewer bits.
    const std::vector<int32_t> small(15, 1); // slice 0 level 1, slice 1 level 0: reads <= 5·3 = 15
    QVERIFY(makeTile(c, small, 5, 3).isLossless());
    c.adcBits = 4;
    QVERIFY(makeTile(c, small, 5, 3).isLossless());
    c.adcBits = 3;
    QVERIFY(!makeTile(c, small, 5, 3).isLossless());

    // One level above the top code: 16 rows of weight 1 read 16 with a 1-bit input, which a
    // 4-bit ADC (top code 15) clips and a 5-bit one keeps.
    CrossbarConfig edge = makeConfig(Encoding::Unsigned, 4, 4, 1, 1, 4, 1.0, AdcMode::Clip, 16, 1);
    const std::vector<int32_t> ones(16, 1);
    const CrossbarTile tight = makeTile(edge, ones, 16, 1);
    QVERIFY(!tight.isLossless());
    AdcStats edgeStats;
    QCOMPARE(run<int64_t>(tight, ones, 1, &edgeStats), (std::vector<int64_t>{15}));
    QCOMPARE(edgeStats.clipped, int64_t{1});
    edge.adcBits = 5;
    const CrossbarTile roomy = makeTile(edge, ones, 16, 1);
    QVERIFY(roomy.isLossless());
    QCOMPARE(run<int64_t>(roomy, ones, 1), (std::vector<int64_t>{16}));
}

// -----------------------------------------------------------------------------------------------
// (c) Lossy ADCs equal the per-slice, per-cycle reference loop bit for bit.

void TestCrossbar::lossyMatchesReferenceLoop_data()
{
    QTest::addColumn<CrossbarConfig>("config");
    QTest::addColumn<int>("rowsUsed");
    QTest::addColumn<int>("colsUsed");
    QTest::addColumn<int>("batch");
    struct Shape {
        int cellBits, dacBits;
    };
    for (Encoding e : {Encoding::Differential, Encoding::Offset, Encoding::Unsigned}) {
        for (Shape s : { Shape{2, 2}, Shape{1, 3}, Shape{3, 1}, Shape{4, 6} }) {
            for (int adcBits : {2, 4}) {
                struct Step {
                    const char* label;
                    double step;
                    AdcMode mode;
                };
                for (Step st : { Step{"default step", 0.0, AdcMode::Clip}, Step{"step 1", 1.0, AdcMode::Clip},
                         Step{"step 3", 3.0, AdcMode::Clip}, Step{"step 0.75", 0.75, AdcMode::Clip},
                         Step{"scale", 0.0, AdcMode::Scale} }) {
                    CrossbarConfig c = makeConfig(e, 7, s.cellBits, 6, s.dacBits, adcBits, st.step, st.mode, 12, 6);
                    QTest::addRow("%s cell %d dac %d adc %d %s", name(e), s.cellBits, s.dacBits, adcBits, st.label)
                        << c << 11 << 5 << 13;
                    if (st.mode == AdcMode::Scale) {
                        c.adcPerColumn = true;
                        QTest::addRow("%s cell %d dac %d adc %d scale per column", name(e), s.cellBits, s.dacBits,
                                      adcBits) << c << 11 << 5 << 13;
                    }
                }
            }
        }
    }
    // PRIME's arithmetic (default Δ = 256·7·15/64 = 420) on a full tile.
    QTest::addRow("prime 256x256") << makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Clip, 256, 256)
                                   << 256 << 256 << 20;
    QTest::addRow("prime 256x256 scale") << makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Scale, 256,
        256) << 256 << 256 << 20;
    // 8-bit inputs through PRIME's 3-bit DAC: the top cycle carries 2 bits (digits up to 3), so
    // Scale mode's weight bound, and Δ, are smaller there.
    QTest::addRow("prime 8-bit inputs scale") << makeConfig(Encoding::Differential, 8, 4, 8, 3, 6, 0.0, AdcMode::Scale,
        256, 64) << 256 << 64 << 12;
    {
        CrossbarConfig perColumn = makeConfig(Encoding::Differential, 8, 4, 8, 3, 6, 0.0, AdcMode::Scale, 256, 256);
        perColumn.adcPerColumn = true;
        QTest::addRow("prime 8-bit inputs scale per column 256x256") << perColumn << 256 << 256 << 12;
    }
    // ISAAC-like: 16-bit offset-encoded weights over 2-bit cells, 1-bit DAC, 8-bit ADC (Δ = 1.5).
    QTest::addRow("isaac-like 128x128") << makeConfig(Encoding::Offset, 16, 2, 16, 1, 8, 0.0, AdcMode::Clip, 128, 128)
                                        << 128 << 32 << 6;
    // Reads of 8-bit cells through 8-bit DACs over 300 rows exceed 2^24: double GEMM.
    QTest::addRow("wide cells and DAC, 300 rows (double GEMM)")
        << makeConfig(Encoding::Unsigned, 16, 8, 16, 8, 10, 0.0, AdcMode::Clip, 300, 4) << 300 << 4 << 5;
    // Reads beyond 2^30 (16-bit cells through a 16-bit DAC): Scale mode divides in double.
    QTest::addRow("16-bit cells and DAC, scale (reads beyond 2^30)")
        << makeConfig(Encoding::Unsigned, 16, 16, 16, 16, 10, 0.0, AdcMode::Scale, 4, 3) << 4 << 3 << 5;
    // 4-bit planes and levels over 1024 rows: column sums exceed 2^15, so the AVX2 kernel
    // accumulates in 16-bit lanes per segment of rows and widens between segments.
    QTest::addRow("dac 4 cell 4, 1024 rows (AVX2 segments)")
        << makeConfig(Encoding::Unsigned, 8, 4, 8, 4, 8, 0.0, AdcMode::Clip, 1024, 40) << 1024 << 40 << 7;
    // Many cycles and rows: the batch is processed in several blocks.
    QTest::addRow("16 cycles x 1024 rows, batch 300 (several blocks)")
        << makeConfig(Encoding::Differential, 8, 4, 16, 1, 5, 0.0, AdcMode::Clip, 1024, 4) << 1024 << 4 << 300;
}

void TestCrossbar::lossyMatchesReferenceLoop()
{
    QFETCH(CrossbarConfig, config);
    QFETCH(int, rowsUsed);
    QFETCH(int, colsUsed);
    QFETCH(int, batch);
    QVERIFY2(config.validate(), "config");
    const std::vector<int32_t> w = randomWeights(config, rowsUsed, colsUsed, 21);
    const std::vector<int32_t> x = randomInputs(config, batch, rowsUsed, 22);
    int64_t referenceClipped = 0;
    const std::vector<double> expected = referenceCrossbar(config, w, x, batch, rowsUsed, colsUsed, &referenceClipped);

    for (ReadKernel kernel : kKernels) {
        const CrossbarTile other = makeTile(config, w, rowsUsed, colsUsed, kernel);
        AdcStats otherStats;
        QString at;
        QVERIFY2(sameBits(run<double>(other, x, batch, &otherStats), expected, &at),
                 qPrintable(QStringLiteral("%1 (%2): %3").arg(name(kernel), other.readKernelName(), at)));
        QCOMPARE(otherStats.clipped, referenceClipped);
    }
    const CrossbarTile tile = makeTile(config, w, rowsUsed, colsUsed);
    AdcStats stats;
    QString where;
    QVERIFY2(sameBits(run<double>(tile, x, batch, &stats), expected, &where), qPrintable(where));
    QCOMPARE(stats.clipped, referenceClipped);
    QCOMPARE(stats.conversions, int64_t{batch} * config.inputCycles() * tile.arrays() * colsUsed);
    QCOMPARE(tile.hasIntegerOutput(), tile.outputStep() == std::floor(tile.outputStep()));
    if (tile.hasIntegerOutput()) {
        std::vector<int64_t> rounded;
        for (double v : expected)
            rounded.push_back(static_cast<int64_t>(v));
        QCOMPARE(run<int64_t>(tile, x, batch), rounded);
    }
}

void TestCrossbar::scaleModeNeverClipsIdealTile()
{
    // Scale mode calibrates each array's Δ to a power of two that covers its largest possible
    // read: with every input at the top code (the largest reads) nothing clips, and the step is
    // the smallest such power of two.
    const CrossbarConfig c = makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Scale, 64, 16);
    const std::vector<int32_t> w = randomWeights(c, 64, 16, 31);
    const std::vector<int32_t> x(64 * 4, 63);
    const CrossbarTile tile = makeTile(c, w, 64, 16);
    AdcStats stats;
    run<int64_t>(tile, x, 4, &stats);
    QCOMPARE(stats.clipped, int64_t{0});
    QVERIFY(stats.conversions > 0);
    for (int a = 0; a < tile.arrays(); ++a) {
        for (int t = 0; t < c.inputCycles(); ++t) {
            const double step = tile.adcStep(a, t);
            QCOMPARE(std::exp2(std::round(std::log2(step))), step); // a power of two
            QVERIFY(step >= 1.0);
        }
    }
    QCOMPARE(tile.outputStep(), 1.0);
}

void TestCrossbar::scaleModeStepsPerArrayAndCycle()
{
    // Scale mode by hand: Δ per array and input cycle. The weights of handComputedLayer (4-bit in
    // differential pairs over 2-bit cells: arrays a0 = s0+, a1 = s0-, a2 = s1+, a3 = s1-),
    // 3-bit inputs through a 2-bit DAC: cycle 0 feeds bits 0-1 (digits up to d_0 = 3), cycle 1
    // bit 2 only (d_1 = 7 >> 2 = 1). A 2-bit ADC (codes 0..3).
    const CrossbarConfig c = makeConfig(Encoding::Differential, 4, 2, 3, 2, 2, 0.0, AdcMode::Scale, 3, 2);
    const std::vector<int32_t> w = {7, -3, 7, 6, -2, 5};
    //   a0 = w+ s0 = [3 0; 3 2; 0 1]  column sums 6, 3    a1 = w- s0 = [0 3; 0 0; 2 0]  2, 3
    //   a2 = w+ s1 = [1 0; 1 1; 0 1]  column sums 2, 2    a3 = w- s1 = 0
    // Largest reads d_t · max column sum (t0, t1): a0 18, 6; a1 9, 3; a2 6, 2; a3 0, 0.
    // Δ = the smallest power of two with round(read / Δ) <= 3: a0 8, 2; a1 4, 1; a2 2, 1; a3 1, 1
    // (one Δ per array over both cycles would be a0 8, a1 4, a2 2: the finer cycle-1 steps are
    // the point; the top plane of small activations is sparse).
    // x0 = [7 6 2]: cycle 0 digits [3 2 2], cycle 1 [1 1 0]
    // x1 = [1 4 5]: cycle 0 digits [1 0 1], cycle 1 [0 1 1]
    // Plain product x0·W = [87, 25], x1·W = [25, 46].
    const std::vector<int32_t> x = {7, 6, 2, 1, 4, 5};
    // Reads I (col 0, col 1) -> q = clamp(round(I/Δ), 0, 3) -> q·Δ, times ±2^(2s + 2t):
    // sample 0            I        q·Δ      factor     sample 1      I       q·Δ
    //   a0 t0 (Δ 8)    15, 6    16, 8        +1                     3, 1    0, 0
    //   a0 t1 (Δ 2)     6, 2     6, 2        +4                     3, 3    4, 4
    //   a1 t0 (Δ 4)     4, 9     4, 8        -1                     2, 3    4, 4
    //   a1 t1 (Δ 1)     0, 3     0, 3        -4                     2, 0    2, 0
    //   a2 t0 (Δ 2)     5, 4     6, 4        +4                     1, 1    2, 2
    //   a2 t1 (Δ 1)     2, 1     2, 1       +16                     1, 2    1, 2
    //   y0 = [16 + 24 - 4 - 0 + 24 + 32, 8 + 8 - 8 - 12 + 16 + 16] = [92, 28]
    //   y1 = [0 + 16 - 4 - 8 + 8 + 16, 0 + 16 - 4 - 0 + 8 + 32]   = [28, 52]
    const std::vector<int64_t> expected = {92, 28, 28, 52};
    // Calibrated ranges per (array, cycle), array-major: a0 9, 3; a1 9, 3; a2 6, 2; a3 0, 0 give
    // Δ a0 4, 1; a1 4, 1; a2 2, 1; a3 1, 1, and larger reads clip (sample 0, a0: 15/4 and 6/1):
    // sample 0            q·Δ                   sample 1      q·Δ
    //   a0 t0 (Δ 4)    12 (clipped), 8                        4, 0
    //   a0 t1 (Δ 1)     3 (clipped), 2                        3, 3
    //   a1 t0 (Δ 4)     4, 8                                  4, 4
    //   a1 t1 (Δ 1)     0, 3                                  2, 0
    //   a2 t0, t1       as above                              as above
    //   y0 = [12 + 12 - 4 - 0 + 24 + 32, 8 + 8 - 8 - 12 + 16 + 16] = [76, 28]
    //   y1 = [4 + 12 - 4 - 8 + 8 + 16, 0 + 12 - 4 - 0 + 8 + 32]    = [28, 48]
    const std::vector<int64_t> ranges = {9, 3, 9, 3, 6, 2, 0, 0};
    const std::vector<int64_t> calibrated = {76, 28, 28, 48};
    const double steps[4][2] = {{8, 2}, {4, 1}, {2, 1}, {1, 1}};
    const double calibratedSteps[4][2] = {{4, 1}, {4, 1}, {2, 1}, {1, 1}};

    for (ReadKernel kernel : kKernels) {
        const CrossbarTile tile = makeTile(c, w, 3, 2, kernel);
        for (int a = 0; a < 4; ++a)
            for (int t = 0; t < 2; ++t)
                QCOMPARE(tile.adcStep(a, t), steps[a][t]);
        AdcStats stats;
        QCOMPARE(run<int64_t>(tile, x, 2, &stats), expected);
        QCOMPARE(stats.conversions, int64_t{32});
        QCOMPARE(stats.clipped, int64_t{0});
        QVERIFY(sameBits(run<double>(tile, x, 2), toDouble(expected)));

        auto tuned = CrossbarTile::create(c, w, 3, 2, kernel, ranges);
        QVERIFY2(tuned, tuned ? "" : tuned.error().message.c_str());
        for (int a = 0; a < 4; ++a)
            for (int t = 0; t < 2; ++t)
                QCOMPARE(tuned->adcStep(a, t), calibratedSteps[a][t]);
        AdcStats tunedStats;
        QCOMPARE(run<int64_t>(*tuned, x, 2, &tunedStats), calibrated);
        QCOMPARE(tunedStats.clipped, int64_t{2});
    }
    // The independent reference loop implements the same per-cycle steps.
    QVERIFY(sameBits(referenceCrossbar(c, w, x, 2, 3, 2), toDouble(expected)));

    // adcPerColumn: Δ per array, cycle and column, from each column's own bound d_t · column sum:
    //   bounds (col 0, col 1)  a0 t0 18, 9   a0 t1 6, 3   a1 t0 6, 9   a1 t1 2, 3   a2 t0 6, 6   a2 t1 2, 2
    //   Δ                      a0 t0  8, 4   a0 t1 2, 1   a1 t0 2, 4   a1 t1 1, 1   a2 t0 2, 2   a2 t1 1, 1
    // sample 0 is unchanged ([92, 28]: its reads round alike); sample 1, q·Δ (col 0, col 1):
    //   a0 t0 0, 0 (1/4 rounds down)   a0 t1 4, 3   a1 t0 2, 4   a1 t1 2, 0   a2 t0 2, 2   a2 t1 1, 2
    //   y1 = [0 + 16 - 2 - 8 + 8 + 16, 0 + 12 - 4 - 0 + 8 + 32] = [30, 48]   (exact [25, 46])
    CrossbarConfig perColumn = c;
    perColumn.adcPerColumn = true;
    const std::vector<int64_t> columnExpected = {92, 28, 30, 48};
    const double columnSteps[4][2][2] = {{{8, 4}, {2, 1}}, {{2, 4}, {1, 1}}, {{2, 2}, {1, 1}}, {{1, 1}, {1, 1}}};
    for (ReadKernel kernel : kKernels) {
        const CrossbarTile tile = makeTile(perColumn, w, 3, 2, kernel);
        for (int a = 0; a < 4; ++a)
            for (int t = 0; t < 2; ++t)
                for (int j = 0; j < 2; ++j)
                    QCOMPARE(tile.adcStep(a, t, j), columnSteps[a][t][j]);
        AdcStats stats;
        QCOMPARE(run<int64_t>(tile, x, 2, &stats), columnExpected);
        QCOMPARE(stats.conversions, int64_t{32});
        QCOMPARE(stats.clipped, int64_t{0});
    }
    QVERIFY(sameBits(referenceCrossbar(perColumn, w, x, 2, 3, 2), toDouble(columnExpected)));
    // Calibrated per (array, cycle, column): a0 t0 col 0 at 9 gives Δ 4, and its read 15 clips.
    std::vector<int64_t> columnRanges(16, 1000); // above every bound: the bounds decide
    columnRanges[0] = 9;
    auto calibratedColumns = CrossbarTile::create(perColumn, w, 3, 2, ReadKernel::Auto, columnRanges);
    QVERIFY2(calibratedColumns, calibratedColumns ? "" : calibratedColumns.error().message.c_str());
    QCOMPARE(calibratedColumns->adcStep(0, 0, 0), 4.0);
    QCOMPARE(calibratedColumns->adcStep(0, 0, 1), 4.0);
    AdcStats columnStats;
    // Sample 0 col 0: a0 t0 q = min(round(15/4), 3) = 3 → 12 instead of 16: 92 - 4 = 88; sample 1
    // col 0: 3/4 rounds to 1 → 4 instead of 0: 30 + 4 = 34.
    QCOMPARE(run<int64_t>(*calibratedColumns, x, 2, &columnStats), (std::vector<int64_t>{88, 28, 34, 48}));
    QCOMPARE(columnStats.clipped, int64_t{1});
    // Per column needs Scale mode.
    CrossbarConfig clipColumns = perColumn;
    clipColumns.adcMode = AdcMode::Clip;
    QVERIFY(!clipColumns.validate());
    QVERIFY(clipColumns.validate().error().message.starts_with("adcPerColumn:"));

    // One range per array applies to each of its cycles (clamped to that cycle's bound): a0 9
    // gives Δ 4 in cycle 0 and, clamped to 6, Δ 2 in cycle 1.
    auto perArray = CrossbarTile::create(c, w, 3, 2, ReadKernel::Auto, std::vector<int64_t>{9, 9, 6, 0});
    QVERIFY2(perArray, perArray ? "" : perArray.error().message.c_str());
    QCOMPARE(perArray->adcStep(0, 0), 4.0);
    QCOMPARE(perArray->adcStep(0, 1), 2.0);
    // Any other count is rejected, naming both accepted counts.
    auto wrong = CrossbarTile::create(c, w, 3, 2, ReadKernel::Auto, std::vector<int64_t>{9, 9, 6});
    QVERIFY(!wrong);
    QVERIFY2(wrong.error().message.find("readRanges: need one per array (4) or one per array and input cycle (8)")
                 != std::string::npos,
             wrong.error().message.c_str());
}

void TestCrossbar::readKernelsAreChosenByBounds()
{
    // PRIME's reads (3-bit planes, 4-bit levels) fit the integer kernels; Portable never uses them.
    const CrossbarConfig prime = makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Clip, 256, 64);
    const std::vector<int32_t> w = randomWeights(prime, 256, 64, 111);
    const QByteArray autoName = makeTile(prime, w, 256, 64).readKernelName();
    const QByteArray avx2Name = makeTile(prime, w, 256, 64, ReadKernel::Avx2).readKernelName();
    qDebug("prime tile: auto %s, avx2 %s", autoName.constData(), avx2Name.constData());
    QCOMPARE(makeTile(prime, w, 256, 64, ReadKernel::Portable).readKernelName(), "eigen-float");
    QVERIFY(avx2Name == "avx2" || avx2Name == "eigen-float");
    if (avx2Name == "avx2")
        QVERIFY(autoName == "avx2" || autoName == "avx512-vnni");
    // 8-bit cells (levels up to 255) do not fit signed 8 bits: Eigen.
    const CrossbarConfig wide = makeConfig(Encoding::Unsigned, 8, 8, 6, 3, 6, 0.0, AdcMode::Clip, 256, 64);
    QCOMPARE(makeTile(wide, randomWeights(wide, 256, 64, 112), 256, 64).readKernelName(), "eigen-float");
    // A device tile reads fixed-point conductances in doubles.
    const auto device = makeTile(prime, w, 256, 64).withDeviceModel(DeviceModel{0.01, 0.0, 0.0, 1});
    QVERIFY(device);
    QCOMPARE(device->readKernelName(), "eigen-double");
}

void TestCrossbar::fromProfile()
{
    const auto profile = hw::loadProfile(std::filesystem::path(NNB_PROFILE_DIR) / "prime.yaml");
    QVERIFY2(profile, profile ? "" : profile.error().toString().c_str());
    const CrossbarConfig c = CrossbarConfig::fromProfile(*profile);
    QCOMPARE(c.rows, 256);
    QCOMPARE(c.cols, 256);
    QCOMPARE(c.weightBits, 8);
    QVERIFY(c.weightSigned);
    QVERIFY(c.differential);
    QCOMPARE(c.cellBits, 4);
    QCOMPARE(c.inputBits, 6);
    QCOMPARE(c.dacBits, 3);
    QCOMPARE(c.adcBits, 6);
    QVERIFY(c.validate());
    QCOMPARE(c.weightSlices(), 2);
    QCOMPARE(c.inputCycles(), 2);
    QCOMPARE(c.weightSlices() * c.polarities(), profile->arraysPerWeightBlock());
    QCOMPARE(c.fullScale(), int64_t{256 * 7 * 15});
    QCOMPARE(c.effectiveAdcStep(), 420.0); // 26880 / 64
    QCOMPARE(c.losslessAdcBits(), 15);

    const DeviceModel d = DeviceModel::fromProfile(*profile, 7);
    QCOMPARE(d.conductanceSigma, 0.02);
    QCOMPARE(d.stuckAtZeroRate, 0.001);
    QCOMPARE(d.stuckAtMaxRate, 0.001);
    QCOMPARE(d.seed, uint64_t{7});
    QVERIFY(d.validate());
}

void TestCrossbar::everyShippedProfileGivesAValidConfig()
{
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(NNB_PROFILE_DIR)) {
        if (entry.path().extension() != ".yaml")
            continue;
        const auto profile = hw::loadProfile(entry.path());
        QVERIFY2(profile, profile ? "" : profile.error().toString().c_str());
        const CrossbarConfig c = CrossbarConfig::fromProfile(*profile);
        const auto valid = c.validate();
        QVERIFY2(valid,
            qPrintable(entry.path().filename().string().c_str() + QStringLiteral(": ")
                + (valid ? "" : valid.error().toString().c_str())));
        // A tile of the profile computes something sensible on a small block.
        const std::vector<int32_t> w = randomWeights(c, 4, 3, 41);
        const std::vector<int32_t> x = randomInputs(c, 2, 4, 42);
        const auto tile = CrossbarTile::create(c, w, 4, 3);
        QVERIFY(tile);
        QVERIFY(sameBits(run<double>(*tile, x, 2), referenceCrossbar(c, w, x, 2, 4, 3)));
        ++count;
    }
    QVERIFY(count >= 3);
}

// -----------------------------------------------------------------------------------------------
// (d) Device model.

void TestCrossbar::deviceModelZeroReproducesIdeal_data()
{
    QTest::addColumn<CrossbarConfig>("config");
    QTest::addRow("prime-like lossy") << makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Clip, 64, 32);
    QTest::addRow("prime-like scale") << makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Scale, 64, 32);
    QTest::addRow("offset, step 1 clips") << makeConfig(Encoding::Offset, 6, 2, 4, 2, 3, 1.0, AdcMode::Clip, 64, 32);
    QTest::addRow("unsigned, non-integer step")
        << makeConfig(Encoding::Unsigned, 6, 3, 4, 1, 4, 2.625, AdcMode::Clip, 64, 32);
    QTest::addRow("no ADC") << makeConfig(Encoding::Differential, 8, 2, 6, 2, 0, 0.0, AdcMode::Clip, 64, 32);
}

void TestCrossbar::deviceModelZeroReproducesIdeal()
{
    QFETCH(CrossbarConfig, config);
    const std::vector<int32_t> w = randomWeights(config, 64, 32, 51);
    const std::vector<int32_t> x = randomInputs(config, 17, 64, 52);
    const CrossbarTile ideal = makeTile(config, w, 64, 32);
    DeviceModel model;
    model.seed = 99;
    const auto device = ideal.withDeviceModel(model);
    QVERIFY(device);
    QVERIFY(device->hasDeviceModel());
    QVERIFY(!device->hasIntegerOutput());
    QVERIFY(!device->isLossless());
    AdcStats idealStats, deviceStats;
    QString where;
    QVERIFY2(sameBits(run<double>(*device, x, 17, &deviceStats), run<double>(ideal, x, 17, &idealStats), &where),
        qPrintable(where));
    QCOMPARE(deviceStats.conversions, idealStats.conversions);
    QCOMPARE(deviceStats.clipped, idealStats.clipped);
}

void TestCrossbar::deviceModelIsDeterministicPerSeed()
{
    const CrossbarConfig c = makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Scale, 64, 32);
    const std::vector<int32_t> w = randomWeights(c, 64, 32, 61);
    const std::vector<int32_t> x = randomInputs(c, 8, 64, 62);
    const CrossbarTile ideal = makeTile(c, w, 64, 32);
    const DeviceModel model{0.1, 0.01, 0.01, 1234};
    const auto a = ideal.withDeviceModel(model);
    const auto b = ideal.withDeviceModel(model);
    QVERIFY(a && b);
    const std::vector<double> ya = run<double>(*a, x, 8);
    QVERIFY(sameBits(ya, run<double>(*b, x, 8)));
    // Re-programming a perturbed tile starts from the ideal cells again.
    const auto again = a->withDeviceModel(model);
    QVERIFY(again);
    QVERIFY(sameBits(ya, run<double>(*again, x, 8)));
    // Another seed, another tile.
    DeviceModel other = model;
    other.seed = 1235;
    const auto c2 = ideal.withDeviceModel(other);
    QVERIFY(c2);
    QVERIFY(!sameBits(ya, run<double>(*c2, x, 8)));
    QVERIFY(!sameBits(ya, run<double>(ideal, x, 8)));
}

void TestCrossbar::deviceErrorGrowsWithSigma()
{
    // No ADC (analog sums read exactly) and, for a second check, PRIME's 6-bit ADC. With one seed
    // every cell keeps its deviate z, so the error scales with σ.
    for (int adcBits : {0, 6}) {
        const CrossbarConfig c = makeConfig(Encoding::Differential, 8, 4, 6, 3, adcBits, 0.0, AdcMode::Scale, 128, 32);
        const std::vector<int32_t> w = randomWeights(c, 128, 32, 71);
        const std::vector<int32_t> x = randomInputs(c, 32, 128, 72);
        const CrossbarTile ideal = makeTile(c, w, 128, 32);
        const std::vector<double> reference = run<double>(ideal, x, 32);
        double previous = 0.0;
        for (double sigma : {0.0, 0.01, 0.03, 0.1, 0.3}) {
            const auto device = ideal.withDeviceModel(DeviceModel{sigma, 0.0, 0.0, 5});
            QVERIFY(device);
            const std::vector<double> y = run<double>(*device, x, 32);
            double error = 0.0;
            for (size_t k = 0; k < y.size(); ++k)
                error += std::abs(y[k] - reference[k]);
            error /= static_cast<double>(y.size());
            qDebug("adcBits %d, sigma %.2f: mean |error| %.1f", adcBits, sigma, error);
            if (sigma == 0.0)
                QCOMPARE(error, 0.0);
            else
                QVERIFY2(error > previous,
                    qPrintable(QStringLiteral("sigma %1: %2 <= %3").arg(sigma).arg(error).arg(previous)));
            previous = error;
        }
    }
}

void TestCrossbar::deviceStatisticsMatchModel()
{
    // One row of 8192 cells at the top level, read with a 1-bit input and no ADC: each output is
    // one cell's conductance, 15·(1 + σ·z), or exactly 0 / 15 when stuck.
    const int cols = 8192;
    const CrossbarConfig c = makeConfig(Encoding::Unsigned, 4, 4, 1, 1, 0, 0.0, AdcMode::Clip, 1, cols);
    const CrossbarTile ideal = makeTile(c, std::vector<int32_t>(cols, 15), 1, cols);
    const double sigma = 0.1;
    const auto device = ideal.withDeviceModel(DeviceModel{sigma, 0.05, 0.03, 17});
    QVERIFY(device);
    const std::vector<double> g = run<double>(*device, {1}, 1);
    int zeros = 0, maxima = 0;
    double sum = 0.0, sumSquares = 0.0;
    int varied = 0;
    for (double v : g) {
        if (v == 0.0) {
            ++zeros;
        } else if (v == 15.0) {
            ++maxima;
        } else {
            const double e = v / 15.0 - 1.0;
            sum += e;
            sumSquares += e * e;
            ++varied;
        }
    }
    const double mean = sum / varied;
    const double sd = std::sqrt(sumSquares / varied - mean * mean);
    qDebug("stuck at 0: %d, at max: %d, varied: %d, mean eps %.4f, sd %.4f", zeros, maxima, varied, mean, sd);
    QVERIFY(std::abs(zeros / double(cols) - 0.05) < 0.01);
    QVERIFY(std::abs(maxima / double(cols) - 0.03) < 0.01);
    QVERIFY(std::abs(mean) < 4.0 * sigma / std::sqrt(double(varied)));
    QVERIFY(std::abs(sd / sigma - 1.0) < 0.05);
}

void TestCrossbar::stuckCellsMoveOutputs()
{
    // Unsigned weights: every array adds, so a cell stuck at the maximum level can only raise a
    // read (and every ADC code and output after it), and a cell stuck at 0 only lower one.
    for (int adcBits : {0, 5}) {
        const CrossbarConfig c = makeConfig(Encoding::Unsigned, 6, 3, 4, 2, adcBits, 0.0, AdcMode::Clip, 64, 16);
        const std::vector<int32_t> w = randomWeights(c, 64, 16, 81);
        const std::vector<int32_t> x = randomInputs(c, 16, 64, 82);
        const CrossbarTile ideal = makeTile(c, w, 64, 16);
        const std::vector<double> reference = run<double>(ideal, x, 16);
        const auto high = ideal.withDeviceModel(DeviceModel{0.0, 0.0, 0.05, 3});
        const auto low = ideal.withDeviceModel(DeviceModel{0.0, 0.05, 0.0, 3});
        QVERIFY(high && low);
        const std::vector<double> yHigh = run<double>(*high, x, 16);
        const std::vector<double> yLow = run<double>(*low, x, 16);
        double sumIdeal = 0.0, sumHigh = 0.0, sumLow = 0.0;
        for (size_t k = 0; k < reference.size(); ++k) {
            QVERIFY(yHigh[k] >= reference[k]);
            QVERIFY(yLow[k] <= reference[k]);
            sumIdeal += reference[k];
            sumHigh += yHigh[k];
            sumLow += yLow[k];
        }
        QVERIFY(sumHigh > sumIdeal);
        QVERIFY(sumLow < sumIdeal);
    }
    // Every cell stuck at the maximum: the stored value of every weight reads as all ones.
    const CrossbarConfig c = makeConfig(Encoding::Unsigned, 4, 2, 4, 4, 0, 0.0, AdcMode::Clip, 3, 2);
    const CrossbarTile ideal = makeTile(c, {0, 1, 2, 3, 4, 5}, 3, 2);
    const auto all = ideal.withDeviceModel(DeviceModel{0.0, 0.0, 1.0, 1});
    QVERIFY(all);
    QVERIFY(sameBits(run<double>(*all, {1, 2, 3}, 1), std::vector<double>{6.0 * 15, 6.0 * 15}));
}

void TestCrossbar::stuckAtMaxClipsCalibratedAdc()
{
    // Scale mode's calibration belongs to the ideal cells: cells stuck at the maximum push reads
    // beyond it, and AdcStats reports the clipping.
    const CrossbarConfig c = makeConfig(Encoding::Unsigned, 4, 4, 4, 4, 4, 0.0, AdcMode::Scale, 32, 8);
    const std::vector<int32_t> w = randomCodes(32 * 8, 0, 3, 91); // small levels, small calibrated Δ
    const std::vector<int32_t> x(32 * 4, 15);
    const CrossbarTile ideal = makeTile(c, w, 32, 8);
    AdcStats idealStats;
    run<double>(ideal, x, 4, &idealStats);
    QCOMPARE(idealStats.clipped, int64_t{0});
    const auto device = ideal.withDeviceModel(DeviceModel{0.0, 0.0, 0.2, 4});
    QVERIFY(device);
    AdcStats deviceStats;
    run<double>(*device, x, 4, &deviceStats);
    QCOMPARE(deviceStats.conversions, idealStats.conversions);
    QVERIFY(deviceStats.clipped > 0);
    QVERIFY(deviceStats.clippedFraction() > 0.0 && deviceStats.clippedFraction() <= 1.0);
}

void TestCrossbar::invalidDeviceModelsAreRejected_data()
{
    QTest::addColumn<DeviceModel>("model");
    QTest::addColumn<QString>("field");
    QTest::addRow("negative sigma") << DeviceModel{-0.1, 0.0, 0.0, 0} << "conductanceSigma";
    QTest::addRow("NaN sigma") << DeviceModel{std::nan(""), 0.0, 0.0, 0} << "conductanceSigma";
    QTest::addRow("sigma above 1") << DeviceModel{1.5, 0.0, 0.0, 0} << "conductanceSigma";
    QTest::addRow("negative stuck-at-zero") << DeviceModel{0.0, -0.1, 0.0, 0} << "stuckAtZeroRate";
    QTest::addRow("stuck-at-max above 1") << DeviceModel{0.0, 0.0, 1.1, 0} << "stuckAtMaxRate";
    QTest::addRow("rates sum above 1") << DeviceModel{0.0, 0.6, 0.6, 0} << "stuckAtMaxRate";
}

void TestCrossbar::invalidDeviceModelsAreRejected()
{
    QFETCH(DeviceModel, model);
    QFETCH(QString, field);
    const CrossbarConfig c = makeConfig(Encoding::Unsigned, 4, 2, 4, 2, 0);
    const CrossbarTile tile = makeTile(c, {1, 2, 3, 4}, 2, 2);
    const auto result = tile.withDeviceModel(model);
    QVERIFY(!result);
    QCOMPARE(result.error().code, Errc::InvalidArgument);
    const QString message = QString::fromStdString(result.error().message);
    QVERIFY2(message.startsWith(field + ":"), qPrintable(message));
}

// -----------------------------------------------------------------------------------------------
// (e) Threads.

void TestCrossbar::parallelEqualsSerial_data()
{
    QTest::addColumn<CrossbarConfig>("config");
    QTest::addColumn<bool>("device");
    const CrossbarConfig prime = makeConfig(Encoding::Differential, 8, 4, 6, 3, 6, 0.0, AdcMode::Clip, 96, 40);
    QTest::addRow("prime-like lossy") << prime << false;
    QTest::addRow("prime-like with device model") << prime << true;
    CrossbarConfig lossless = prime;
    lossless.adcBits = 0;
    QTest::addRow("no ADC (fast path)") << lossless << false;
    QTest::addRow("no ADC with device model") << lossless << true;
    QTest::addRow("offset, non-integer step")
        << makeConfig(Encoding::Offset, 6, 2, 4, 1, 4, 0.0, AdcMode::Clip, 96, 40) << false;
}

void TestCrossbar::parallelEqualsSerial()
{
    QFETCH(CrossbarConfig, config);
    QFETCH(bool, device);
    const int64_t batch = 37;
    const std::vector<int32_t> w = randomWeights(config, 96, 40, 101);
    const std::vector<int32_t> x = randomInputs(config, batch, 96, 102);
    CrossbarTile tile = makeTile(config, w, 96, 40);
    if (device)
        tile = *tile.withDeviceModel(DeviceModel{0.05, 0.01, 0.01, 8});
    AdcStats serialStats;
    const std::vector<double> serial = run<double>(tile, x, batch, &serialStats);
    std::vector<int64_t> serialInt;
    if (tile.hasIntegerOutput())
        serialInt = run<int64_t>(tile, x, batch);
    // Sample by sample gives the same as the whole batch.
    std::vector<double> single;
    for (int64_t b = 0; b < batch; ++b) {
        const std::vector<int32_t> xb(x.begin() + b * 96, x.begin() + (b + 1) * 96);
        const std::vector<double> yb = run<double>(tile, xb, 1);
        single.insert(single.end(), yb.begin(), yb.end());
    }
    QVERIFY(sameBits(single, serial));
    for (int threads : {1, 2, 3, 4, 8, 64, 0}) {
        std::vector<double> y(serial.size(), -1.0);
        AdcStats stats;
        tile.mvmParallel(x.data(), batch, y.data(), &stats, threads);
        QVERIFY2(sameBits(y, serial), qPrintable(QStringLiteral("%1 threads").arg(threads)));
        QCOMPARE(stats.conversions, serialStats.conversions);
        QCOMPARE(stats.clipped, serialStats.clipped);
        if (tile.hasIntegerOutput()) {
            std::vector<int64_t> yi(serial.size(), -1);
            tile.mvmParallel(x.data(), batch, yi.data(), nullptr, threads);
            QCOMPARE(yi, serialInt);
        }
    }
}

// -----------------------------------------------------------------------------------------------
// (f) Invalid configurations and weights.

void TestCrossbar::invalidConfigsAreRejected_data()
{
    QTest::addColumn<CrossbarConfig>("config");
    QTest::addColumn<QString>("field");
    const CrossbarConfig good = makeConfig(Encoding::Differential, 8, 4, 6, 3, 6);
    const auto with = [&](auto change) {
        CrossbarConfig c = good;
        change(c);
        return c;
    };
    QTest::addRow("rows 0") << with([](CrossbarConfig& c) { c.rows = 0; }) << "rows";
    QTest::addRow("cols negative") << with([](CrossbarConfig& c) { c.cols = -4; }) << "cols";
    QTest::addRow("weightBits 0") << with([](CrossbarConfig& c) { c.weightBits = 0; }) << "weightBits";
    QTest::addRow("signed 1-bit weights") << with([](CrossbarConfig& c) { c.weightBits = 1; }) << "weightBits";
    QTest::addRow("weightBits 17") << with([](CrossbarConfig& c) { c.weightBits = 17; }) << "weightBits";
    QTest::addRow("cellBits 0") << with([](CrossbarConfig& c) { c.cellBits = 0; }) << "cellBits";
    QTest::addRow("differential unsigned") << with([](CrossbarConfig& c) { c.weightSigned = false; }) << "differential";
    QTest::addRow("inputBits 0") << with([](CrossbarConfig& c) { c.inputBits = 0; }) << "inputBits";
    QTest::addRow("dacBits above inputBits") << with([](CrossbarConfig& c) { c.dacBits = 7; }) << "dacBits";
    QTest::addRow("dacBits 0") << with([](CrossbarConfig& c) { c.dacBits = 0; }) << "dacBits";
    QTest::addRow("adcBits negative") << with([](CrossbarConfig& c) { c.adcBits = -1; }) << "adcBits";
    QTest::addRow("adcBits 31") << with([](CrossbarConfig& c) { c.adcBits = 31; }) << "adcBits";
    QTest::addRow("adcStep NaN") << with([](CrossbarConfig& c) { c.adcStep = std::nan(""); }) << "adcStep";
    QTest::addRow("adcStep set in Scale mode") << with([](CrossbarConfig& c) {
        c.adcMode = AdcMode::Scale;
        c.adcStep = 4.0;
    }) << "adcStep";
    QTest::addRow("results beyond 2^53") << with([](CrossbarConfig& c) {
        c.weightBits = 16;
        c.inputBits = 16;
        c.cellBits = 1;
        c.dacBits = 1;
        c.adcBits = 30;
        c.adcStep = 1.0;
    }) << "adcStep";
}

void TestCrossbar::invalidConfigsAreRejected()
{
    QFETCH(CrossbarConfig, config);
    QFETCH(QString, field);
    const auto valid = config.validate();
    QVERIFY(!valid);
    QCOMPARE(valid.error().code, Errc::InvalidArgument);
    const QString message = QString::fromStdString(valid.error().message);
    QVERIFY2(message.startsWith(field + ":"), qPrintable(message));
    // create() reports the same.
    const auto tile = CrossbarTile::create(config, std::vector<int32_t>{0}, 1, 1);
    QVERIFY(!tile);
    QCOMPARE(QString::fromStdString(tile.error().message), message);
}

void TestCrossbar::invalidWeightsAreRejected()
{
    const CrossbarConfig c = makeConfig(Encoding::Differential, 4, 2, 4, 2, 3, 0.0, AdcMode::Clip, 3, 2);
    const auto expectError = [](const Expected<CrossbarTile>& tile, const QString& field, const QString& detail) {
        QVERIFY(!tile);
        QCOMPARE(tile.error().code, Errc::InvalidArgument);
        const QString message = QString::fromStdString(tile.error().message);
        QVERIFY2(message.startsWith(field + ":") && message.contains(detail), qPrintable(message));
    };
    expectError(CrossbarTile::create(c, std::vector<int32_t>{7, -3, 8, 6, -2, 5}, 3, 2), "weights",
        "code 8 at row 1, column 0 is outside the 4-bit signed range [-7, 7]");
    expectError(CrossbarTile::create(c, std::vector<int32_t>{7, -3, 7, 6, -8, 5}, 3, 2), "weights", "code -8");
    expectError(CrossbarTile::create(c, std::vector<int32_t>{1, 2, 3}, 3, 2), "weights", "expected 6 codes");
    expectError(CrossbarTile::create(c, std::vector<int32_t>(8, 0), 4, 2), "rowsUsed", "got 4");
    expectError(CrossbarTile::create(c, std::vector<int32_t>(9, 0), 3, 3), "colsUsed", "got 3");
    expectError(CrossbarTile::create(c, std::vector<int32_t> {}, 0, 2), "rowsUsed", "got 0");
    CrossbarConfig u = c;
    u.weightSigned = false;
    u.differential = false;
    expectError(CrossbarTile::create(u, std::vector<int32_t>{0, 15, 16, 0, 0, 0}, 3, 2), "weights",
        "4-bit unsigned range [0, 15]");
    expectError(CrossbarTile::create(u, std::vector<int32_t>{0, -1, 0, 0, 0, 0}, 3, 2), "weights", "code -1");
}

void TestCrossbar::checkInputsNamesTheCode()
{
    const CrossbarConfig c = makeConfig(Encoding::Differential, 4, 2, 4, 2, 3, 0.0, AdcMode::Clip, 3, 2);
    const CrossbarTile tile = makeTile(c, {7, -3, 7, 6, -2, 5}, 3, 2);
    const std::vector<int32_t> good = { 15, 0, 3, 1, 2, 3 };
    QVERIFY(tile.checkInputs(good.data(), 2));
    const std::vector<int32_t> bad = { 15, 0, 3, 1, 16, 3 };
    const auto result = tile.checkInputs(bad.data(), 2);
    QVERIFY(!result);
    QCOMPARE(QString::fromStdString(result.error().message),
        QStringLiteral("x: input code 16 of sample 1, row 1 is outside [0, 15]"));
    const std::vector<int32_t> negative = { -1, 0, 0 };
    QVERIFY(!tile.checkInputs(negative.data(), 1));
}

QTEST_APPLESS_MAIN(TestCrossbar)
#include "tst_crossbar.moc"
