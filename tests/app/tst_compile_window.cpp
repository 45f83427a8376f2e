// SPDX-License-Identifier: GPL-3.0-or-later
// The compile workflow of the main window on the offscreen platform: the shipped model loads and
// compiles, a changed constraint gives new numbers in the core map, the error chart and the
// summary; a running compile cancels; a superseded compile never paints; the GUI thread stays
// responsive while compiling; a click on a core shows its crossbar; live mode debounces; a
// spiking profile fills the Spiking clusters tab.
//
// One window serves every test (the default job runs once). Compiles measure the accuracy on
// 200 test images to keep the test short; the application's default is 1,000.
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>

#include <QElapsedTimer>
#include <QLabel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>
#include <QtTest>

#include "main_window.h"
#include "nnb/widgets/cluster_map_view.h"
#include "nnb/widgets/core_map_view.h"
#include "nnb/widgets/formatting.h"
#include "nnb/widgets/layer_error_chart.h"
#include "nnb/widgets/network_table_model.h"
#include "nnb/widgets/network_view.h"
#include "nnb/widgets/profile_editor.h"
#include "nnb/widgets/resource_summary.h"
#include "nnb/widgets/weight_views.h"
#include "settings.h"
// moc parses this file for the test class; Qt 6.4's moc cannot parse the core's X-macro headers.
#ifndef Q_MOC_RUN
#include "compile_job.h"
#include "nnb/hw/profile_io.h"
#include "test_paths.h"
#endif

using nnb::app::CompileController;
using nnb::app::MainWindow;

namespace {
constexpr int kTimeoutMs = 60'000;

QtMessageHandler g_previousHandler = nullptr;
void filterPlatformNoise(QtMsgType type, const QMessageLogContext& context, const QString& message)
{
    if (message.contains(QLatin1String("propagateSizeHints")))
        return;
    g_previousHandler(type, context, message);
}
} // namespace

class TestCompileWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void defaultJobCompilesForPrime();
    void changedConstraintShowsNewNumbers();
    void invalidConstraintIsFlaggedInline();
    void cancelStopsRunningCompile();
    void supersededCompileIsDropped();
    void guiStaysResponsiveDuringCompile();
    void clickingCoreShowsItsCrossbar();
    void selectedLayerShowsHistogram();
    void liveModeDebouncesEdits();
    void sessionAndExportRoundTrip();
    void spikingProfileShowsClusters();

private:
    template <class T>
    T* child(const char* name) const
    {
        auto* widget = m_window->findChild<T*>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no child %s", name);
        return widget;
    }
    /// Sets the spin box of profile key \p key to \p value as a user would (emits the edit).
    void setConstraint(const char* key, int value);
    /// Compiles and waits for the result.
    std::shared_ptr<const nnb::app::CompileSnapshot> compileAndWait();

    QTemporaryDir m_dir;
    std::unique_ptr<nnb::app::Settings> m_settings;
    std::unique_ptr<MainWindow> m_window;
};

void TestCompileWindow::initTestCase()
{
    g_previousHandler = qInstallMessageHandler(filterPlatformNoise);
    m_settings = std::make_unique<nnb::app::Settings>(m_dir.filePath("settings.ini"));
    m_window = std::make_unique<MainWindow>(m_settings.get());
    m_window->setInteractive(false);
    m_window->setCompileTestImages(200);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    m_window->startDefaultJob();
    QVERIFY(result.wait(kTimeoutMs));
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->compiler()->isBusy() && !m_window->controller()->isBusy(), kTimeoutMs);
}

void TestCompileWindow::cleanupTestCase()
{
    m_window.reset();
    m_settings.reset();
}

void TestCompileWindow::setConstraint(const char* key, int value)
{
    auto* editor = child<nnb::widgets::ProfileEditor>("profileEditor");
    auto* box = qobject_cast<QSpinBox*>(editor->editor(QString::fromLatin1(key)));
    QVERIFY2(box, key);
    box->setValue(value);
}

std::shared_ptr<const nnb::app::CompileSnapshot> TestCompileWindow::compileAndWait()
{
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    if (!m_window->compile() || !result.wait(kTimeoutMs))
        return nullptr;
    return m_window->compiler()->lastResult();
}

