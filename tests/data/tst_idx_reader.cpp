// SPDX-License-Identifier: GPL-3.0-or-later
#include <QtTest>

#include <fstream>

#include "nnb/data/dataset.h"
#include "test_paths.h"

using namespace nnb;

namespace {

void writeBytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> idxHeader(uint32_t magic, std::vector<uint32_t> dims)
{
    std::vector<uint8_t> out;
    auto put = [&](uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            out.push_back(static_cast<uint8_t>(v >> shift));
    };
    put(magic);
    for (uint32_t d : dims)
        put(d);
    return out;
}

} // namespace

class TestIdxReader : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::filesystem::path tmp(const char* name) const { return std::filesystem::path(m_dir.path().toStdString()) / name; }

private slots:
    void readsPlainIdx()
    {
        auto images = idxHeader(0x803, {2, 2, 3});
        for (uint8_t v : {0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6})
            images.push_back(v);
        auto labels = idxHeader(0x801, {2});
        labels.push_back(7);
        labels.push_back(3);
        writeBytes(tmp("img"), images);
        writeBytes(tmp("lbl"), labels);
        const auto set = data::loadIdx(tmp("img"), tmp("lbl"));
        QVERIFY2(set.has_value(), set ? "" : set.error().message.c_str());
        QCOMPARE(set->count, int64_t{2});
        QCOMPARE(set->rows, 2);
        QCOMPARE(set->cols, 3);
        QCOMPARE(int(set->labels[1]), 3);
        const ir::Tensor batch = set->batch(0, 1);
        QCOMPARE(batch.shape, (ir::Shape{1, 1, 2, 3}));
        QCOMPARE(batch.f[1], 0.2f);
        QCOMPARE(batch.f[5], 1.0f);
    }

    void readsShippedGzippedSample()
    {
        const auto set = data::loadFashionMnistTest(test::resourceDir() / "data" / "fashion-mnist-sample");
        QVERIFY2(set.has_value(), set ? "" : set.error().message.c_str());
        QCOMPARE(set->count, int64_t{1000});
        QCOMPARE(set->rows, 28);
        QCOMPARE(set->cols, 28);
        for (uint8_t label : set->labels)
            QVERIFY(label < 10);
    }

    void sampleIsThePrefixOfDebiansTestSet()
    {
        const auto full = data::loadFashionMnistTest(data::kDebianFashionMnistDir);
        if (!full)
            QSKIP("Debian's dataset-fashion-mnist is not installed");
        const auto sample = data::loadFashionMnistTest(test::resourceDir() / "data" / "fashion-mnist-sample");
        QVERIFY(sample.has_value());
        QCOMPARE(full->count, int64_t{10000});
        QVERIFY(std::equal(sample->pixels.begin(), sample->pixels.end(), full->pixels.begin()));
        QVERIFY(std::equal(sample->labels.begin(), sample->labels.end(), full->labels.begin()));
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<QByteArray>("images");
        QTest::addColumn<QString>("expected");
        auto bytes = [](const std::vector<uint8_t>& v) {
            return QByteArray(reinterpret_cast<const char*>(v.data()), static_cast<int>(v.size()));
        };
        auto truncated = idxHeader(0x803, {1, 2, 2});
        truncated.push_back(1);
        QTest::addRow("wrong magic") << bytes(idxHeader(0x801, {1})) << "magic";
        QTest::addRow("truncated data") << bytes(truncated) << "truncated";
        QTest::addRow("truncated header") << bytes({0, 0, 8, 3, 0}) << "header";
        QTest::addRow("empty") << QByteArray() << "too short";
    }

    void rejectsBadInput()
    {
        QFETCH(QByteArray, images);
        QFETCH(QString, expected);
        writeBytes(tmp("bad"), std::vector<uint8_t>(images.begin(), images.end()));
        auto labels = idxHeader(0x801, {1});
        labels.push_back(0);
        writeBytes(tmp("lbl1"), labels);
        const auto set = data::loadIdx(tmp("bad"), tmp("lbl1"));
        QVERIFY(!set);
        QCOMPARE(set.error().code, Errc::Io);
        const QString message = QString::fromStdString(set.error().message);
        QVERIFY2(message.contains(expected), qPrintable(message));
        QVERIFY2(message.contains("bad"), "the message names the file");
    }

    void rejectsCountMismatchAndMissingFile()
    {
        auto images = idxHeader(0x803, {2, 1, 1});
        images.push_back(0);
        images.push_back(0);
        writeBytes(tmp("img2"), images);
        auto labels = idxHeader(0x801, {3});
        labels.insert(labels.end(), {0, 1, 2});
        writeBytes(tmp("lbl3"), labels);
        QVERIFY(!data::loadIdx(tmp("img2"), tmp("lbl3")));
        const auto missing = data::loadIdx(tmp("nope"), tmp("lbl3"));
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("no such file") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestIdxReader)
#include "tst_idx_reader.moc"
