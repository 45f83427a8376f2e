// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge map` as a user runs it: the table, the JSON report, and errors naming what is wrong.
#include <QtTest>

#include "cli_runner.h"
#include "test_paths.h"

namespace {

using Run = nnb::test::CliRun;
using nnb::test::runCli;

QString model(const char* name)
{
    return QString::fromStdString((nnb::test::resourceDir() / "models" / name).string());
}

} // namespace

class TestMapCli : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

private slots:
    void mapsLeNetWithAReport()
    {
        const QString report = m_dir.filePath("map.json");
        const Run r = runCli({"map", model("lenet.onnx"), "-p", "tianji", "--set", "chip.cores=16", "--set",
                              "chip.mesh_width=4", "--set", "chip.mesh_height=4", "--seed", "3", "--report", report});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        QVERIFY2(r.out.contains("/0/Conv") && r.out.contains("hop-spikes") && r.out.contains("pipelined:") &&
                     r.out.contains("speedup"),
                 qPrintable(r.out));
        QFile f(report);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(json.value("nnbridge_report").toString(), QString("map"));
        QCOMPARE(json.value("feasible").toBool(), true);
        QCOMPARE(json.value("cores").toArray().size(), 16);
        QVERIFY(!json.value("links").toArray().isEmpty());
        const QJsonObject schedule = json.value("schedule").toObject();
        QVERIFY(schedule.value("pipelined_throughput_per_s").toDouble() > schedule.value("sequential_throughput_per_s").toDouble());
    }

    void tooSmallChipFailsWithTheShortfall()
    {
        const Run r = runCli({"map", model("lenet.onnx"), "-p", "tianji"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.out.contains("cores short") && r.out.contains("chip.mesh_width"), qPrintable(r.out));
        QVERIFY2(r.err.contains("does not fit") && r.err.contains("tianji"), qPrintable(r.err));
    }

    void badInputNamesTheCulprit()
    {
        const Run key = runCli({"map", "-p", "prime", "--set", "chip.mesh_widht=4"});
        QCOMPARE(key.exitCode, 1);
        QVERIFY2(key.err.contains("mesh_widht") && key.err.contains("prime.yaml"), qPrintable(key.err));
        const Run profile = runCli({"map", "-p", "tianjii"});
        QCOMPARE(profile.exitCode, 1);
        QVERIFY2(profile.err.contains("tianjii"), qPrintable(profile.err));
        const Run file = runCli({"map", m_dir.filePath("missing.onnx")});
        QCOMPARE(file.exitCode, 1);
        QVERIFY2(file.err.contains("missing.onnx"), qPrintable(file.err));
        QCOMPARE(runCli({"map", "--placer", "random"}).exitCode, 2);
    }
};

QTEST_APPLESS_MAIN(TestMapCli)
#include "tst_map_cli.moc"