void TestCompileWindow::defaultJobCompilesForPrime()
{
    const auto result = m_window->compiler()->lastResult();
    QVERIFY(result);
    QCOMPARE(result->compiled->profile.id, std::string("prime"));
    QVERIFY(result->mapping && result->mapping->feasible);
    QVERIFY(result->assessment);
    auto* map = child<nnb::widgets::CoreMapView>("coreMapView");
    QCOMPARE(map->mapping(), result->mapping);
    QCOMPARE(map->usedCores(), result->mapping->tiles.numTiles());
    // The Network panel lists the core-op rewrite of every layer.
    auto* table = child<nnb::widgets::NetworkView>("networkView")->tableModel();
    const QString rewrite = table->index(0, nnb::widgets::NetworkTableModel::RewriteColumn).data().toString();
    QVERIFY2(rewrite.contains("core-op"), qPrintable(rewrite));
}

void TestCompileWindow::changedConstraintShowsNewNumbers()
{
    const auto before = m_window->compiler()->lastResult();
    QVERIFY(before);
    // 64 x 64 crossbars instead of PRIME's 256 x 256: many more tiles.
    setConstraint("crossbar.rows", 64);
    setConstraint("crossbar.cols", 64);
    QCOMPARE(m_window->profile().crossbar.rows, 64);
    const auto after = compileAndWait();
    QVERIFY(after);
    QCOMPARE(after->compiled->profile.crossbar.rows, 64);
    const int crossbars = after->compiled->resources.crossbars;
    QVERIFY2(crossbars > before->compiled->resources.crossbars, qPrintable(QString::number(crossbars)));

    // Summary: the new crossbar count, cores, energy and accuracy with units.
    auto* summary = child<nnb::widgets::ResourceSummary>("resourceSummary");
    QVERIFY2(summary->value("crossbars").startsWith(QString::number(crossbars) + " arrays"), qPrintable(summary->value("crossbars")));
    QVERIFY(summary->value("crossbar").startsWith("64 rows × 64 columns"));
    QVERIFY(after->mapping && after->mapping->feasible);
    QVERIFY2(summary->value("cores").startsWith(QString::number(after->mapping->tiles.numTiles()) + " of 64"),
             qPrintable(summary->value("cores")));
    QVERIFY(summary->value("energy").endsWith("J"));
    QVERIFY(summary->value("latency").endsWith("s"));
    const auto* bit = after->assessment->stage("bit-accurate");
    QVERIFY(bit);
    QVERIFY(summary->value("accuracy.bit-accurate").startsWith(QString::number(bit->accuracyPercent, 'f', 2) + " %"));

    // Core map: the new mapping, one coloured core per tile.
    auto* map = child<nnb::widgets::CoreMapView>("coreMapView");
    QCOMPARE(map->mapping(), after->mapping);
    QCOMPARE(map->usedCores(), after->mapping->tiles.numTiles());
    QVERIFY(map->titleText().contains(QString("%1 of 64 cores used").arg(map->usedCores())));
    const int used = static_cast<int>(std::find_if(after->mapping->cores.begin(), after->mapping->cores.end(),
                                                   [](const auto& c) { return c.tile >= 0; }) -
                                      after->mapping->cores.begin());
    QVERIFY(map->coreToolTip(used).contains("utilisation"));
    QVERIFY(map->coreColor(used) != map->palette().color(QPalette::Window));

    // Error chart: bars per stage and layer with this compile's numbers.
    auto* chart = child<nnb::widgets::LayerErrorChart>("layerErrorChart");
    QCOMPARE(chart->assessment(), after->assessment);
    QVERIFY(chart->stages().contains("bit-accurate"));
    QVERIFY(!chart->layers().isEmpty());
    const auto& layer = bit->layers.front();
    QCOMPARE(chart->value("bit-accurate", QString::fromStdString(layer.layer)), layer.relativeL2);
    QVERIFY(chart->captionText().contains(QString::number(bit->accuracyPercent, 'f', 1)));

    // Back to PRIME's geometry for the other tests.
    setConstraint("crossbar.rows", 256);
    setConstraint("crossbar.cols", 256);
}

