// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge analyze` as a user runs it: the report on stdout, JSON, and one error line naming
// the file for a bad graph.
#include <QtTest>

#include "cli_runner.h"

namespace {

using Run = nnb::test::CliRun;
using nnb::test::runCli;

QString data(const char* name) { return QStringLiteral(NNB_DATAFLOW_DATA_DIR) + "/" + name; }

} // namespace

class TestDataflowCli : public QObject {
    Q_OBJECT

private slots:
    void analyzePrintsExactThroughput()
    {
        const Run r = runCli({"analyze", data("multirate.xml"), "--simulate"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        for (const char* expected : {"consistent: yes", "repetition vector: a=2 b=3 (5 firings per iteration)",
                                     "deadlock: none", "iteration period: 6 time units", "throughput: 1/6 iterations per time unit",
                                     "self-timed simulation: period 6", "equal to the maximum cycle mean"})
            QVERIFY2(r.out.contains(expected), qPrintable(r.out + " lacks " + expected));
        const Run ring = runCli({"analyze", data("ring3_two_tokens.xml")});
        QVERIFY2(ring.out.contains("throughput: 1/5 iterations per time unit (0.2)"), qPrintable(ring.out));
        const Run acyclic = runCli({"analyze", data("acyclic.xml"), "--simulate"});
        QCOMPARE(acyclic.exitCode, 0);
        QVERIFY2(acyclic.out.contains("throughput: infinite") && acyclic.out.contains("skipped"), qPrintable(acyclic.out));
    }

    void analyzeJson()
    {
        const Run r = runCli({"analyze", data("ring3_selfloop.xml"), "--json"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
        const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8());
        QVERIFY2(doc.isObject(), qPrintable(r.out));
        const QJsonObject o = doc.object();
        QCOMPARE(o["period"].toObject()["num"].toInt(), 7);
        QCOMPARE(o["period"].toObject()["den"].toInt(), 1);
        QCOMPARE(o["throughput"].toObject()["text"].toString(), QString("1/7"));
        QCOMPARE(o["actors"].toArray().size(), 3);
        QCOMPARE(o["critical_channels"].toArray().first().toString(), QString("bb"));
    }

    void badGraphsGiveOneErrorLine_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("expected");
        QTest::addRow("inconsistent") << "inconsistent.xml" << "inconsistent";
        QTest::addRow("deadlock") << "deadlock.xml" << "deadlocks";
        QTest::addRow("disconnected") << "disconnected.xml" << "disconnected";
        QTest::addRow("malformed") << "malformed.xml" << "line 16";
        QTest::addRow("missing") << "nowhere.xml" << "cannot open";
    }

    void badGraphsGiveOneErrorLine()
    {
        QFETCH(QString, file);
        QFETCH(QString, expected);
        const Run r = runCli({"analyze", data(qPrintable(file))});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith("nnbridge: error: ") && r.err.contains(file) && r.err.contains(expected),
                 qPrintable(r.err));
        QCOMPARE(r.err.count('\n'), 1);
        QVERIFY(r.out.isEmpty());
    }

    void usageErrors()
    {
        QCOMPARE(runCli({"analyze"}).exitCode, 2);
    }
};

QTEST_APPLESS_MAIN(TestDataflowCli)
#include "tst_dataflow_cli.moc"
