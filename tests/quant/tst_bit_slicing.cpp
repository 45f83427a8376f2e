// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include <algorithm>
#include <numeric>

#include "nnb/quant/bit_slicing.h"

using namespace nnb;
using namespace nnb::quant;

namespace {

enum class Encoding { SignedDifferential, SignedOffset, Unsigned };

const char* name(Encoding e)
{
    switch (e) {
    case Encoding::SignedDifferential:
        return "signed differential";
    case Encoding::SignedOffset:
        return "signed offset";
    case Encoding::Unsigned:
        return "unsigned";
    }
    return "?";
}

SlicedWeights sliceOrFail(const std::vector<int32_t>& codes, int rows, int cols, int bits, bool isSigned, int cellBits,
                          bool differential)
{
    auto s = sliceWeights(codes, rows, cols, bits, isSigned, cellBits, differential);
    if (!s)
        qFatal("sliceWeights failed: %s", s.error().toString().c_str());
    return std::move(*s);
}

} // namespace

Q_DECLARE_METATYPE(Encoding)

class TestBitSlicing : public QObject {
    Q_OBJECT

private slots:
    void roundTrip_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("cellBits");
        QTest::addColumn<Encoding>("encoding");
        for (Encoding e : {Encoding::SignedDifferential, Encoding::SignedOffset, Encoding::Unsigned})
            for (int bits = 2; bits <= 8; ++bits)
                for (int cellBits = 1; cellBits <= 4; ++cellBits)
                    QTest::addRow("%s, %d-bit weights, %d-bit cells", name(e), bits, cellBits) << bits << cellBits << e;
    }

    /// Every code of the range survives slicing; slices respect the cell range and the
    /// documented recombination formula.
    void roundTrip()
    {
        QFETCH(int, bits);
        QFETCH(int, cellBits);
        QFETCH(Encoding, encoding);
        const bool isSigned = encoding != Encoding::Unsigned;
        const bool differential = encoding == Encoding::SignedDifferential;
        const int hi = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        const int lo = isSigned ? -hi : 0;
        // Two rows: every code ascending, then descending.
        std::vector<int32_t> codes(static_cast<size_t>(hi - lo + 1));
        std::iota(codes.begin(), codes.end(), lo);
        const auto cols = static_cast<int>(codes.size());
        codes.insert(codes.end(), codes.rbegin(), codes.rend());

        const SlicedWeights s = sliceOrFail(codes, 2, cols, bits, isSigned, cellBits, differential);
        const int magnitudeBits = differential ? bits - 1 : bits;
        const int slices = (magnitudeBits + cellBits - 1) / cellBits;
        QCOMPARE(s.slices, slices);
        QCOMPARE(slicesFor(bits, isSigned, cellBits, differential), slices);
        QCOMPARE(s.arrays(), differential ? 2 * slices : slices);
        QCOMPARE(s.positive.size(), static_cast<size_t>(slices));
        QCOMPARE(s.negative.size(), differential ? static_cast<size_t>(slices) : size_t{0});
        QCOMPARE(s.offset, encoding == Encoding::SignedOffset ? hi : 0);
        QCOMPARE(s.rows, 2);
        QCOMPARE(s.cols, cols);
        QCOMPARE(s.cellBits, cellBits);
        QCOMPARE(s.differential, differential);

        const int32_t cellMax = (1 << cellBits) - 1;
        for (const auto* side : {&s.positive, &s.negative}) {
            for (const auto& slice : *side) {
                QCOMPARE(slice.size(), codes.size());
                QVERIFY(std::all_of(slice.begin(), slice.end(), [&](int32_t v) { return v >= 0 && v <= cellMax; }));
            }
        }
        for (size_t i = 0; i < codes.size(); ++i) {
            int64_t w = -s.offset;
            for (int k = 0; k < slices; ++k) {
                const auto sk = static_cast<size_t>(k);
                w += (int64_t{s.positive[sk][i]} - (differential ? s.negative[sk][i] : 0)) << (cellBits * k);
                if (differential && codes[i] >= 0)
                    QCOMPARE(s.negative[sk][i], 0);
                if (differential && codes[i] <= 0)
                    QCOMPARE(s.positive[sk][i], 0);
            }
            QCOMPARE(w, int64_t{codes[i]});
        }
        QCOMPARE(unslice(s), codes);
    }

    void primeDifferential8BitOn4BitCells()
    {
        // PRIME: 8-bit signed weights as positive/negative arrays of 4-bit cells.
        const SlicedWeights s = sliceOrFail({-100, 127, 0, -127}, 2, 2, 8, true, 4, true);
        QCOMPARE(s.slices, 2);
        QCOMPARE(s.arrays(), 4);
        QCOMPARE(s.offset, 0);
        // 100 = 0x64, 127 = 0x7F.
        QCOMPARE(s.negative[0], (std::vector<int32_t>{4, 0, 0, 15}));
        QCOMPARE(s.negative[1], (std::vector<int32_t>{6, 0, 0, 7}));
        QCOMPARE(s.positive[0], (std::vector<int32_t>{0, 15, 0, 0}));
        QCOMPARE(s.positive[1], (std::vector<int32_t>{0, 7, 0, 0}));
    }

    void isaacOffset16BitOn2BitCells()
    {
        // ISAAC: 16-bit weights stored with a bias over eight arrays of 2-bit cells.
        const SlicedWeights s = sliceOrFail({-32767, 32767, 0}, 1, 3, 16, true, 2, false);
        QCOMPARE(s.slices, 8);
        QCOMPARE(s.arrays(), 8);
        QCOMPARE(s.offset, 32767);
        QVERIFY(s.negative.empty());
        for (int k = 0; k < 8; ++k) {
            const auto& slice = s.positive[static_cast<size_t>(k)];
            QCOMPARE(slice[0], 0);                   // stored 0
            QCOMPARE(slice[1], k == 0 ? 2 : 3);      // stored 65534 = 0xFFFE
            QCOMPARE(slice[2], k == 7 ? 1 : 3);      // stored 32767 = 0x7FFF
        }
        QCOMPARE(unslice(s), (std::vector<int32_t>{-32767, 32767, 0}));
    }

    void emptyMatrix()
    {
        const SlicedWeights s = sliceOrFail({}, 0, 5, 8, true, 2, true);
        QCOMPARE(s.slices, 4);
        QVERIFY(unslice(s).empty());
    }

    void rejectsInvalidArguments_data()
    {
        QTest::addColumn<std::vector<int32_t>>("codes");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("isSigned");
        QTest::addColumn<int>("cellBits");
        QTest::addColumn<bool>("differential");
        QTest::addColumn<QString>("messagePart");
        using C = std::vector<int32_t>;
        QTest::addRow("code above range") << C{0, 128} << 8 << true << 4 << true << "code 128 at index 1";
        QTest::addRow("-2^(b-1) is outside the symmetric range") << C{-128, 0} << 8 << true << 4 << false << "code -128";
        QTest::addRow("negative unsigned code") << C{-1, 0} << 8 << false << 4 << false << "code -1 at index 0";
        QTest::addRow("size mismatch") << C{0, 1, 2} << 8 << true << 4 << true << "expected rows x cols = 2";
        QTest::addRow("cellBits 0") << C{0, 1} << 8 << true << 0 << true << "cellBits";
        QTest::addRow("cellBits 17") << C{0, 1} << 8 << true << 17 << true << "cellBits";
        QTest::addRow("signed 1-bit") << C{0, 0} << 1 << true << 1 << false << "weightBits must be in [2, 31]";
        QTest::addRow("32-bit") << C{0, 0} << 32 << false << 4 << false << "weightBits";
        QTest::addRow("differential unsigned") << C{0, 1} << 8 << false << 4 << true << "needs signed weights";
    }

    void rejectsInvalidArguments()
    {
        QFETCH(std::vector<int32_t>, codes);
        QFETCH(int, bits);
        QFETCH(bool, isSigned);
        QFETCH(int, cellBits);
        QFETCH(bool, differential);
        QFETCH(QString, messagePart);
        const auto s = sliceWeights(codes, 1, 2, bits, isSigned, cellBits, differential);
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::InvalidArgument);
        QVERIFY2(s.error().message.find(messagePart.toStdString()) != std::string::npos, s.error().message.c_str());
    }
};

QTEST_APPLESS_MAIN(TestBitSlicing)
#include "tst_bit_slicing.moc"