void TestCompileWindow::invalidConstraintIsFlaggedInline()
{
    auto* editor = child<nnb::widgets::ProfileEditor>("profileEditor");
    QVERIFY(editor->validationMessage().isEmpty());
    const int input = m_window->profile().io.inputBits;
    QSignalSpy edited(editor, &nnb::widgets::ProfileEditor::profileEdited);
    setConstraint("signals.dac_bits", input + 2); // a DAC wider than the input is invalid
    QVERIFY2(editor->validationMessage().contains("dac_bits"), qPrintable(editor->validationMessage()));
    QCOMPARE(edited.count(), 0);                              // not passed on
    QVERIFY(m_window->profile().io.dacBits <= input);         // the window keeps the last valid profile
    QVERIFY(editor->editor("signals.dac_bits")->property("invalid").toBool());
    QVERIFY(!editor->editor("signals.dac_bits")->toolTip().isEmpty());
    setConstraint("signals.dac_bits", 3);
    QVERIFY(editor->validationMessage().isEmpty());
    QCOMPARE(edited.count(), 1);
}

void TestCompileWindow::cancelStopsRunningCompile()
{
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    QSignalSpy cancelled(m_window->compiler(), &CompileController::compileCancelled);
    QVERIFY(m_window->compile());
    auto* cancel = child<QToolButton>("compileCancelButton");
    QVERIFY(cancel->isVisible());
    QVERIFY(child<QProgressBar>("compileProgress")->isVisible());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QVERIFY(cancelled.wait(kTimeoutMs));
    QVERIFY(!m_window->compiler()->isBusy());
    QCOMPARE(child<QLabel>("statusLabel")->text(), QString("Cancelled"));
    QVERIFY(!child<QProgressBar>("compileProgress")->isVisible());
    QTest::qWait(200); // nothing arrives late
    QCOMPARE(result.count(), 0);
}

void TestCompileWindow::supersededCompileIsDropped()
{
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    const int dropped = m_window->compiler()->droppedResults();
    setConstraint("crossbar.rows", 128);
    QVERIFY(m_window->compile());
    setConstraint("crossbar.rows", 256);
    QVERIFY(m_window->compile()); // supersedes the first
    QVERIFY(result.wait(kTimeoutMs));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->compiler()->droppedResults(), dropped + 1, kTimeoutMs);
    QTest::qWait(200);
    QCOMPARE(result.count(), 1); // only the newest request painted
    QCOMPARE(m_window->compiler()->lastResult()->compiled->profile.crossbar.rows, 256);
}

void TestCompileWindow::guiStaysResponsiveDuringCompile()
{
    // A 10 ms timer on the GUI thread; the largest gap between its ticks is how long the event
    // loop was blocked while a compile (with mapping and bit-accurate simulation) ran.
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
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    QVERIFY(m_window->compile());
    clock.start();
    probe.start();
    QVERIFY(result.wait(kTimeoutMs)); // a real event loop, as the application runs
    probe.stop();
    qInfo("compile took %lld ms; longest GUI-thread gap %lld ms", clock.elapsed(), maxGapMs);
    QVERIFY2(maxGapMs < 100, qPrintable(QString("the GUI thread was blocked for %1 ms").arg(maxGapMs)));
}

void TestCompileWindow::clickingCoreShowsItsCrossbar()
{
    const auto result = m_window->compiler()->lastResult();
    QVERIFY(result && result->mapping);
    m_window->tabs()->setCurrentIndex(1);
    auto* map = child<nnb::widgets::CoreMapView>("coreMapView");
    int core = -1;
    for (const auto& c : result->mapping->cores)
        if (c.tile >= 0 && result->mapping->tiles.tiles[size_t(c.tile)].role == "layer") {
            core = c.core;
            break;
        }
    QVERIFY(core >= 0);
    QSignalSpy activated(map, &nnb::widgets::CoreMapView::coreActivated);
    QTest::mouseClick(map, Qt::LeftButton, {}, map->coreRect(core).center());
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.first().first().toInt(), core);
    auto* heatmap = child<nnb::widgets::WeightHeatmap>("weightHeatmap");
    QVERIFY(heatmap->matrix());
    const auto& tile = result->mapping->tiles.tiles[size_t(result->mapping->cores[size_t(core)].tile)];
    QCOMPARE(heatmap->matrix()->tile, QString::fromStdString(tile.name));
    QCOMPARE(heatmap->matrix()->rows, tile.rowsUsed);
    QCOMPARE(heatmap->matrix()->cols, tile.colsUsed);
    QCOMPARE(heatmap->matrix()->values.size(), size_t(tile.rowsUsed) * size_t(tile.colsUsed));
    QVERIFY(heatmap->captionText().contains(QString::fromStdString(tile.name)));
}

