// SPDX-License-Identifier: GPL-3.0-or-later
// The main window end to end on the offscreen platform: the default job loads and evaluates,
// errors are reported without dialogs, cancel is neutral, and the GUI thread stays responsive.
#include <algorithm>
#include <filesystem>
#include <memory>

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

#include "main_window.h"
// moc parses this file for the test class; it needs no core header, and Qt 6.4's moc cannot
// parse ir/op_kind.h (an enum assembled from two X-macro #includes), so hide them from it.
#ifndef Q_MOC_RUN
#include "float_evaluation.h"
#endif
#include "nnb/widgets/accuracy_panel.h"
#include "nnb/widgets/log_view.h"
#include "nnb/widgets/network_table_model.h"
#include "nnb/widgets/network_view.h"
#include "nnb/widgets/problems_view.h"
#include "settings.h"

using nnb::app::EvaluationController;
using nnb::app::MainWindow;

namespace {
constexpr int kTimeoutMs = 180'000;

QtMessageHandler g_previousHandler = nullptr;

/// Drops the offscreen platform's "does not support propagateSizeHints()" notice, which every
/// dock layout change triggers, and passes everything else on to Qt Test.
void filterPlatformNoise(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("propagateSizeHints")))
        return;
    g_previousHandler(type, context, message);
}
} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { g_previousHandler = qInstallMessageHandler(filterPlatformNoise); }
    void init();
    void cleanup();
    void opensWithDefaultModel();
    void showsFloatAccuracy();
    void corruptModelIsReportedAndPreviousKept();
    void cancelReturnsToIdle();
    void networkTablePassesModelTester();
    void droppedOnnxFileOpens();
    void guiStaysResponsiveDuringEvaluation();

private:
    /// Waits until the default job (import, then evaluation) has finished.
    void waitForDefaultJob();
    template <class T>
    T* child(const char* name) const
    {
        auto* widget = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no child %s", name);
        return widget;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<nnb::app::Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void TestMainWindow::init()
{
    // A throwaway settings file per test: default layout, no recent files from the user.
    m_settings = std::make_unique<nnb::app::Settings>(m_dir.filePath(QString("%1.ini").arg(QTest::currentTestFunction())));
    m_window = std::make_unique<MainWindow>(m_settings.get());
    m_window->setInteractive(false);
    m_window->setAutoCompile(false); // this file tests import and float evaluation; tst_compile_window the compile
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->startDefaultJob();
}

void TestMainWindow::cleanup()
{
    m_window.reset(); // cancels and waits for anything still running
    m_settings.reset();
}

void TestMainWindow::waitForDefaultJob()
{
    QTRY_VERIFY_WITH_TIMEOUT(m_window->controller()->model() && !m_window->controller()->isBusy(), kTimeoutMs);
}

void TestMainWindow::opensWithDefaultModel()
{
    QSignalSpy idle(m_window.get(), &MainWindow::idle);
    waitForDefaultJob();
    const auto model = m_window->controller()->model();
    QVERIFY(m_window->windowTitle().contains("lenet.onnx"));
    auto* view = child<nnb::widgets::NetworkView>("networkView");
    QCOMPARE(view->network(), model);
    QVERIFY(model->graph.numNodes() > 0);
    QCOMPARE(view->tableModel()->rowCount(), model->graph.numNodes());
    for (int row = 0; row < model->graph.numNodes(); ++row)
        QCOMPARE(view->tableModel()->index(row, nnb::widgets::NetworkTableModel::NameColumn).data().toString(),
                 QString::fromStdString(model->graph.node(row).name));
    QVERIFY(view->summaryText().contains("lenet.onnx"));
    QVERIFY(m_settings->recentFiles().first().endsWith("lenet.onnx"));
    QTRY_COMPARE_WITH_TIMEOUT(idle.count(), 1, kTimeoutMs); // import + evaluation = one busy period
}

void TestMainWindow::showsFloatAccuracy()
{
    QSignalSpy finished(m_window->controller(), &EvaluationController::evaluationFinished);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeoutMs);
    auto* panel = child<nnb::widgets::AccuracyPanel>("accuracyPanel");
    QVERIFY(panel->hasResult());
    const auto& result = m_window->controller()->lastEvaluation()->result;
    const QString text = panel->summaryText();
    QVERIFY2(text.startsWith("Float accuracy on the data sample: "), qPrintable(text));
    QVERIFY2(text.contains(QString("%1 / 1000 = %2 %").arg(result.correct).arg(result.accuracyPercent(), 0, 'f', 1)),
             qPrintable(text));
    QVERIFY2(text.contains("images/s"), qPrintable(text));
    QVERIFY(result.correct > 800);
    QVERIFY(!child<QProgressBar>("progressBar")->isVisible());
    QCOMPARE(child<QLabel>("statusLabel")->text(), QString("Ready"));
}

