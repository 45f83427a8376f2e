// SPDX-License-Identifier: GPL-3.0-or-later
// The Tradeoffs tab of the main window on the offscreen platform: a 2x2 sweep of the shipped MLP
// streams four points, draws them with a Pareto front that matches the core's, and exports CSV,
// PNG and PDF; clicking a point loads its profile and compiles it; a bad range is refused with
// the parameter named; a running sweep cancels; the GUI thread stays responsive while points
// run; a session keeps the form and the results and a restored point still loads.
#include <algorithm>
#include <memory>

#include <QElapsedTimer>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "main_window.h"
#include "nnb/widgets/sweep_view.h"
#include "settings.h"
#include "test_paths.h"
// moc parses this file for the test class; Qt 6.4's moc cannot parse the core's X-macro headers.
#ifndef Q_MOC_RUN
#include "session.h"
#include "sweep_job.h"
#endif

using nnb::app::MainWindow;
using nnb::app::SweepController;

namespace {
constexpr int kTimeoutMs = 120'000;

QtMessageHandler g_previousHandler = nullptr;
void filterPlatformNoise(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("propagateSizeHints")))
        return;
    g_previousHandler(type, context, message);
}

nnb::widgets::SweepSetup bitsByCrossbar(const QString& bits, const QString& sizes, qint64 images)
{
    nnb::widgets::SweepSetup s;
    // Names as the form's parameter list gives them (it names known keys itself).
    s.axes = {{QStringLiteral("Weight bits"), {QStringLiteral("weights.bits")}, bits},
              {QStringLiteral("Crossbar size (square)"), {QStringLiteral("crossbar.rows"), QStringLiteral("crossbar.cols")}, sizes}};
    s.testImages = images;
    return s;
}
} // namespace

class TestSweepWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void twoByTwoSweepDrawsFourPointsAndParetoFront();
    void exportsCsvPngAndPdf();
    void clickingPointLoadsItsConfiguration();
    void badRangeIsRefusedWithParameterNamed();
    void guiStaysResponsiveDuringSweep();
    void cancelStopsRunningSweep();
    void sessionKeepsSweepSetupAndResults();

private:
    /// Runs the view's current setup and waits for the finished record.
    bool runAndWait();

    QTemporaryDir m_dir;
    std::unique_ptr<nnb::app::Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    nnb::widgets::SweepView* m_view = nullptr;
};

void TestSweepWindow::initTestCase()
{
    g_previousHandler = qInstallMessageHandler(filterPlatformNoise);
    m_settings = std::make_unique<nnb::app::Settings>(m_dir.filePath("settings.ini"));
    m_window = std::make_unique<MainWindow>(m_settings.get());
    m_window->setInteractive(false);
    m_window->setAutoCompile(false);
    m_window->setCompileTestImages(100);
    m_window->resize(1280, 800);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy idle(m_window.get(), &MainWindow::idle);
    m_window->openModel(QString::fromStdString((nnb::test::resourceDir() / "models" / "mlp.onnx").string()));
    QVERIFY(idle.wait(kTimeoutMs));
    QVERIFY(m_window->controller()->model());
    m_view = m_window->sweepView();
    m_window->tabs()->setCurrentWidget(m_view);
}

void TestSweepWindow::cleanupTestCase()
{
    m_window.reset();
    m_settings.reset();
}

bool TestSweepWindow::runAndWait()
{
    QSignalSpy finished(m_window->sweeper(), &SweepController::sweepFinished);
    if (!m_window->runSweep())
        return false;
    return finished.wait(kTimeoutMs);
}