void TestCompileWindow::selectedLayerShowsHistogram()
{
    auto* view = child<nnb::widgets::NetworkView>("networkView");
    const auto& graph = m_window->controller()->model()->graph;
    int gemm = -1;
    for (int n = 0; n < graph.numNodes() && gemm < 0; ++n)
        if (graph.node(n).op == nnb::ir::OpKind::Gemm)
            gemm = n;
    QVERIFY(gemm >= 0);
    emit view->layerSelected(gemm);
    auto* histogram = child<nnb::widgets::WeightHistogramView>("weightHistogram");
    QVERIFY(histogram->histogram());
    QCOMPARE(histogram->histogram()->layer, QString::fromStdString(graph.node(gemm).name));
    QCOMPARE(histogram->histogram()->floatWeights.size(), histogram->histogram()->quantizedWeights.size());
    // Quantised values are levels of the profile's grid (one scale per output channel, so the
    // layer as a whole has more distinct values than one channel's 255), far fewer than the weights.
    QVERIFY(histogram->histogram()->levels.size() > 2);
    QVERIFY(histogram->histogram()->levels.size() < histogram->histogram()->floatWeights.size());
    QVERIFY(histogram->captionText().contains("distinct values"));
}

void TestCompileWindow::liveModeDebouncesEdits()
{
    QSignalSpy started(m_window->compiler(), &CompileController::compileStarted);
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    m_window->setLiveMode(true);
    setConstraint("signals.adc_bits", 5);
    setConstraint("signals.adc_bits", 7);
    setConstraint("signals.adc_bits", 8);
    QCOMPARE(started.count(), 0); // nothing yet: the edits are debounced
    QVERIFY(result.wait(kTimeoutMs));
    QCOMPARE(started.count(), 1); // three edits, one compile
    QCOMPARE(m_window->compiler()->lastResult()->compiled->profile.io.adcBits, 8);
    m_window->setLiveMode(false);
    setConstraint("signals.adc_bits", 6);
    QTest::qWait(MainWindow::kLiveDelayMs + 200);
    QCOMPARE(started.count(), 1);
}

void TestCompileWindow::sessionAndExportRoundTrip()
{
    const QString session = m_dir.filePath("project.nnbproj");
    setConstraint("crossbar.rows", 200);
    QVERIFY(m_window->saveSession(session));
    setConstraint("crossbar.rows", 256);
    QSignalSpy result(m_window->compiler(), &CompileController::resultAvailable);
    QVERIFY(m_window->loadSession(session)); // restores the profile, reopens the model, compiles
    QCOMPARE(m_window->profile().crossbar.rows, 200);
    QVERIFY(result.wait(kTimeoutMs));
    QCOMPARE(m_window->compiler()->lastResult()->compiled->profile.crossbar.rows, 200);

    const QString exported = m_dir.filePath("config.json");
    QVERIFY(m_window->exportConfiguration(exported));
    QFile f(exported);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray json = f.readAll();
    QVERIFY(json.contains("\"profile_yaml\""));
    QVERIFY(json.contains("\"strategy_yaml\""));
    QVERIFY(json.contains("\"nnbridge_report\""));
    QVERIFY(json.contains("\"assessment\""));
    QVERIFY(json.contains("rows: 200"));
    setConstraint("crossbar.rows", 256);
}

