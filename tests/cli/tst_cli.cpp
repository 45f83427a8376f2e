// SPDX-License-Identifier: GPL-3.0-or-later
// Drives the nnbridge executable as a user would: exit codes, one-line errors naming the file,
// and reports on the shipped defaults. Malformed models must give exit code 1, never a crash.
#include <QtTest>

#include "cli_runner.h"
#include "test_paths.h"

namespace {

using Run = nnb::test::CliRun;
using nnb::test::runCli;

QString resource(const char* relative)
{
    return QString::fromStdString((nnb::test::resourceDir() / relative).string());
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeFile(const QString& name, const QByteArray& bytes)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(bytes);
        return path;
    }

private slots:
    void infoOnDefaultModel()
    {
        const Run r = runCli({"info"});
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("lenet.onnx"));
        QVERIFY(r.out.contains("Conv"));
        QVERIFY(r.out.contains("61,706")); // LeNet-5 parameters
        QVERIFY(r.out.contains("op histogram:"));
    }

    void evalOnSample()
    {
        const QString report = m_dir.filePath("eval.json");
        const Run r = runCli({"eval", resource("models/mlp.onnx"), "--data", "sample", "--limit", "200", "--report", report});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QRegularExpression("accuracy +\\d+ / 200 = ")), qPrintable(r.out));
        QFile f(report);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto json = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(json.value("total").toInt(), 200);
        QVERIFY(json.value("correct").toInt() > 150);
    }

    void defaultJob()
    {
        const Run r = runCli({"default"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("/ 1000 = "));
    }

    // --eval with overrides, tuning and a report: every stage printed and in the JSON.
    void compileEvalTuneReport()
    {
        const QString report = m_dir.filePath("compile.json");
        const Run r = runCli({"compile", resource("models/mlp.onnx"), "-p", "generic", "--set", "weights.bits=6",
                              "--strategy-set", "tuning.images=128", "--strategy-set", "tuning.epochs=1", "--calib", "64", "--tune",
                              "--eval", "sample", "--images", "100", "--check-equivalence", "0", "--report", report});
        QCOMPARE(r.exitCode, 0);
        for (const char* stage : {"io-quant", "weight-quant", "bit-accurate", "tuned", "relL2"})
            QVERIFY2(r.out.contains(stage), qPrintable(r.out));
        QFile f(report);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto json = QJsonDocument::fromJson(f.readAll()).object();
        const auto stages = json.value("assessment").toObject().value("stages").toArray();
        QCOMPARE(stages.size(), 6);
        QCOMPARE(stages.at(4).toObject().value("images").toInt(), 100);
        QVERIFY(!stages.at(4).toObject().value("layers").toArray().isEmpty());
        QCOMPARE(json.value("tuning").toObject().value("layers").toArray().size(), 3);
    }

    // The spiking path: conversion, accuracy against ticks, valid clusters, the dataflow
    // guarantee and admission; a non-spiking profile is refused with the reason.
    void compileSnn()
    {
        const QString report = m_dir.filePath("snn.json");
        const Run r = runCli({"compile", resource("models/mlp.onnx"), "-p", "tianji", "--snn", "--eval", "sample", "--images",
                              "100", "--calib", "64", "--check-equivalence", "0", "--report", report});
        QCOMPARE(r.exitCode, 0);
        QFile f(report);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto snn = QJsonDocument::fromJson(f.readAll()).object().value("snn").toObject();
        QVERIFY(!snn.value("accuracy").toArray().isEmpty());
        QCOMPARE(snn.value("images").toInt(), 100);
        for (const auto& p : snn.value("partitions").toArray())
            QVERIFY(p.toObject().value("valid").toBool() &&
                    p.toObject().value("clusters").toInt() >= p.toObject().value("lower_bound").toInt());
        QVERIFY(snn.value("dataflow").toObject().value("inferences_per_second").toDouble() > 0);
        for (const char* text : {"spiking accuracy against ticks", "fullest-first", "min-traffic", "guaranteed period",
                                 "run-time admission"})
            QVERIFY2(r.out.contains(text), qPrintable(r.out));
        QVERIFY2(!r.out.contains(" NO "), qPrintable(r.out)); // every cluster passed the validator
        const Run relu = runCli({"compile", resource("models/mlp.onnx"), "-p", "prime", "--snn", "--check-equivalence", "0"});
        QCOMPARE(relu.exitCode, 1);
        QVERIFY2(relu.err.contains("--snn needs a spiking profile") && relu.err.contains("prime"), qPrintable(relu.err));
    }

    void badOverrides()
    {
        const Run key = runCli({"compile", "-p", "prime", "--set", "signals.input_bitz=8"});
        QCOMPARE(key.exitCode, 1);
        QVERIFY2(key.err.contains("input_bitz") && key.err.contains("prime.yaml"), qPrintable(key.err));
        const Run form = runCli({"compile", "-p", "prime", "--set", "rows"});
        QCOMPARE(form.exitCode, 1);
        QVERIFY2(form.err.contains("section.key=value"), qPrintable(form.err));
        const Run value = runCli({"compile", "--strategy-set", "quantization.weights=septary"});
        QCOMPARE(value.exitCode, 1);
        QVERIFY2(value.err.contains("septary"), qPrintable(value.err));
    }

    void usageErrors()
    {
        QCOMPARE(runCli({"frobnicate"}).exitCode, 2);
        QCOMPARE(runCli({}).exitCode, 2);
        QCOMPARE(runCli({"eval", "--limit", "-3"}).exitCode, 2);
        const Run badData = runCli({"eval", "--data", "imagenet"});
        QCOMPARE(badData.exitCode, 1);
        QVERIFY(badData.err.contains("imagenet"));
    }

    void malformedModels_data()
    {
        QTest::addColumn<QString>("path");
        QFile good(resource("models/lenet.onnx"));
        QVERIFY(good.open(QIODevice::ReadOnly));
        const QByteArray bytes = good.readAll();
        QTest::addRow("missing file") << m_dir.filePath("does-not-exist.onnx");
        QTest::addRow("empty file") << writeFile("empty.onnx", {});
        QTest::addRow("truncated to half") << writeFile("half.onnx", bytes.left(bytes.size() / 2));
        QTest::addRow("truncated header") << writeFile("head.onnx", bytes.left(7));
        QTest::addRow("text file") << writeFile("text.onnx", "this is not a neural network\n");
        QByteArray noise(4096, '\0');
        quint32 state = 12345;
        for (auto& c : noise) {
            state = state * 1664525u + 1013904223u;
            c = static_cast<char>(state >> 24);
        }
        QTest::addRow("random bytes") << writeFile("noise.onnx", noise);
        QByteArray flipped = bytes;
        for (int k = 16; k < flipped.size(); k += 997)
            flipped[k] = static_cast<char>(flipped[k] ^ 0x5a);
        QTest::addRow("bit flips") << writeFile("flipped.onnx", flipped);
        QTest::addRow("a directory") << m_dir.path();
        // Structurally malformed and unsupported models committed as protobuf text.
        const QDir invalid(QString::fromStdString((nnb::test::dataDir() / "models" / "invalid").string()));
        for (const QString& file : invalid.entryList({"*.onnx", "*.onnxtxt"}, QDir::Files, QDir::Name))
            QTest::addRow("%s", qPrintable(file)) << invalid.filePath(file);
    }

    void malformedModels()
    {
        QFETCH(QString, path);
        const Run r = runCli({"info", path});
        QCOMPARE(r.status, QProcess::NormalExit);
        QCOMPARE(r.exitCode, 1);
        const QStringList lines = r.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].startsWith("nnbridge: error: "), qPrintable(lines[0]));
        QVERIFY2(lines[0].contains(QFileInfo(path).fileName()), qPrintable("the error names the file: " + lines[0]));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
