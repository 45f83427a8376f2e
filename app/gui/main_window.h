// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QMainWindow>

#include "evaluation_controller.h"
#include "nnb/widgets/severity.h"

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QMimeData;
class QProgressBar;
class QToolButton;

namespace nnb::widgets {
class AccuracyPanel;
class LogView;
class NetworkView;
class ProblemsView;
} // namespace nnb::widgets

namespace nnb::app {

class Settings;

/// The nnbridge main window: the Network panel in the centre, the Accuracy panel on the right,
/// Problems and Log docks at the bottom, and a status bar with the running stage, its progress
/// and a Cancel button.
///
/// The window turns user intent (open, evaluate, cancel, drop a file) into requests to its
/// EvaluationController and displays what comes back; it does no compiler work itself.
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

    void log(widgets::Severity severity, const QString& text);
    void reportProblem(widgets::Severity severity, const QString& message, const QString& source);
    void setStatus(const QString& text);
    void updateActions();
    void updateTitle();
    /// \returns the first local .onnx file among \p mime's URLs, or an empty string.
    static QString droppedModelFile(const QMimeData* mime);

    Settings* m_settings;
    EvaluationController* m_controller;
    bool m_interactive = true;

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