void TestSweepWindow::twoByTwoSweepDrawsFourPointsAndParetoFront()
{
    // prime's 4-bit cells: 4-bit weights take one slice, 8-bit weights two.
    m_view->setSetup(bitsByCrossbar(QStringLiteral("4, 8"), QStringLiteral("128, 256"), 100));
    QSignalSpy started(m_window->sweeper(), &SweepController::sweepStarted);
    QSignalSpy streamed(m_window->sweeper(), &SweepController::pointAvailable);
    QVERIFY(runAndWait());
    QCOMPARE(started.count(), 1);
    QCOMPARE(streamed.count(), 4); // every point arrived on its own before the end
    QCOMPARE(m_view->points().size(), size_t(4));
    QCOMPARE(m_view->plottedPoints(), 4);
    QCOMPARE(m_view->findChild<QTableWidget*>(QStringLiteral("sweepTable"))->rowCount(), 4);

    // The drawn front is the core's Pareto front of crossbars against error.
    const auto record = m_window->sweeper()->lastResult();
    QVERIFY(record && record->complete);
    const nnb::sweep::SweepResult result = record->result();
    std::vector<int> expected;
    for (size_t i : nnb::sweep::paretoFront(result.points, nnb::sweep::Metric::Crossbars, nnb::sweep::Metric::ErrorPercent))
        expected.push_back(result.points[i].point.index);
    QVERIFY(!expected.empty());
    QCOMPARE(m_view->paretoIndices(), expected);
    // Real measurements: 4-bit weights cost fewer arrays than 8-bit weights.
    for (const auto& p : record->points) {
        QVERIFY(p->feasible);
        QVERIFY(p->accuracyPercent && *p->accuracyPercent > 10.0);
        QVERIFY(p->crossbars > 0 && p->energyPj && *p->energyPj > 0 && p->latencyNs && *p->latencyNs > 0);
    }
    const auto at = [&](const char* bits, const char* size) {
        for (const auto& p : record->points)
            if (p->point.values == std::vector<std::string>{bits, size})
                return p;
        return std::shared_ptr<const nnb::sweep::PointResult>();
    };
    QVERIFY(at("4", "128")->crossbars < at("8", "128")->crossbars);
    QVERIFY(at("8", "256")->crossbars <= at("8", "128")->crossbars);
}

void TestSweepWindow::exportsCsvPngAndPdf()
{
    QVERIFY(!m_view->points().empty());
    const QString csvPath = m_dir.filePath(QStringLiteral("sweep.csv"));
    QVERIFY(m_window->exportSweepCsv(csvPath));
    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = csv.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 5); // header + four points
    QVERIFY2(lines[0].startsWith("index,label,Weight bits,Crossbar size (square),feasible,accuracy_percent"), lines[0].constData());

    const QString png = m_dir.filePath(QStringLiteral("chart.png"));
    QVERIFY(m_window->exportSweepChart(png));
    QFile pngFile(png);
    QVERIFY(pngFile.open(QIODevice::ReadOnly));
    QCOMPARE(pngFile.read(4), QByteArray("\x89PNG"));
    const QString pdf = m_dir.filePath(QStringLiteral("chart.pdf"));
    QVERIFY(m_window->exportSweepChart(pdf));
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    QCOMPARE(pdfFile.read(5), QByteArray("%PDF-"));
    QVERIFY(!QFile::exists(png + QStringLiteral(".part.png")));
    // A folder that does not exist is an error, not a crash, and leaves nothing behind.
    QVERIFY(!m_window->exportSweepChart(m_dir.filePath(QStringLiteral("missing/chart.png"))));
}

void TestSweepWindow::clickingPointLoadsItsConfiguration()
{
    const auto record = m_window->sweeper()->lastResult();
    QVERIFY(record);
    std::shared_ptr<const nnb::sweep::PointResult> target;
    for (const auto& p : record->points)
        if (p->point.values == std::vector<std::string>{"4", "128"})
            target = p;
    QVERIFY(target);
    const QPointF at = m_view->pointPosition(target->point.index);
    QVERIFY(!at.isNull());
    QSignalSpy activated(m_view, &nnb::widgets::SweepView::pointActivated);
    QSignalSpy compiled(m_window->compiler(), &nnb::app::CompileController::resultAvailable);
    QWidget* canvas = reinterpret_cast<QWidget*>(m_view->plot());
    QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, canvas->mapFrom(m_view, at.toPoint()));
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().first().toInt(), target->point.index);
    QCOMPARE(m_view->selectedPoint(), target->point.index);
    QCOMPARE(m_window->profile().weights.bits, 4);
    QCOMPARE(m_window->profile().crossbar.rows, 128);
    QCOMPARE(m_window->profile().crossbar.cols, 128);
    // The loaded configuration compiles to the point's crossbar count.
    QVERIFY(compiled.wait(kTimeoutMs));
    QCOMPARE(m_window->compiler()->lastResult()->compiled->resources.crossbars, target->crossbars);
}

void TestSweepWindow::badRangeIsRefusedWithParameterNamed()
{
    m_view->setSetup(bitsByCrossbar(QStringLiteral("8..2"), QStringLiteral("128"), 50));
    QSignalSpy failed(m_window->sweeper(), &SweepController::sweepFailed);
    QSignalSpy started(m_window->sweeper(), &SweepController::sweepStarted);
    QVERIFY(!m_window->runSweep());
    QCOMPARE(started.count(), 0);
    QCOMPARE(failed.count(), 1);
    const QString message = QString::fromStdString(failed.first().first().value<nnb::Error>().toString());
    QVERIFY2(message.contains(QLatin1String("Parameter 1 (Weight bits)")) && message.contains(QLatin1String("8..2")),
             qPrintable(message));
    QVERIFY(!m_window->sweeper()->isBusy());
}

