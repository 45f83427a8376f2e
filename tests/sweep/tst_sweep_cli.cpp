// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge sweep` as a user runs it: progress on stderr, the table on stdout, the CSV with a
// header and a pareto column; a spec error names the file, key and line.
#include <QtTest>

#include "cli_runner.h"
#include "test_paths.h"

namespace {

using Run = nnb::test::CliRun;
using nnb::test::runCli;

QString model() { return QString::fromStdString((nnb::test::resourceDir() / "models" / "mlp.onnx").string()); }

} // namespace

class TestSweepCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeSpec(const QString& name, const QString& body)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        f.open(QIODevice::WriteOnly | QIODevice::Truncate);
        f.write(("model: " + model() + "\nprofile: prime\n" + body).toUtf8());
        return path;
    }

private slots:
    void sweepWritesCsv()
    {
        const QString spec = writeSpec("bits.yaml", "parameters:\n"
                                                    "  - {name: bits, key: weights.bits, values: [4, 8]}\n"
                                                    "  - {name: xbar, keys: [crossbar.rows, crossbar.cols], values: [128, 256]}\n"
                                                    "evaluation: {data: sample, test_images: 1000, calibration_images: 32}\n");
        const QString csv = m_dir.filePath("results.csv");
        const Run r = runCli({"sweep", spec, "--out", csv, "--threads", "2", "--images", "60"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QVERIFY2(r.err.contains("[1/4]") && r.err.contains("[4/4]") && r.err.contains("bits=") && r.err.contains("xbar="),
                 qPrintable(r.err));
        QVERIFY2(r.out.contains("pareto front (crossbars vs error_percent): ") && r.out.contains("4 of 4 points feasible") &&
                     r.out.contains("60 test images"),
                 qPrintable(r.out));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5);
        const QStringList header = lines[0].split(',');
        QCOMPARE(header.mid(0, 5), (QStringList{"index", "label", "bits", "xbar", "feasible"}));
        const int pareto = static_cast<int>(header.indexOf("pareto"));
        QVERIFY(pareto > 0);
        QVERIFY(header.contains("energy_pj") && header.contains("latency_ns") && header.contains("crossbars") &&
                header.contains("total_ms"));
        int onFront = 0;
        for (int i = 1; i < lines.size(); ++i) {
            // Labels hold ", " and are quoted; drop the quoted field before splitting.
            QString line = lines[i];
            line.remove(QRegularExpression("\"[^\"]*\""));
            const QStringList cells = line.split(',');
            QCOMPARE(cells.size(), header.size());
            onFront += cells[pareto - 0] == "1";
        }
        QVERIFY(onFront >= 1);
        QVERIFY(!QFile::exists(csv + ".tmp"));
    }

    void shippedSpecResolvesOutOfTheBox()
    {
        // By name, from any folder: the shipped spec, its relative model path and the profile id.
        const Run r = runCli({"sweep", "mlp_bits_crossbar", "--list"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QVERIFY2(r.out.contains("21 points") && r.out.contains("mlp.onnx") && r.out.contains("prime.yaml") &&
                     r.out.contains("weight bits=8, crossbar=256"),
                 qPrintable(r.out));
    }

    void specErrorsNameKeyAndLine()
    {
        const QString spec = writeSpec("typo.yaml", "parameters:\n  - key: weights.bits\n    range: 2..8 stepp 2\n");
        const Run r = runCli({"sweep", spec, "--out", m_dir.filePath("never.csv")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("typo.yaml") && r.err.contains("parameters[0].range") && r.err.contains("line 5") &&
                     r.err.contains("'2..8 step 2'"),
                 qPrintable(r.err));
        QVERIFY(!QFile::exists(m_dir.filePath("never.csv")));
        const Run missing = runCli({"sweep", m_dir.filePath("nowhere.yaml")});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY2(missing.err.contains("nowhere.yaml"), qPrintable(missing.err));
        const Run usage = runCli({"sweep", spec, "--threads", "-1"});
        QCOMPARE(usage.exitCode, 2);
    }
};

QTEST_APPLESS_MAIN(TestSweepCli)
#include "tst_sweep_cli.moc"