// A spiking profile: the summary shows the neuron-level clustering onto crossbars, validated;
// the Spiking clusters tab draws the same clusters on the mesh with their traffic and the
// guaranteed throughput. Back on prime, the tab explains that only spiking profiles fill it.
void TestCompileWindow::spikingProfileShowsClusters()
{
    auto tianji = nnb::hw::loadProfile(nnb::test::profileDir() / "tianji.yaml");
    QVERIFY(tianji);
    const nnb::hw::Profile before = m_window->profile();
    m_window->setProfile(*tianji, QStringLiteral("tianji"));
    const auto result = compileAndWait();
    QVERIFY(result);
    QVERIFY(result->spikingClusters);
    QVERIFY(result->spikingClusters->valid);
    QVERIFY(result->spikingClusters->clusters >= result->spikingClusters->lowerBound);
    auto* summary = child<nnb::widgets::ResourceSummary>("resourceSummary");
    QVERIFY2(summary->value(QStringLiteral("snn.clusters")).contains(QStringLiteral("256×256")),
             qPrintable(summary->value(QStringLiteral("snn.clusters"))));
    QCOMPARE(summary->value(QStringLiteral("snn.valid")), QStringLiteral("every crossbar within its limits"));

    // The cluster view: the same clusters, each on its own tile inside the mesh.
    const auto& map = result->clusterMap;
    QVERIFY(map);
    QVERIFY2(map->error.isEmpty(), qPrintable(map->error));
    auto* view = child<nnb::widgets::ClusterMapView>("clusterMapView");
    QCOMPARE(view->clusters(), map);
    QCOMPARE(static_cast<qint64>(map->tiles.size()), result->spikingClusters->clusters);
    QVERIFY2(summary->value(QStringLiteral("snn.clusters")).startsWith(nnb::widgets::formatCount(map->tiles.size()) + QLatin1Char(' ')),
             qPrintable(summary->value(QStringLiteral("snn.clusters"))));
    QVERIFY(map->meshWidth * map->meshHeight >= static_cast<int>(map->tiles.size()));
    std::set<std::pair<int, int>> tiles;
    for (const nnb::widgets::ClusterTile& t : map->tiles) {
        QVERIFY2(t.x >= 0 && t.x < map->meshWidth && t.y >= 0 && t.y < map->meshHeight, "a cluster outside the mesh");
        QVERIFY2(tiles.insert({t.x, t.y}).second, "two clusters on one tile");
        QVERIFY(t.neurons > 0 && t.neurons <= map->cols);
        QVERIFY(t.inputs > 0 && t.inputs <= map->rows);
        QVERIFY(t.layer >= 0 && t.layer < static_cast<int>(map->layers.size()));
    }
    QCOMPARE(view->usedTiles(), static_cast<int>(map->tiles.size()));
    QVERIFY2(view->titleText().contains(QStringLiteral(" clusters of 256×256 (lower bound ")), qPrintable(view->titleText()));
    QVERIFY2(view->titleText().contains(QStringLiteral("all valid; guaranteed ")), qPrintable(view->titleText()));
    // The dataflow guarantee and spikes estimated from the network's activations, not the default.
    QVERIFY(map->inferencesPerSecond > 0);
    QVERIFY(map->periodNs > 0);
    // The summary states the same guarantee.
    const QString throughput = summary->value(QStringLiteral("snn.throughput"));
    QVERIFY2(throughput.startsWith(nnb::widgets::formatCount(std::llround(map->inferencesPerSecond)) + QStringLiteral(" inferences/s")),
             qPrintable(throughput));
    QVERIFY(!map->critical.isEmpty());
    QCOMPARE(map->ticks, tianji->neuron.ticksPerInference);
    QVERIFY2(map->spikeSource.startsWith(QStringLiteral("estimated")), qPrintable(map->spikeSource));
    QVERIFY(map->hostSpikes > 0);
    QVERIFY(map->interClusterSpikes > 0);
    QVERIFY(!map->links.empty() && map->links.size() <= static_cast<size_t>(map->linksTotal));
    QVERIFY(map->links.front().spikes >= map->links.back().spikes);
    // Generous: the release build takes well under 0.2 s; this catches a runaway (the spiking
    // simulation slipping into the GUI compile) without flaking on a loaded machine.
    qInfo("spiking clusters of the shipped LeNet on tianji: %.1f ms in the compile job", result->clusterSeconds * 1000);
    QVERIFY2(result->clusterSeconds < 3.0, qPrintable(QString::number(result->clusterSeconds)));
    m_window->tabs()->setCurrentWidget(view);
    QVERIFY(!view->grab().isNull());
    QVERIFY(view->tileRect(0).width() > 0);

    m_window->setProfile(before, QStringLiteral("prime"));
    const auto prime = compileAndWait();
    QVERIFY(prime);
    QVERIFY(!prime->clusterMap);
    QVERIFY(!view->clusters());
    QVERIFY2(view->titleText().startsWith(QStringLiteral("Spiking clusters are shown for spiking profiles (e.g. tianji)")),
             qPrintable(view->titleText()));
    QVERIFY2(view->titleText().contains(QStringLiteral("uses ReLU neurons")), qPrintable(view->titleText()));
    m_window->tabs()->setCurrentIndex(0);
}

QTEST_MAIN(TestCompileWindow)
#include "tst_compile_window.moc"
