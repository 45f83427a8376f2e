// SPDX-License-Identifier: GPL-3.0-or-later
// EvaluationController: results arrive on the GUI thread, progress is reported, cancel is
// neutral, and a superseded request never delivers (style §2.7, §2.9).
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QtTest>

#include "evaluation_controller.h"
#include "test_paths.h"
// moc parses this file for the test class; it needs no core header, and Qt 6.4's moc cannot
// parse ir/op_kind.h (an enum assembled from two X-macro #includes), so hide them from it.
#ifndef Q_MOC_RUN
#include "float_evaluation.h"
#endif

using nnb::app::EvaluationController;
using Job = EvaluationController::Job;

namespace {

constexpr int kTimeoutMs = 120'000;

QString lenetPath()
{
    return QString::fromStdString((nnb::test::resourceDir() / "models" / "lenet.onnx").string());
}

nnb::app::DataSetSpec sampleData()
{
    return {nnb::test::resourceDir() / "data" / "fashion-mnist-sample", "the data sample", {}};
}

} // namespace

class TestEvaluationController : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void importDeliversModelOnGuiThread();
    void failedImportKeepsModel();
    void evaluationReportsProgressAndResult();
    void evaluateWithoutModelDoesNothing();
    void cancelDeliversNothing();
    void supersededImportIsDropped();
    void supersededEvaluationIsDropped();
    void missingDataIsAnError();
    void destructionWhileRunningWaits();

private:
    /// Imports LeNet and waits for it.
    void loadLenet();

    std::unique_ptr<EvaluationController> m_controller;
};

void TestEvaluationController::init()
{
    m_controller = std::make_unique<EvaluationController>();
    m_controller->setDataSet(sampleData());
}

void TestEvaluationController::cleanup()
{
    m_controller.reset();
}

void TestEvaluationController::loadLenet()
{
    QSignalSpy loaded(m_controller.get(), &EvaluationController::modelLoaded);
    m_controller->openModel(lenetPath());
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, kTimeoutMs);
    QVERIFY(!m_controller->isBusy());
}

void TestEvaluationController::importDeliversModelOnGuiThread()
{
    QSignalSpy started(m_controller.get(), &EvaluationController::jobStarted);
    QSignalSpy busy(m_controller.get(), &EvaluationController::busyChanged);
    QThread* deliveredOn = nullptr;
    connect(m_controller.get(), &EvaluationController::modelLoaded, this, [&] { deliveredOn = QThread::currentThread(); });
    loadLenet();
    QCOMPARE(deliveredOn, QThread::currentThread());
    QCOMPARE(started.count(), 1);
    QCOMPARE(started.at(0).at(0).value<Job>(), Job::Import);
    QCOMPARE(busy.count(), 2); // true, then false
    QVERIFY(m_controller->model());
    QVERIFY(m_controller->model()->graph.numNodes() > 0);
}

void TestEvaluationController::failedImportKeepsModel()
{
    loadLenet();
    const auto before = m_controller->model();
    QTemporaryFile garbage(QDir::tempPath() + "/nnb-corrupt-XXXXXX.onnx");
    QVERIFY(garbage.open());
    garbage.write("this is not a protobuf \x01\x02\x03\xff\xfe garbage");
    garbage.flush();
    QSignalSpy failed(m_controller.get(), &EvaluationController::importFailed);
    m_controller->openModel(garbage.fileName());
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    QCOMPARE(failed.at(0).at(0).toString(), garbage.fileName());
    QVERIFY(!failed.at(0).at(1).value<nnb::Error>().message.empty());
    QCOMPARE(m_controller->model(), before);
}

void TestEvaluationController::evaluationReportsProgressAndResult()
{
    loadLenet();
    QSignalSpy progress(m_controller.get(), &EvaluationController::progressChanged);
    QSignalSpy finished(m_controller.get(), &EvaluationController::evaluationFinished);
    QVERIFY(m_controller->evaluate());
    QCOMPARE(m_controller->runningJob(), Job::Evaluation);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    const auto evaluation = m_controller->lastEvaluation();
    QVERIFY(evaluation);
    QCOMPARE(evaluation->result.total, 1000);
    QVERIFY2(evaluation->result.correct > 800, "LeNet scores about 90 % on Fashion-MNIST");
    QCOMPARE(evaluation->model, m_controller->model());
    // Progress is monotonic and ends at 1000 (Qt never throttles the final value).
    QVERIFY(progress.count() > 0);
    int last = -1;
    for (const auto& args : progress) {
        QVERIFY(args.at(0).toInt() >= last);
        last = args.at(0).toInt();
    }
    QCOMPARE(last, 1000);
}

void TestEvaluationController::evaluateWithoutModelDoesNothing()
{
    QSignalSpy started(m_controller.get(), &EvaluationController::jobStarted);
    QVERIFY(!m_controller->evaluate());
    QCOMPARE(started.count(), 0);
    QVERIFY(!m_controller->isBusy());
    m_controller->cancel(); // harmless when idle
}

void TestEvaluationController::cancelDeliversNothing()
{
    loadLenet();
    QSignalSpy finished(m_controller.get(), &EvaluationController::evaluationFinished);
    QSignalSpy failed(m_controller.get(), &EvaluationController::evaluationFailed);
    QSignalSpy cancelled(m_controller.get(), &EvaluationController::jobCancelled);
    QSignalSpy requested(m_controller.get(), &EvaluationController::cancelRequested);
    m_controller->evaluate();
    m_controller->cancel();
    QCOMPARE(requested.count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeoutMs);
    QCOMPARE(cancelled.at(0).at(0).value<Job>(), Job::Evaluation);
    QVERIFY(!m_controller->isBusy());
    QCOMPARE(finished.count(), 0);
    QCOMPARE(failed.count(), 0);
    QVERIFY(!m_controller->lastEvaluation());
}

void TestEvaluationController::supersededImportIsDropped()
{
    QSignalSpy loaded(m_controller.get(), &EvaluationController::modelLoaded);
    QSignalSpy busy(m_controller.get(), &EvaluationController::busyChanged);
    m_controller->openModel(lenetPath());
    m_controller->openModel(lenetPath()); // supersedes the first
    QTRY_VERIFY_WITH_TIMEOUT(!m_controller->isBusy(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_controller->droppedResults(), 1, kTimeoutMs);
    QCOMPARE(loaded.count(), 1);
    QCOMPARE(busy.count(), 2); // one busy period for both requests
}

void TestEvaluationController::supersededEvaluationIsDropped()
{
    loadLenet();
    QSignalSpy finished(m_controller.get(), &EvaluationController::evaluationFinished);
    QSignalSpy cancelled(m_controller.get(), &EvaluationController::jobCancelled);
    m_controller->evaluate();
    m_controller->evaluate();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(m_controller->droppedResults(), 1, kTimeoutMs);
    QCOMPARE(cancelled.count(), 0); // superseded is not cancelled: it just never reports
    QCOMPARE(finished.count(), 1);
}

void TestEvaluationController::missingDataIsAnError()
{
    loadLenet();
    m_controller->setDataSet({"/nonexistent/nnbridge-data", "nothing", {}});
    QSignalSpy failed(m_controller.get(), &EvaluationController::evaluationFailed);
    m_controller->evaluate();
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    QVERIFY(!m_controller->isBusy());
}

void TestEvaluationController::destructionWhileRunningWaits()
{
    loadLenet();
    m_controller->evaluate();
    QVERIFY(m_controller->isBusy());
    m_controller.reset(); // cancels and waits; must neither crash nor hang
}

QTEST_MAIN(TestEvaluationController)
#include "tst_evaluation_controller.moc"