void TestMainWindow::corruptModelIsReportedAndPreviousKept()
{
    waitForDefaultJob();
    const auto before = m_window->controller()->model();
    auto* problems = child<nnb::widgets::ProblemsView>("problemsView");
    auto* table = child<nnb::widgets::NetworkView>("networkView")->tableModel();
    const int rows = table->rowCount();
    QCOMPARE(problems->problemCount(), 0);

    QTemporaryFile garbage(QDir::tempPath() + "/nnb-corrupt-XXXXXX.onnx");
    QVERIFY(garbage.open());
    garbage.write(QByteArray(4096, '\xAB'));
    garbage.close();
    const QString name = QFileInfo(garbage.fileName()).fileName();

    QSignalSpy failed(m_window->controller(), &EvaluationController::importFailed);
    m_window->openModel(garbage.fileName());
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->controller()->isBusy(), kTimeoutMs);

    QCOMPARE(problems->problemCount(), 1);
    QVERIFY(problems->topLevelItem(0)->text(1).contains(name));
    const QString log = child<nnb::widgets::LogView>("logView")->toPlainText();
    QVERIFY2(log.contains("error: ") && log.contains(name), qPrintable(log));
    QVERIFY(child<QLabel>("statusLabel")->text().contains(name));
    // The previous model is still the one shown, and no dialog popped up.
    QCOMPARE(m_window->controller()->model(), before);
    QCOMPARE(table->rowCount(), rows);
    QVERIFY(m_window->windowTitle().contains("lenet.onnx"));
    QVERIFY(!QApplication::activeModalWidget());
    QVERIFY(m_window->findChildren<QMessageBox*>().isEmpty());
    QVERIFY(!m_settings->recentFiles().contains(QFileInfo(garbage.fileName()).absoluteFilePath()));
}

void TestMainWindow::cancelReturnsToIdle()
{
    waitForDefaultJob();
    auto* panel = child<nnb::widgets::AccuracyPanel>("accuracyPanel");
    QVERIFY(panel->hasResult());
    QSignalSpy finished(m_window->controller(), &EvaluationController::evaluationFinished);
    QSignalSpy cancelled(m_window->controller(), &EvaluationController::jobCancelled);

    QVERIFY(m_window->controller()->evaluate());
    auto* cancel = child<QToolButton>("cancelButton");
    QVERIFY(cancel->isVisible() && cancel->isEnabled());
    QVERIFY(!panel->hasResult()); // the old result is gone as soon as a new run starts
    QTest::mouseClick(cancel, Qt::LeftButton);

    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, kTimeoutMs);
    QVERIFY(!m_window->controller()->isBusy());
    QCOMPARE(child<QLabel>("statusLabel")->text(), QString("Cancelled"));
    QVERIFY(!cancel->isVisible());
    QVERIFY(!child<QProgressBar>("progressBar")->isVisible());
    QVERIFY(!panel->hasResult());
    QVERIFY(panel->summaryText().startsWith("Cancelled"));
    QTest::qWait(200); // nothing may arrive late
    QCOMPARE(finished.count(), 0);
    QVERIFY(!panel->hasResult());
    QCOMPARE(child<nnb::widgets::ProblemsView>("problemsView")->problemCount(), 0); // cancel is no problem
}

void TestMainWindow::networkTablePassesModelTester()
{
    auto* view = child<nnb::widgets::NetworkView>("networkView");
    QAbstractItemModelTester sourceTester(view->tableModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(view->tableView()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    waitForDefaultJob();
    QVERIFY(view->tableModel()->rowCount() > 0);
    view->tableView()->sortByColumn(nnb::widgets::NetworkTableModel::ParameterColumn, Qt::DescendingOrder);
    const QModelIndex top = view->tableView()->model()->index(0, nnb::widgets::NetworkTableModel::ParameterColumn);
    const auto& graph = m_window->controller()->model()->graph;
    int64_t most = 0;
    for (int n = 0; n < graph.numNodes(); ++n)
        most = std::max(most, nnb::ir::nodeParameterCount(graph, n));
    QCOMPARE(top.data(nnb::widgets::NetworkTableModel::SortRole).toLongLong(), most);
}

void TestMainWindow::droppedOnnxFileOpens()
{
    waitForDefaultJob();
    const QString mlp = QString::fromStdString((std::filesystem::path(NNB_RESOURCE_DIR) / "models" / "mlp.onnx").string());
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(mlp)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(m_window.get(), &drop);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->windowTitle().contains("mlp.onnx"), kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->controller()->isBusy(), kTimeoutMs);
    QCOMPARE(m_settings->recentFiles().first(), QFileInfo(mlp).absoluteFilePath());

    // Anything that is not an .onnx file is refused at the door.
    QMimeData text;
    text.setUrls({QUrl::fromLocalFile(m_dir.filePath("notes.txt"))});
    QDragEnterEvent refused(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    refused.setAccepted(false);
    QApplication::sendEvent(m_window.get(), &refused);
    QVERIFY(!refused.isAccepted());
}

void TestMainWindow::guiStaysResponsiveDuringEvaluation()
{
    waitForDefaultJob();
    // A 10 ms timer on the GUI thread; the largest gap between its ticks is how long the event
    // loop was blocked. The sample is evaluated repeatedly until at least two seconds of
    // evaluation have been observed (a single run can be short in optimised builds).
    QElapsedTimer clock;
    qint64 lastTick = 0;
    qint64 maxGapMs = 0;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    connect(&probe, &QTimer::timeout, this, [&] {
        const qint64 now = clock.elapsed();
        maxGapMs = std::max(maxGapMs, now - lastTick);
        lastTick = now;
    });
    QSignalSpy finished(m_window->controller(), &EvaluationController::evaluationFinished);
    QElapsedTimer observed;
    observed.start();
    int runs = 0;
    while (runs < 50 && (runs == 0 || observed.elapsed() < 2000)) {
        QVERIFY(m_window->controller()->evaluate());
        clock.start();
        lastTick = 0;
        probe.start();
        // QSignalSpy::wait runs a real event loop, as the application does.
        QVERIFY(finished.wait(kTimeoutMs));
        probe.stop();
        ++runs;
    }
    qInfo("%d evaluation(s) in %lld ms; longest GUI-thread gap %lld ms", runs, observed.elapsed(), maxGapMs);
    QVERIFY2(maxGapMs < 100, qPrintable(QString("the GUI thread was blocked for %1 ms").arg(maxGapMs)));
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
