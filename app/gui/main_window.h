// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QMainWindow>
#include <QTimer>

#include "compile_controller.h"
#include "evaluation_controller.h"
#include "sweep_controller.h"
#include "nnb/widgets/severity.h"

class QAction;
class QComboBox;
class QDockWidget;
class QTabWidget;
class QLabel;
class QMenu;
class QMimeData;
class QProgressBar;
class QToolButton;

namespace nnb::hw {
struct Profile;
} // namespace nnb::hw
namespace nnb::strategy {
struct Strategy;
} // namespace nnb::strategy

namespace nnb::widgets {
class AccuracyPanel;
class ClusterMapView;
class CoreMapView;
class LayerErrorChart;
class LogView;
class NetworkView;
class ProblemsView;
class ProfileEditor;
class ResourceSummary;
class StrategyEditor;
class SweepView;
class WeightHeatmap;
class WeightHistogramView;
} // namespace nnb::widgets

namespace nnb::app {

class Settings;

/// The nnbridge main window. The centre holds tabs: the Network panel (layers, shapes,
/// parameters and their core-op rewrite), the core map with the selected crossbar's weights,
/// the per-layer error chart and the weight histogram. On the right: the constraint editor
/// (hardware profile) and the strategy editor, the resource and cost summary and the float
/// accuracy. Problems and Log docks at the bottom; a status bar with the running stages, their
/// progress and Cancel.
///
/// The window turns user intent (open, edit, compile, evaluate, cancel, save) into requests to
/// its EvaluationController and CompileController and displays the snapshots that come back;
/// it does no compiler work itself.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    /// \p settings (not owned) must outlive the window.
    explicit MainWindow(Settings* settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens the embedded default job: the shipped LeNet, then its float evaluation on the
    /// shipped Fashion-MNIST sample.
    void startDefaultJob();
    /// Opens the ONNX model at \p path; a successful import is followed by its evaluation. On
    /// failure the current model stays loaded and the error goes to the Problems and Log docks
    /// (and to a message box when interactive).
    void openModel(const QString& path);

    /// Interactive windows report import errors in a message box too. Tests and batch runs
    /// (--screenshot) switch this off so no modal dialog ever blocks them.
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isInteractive() const { return m_interactive; }

    /// The controller running this window's background jobs.
    EvaluationController* controller() const { return m_controller; }
    /// The controller running this window's compiles.
    CompileController* compiler() const { return m_compiler; }
    /// The controller running this window's parameter sweeps.
    SweepController* sweeper() const { return m_sweeper; }
    /// The Tradeoffs tab: the sweep form, chart and table.
    widgets::SweepView* sweepView() const { return m_sweepView; }

    /// Compiles the current model for the edited profile and strategy (superseding a running
    /// compile). \returns false when no model is loaded or the profile is invalid.
    bool compile();
    /// The profile and strategy the next compile uses.
    const hw::Profile& profile() const;
    const strategy::Strategy& strategy() const;
    /// Replaces the profile (as if picked or edited) and updates the editor.
    void setProfile(const hw::Profile& profile, const QString& source);
    /// Replaces the strategy and updates the editor.
    void setStrategy(const strategy::Strategy& strategy);
    /// Live mode: a valid edit of a constraint or the strategy recompiles after a short pause.
    void setLiveMode(bool live);
    bool liveMode() const;
    /// Whether opening a model also compiles it for the current profile (default on).
    void setAutoCompile(bool on) { m_autoCompile = on; }
    /// Test images each compile measures the accuracy on (default 1,000: the shipped sample).
    void setCompileTestImages(qint64 images) { m_compileTestImages = images; }
    qint64 compileTestImages() const { return m_compileTestImages; }
    /// The debounce delay of live mode.
    static constexpr int kLiveDelayMs = 400;

    /// Starts a sweep of the Tradeoffs form's parameters over the current model, profile and
    /// strategy. \returns false when no model is loaded or the form is invalid (the reason goes
    /// to the Problems dock).
    bool runSweep();
    /// Loads sweep point \p gridIndex's profile and strategy into the editors and compiles it.
    bool loadSweepPoint(int gridIndex);
    /// Writes the sweep's points as CSV (the `nnbridge sweep` format) to \p path atomically.
    bool exportSweepCsv(const QString& path);
    /// Writes the tradeoff chart to \p path (PDF for ".pdf", else PNG) atomically.
    bool exportSweepChart(const QString& path);

    /// Saves the session (model path and hash, profile, strategy, the sweep form and its
    /// results) to \p path atomically.
    bool saveSession(const QString& path);
    /// Loads a session: the profile and strategy, then the model (which then compiles).
    bool loadSession(const QString& path);
    /// Writes the chosen configuration and the last compile's report as JSON to \p path.
    bool exportConfiguration(const QString& path);
    /// Writes the edited profile as YAML to \p path (atomically) and adds it to the picker.
    bool saveProfileAs(const QString& path);

    /// The central tabs (Network, Core map, Spiking clusters, Layer error, Weights, Tradeoffs).
    QTabWidget* tabs() const { return m_tabs; }

signals:
    /// All background work has finished and no follow-up job was started (for example after a
    /// model's import and its evaluation).
    void idle();

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createMenus();
    void createDocks();
    void createStatusBar();
    void restoreLayout();
    void rebuildRecentMenu();
    void openModelDialog();

    void onJobStarted(EvaluationController::Job job, const QString& description);
    void onProgressChanged(int permille, const QString& stage);
    void onBusyChanged(bool busy);
    void onModelLoaded(std::shared_ptr<const onnx::ImportedModel> model);
    void onImportFailed(const QString& path, const Error& error);
    void onEvaluationFinished(std::shared_ptr<const FloatEvaluation> evaluation);
    void onEvaluationFailed(const Error& error);
    void onJobCancelled(EvaluationController::Job job);
    void onCompileStarted();
    void onCompileProgress(int permille, const QString& stage);
    void onCompileResult(std::shared_ptr<const CompileSnapshot> result);
    void onCompileFailed(const Error& error);
    void onCompileCancelled();
    void onCompilerBusyChanged(bool busy);
    void onConfigurationEdited();
    void onCoreActivated(int core);
    void onLayerSelected(int node);
    void showHistogramFor(const QString& layer);
    void populateProfilePicker();
    void onProfilePicked(int index);
    void saveSessionDialog();
    void openSessionDialog();
    void exportDialog();
    void saveProfileDialog();
    void emitIdleIfDone();
    void onSweepStarted(std::shared_ptr<const SweepPlan> plan);
    void onSweepPoint(std::shared_ptr<const sweep::PointResult> point);
    void onSweepFinished(std::shared_ptr<const SweepRecord> record);
    void onSweepEnded(const QString& summary);
    void exportSweepCsvDialog();
    void exportSweepChartDialog();

    void log(widgets::Severity severity, const QString& text);
    void reportProblem(widgets::Severity severity, const QString& message, const QString& source);
    void setStatus(const QString& text);
    void updateActions();
    void updateTitle();
    /// \returns the first local .onnx file among \p mime's URLs, or an empty string.
    static QString droppedModelFile(const QMimeData* mime);

    Settings* m_settings;
    EvaluationController* m_controller;
    CompileController* m_compiler;
    SweepController* m_sweeper;
    /// The sweep shown in the Tradeoffs tab (running, finished, cancelled or from a session).
    std::shared_ptr<SweepRecord> m_sweep;
    bool m_interactive = true;
    std::unique_ptr<hw::Profile> m_profile;
    std::unique_ptr<strategy::Strategy> m_strategy;
    QString m_profileSource;
    QString m_selectedLayer;
    QTimer m_liveTimer;
    qint64 m_compileTestImages = 1000;
    bool m_autoCompile = true;

    QTabWidget* m_tabs = nullptr;
    widgets::CoreMapView* m_coreMap = nullptr;
    widgets::ClusterMapView* m_clusterMap = nullptr;
    widgets::WeightHeatmap* m_heatmap = nullptr;
    widgets::LayerErrorChart* m_errorChart = nullptr;
    widgets::WeightHistogramView* m_histogram = nullptr;
    widgets::SweepView* m_sweepView = nullptr;
    widgets::ResourceSummary* m_summary = nullptr;
    widgets::ProfileEditor* m_profileEditor = nullptr;
    widgets::StrategyEditor* m_strategyEditor = nullptr;
    QComboBox* m_profilePicker = nullptr;
    QDockWidget* m_constraintsDock = nullptr;
    QDockWidget* m_strategyDock = nullptr;
    QDockWidget* m_summaryDock = nullptr;
    QProgressBar* m_compileProgress = nullptr;
    QToolButton* m_compileCancel = nullptr;
    QAction* m_compileAction = nullptr;
    QAction* m_liveAction = nullptr;
    QAction* m_saveSessionAction = nullptr;
    QAction* m_openSessionAction = nullptr;
    QAction* m_exportAction = nullptr;
    QAction* m_saveProfileAction = nullptr;

    widgets::NetworkView* m_networkView = nullptr;
    widgets::AccuracyPanel* m_accuracyPanel = nullptr;
    widgets::ProblemsView* m_problemsView = nullptr;
    widgets::LogView* m_logView = nullptr;
    QDockWidget* m_accuracyDock = nullptr;
    QDockWidget* m_problemsDock = nullptr;
    QDockWidget* m_logDock = nullptr;

    QLabel* m_statusLabel = nullptr;
    QProgressBar* m_progressBar = nullptr;
    QToolButton* m_cancelButton = nullptr;

    QAction* m_openAction = nullptr;
    QAction* m_evaluateAction = nullptr;
    QAction* m_cancelAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_clearRecentAction = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
};

} // namespace nnb::app