void TestSweepWindow::guiStaysResponsiveDuringSweep()
{
    // A 10 ms timer on the GUI thread; the largest gap between its ticks is how long the event
    // loop was blocked while 15 points ran on the worker threads and streamed into the chart.
    m_view->setSetup(bitsByCrossbar(QStringLiteral("4..8"), QStringLiteral("64..256 x2"), 300));
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
    clock.start();
    probe.start();
    QVERIFY(runAndWait());
    probe.stop();
    qInfo("event-loop max gap during a sweep: %lld ms over %lld ms, %zu points", maxGapMs, clock.elapsed(),
          m_view->points().size());
    QCOMPARE(m_view->points().size(), size_t(15));
    QVERIFY2(maxGapMs < 100, qPrintable(QStringLiteral("GUI blocked for %1 ms").arg(maxGapMs)));
}

void TestSweepWindow::cancelStopsRunningSweep()
{
    // 5 x 16 points on all 1,000 images: far longer than the wait for the first point.
    m_view->setSetup(bitsByCrossbar(QStringLiteral("4..8"), QStringLiteral("32..512 step 32"), 1000));
    QSignalSpy streamed(m_window->sweeper(), &SweepController::pointAvailable);
    QSignalSpy cancelled(m_window->sweeper(), &SweepController::sweepCancelled);
    QVERIFY(m_window->runSweep());
    QVERIFY(m_view->isRunning());
    QVERIFY(streamed.wait(kTimeoutMs));
    QElapsedTimer cancelClock;
    cancelClock.start();
    m_view->findChild<QPushButton*>(QStringLiteral("sweepCancel"))->click();
    QVERIFY(cancelled.wait(kTimeoutMs));
    qInfo("cancel took %lld ms after %zu of 80 points", cancelClock.elapsed(), m_view->points().size());
    QVERIFY(!m_window->sweeper()->isBusy());
    QVERIFY(m_view->points().size() < 80);
    QVERIFY(!m_view->isRunning());
}

void TestSweepWindow::sessionKeepsSweepSetupAndResults()
{
    m_view->setSetup(bitsByCrossbar(QStringLiteral("4, 8"), QStringLiteral("256"), 50));
    QVERIFY(runAndWait());
    const auto record = m_window->sweeper()->lastResult();
    const QString path = m_dir.filePath(QStringLiteral("project.nnbproj"));
    QVERIFY(m_window->saveSession(path));

    auto session = nnb::app::loadSession(path);
    QVERIFY2(session, session ? "" : session.error().toString().c_str());
    QCOMPARE(session->sweepSetup, m_view->setup());
    QVERIFY(session->sweep);
    QCOMPARE(session->sweep->points.size(), size_t(2));
    for (size_t i = 0; i < 2; ++i) {
        const auto& saved = *session->sweep->points[i];
        const auto& live = *record->points[i];
        QCOMPARE(saved.point.values, live.point.values);
        QCOMPARE(saved.point.profileOverrides, live.point.profileOverrides);
        QCOMPARE(saved.crossbars, live.crossbars);
        QCOMPARE(*saved.accuracyPercent, *live.accuracyPercent);
        QCOMPARE(*saved.energyPj, *live.energyPj);
    }

    // Another form, then the session: the form and the chart come back, and a point loads.
    m_view->setSetup(bitsByCrossbar(QStringLiteral("2"), QStringLiteral("64"), 10));
    QSignalSpy idle(m_window.get(), &MainWindow::idle);
    QVERIFY(m_window->loadSession(path));
    QCOMPARE(m_view->setup(), session->sweepSetup);
    QCOMPARE(m_view->points().size(), size_t(2));
    QCOMPARE(m_view->plottedPoints(), 2);
    QVERIFY(idle.wait(kTimeoutMs));
    QVERIFY(m_window->loadSweepPoint(session->sweep->points[0]->point.index));
    QCOMPARE(m_window->profile().weights.bits, 4);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->compiler()->isBusy(), kTimeoutMs);
}

QTEST_MAIN(TestSweepWindow)
#include "tst_sweep_window.moc"
