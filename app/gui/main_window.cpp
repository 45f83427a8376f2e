// SPDX-License-Identifier: GPL-3.0-or-later
#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDirIterator>
#include <QHBoxLayout>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStandardPaths>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include "compile_job.h"
#include "float_evaluation.h"
#include "nnb/hw/profile_io.h"
#include "nnb/strategy/strategy_io.h"
#include "nnb/widgets/accuracy_panel.h"
#include "nnb/widgets/cluster_map_view.h"
#include "nnb/widgets/core_map_view.h"
#include "nnb/widgets/formatting.h"
#include "nnb/widgets/layer_error_chart.h"
#include "nnb/widgets/log_view.h"
#include "nnb/widgets/network_table_model.h"
#include "nnb/widgets/network_view.h"
#include "nnb/widgets/problems_view.h"
#include "nnb/widgets/profile_editor.h"
#include "nnb/widgets/resource_summary.h"
#include "nnb/widgets/strategy_editor.h"
#include "nnb/widgets/sweep_view.h"
#include "nnb/widgets/weight_views.h"
#include "report_json.h"
#include "resource_paths.h"
#include "session.h"
#include "settings.h"
#include "sweep_job.h"

namespace nnb::app {
namespace {

using widgets::Severity;

QString fromPath(const std::filesystem::path& path)
{
    return QString::fromStdString(path.string());
}

/// The class names of Fashion-MNIST, the data set the shipped sample comes from.
QStringList fashionMnistClassNames()
{
    return {QStringLiteral("T-shirt/top"), QStringLiteral("Trouser"), QStringLiteral("Pullover"),
            QStringLiteral("Dress"),       QStringLiteral("Coat"),    QStringLiteral("Sandal"),
            QStringLiteral("Shirt"),       QStringLiteral("Sneaker"), QStringLiteral("Bag"),
            QStringLiteral("Ankle boot")};
}

/// "evaluating 256/1000" -> "Evaluating 256/1000": core stage names are lower case.
QString sentenceCase(QString text)
{
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    return text;
}

QString errorText(const Error& error)
{
    return QString::fromStdString(error.toString());
}

/// "ReLU", "LIF", "IF": how the docs name the profile's neuron models.
QString neuronModelName(hw::NeuronModel model)
{
    switch (model) {
    case hw::NeuronModel::Relu:
        return QStringLiteral("ReLU");
    case hw::NeuronModel::Lif:
        return QStringLiteral("leaky integrate-and-fire");
    case hw::NeuronModel::If:
        return QStringLiteral("integrate-and-fire");
    }
    return QString::fromLatin1(hw::toString(model));
}

widgets::Severity toWidgetSeverity(nnb::Severity severity)
{
    switch (severity) {
    case nnb::Severity::Error: return widgets::Severity::Error;
    case nnb::Severity::Warning: return widgets::Severity::Warning;
    default: return widgets::Severity::Info;
    }
}

/// "mlp.onnx on prime · Weight bits × Crossbar size · 300 test images per point · float top-1 88.10 %"
QString sweepCaption(const SweepPlan& plan, std::optional<double> floatAccuracyPercent)
{
    QString caption = QCoreApplication::translate("nnb::app::MainWindow", "%1 on %2 · %3 · first %n test image(s) of the data sample per point",
                                                  nullptr, static_cast<int>(plan.setup.testImages))
                          .arg(QString::fromStdString(plan.modelName), QString::fromStdString(plan.profileName),
                               plan.parameterNames.join(QStringLiteral(" × ")));
    if (floatAccuracyPercent)
        caption += QCoreApplication::translate("nnb::app::MainWindow", " · float top-1 %1 %")
                       .arg(QLocale().toString(*floatAccuracyPercent, 'f', 2));
    return caption;
}

QWidget* scrollable(QWidget* content, QWidget* parent)
{
    auto* area = new QScrollArea(parent);
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}

} // namespace

MainWindow::MainWindow(Settings* settings, QWidget* parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_controller(new EvaluationController(this))
    , m_compiler(new CompileController(this))
    , m_sweeper(new SweepController(this))
    , m_profile(std::make_unique<hw::Profile>())
    , m_strategy(std::make_unique<strategy::Strategy>())
{
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    setDocumentMode(true);

    m_controller->setDataSet({defaultDataSampleDir(), tr("the data sample"), fashionMnistClassNames()});

    // The default profile is the shipped PRIME; the strategy the built-in default (as the CLI).
    if (auto prime = loadProfileSpec(kDefaultProfileId)) {
        *m_profile = std::move(*prime);
        m_profileSource = QString::fromLatin1(kDefaultProfileId);
    }

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("centralTabs"));
    m_tabs->setDocumentMode(true);
    m_networkView = new widgets::NetworkView(this);
    m_networkView->setObjectName(QStringLiteral("networkView"));
    m_tabs->addTab(m_networkView, tr("Network"));

    auto* mapSplitter = new QSplitter(Qt::Horizontal, this);
    mapSplitter->setObjectName(QStringLiteral("coreMapSplitter"));
    m_coreMap = new widgets::CoreMapView(mapSplitter);
    m_coreMap->setObjectName(QStringLiteral("coreMapView"));
    m_heatmap = new widgets::WeightHeatmap(mapSplitter);
    m_heatmap->setObjectName(QStringLiteral("weightHeatmap"));
    mapSplitter->addWidget(m_coreMap);
    mapSplitter->addWidget(m_heatmap);
    mapSplitter->setStretchFactor(0, 3);
    mapSplitter->setStretchFactor(1, 2);
    m_tabs->addTab(mapSplitter, tr("Core map"));
    // Next to the core map: the same chip seen at the neuron level. Always enabled, so a
    // non-spiking compile explains which profiles fill it instead of a silently greyed tab.
    m_clusterMap = new widgets::ClusterMapView(this);
    m_clusterMap->setObjectName(QStringLiteral("clusterMapView"));
    m_tabs->addTab(m_clusterMap, tr("Spiking clusters"));
    m_tabs->setTabToolTip(m_tabs->count() - 1,
                          tr("Spiking profiles: the neurons packed onto crossbar clusters (LCTES'20) on the mesh, their "
                             "spike traffic and the guaranteed throughput"));

    m_errorChart = new widgets::LayerErrorChart(this);
    m_errorChart->setObjectName(QStringLiteral("layerErrorChart"));
    m_tabs->addTab(m_errorChart, tr("Layer error"));
    m_histogram = new widgets::WeightHistogramView(this);
    m_histogram->setObjectName(QStringLiteral("weightHistogram"));
    m_tabs->addTab(m_histogram, tr("Weights"));
    m_sweepView = new widgets::SweepView(this);
    m_sweepView->setObjectName(QStringLiteral("sweepView"));
    m_tabs->addTab(m_sweepView, tr("Tradeoffs"));
    m_tabs->setTabToolTip(m_tabs->count() - 1, tr("Parameter sweeps: error against crossbars, energy and latency"));
    setCentralWidget(m_tabs);

    m_liveTimer.setSingleShot(true);
    m_liveTimer.setInterval(kLiveDelayMs);
    connect(&m_liveTimer, &QTimer::timeout, this, [this] { compile(); });

    createActions();
    createMenus();
    createDocks();
    createStatusBar();
    restoreLayout();

    connect(m_controller, &EvaluationController::jobStarted, this, &MainWindow::onJobStarted);
    connect(m_controller, &EvaluationController::progressChanged, this, &MainWindow::onProgressChanged);
    connect(m_controller, &EvaluationController::busyChanged, this, &MainWindow::onBusyChanged);
    connect(m_controller, &EvaluationController::modelLoaded, this, &MainWindow::onModelLoaded);
    connect(m_controller, &EvaluationController::importFailed, this, &MainWindow::onImportFailed);
    connect(m_controller, &EvaluationController::evaluationFinished, this, &MainWindow::onEvaluationFinished);
    connect(m_controller, &EvaluationController::evaluationFailed, this, &MainWindow::onEvaluationFailed);
    connect(m_controller, &EvaluationController::jobCancelled, this, &MainWindow::onJobCancelled);
    connect(m_controller, &EvaluationController::cancelRequested, this, [this] { setStatus(tr("Cancelling…")); });
    connect(m_settings, &Settings::recentFilesChanged, this, &MainWindow::rebuildRecentMenu);
    connect(m_compiler, &CompileController::compileStarted, this, &MainWindow::onCompileStarted);
    connect(m_compiler, &CompileController::progressChanged, this, &MainWindow::onCompileProgress);
    connect(m_compiler, &CompileController::resultAvailable, this, &MainWindow::onCompileResult);
    connect(m_compiler, &CompileController::compileFailed, this, &MainWindow::onCompileFailed);
    connect(m_compiler, &CompileController::compileCancelled, this, &MainWindow::onCompileCancelled);
    connect(m_compiler, &CompileController::busyChanged, this, &MainWindow::onCompilerBusyChanged);
    connect(m_compiler, &CompileController::cancelRequested, this, [this] { setStatus(tr("Cancelling…")); });
    connect(m_sweeper, &SweepController::sweepStarted, this, &MainWindow::onSweepStarted);
    connect(m_sweeper, &SweepController::pointAvailable, this, &MainWindow::onSweepPoint);
    connect(m_sweeper, &SweepController::progressChanged, m_sweepView, &widgets::SweepView::setProgress);
    connect(m_sweeper, &SweepController::sweepFinished, this, &MainWindow::onSweepFinished);
    connect(m_sweeper, &SweepController::sweepFailed, this, [this](const Error& error) {
        reportProblem(Severity::Error, errorText(error), tr("Sweep"));
        onSweepEnded(tr("The sweep failed: %1").arg(errorText(error)));
    });
    connect(m_sweeper, &SweepController::sweepCancelled, this, [this] {
        onSweepEnded(tr("Cancelled after %1 of %2 points.")
                         .arg(m_sweep ? m_sweep->points.size() : 0)
                         .arg(m_sweep && m_sweep->plan ? m_sweep->plan->grid.size() : 0));
    });
    connect(m_sweeper, &SweepController::busyChanged, this, [this](bool busy) {
        updateActions();
        if (!busy)
            emitIdleIfDone();
    });
    connect(m_sweepView, &widgets::SweepView::runRequested, this, [this] { runSweep(); });
    connect(m_sweepView, &widgets::SweepView::cancelRequested, m_sweeper, &SweepController::cancel);
    connect(m_sweepView, &widgets::SweepView::pointActivated, this, &MainWindow::loadSweepPoint);
    connect(m_sweepView, &widgets::SweepView::exportCsvRequested, this, &MainWindow::exportSweepCsvDialog);
    connect(m_sweepView, &widgets::SweepView::exportChartRequested, this, &MainWindow::exportSweepChartDialog);
    connect(m_coreMap, &widgets::CoreMapView::coreActivated, this, &MainWindow::onCoreActivated);
    connect(m_networkView, &widgets::NetworkView::layerSelected, this, &MainWindow::onLayerSelected);
    connect(m_profileEditor, &widgets::ProfileEditor::profileEdited, this, [this] {
        *m_profile = m_profileEditor->profile();
        onConfigurationEdited();
    });
    connect(m_strategyEditor, &widgets::StrategyEditor::strategyEdited, this, [this] {
        *m_strategy = m_strategyEditor->strategy();
        onConfigurationEdited();
    });
    m_profileEditor->setProfile(*m_profile);
    m_strategyEditor->setStrategy(*m_strategy);
    populateProfilePicker();

    updateTitle();
    updateActions();
    setStatus(tr("Ready"));
}

// The controller is a child QObject: its destructor cancels and waits for running jobs.
MainWindow::~MainWindow() = default;

void MainWindow::startDefaultJob()
{
    log(Severity::Info, tr("Opening the default job: the shipped LeNet-5 on the shipped Fashion-MNIST sample."));
    openModel(fromPath(defaultModelPath()));
}

void MainWindow::openModel(const QString& path)
{
    log(Severity::Info, tr("Opening %1").arg(QDir::toNativeSeparators(path)));
    m_controller->openModel(path);
}

void MainWindow::createActions()
{
    m_openAction = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open Model…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setStatusTip(tr("Open a trained network in ONNX format"));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openModelDialog);

    m_clearRecentAction = new QAction(tr("&Clear Recent Files"), this);
    connect(m_clearRecentAction, &QAction::triggered, m_settings, &Settings::clearRecentFiles);

    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_evaluateAction = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Evaluate Float Accuracy"), this);
    m_evaluateAction->setShortcut(Qt::Key_F5);
    m_evaluateAction->setStatusTip(tr("Run the float network over the data sample and count top-1 hits"));
    connect(m_evaluateAction, &QAction::triggered, this, [this] { m_controller->evaluate(); });

    m_cancelAction = new QAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("&Cancel"), this);
    m_cancelAction->setShortcut(Qt::Key_Escape);
    m_cancelAction->setStatusTip(tr("Stop the running job"));
    connect(m_cancelAction, &QAction::triggered, this, [this] {
        m_controller->cancel();
        m_compiler->cancel();
        m_sweeper->cancel();
    });

    m_compileAction = new QAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("&Compile"), this);
    m_compileAction->setObjectName(QStringLiteral("compileAction"));
    m_compileAction->setShortcut(Qt::Key_F6);
    m_compileAction->setStatusTip(tr("Compile for the profile, map onto its cores and measure the accuracy bit-accurately "
                                     "on the first images of the data sample (1,000 by default)"));
    connect(m_compileAction, &QAction::triggered, this, [this] { compile(); });

    m_liveAction = new QAction(tr("&Live Mode"), this);
    m_liveAction->setObjectName(QStringLiteral("liveAction"));
    m_liveAction->setCheckable(true);
    m_liveAction->setStatusTip(tr("Recompile automatically shortly after a constraint or the strategy changes"));
    connect(m_liveAction, &QAction::toggled, this, [this](bool on) {
        log(Severity::Info, on ? tr("Live mode on: edits recompile after %1 ms.").arg(kLiveDelayMs) : tr("Live mode off."));
    });

    m_openSessionAction = new QAction(tr("Open &Session…"), this);
    m_openSessionAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connect(m_openSessionAction, &QAction::triggered, this, &MainWindow::openSessionDialog);
    m_saveSessionAction = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save Session…"), this);
    m_saveSessionAction->setShortcut(QKeySequence::Save);
    m_saveSessionAction->setStatusTip(tr("Save the model path and hash, the profile and the strategy as a project file"));
    connect(m_saveSessionAction, &QAction::triggered, this, &MainWindow::saveSessionDialog);
    m_exportAction = new QAction(tr("&Export Configuration…"), this);
    m_exportAction->setStatusTip(tr("Write the profile, the strategy and the last compile's report as JSON"));
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportDialog);
    m_saveProfileAction = new QAction(tr("Save Profile &As…"), this);
    m_saveProfileAction->setStatusTip(tr("Save the edited constraints as a new profile file"));
    connect(m_saveProfileAction, &QAction::triggered, this, &MainWindow::saveProfileDialog);
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(m_openSessionAction);
    file->addAction(m_saveSessionAction);
    file->addAction(m_exportAction);
    file->addAction(m_saveProfileAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    rebuildRecentMenu();

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_compileAction);
    run->addAction(m_liveAction);
    run->addSeparator();
    run->addAction(m_evaluateAction);
    run->addAction(m_cancelAction);

    m_viewMenu = menuBar()->addMenu(tr("&View")); // dock toggles are added in createDocks()

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About nnbridge"), this, [this] {
        QMessageBox::about(this, tr("About nnbridge"),
                           tr("<b>nnbridge %1</b><br>Compile trained neural networks onto neuromorphic and "
                              "memristor-crossbar hardware.")
                               .arg(QApplication::applicationVersion()));
    });

    auto* toolBar = addToolBar(tr("Main"));
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setMovable(false);
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(m_openAction);
    toolBar->addAction(m_saveSessionAction);
    toolBar->addSeparator();
    toolBar->addAction(m_compileAction);
    toolBar->addAction(m_liveAction);
    toolBar->addSeparator();
    toolBar->addAction(m_evaluateAction);
    toolBar->addAction(m_cancelAction);
}

void MainWindow::createDocks()
{
    // Constraints: the profile picker, the editor and Save As.
    auto* constraints = new QWidget(this);
    auto* constraintsLayout = new QVBoxLayout(constraints);
    constraintsLayout->setContentsMargins(4, 4, 4, 4);
    auto* pickerRow = new QHBoxLayout;
    m_profilePicker = new QComboBox(constraints);
    m_profilePicker->setObjectName(QStringLiteral("profilePicker"));
    m_profilePicker->setToolTip(tr("Hardware profiles: the shipped ones (profiles/) and yours (saved with Save As)"));
    m_profilePicker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    auto* saveAs = new QPushButton(tr("Save As…"), constraints);
    saveAs->setObjectName(QStringLiteral("saveProfileButton"));
    connect(saveAs, &QPushButton::clicked, this, &MainWindow::saveProfileDialog);
    pickerRow->addWidget(new QLabel(tr("Profile:"), constraints));
    pickerRow->addWidget(m_profilePicker, 1);
    pickerRow->addWidget(saveAs);
    constraintsLayout->addLayout(pickerRow);
    m_profileEditor = new widgets::ProfileEditor(constraints);
    m_profileEditor->setObjectName(QStringLiteral("profileEditor"));
    constraintsLayout->addWidget(scrollable(m_profileEditor, constraints), 1);
    connect(m_profilePicker, &QComboBox::activated, this, &MainWindow::onProfilePicked);
    m_constraintsDock = new QDockWidget(tr("Constraints"), this);
    m_constraintsDock->setObjectName(QStringLiteral("constraintsDock"));
    m_constraintsDock->setWidget(constraints);
    addDockWidget(Qt::RightDockWidgetArea, m_constraintsDock);

    m_strategyEditor = new widgets::StrategyEditor(this);
    m_strategyEditor->setObjectName(QStringLiteral("strategyEditor"));
    m_strategyDock = new QDockWidget(tr("Strategy"), this);
    m_strategyDock->setObjectName(QStringLiteral("strategyDock"));
    m_strategyDock->setWidget(scrollable(m_strategyEditor, this));
    addDockWidget(Qt::RightDockWidgetArea, m_strategyDock);
    tabifyDockWidget(m_constraintsDock, m_strategyDock);

    m_summary = new widgets::ResourceSummary(this);
    m_summary->setObjectName(QStringLiteral("resourceSummary"));
    m_summaryDock = new QDockWidget(tr("Summary"), this);
    m_summaryDock->setObjectName(QStringLiteral("summaryDock"));
    m_summaryDock->setWidget(m_summary);
    addDockWidget(Qt::RightDockWidgetArea, m_summaryDock);

    m_accuracyPanel = new widgets::AccuracyPanel(this);
    m_accuracyPanel->setObjectName(QStringLiteral("accuracyPanel"));
    m_accuracyDock = new QDockWidget(tr("Accuracy"), this);
    m_accuracyDock->setObjectName(QStringLiteral("accuracyDock"));
    m_accuracyDock->setWidget(m_accuracyPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_accuracyDock);
    tabifyDockWidget(m_summaryDock, m_accuracyDock);
    m_summaryDock->raise();
    m_constraintsDock->raise();

    m_problemsView = new widgets::ProblemsView(this);
    m_problemsView->setObjectName(QStringLiteral("problemsView"));
    m_problemsDock = new QDockWidget(tr("Problems"), this);
    m_problemsDock->setObjectName(QStringLiteral("problemsDock"));
    m_problemsDock->setWidget(m_problemsView);
    addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
    connect(m_problemsView, &widgets::ProblemsView::problemCountChanged, this, [this](int count) {
        m_problemsDock->setWindowTitle(count ? tr("Problems (%1)").arg(count) : tr("Problems"));
    });

    m_logView = new widgets::LogView(this);
    m_logView->setObjectName(QStringLiteral("logView"));
    m_logDock = new QDockWidget(tr("Log"), this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_logView);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);
    tabifyDockWidget(m_problemsDock, m_logDock);
    setTabPosition(Qt::BottomDockWidgetArea, QTabWidget::North);

    // The accuracy dock spans the full height on the right; the bottom docks sit under the table.
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    setCorner(Qt::TopRightCorner, Qt::RightDockWidgetArea);

    for (QDockWidget* dock : {m_constraintsDock, m_strategyDock, m_summaryDock, m_accuracyDock, m_problemsDock, m_logDock})
        m_viewMenu->addAction(dock->toggleViewAction());
}

void MainWindow::createStatusBar()
{
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    statusBar()->addWidget(m_statusLabel, 1);

    m_progressBar = new QProgressBar(this);
    m_progressBar->setObjectName(QStringLiteral("progressBar"));
    m_progressBar->setRange(0, 1000);
    m_progressBar->setFixedWidth(280);
    m_progressBar->setTextVisible(true);
    m_progressBar->hide();
    statusBar()->addPermanentWidget(m_progressBar);

    m_cancelButton = new QToolButton(this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_cancelButton->setDefaultAction(m_cancelAction);
    m_cancelButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_cancelButton->setAutoRaise(true);
    m_cancelButton->hide();
    statusBar()->addPermanentWidget(m_cancelButton);

    m_compileProgress = new QProgressBar(this);
    m_compileProgress->setObjectName(QStringLiteral("compileProgress"));
    m_compileProgress->setRange(0, 1000);
    m_compileProgress->setFixedWidth(360);
    m_compileProgress->setTextVisible(true);
    m_compileProgress->hide();
    statusBar()->addPermanentWidget(m_compileProgress);
    m_compileCancel = new QToolButton(this);
    m_compileCancel->setObjectName(QStringLiteral("compileCancelButton"));
    m_compileCancel->setText(tr("Cancel"));
    m_compileCancel->setToolTip(tr("Stop the running compile"));
    m_compileCancel->setAutoRaise(true);
    m_compileCancel->hide();
    connect(m_compileCancel, &QToolButton::clicked, m_compiler, &CompileController::cancel);
    statusBar()->addPermanentWidget(m_compileCancel);
}

void MainWindow::restoreLayout()
{
    const QByteArray geometry = m_settings->windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 800);
    const QByteArray state = m_settings->windowState();
    if (state.isEmpty() || !restoreState(state)) {
        resizeDocks({m_constraintsDock, m_summaryDock}, {540, 540}, Qt::Horizontal);
        resizeDocks({m_constraintsDock, m_summaryDock}, {430, 330}, Qt::Vertical);
        resizeDocks({m_problemsDock}, {180}, Qt::Vertical);
        m_logDock->raise();
    }
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = m_settings->recentFiles();
    for (int k = 0; k < files.size(); ++k) {
        const QString& path = files[k];
        // "&1 lenet.onnx": the number is a keyboard accelerator; the full path is the tooltip.
        QAction* action = m_recentMenu->addAction(QStringLiteral("&%1 %2").arg(k + 1).arg(QFileInfo(path).fileName()));
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setStatusTip(QDir::toNativeSeparators(path));
        connect(action, &QAction::triggered, this, [this, path] {
            if (!QFileInfo::exists(path)) {
                reportProblem(Severity::Warning, tr("The file no longer exists and was removed from the recent files."),
                              QDir::toNativeSeparators(path));
                m_settings->removeRecentFile(path);
                return;
            }
            openModel(path);
        });
    }
    m_recentMenu->setToolTipsVisible(true);
    if (!files.isEmpty())
        m_recentMenu->addSeparator();
    m_recentMenu->addAction(m_clearRecentAction);
    m_clearRecentAction->setEnabled(!files.isEmpty());
}

void MainWindow::openModelDialog()
{
    QString directory = m_settings->lastOpenDirectory();
    if (directory.isEmpty())
        directory = QFileInfo(fromPath(defaultModelPath())).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), directory,
                                                      tr("ONNX models (*.onnx);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings->setLastOpenDirectory(QFileInfo(path).absolutePath());
    openModel(path);
}

void MainWindow::onJobStarted(EvaluationController::Job job, const QString& description)
{
    setStatus(description + QStringLiteral("…"));
    // The importer reports no progress, so its bar is a busy indicator; evaluation is per batch.
    if (job == EvaluationController::Job::Import)
        m_progressBar->setRange(0, 0);
    else
        m_progressBar->setRange(0, 1000);
    m_progressBar->setValue(0);
    m_progressBar->setFormat(description);
    if (job == EvaluationController::Job::Evaluation)
        m_accuracyPanel->setPending(tr("Evaluating on %1…").arg(m_controller->dataSet().description));
    updateActions();
}

void MainWindow::onProgressChanged(int permille, const QString& stage)
{
    m_progressBar->setValue(permille);
    if (!stage.isEmpty())
        m_progressBar->setFormat(sentenceCase(stage) + QStringLiteral(" (%p%)"));
}

void MainWindow::onBusyChanged(bool busy)
{
    m_progressBar->setVisible(busy);
    m_cancelButton->setVisible(busy);
    updateActions();
    if (!busy)
        emitIdleIfDone();
}

void MainWindow::emitIdleIfDone()
{
    if (!m_controller->isBusy() && !m_compiler->isBusy() && !m_sweeper->isBusy() && !m_liveTimer.isActive())
        emit idle();
}

void MainWindow::onModelLoaded(std::shared_ptr<const onnx::ImportedModel> model)
{
    const QString path = QString::fromStdString(model->source);
    m_networkView->setNetwork(model);
    m_settings->addRecentFile(QFileInfo(path).absoluteFilePath());
    updateTitle();
    log(Severity::Info, tr("Opened %1: %2 nodes, opset %3").arg(QFileInfo(path).fileName()).arg(model->graph.numNodes())
                            .arg(model->opsetVersion));
    setStatus(tr("Opened %1").arg(QFileInfo(path).fileName()));
    // A new network's float accuracy is the baseline everything else is compared against; the
    // compile for the current profile runs next to it (its own pool).
    m_controller->evaluate();
    m_selectedLayer.clear();
    m_networkView->tableModel()->setRewrites({});
    if (m_autoCompile)
        compile();
}

void MainWindow::onImportFailed(const QString& path, const Error& error)
{
    const QString name = QFileInfo(path).fileName();
    reportProblem(Severity::Error, errorText(error), QDir::toNativeSeparators(path));
    setStatus(tr("Could not open %1").arg(name));
    if (m_interactive) {
        // Window-modal and non-blocking (open(), not exec()): no nested event loop while the
        // controller is still finishing the job that reported the error.
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot Open Model"),
                                    tr("nnbridge could not open %1.").arg(name), QMessageBox::Ok, this);
        box->setInformativeText(errorText(error));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    // The previous model stays loaded. If this import superseded its evaluation, run it again.
    if (m_controller->model() && !m_accuracyPanel->hasResult() && !m_controller->isBusy())
        m_controller->evaluate();
}

void MainWindow::onEvaluationFinished(std::shared_ptr<const FloatEvaluation> evaluation)
{
    const DataSetSpec& dataSet = m_controller->dataSet();
    // Share the result inside the snapshot (aliasing constructor) rather than copying it.
    m_accuracyPanel->setResult(std::shared_ptr<const eval::ClassificationResult>(evaluation, &evaluation->result),
                               evaluation->data, dataSet.description, dataSet.classNames);
    log(Severity::Info, evaluation->threads == 1 ? tr("%1 (1 executor thread)").arg(m_accuracyPanel->summaryText())
                                                 : tr("%1 (%2 executor threads)").arg(m_accuracyPanel->summaryText()).arg(evaluation->threads));
    setStatus(tr("Ready"));
}

void MainWindow::onEvaluationFailed(const Error& error)
{
    m_accuracyPanel->setFailed(errorText(error));
    reportProblem(Severity::Warning, tr("Float evaluation failed: %1").arg(errorText(error)),
                  m_controller->dataSet().description);
    setStatus(tr("Evaluation failed"));
}

void MainWindow::onJobCancelled(EvaluationController::Job job)
{
    // Cancelling is neutral (style §2.6): a status line, never a dialog or a problem.
    if (job == EvaluationController::Job::Evaluation)
        m_accuracyPanel->setCancelled();
    log(Severity::Info, job == EvaluationController::Job::Import ? tr("Import cancelled.") : tr("Evaluation cancelled."));
    setStatus(tr("Cancelled"));
}

void MainWindow::log(Severity severity, const QString& text)
{
    m_logView->appendMessage(severity, text);
}

void MainWindow::reportProblem(Severity severity, const QString& message, const QString& source)
{
    m_problemsView->addProblem(severity, message, source);
    log(severity, source.isEmpty() ? message : source + QStringLiteral(": ") + message);
    m_problemsDock->show();
    m_problemsDock->raise();
}

void MainWindow::setStatus(const QString& text)
{
    m_statusLabel->setText(text);
}

void MainWindow::updateActions()
{
    const bool evaluating = m_controller->runningJob() == EvaluationController::Job::Evaluation;
    m_evaluateAction->setEnabled(m_controller->model() && !evaluating);
    m_cancelAction->setEnabled(m_controller->isBusy() || m_compiler->isBusy() || m_sweeper->isBusy());
    m_compileAction->setEnabled(m_controller->model() != nullptr);
    m_exportAction->setEnabled(m_compiler->lastResult() != nullptr);
}

void MainWindow::updateTitle()
{
    const auto& model = m_controller->model();
    if (!model) {
        setWindowTitle(tr("nnbridge"));
        return;
    }
    setWindowTitle(tr("%1 — nnbridge").arg(QFileInfo(QString::fromStdString(model->source)).fileName()));
}

QString MainWindow::droppedModelFile(const QMimeData* mime)
{
    if (!mime || !mime->hasUrls())
        return {};
    for (const QUrl& url : mime->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        if (path.endsWith(QLatin1String(".onnx"), Qt::CaseInsensitive))
            return path;
    }
    return {};
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (!droppedModelFile(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const QString path = droppedModelFile(event->mimeData());
    if (path.isEmpty())
        return;
    event->acceptProposedAction();
    openModel(path);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    QMainWindow::closeEvent(event);
}

// --- compile -------------------------------------------------------------------------------

const hw::Profile& MainWindow::profile() const
{
    return *m_profile;
}

const strategy::Strategy& MainWindow::strategy() const
{
    return *m_strategy;
}

bool MainWindow::compile()
{
    m_liveTimer.stop();
    if (!m_controller->model())
        return false;
    if (auto valid = hw::validateProfile(*m_profile); !valid) {
        setStatus(tr("Fix the constraints first: %1").arg(QString::fromStdString(valid.error().message)));
        return false;
    }
    CompileRequest request;
    request.model = m_controller->model();
    request.profile = *m_profile;
    request.strategy = *m_strategy;
    request.testDirectory = defaultDataSampleDir();
    request.testImages = m_compileTestImages;
    m_compiler->compile(request);
    return true;
}

void MainWindow::onCompileStarted()
{
    m_compileProgress->setValue(0);
    m_compileProgress->setFormat(tr("Compiling for %1…").arg(QString::fromStdString(m_profile->id)));
    m_compileProgress->show();
    m_compileCancel->show();
    setStatus(tr("Compiling for %1…").arg(QString::fromStdString(m_profile->name)));
    updateActions();
}

void MainWindow::onCompileProgress(int permille, const QString& stage)
{
    m_compileProgress->setValue(permille);
    if (!stage.isEmpty())
        m_compileProgress->setFormat(sentenceCase(stage) + QStringLiteral(" (%p%)"));
}

void MainWindow::onCompilerBusyChanged(bool busy)
{
    m_compileProgress->setVisible(busy);
    m_compileCancel->setVisible(busy);
    updateActions();
    if (!busy)
        emitIdleIfDone();
}

void MainWindow::onCompileResult(std::shared_ptr<const CompileSnapshot> result)
{
    const CompileResult& compiled = *result->compiled;
    const QString profileName = QString::fromStdString(compiled.profile.id);

    // Network panel: the core-op rewrite of every layer.
    QHash<QString, QString> rewrites;
    QHash<QString, QString> tips;
    for (const report::LayerResources& l : compiled.resources.layers) {
        const QString layer = QString::fromStdString(l.layer);
        rewrites.insert(layer, QString::fromStdString(l.rewrite));
        tips.insert(layer, tr("%1 core-op(s), %2 crossbar(s) (lower bound %3), %4 weights, utilisation %5 %, %6 MVMs per inference%7")
                               .arg(l.coreOps)
                               .arg(l.crossbars)
                               .arg(l.lowerBound)
                               .arg(widgets::formatCount(l.weights))
                               .arg(l.utilizationPercent, 0, 'f', 1)
                               .arg(widgets::formatCount(l.mvmsPerInference))
                               .arg(l.offChip ? tr(", runs on the host") : QString()));
    }
    m_networkView->tableModel()->setRewrites(rewrites, tips);

    const QString images = tr("first %1 images of the data sample").arg(widgets::formatCount(result->testImages));
    m_coreMap->setMapping(result->mapping, result->mapping ? QString()
                                                           : tr("Mapping failed: %1").arg(QString::fromStdString(result->mappingError)));
    m_heatmap->setMatrix(nullptr);
    if (result->clusterMap)
        m_clusterMap->setClusters(result->clusterMap);
    else
        m_clusterMap->setClusters(nullptr, tr("Spiking clusters are shown for spiking profiles (e.g. tianji); this profile "
                                              "(%1) uses %2 neurons.")
                                               .arg(profileName, neuronModelName(compiled.profile.neuron.model)));
    m_errorChart->setAssessment(result->assessment, tr("%1 on %2, measured on the %3.")
                                                        .arg(QFileInfo(QString::fromStdString(result->model->source)).fileName(),
                                                             QString::fromStdString(compiled.profile.name), images),
                                tr("Not measured: %1").arg(QString::fromStdString(result->assessmentError)));
    const QString timings = tr("compile %1 ms · mapping %2 ms · accuracy %3 s · total %4 s")
                                .arg(result->compileSeconds * 1000, 0, 'f', 0)
                                .arg(result->mappingSeconds * 1000, 0, 'f', 0)
                                .arg(result->assessSeconds, 0, 'f', 2)
                                .arg(result->totalSeconds, 0, 'f', 2);
    m_summary->setResults(result->compiled, result->mapping, result->assessment, images, timings);
    if (result->spikingClusters)
        m_summary->addSpikingClusters(*result->spikingClusters);
    if (!m_selectedLayer.isEmpty())
        showHistogramFor(m_selectedLayer);
    else if (!result->histograms.empty())
        showHistogramFor(result->histograms.front()->layer);

    // Problems: the diagnostics of this compile replace those of the previous one.
    m_problemsView->clearProblems();
    auto add = [this](const Diagnostics& diagnostics, const QString& stage) {
        for (const Diagnostic& d : diagnostics)
            if (d.severity != nnb::Severity::Info)
                m_problemsView->addProblem(toWidgetSeverity(d.severity), QString::fromStdString(d.message),
                                           stage + QStringLiteral(": ") + QString::fromStdString(d.where));
    };
    add(compiled.diagnostics, tr("compile"));
    if (result->mapping)
        add(result->mapping->diagnostics, tr("mapping"));
    else
        m_problemsView->addProblem(Severity::Error, QString::fromStdString(result->mappingError), tr("mapping"));
    if (result->assessment)
        add(result->assessment->diagnostics, tr("accuracy"));
    else if (!result->assessmentError.empty())
        m_problemsView->addProblem(Severity::Warning, QString::fromStdString(result->assessmentError), tr("accuracy"));

    QString headline = tr("Compiled for %1: %2 crossbars").arg(profileName).arg(compiled.resources.crossbars);
    if (result->mapping && result->mapping->feasible)
        headline += tr(", %1 energy, %2 latency per inference")
                        .arg(widgets::ResourceSummary::formatPj(result->mapping->energyPj.total()),
                             widgets::ResourceSummary::formatNs(result->mapping->latencyNs.total()));
    if (result->assessment) {
        if (const StageReport* bit = result->assessment->stage("bit-accurate"))
            headline += tr(", bit-accurate top-1 %1 %").arg(bit->accuracyPercent, 0, 'f', 1);
    }
    log(Severity::Info, headline + tr(" (%1 s)").arg(result->totalSeconds, 0, 'f', 2));
    setStatus(headline);
    updateActions();
}

void MainWindow::onCompileFailed(const Error& error)
{
    m_summary->showState(tr("Compile failed: %1").arg(errorText(error)));
    reportProblem(Severity::Error, errorText(error), tr("compile"));
    setStatus(tr("Compile failed"));
}

void MainWindow::onCompileCancelled()
{
    log(Severity::Info, tr("Compile cancelled."));
    setStatus(tr("Cancelled"));
}

void MainWindow::onConfigurationEdited()
{
    if (m_liveAction->isChecked()) {
        m_liveTimer.start(); // debounced: a burst of edits compiles once
        setStatus(tr("Constraints changed: recompiling shortly…"));
    } else {
        setStatus(tr("Constraints changed: Run ▸ Compile (F6) to see what they cost."));
    }
}

void MainWindow::setLiveMode(bool live)
{
    m_liveAction->setChecked(live);
}

bool MainWindow::liveMode() const
{
    return m_liveAction->isChecked();
}

void MainWindow::onCoreActivated(int core)
{
    const auto& result = m_compiler->lastResult();
    if (!result || !result->mapping || core < 0 || core >= static_cast<int>(result->mapping->cores.size()))
        return;
    const int tile = result->mapping->cores[static_cast<size_t>(core)].tile;
    if (tile < 0 || tile >= static_cast<int>(result->tileMatrices.size())) {
        m_heatmap->setMatrix(nullptr, tr("Core %1 is idle: no tile is placed on it.").arg(core));
        return;
    }
    m_heatmap->setMatrix(result->tileMatrices[static_cast<size_t>(tile)]);
}

void MainWindow::onLayerSelected(int node)
{
    const auto& model = m_controller->model();
    if (!model || node < 0 || node >= model->graph.numNodes())
        return;
    m_selectedLayer = QString::fromStdString(model->graph.node(node).name);
    showHistogramFor(m_selectedLayer);
}

void MainWindow::showHistogramFor(const QString& layer)
{
    const auto& result = m_compiler->lastResult();
    if (!result) {
        m_histogram->setHistogram(nullptr, tr("Compile first: the histogram compares the float weights with the "
                                              "levels the profile's quantiser keeps."));
        return;
    }
    auto data = result->histogram(layer.toStdString());
    m_histogram->setHistogram(data, tr("Layer %1 has no weights to quantise (only Gemm, MatMul and Conv layers do).").arg(layer));
}

// --- profiles ------------------------------------------------------------------------------

void MainWindow::setProfile(const hw::Profile& profile, const QString& source)
{
    *m_profile = profile;
    m_profileSource = source;
    m_profileEditor->setProfile(profile);
    const int index = m_profilePicker->findData(source);
    if (index >= 0)
        m_profilePicker->setCurrentIndex(index);
    onConfigurationEdited();
}

void MainWindow::setStrategy(const strategy::Strategy& strategy)
{
    *m_strategy = strategy;
    m_strategyEditor->setStrategy(strategy);
    onConfigurationEdited();
}

namespace {
QString userProfileDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/profiles");
}
} // namespace

void MainWindow::populateProfilePicker()
{
    m_profilePicker->clear();
    auto addDir = [this](const QString& dir, const QString& suffix) {
        QStringList files;
        QDirIterator it(dir, {QStringLiteral("*.yaml")}, QDir::Files);
        while (it.hasNext())
            files << it.next();
        files.sort();
        for (const QString& file : files) {
            // Reading a small YAML file per entry is user I/O the app owns; no compiler work.
            auto p = hw::loadProfile(std::filesystem::path(QFile::encodeName(file).toStdString()));
            if (!p)
                continue;
            m_profilePicker->addItem(QStringLiteral("%1 — %2%3").arg(QString::fromStdString(p->id), QString::fromStdString(p->name), suffix),
                                     file);
            m_profilePicker->setItemData(m_profilePicker->count() - 1, QString::fromStdString(p->description), Qt::ToolTipRole);
        }
    };
    addDir(fromPath(profileDir()), QString());
    addDir(userProfileDir(), tr(" (yours)"));
    const int current = m_profilePicker->findData(fromPath(defaultProfilePath()));
    if (m_profileSource == QLatin1String(kDefaultProfileId) && current >= 0)
        m_profilePicker->setCurrentIndex(current);
    else if (const int index = m_profilePicker->findData(m_profileSource); index >= 0)
        m_profilePicker->setCurrentIndex(index);
}

void MainWindow::onProfilePicked(int index)
{
    const QString file = m_profilePicker->itemData(index).toString();
    auto p = hw::loadProfile(std::filesystem::path(QFile::encodeName(file).toStdString()));
    if (!p) {
        reportProblem(Severity::Error, errorText(p.error()), QDir::toNativeSeparators(file));
        return;
    }
    log(Severity::Info, tr("Profile %1 (%2)").arg(QString::fromStdString(p->name), QDir::toNativeSeparators(file)));
    setProfile(*p, file);
}

bool MainWindow::saveProfileAs(const QString& path)
{
    hw::Profile p = *m_profile;
    // The id is the file's stem (kebab-case, as profiles/README.md asks).
    p.id = QFileInfo(path).completeBaseName().toLower().replace(QLatin1Char('_'), QLatin1Char('-')).toStdString();
    const QByteArray yaml = QByteArray("# SPDX-License-Identifier: GPL-3.0-or-later\n# Saved by nnbridge-gui.\n") +
                            QByteArray::fromStdString(hw::profileToYaml(p)) + '\n';
    if (auto written = writeFileAtomically(path, yaml); !written) {
        reportProblem(Severity::Error, errorText(written.error()), QDir::toNativeSeparators(path));
        return false;
    }
    *m_profile = p;
    m_profileSource = path;
    populateProfilePicker();
    log(Severity::Info, tr("Saved profile %1 to %2").arg(QString::fromStdString(p.id), QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::saveProfileDialog()
{
    QDir().mkpath(userProfileDir());
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Profile As"),
                                                      userProfileDir() + QStringLiteral("/%1-edited.yaml").arg(QString::fromStdString(m_profile->id)),
                                                      tr("Hardware profiles (*.yaml)"));
    if (!path.isEmpty())
        saveProfileAs(path);
}

// --- sessions ------------------------------------------------------------------------------

bool MainWindow::saveSession(const QString& path)
{
    const auto& model = m_controller->model();
    Session session;
    session.modelPath = model ? QFileInfo(QString::fromStdString(model->source)).absoluteFilePath() : QString();
    session.modelSha256 = model ? fileSha256(session.modelPath) : QString();
    session.profileSource = m_profileSource;
    session.profile = *m_profile;
    session.strategy = *m_strategy;
    session.liveMode = liveMode();
    session.sweepSetup = m_sweepView->setup();
    session.sweep = m_sweep;
    if (auto saved = nnb::app::saveSession(path, session); !saved) {
        reportProblem(Severity::Error, errorText(saved.error()), QDir::toNativeSeparators(path));
        return false;
    }
    log(Severity::Info, tr("Saved session %1").arg(QDir::toNativeSeparators(path)));
    setStatus(tr("Saved %1").arg(QFileInfo(path).fileName()));
    return true;
}

bool MainWindow::loadSession(const QString& path)
{
    auto session = nnb::app::loadSession(path);
    if (!session) {
        reportProblem(Severity::Error, errorText(session.error()), QDir::toNativeSeparators(path));
        return false;
    }
    m_liveTimer.stop();
    m_liveAction->setChecked(false); // no recompile for the profile and strategy alone
    *m_profile = session->profile;
    m_profileSource = session->profileSource;
    m_profileEditor->setProfile(session->profile);
    *m_strategy = session->strategy;
    m_strategyEditor->setStrategy(session->strategy);
    populateProfilePicker();
    m_liveAction->setChecked(session->liveMode);
    m_sweepView->setSetup(session->sweepSetup);
    if (session->sweep) {
        m_sweeper->cancel();
        m_sweep = std::make_shared<SweepRecord>(*session->sweep);
        m_sweepView->setPoints(m_sweep->points, m_sweep->plan->parameterNames, static_cast<int>(m_sweep->plan->grid.size()));
        m_sweepView->setCaption(sweepCaption(*m_sweep->plan, m_sweep->floatAccuracyPercent));
        m_sweepView->endRun(tr("%n point(s) from the session.", nullptr, static_cast<int>(m_sweep->points.size())));
    }
    log(Severity::Info, tr("Opened session %1").arg(QDir::toNativeSeparators(path)));
    if (!session->modelPath.isEmpty()) {
        const QString hash = fileSha256(session->modelPath);
        if (hash.isEmpty())
            reportProblem(Severity::Error, tr("The session's model is missing."), QDir::toNativeSeparators(session->modelPath));
        else if (!session->modelSha256.isEmpty() && hash != session->modelSha256)
            reportProblem(Severity::Warning, tr("The model file changed since the session was saved (SHA-256 differs)."),
                          QDir::toNativeSeparators(session->modelPath));
        if (!hash.isEmpty())
            openModel(session->modelPath); // its import is followed by a compile
    }
    return true;
}

bool MainWindow::exportConfiguration(const QString& path)
{
    const auto& result = m_compiler->lastResult();
    if (!result)
        return false;
    nlohmann::json json;
    json["nnbridge_export"] = 1;
    json["model"] = {{"path", result->model->source},
                     {"sha256", fileSha256(QString::fromStdString(result->model->source)).toStdString()}};
    json["profile_yaml"] = hw::profileToYaml(result->compiled->profile);
    json["strategy_yaml"] = strategy::strategyToYaml(result->compiled->strategy);
    nlohmann::json report = compileReportToJson(*result->compiled, result->model->source, std::nullopt);
    if (result->assessment)
        report["assessment"] = assessmentToJson(*result->assessment);
    json["report"] = std::move(report);
    if (result->mapping)
        json["mapping"] = mappingToJson(*result->mapping, result->model->source);
    if (auto written = writeJsonAtomically(std::filesystem::path(QFile::encodeName(path).toStdString()), json); !written) {
        reportProblem(Severity::Error, errorText(written.error()), QDir::toNativeSeparators(path));
        return false;
    }
    log(Severity::Info, tr("Exported the configuration and report to %1").arg(QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::saveSessionDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Session"), m_settings->lastOpenDirectory(),
                                                      tr("nnbridge sessions (*.nnbproj)"));
    if (!path.isEmpty())
        saveSession(path.endsWith(QLatin1String(".nnbproj")) ? path : path + QStringLiteral(".nnbproj"));
}

void MainWindow::openSessionDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Session"), m_settings->lastOpenDirectory(),
                                                      tr("nnbridge sessions (*.nnbproj);;All files (*)"));
    if (!path.isEmpty())
        loadSession(path);
}

// --- sweeps ---------------------------------------------------------------------------------

bool MainWindow::runSweep()
{
    const auto& model = m_controller->model();
    SweepRequest request;
    if (model)
        request.modelPath = model->source;
    request.profile = *m_profile;
    request.strategy = *m_strategy;
    request.setup = m_sweepView->setup();
    request.testDirectory = defaultDataSampleDir();
    if (auto valid = hw::validateProfile(*m_profile); !valid) {
        reportProblem(Severity::Error, tr("Fix the constraints first: %1").arg(QString::fromStdString(valid.error().message)),
                      tr("Sweep"));
        return false;
    }
    return m_sweeper->run(request); // an invalid form is reported through sweepFailed
}

void MainWindow::onSweepStarted(std::shared_ptr<const SweepPlan> plan)
{
    m_sweep = std::make_shared<SweepRecord>();
    m_sweep->plan = plan;
    m_sweepView->beginRun(static_cast<int>(plan->grid.size()), plan->parameterNames);
    m_sweepView->setCaption(sweepCaption(*plan, std::nullopt));
    log(Severity::Info, tr("Sweep started: %n point(s) of %1", nullptr, static_cast<int>(plan->grid.size()))
                            .arg(plan->parameterNames.join(QStringLiteral(" × "))));
    setStatus(tr("Sweeping %n point(s)…", nullptr, static_cast<int>(plan->grid.size())));
}

void MainWindow::onSweepPoint(std::shared_ptr<const sweep::PointResult> point)
{
    if (!m_sweep || !point)
        return;
    const auto at = std::lower_bound(m_sweep->points.begin(), m_sweep->points.end(), point->point.index,
                                     [](const auto& p, int index) { return p->point.index < index; });
    m_sweep->points.insert(at, point);
    m_sweepView->addPoint(std::move(point));
}

void MainWindow::onSweepFinished(std::shared_ptr<const SweepRecord> record)
{
    m_sweep = std::make_shared<SweepRecord>(*record);
    m_sweepView->setPoints(m_sweep->points, m_sweep->plan->parameterNames, static_cast<int>(m_sweep->plan->grid.size()));
    m_sweepView->setCaption(sweepCaption(*m_sweep->plan, record->floatAccuracyPercent));
    const QString summary = tr("%n point(s) in %1 s on %2 thread(s); %3 on the Pareto front.", nullptr,
                               static_cast<int>(record->points.size()))
                                .arg(QLocale().toString(record->seconds, 'f', 1))
                                .arg(record->threads)
                                .arg(m_sweepView->paretoIndices().size());
    onSweepEnded(summary);
}

void MainWindow::onSweepEnded(const QString& summary)
{
    m_sweepView->endRun(summary);
    log(Severity::Info, summary);
    setStatus(summary);
}

bool MainWindow::loadSweepPoint(int gridIndex)
{
    if (!m_sweep || !m_sweep->plan)
        return false;
    for (const auto& p : m_sweep->points) {
        if (p->point.index != gridIndex)
            continue;
        auto configuration = sweep::configurationOf(m_sweep->plan->profileYaml, m_sweep->plan->strategyYaml, p->point);
        if (!configuration) {
            reportProblem(Severity::Error, errorText(configuration.error()), tr("Sweep point %1").arg(gridIndex + 1));
            return false;
        }
        const QString label = QString::fromStdString(p->point.label);
        setProfile(configuration->profile, tr("sweep point %1").arg(gridIndex + 1));
        setStrategy(configuration->strategy);
        log(Severity::Info, tr("Loaded sweep point %1 (%2) into the editors").arg(gridIndex + 1).arg(label));
        compile();
        return true;
    }
    return false;
}

bool MainWindow::exportSweepCsv(const QString& path)
{
    if (!m_sweep || m_sweep->points.empty())
        return false;
    const sweep::Metric x = sweep::parseMetric(m_sweepView->setup().x.toStdString()).value_or(sweep::Metric::Crossbars);
    const sweep::Metric y = sweep::parseMetric(m_sweepView->setup().y.toStdString()).value_or(sweep::Metric::ErrorPercent);
    const std::string csv = sweep::toCsv(m_sweep->result(), m_sweep->parameters(), x, y);
    if (auto written = writeTextAtomically(std::filesystem::path(QFile::encodeName(path).toStdString()), csv); !written) {
        reportProblem(Severity::Error, errorText(written.error()), QDir::toNativeSeparators(path));
        return false;
    }
    log(Severity::Info, tr("Exported %n sweep point(s) to %1", nullptr, static_cast<int>(m_sweep->points.size()))
                            .arg(QDir::toNativeSeparators(path)));
    return true;
}

bool MainWindow::exportSweepChart(const QString& path)
{
    // Render next to the target, then rename over it: a failed or interrupted export never
    // leaves a truncated file under the user's name.
    const QString partial = path + QStringLiteral(".part") + (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive)
                                                                  ? QStringLiteral(".pdf")
                                                                  : QStringLiteral(".png"));
    std::error_code ec;
    if (!m_sweepView->saveChart(partial)) {
        std::filesystem::remove(QFile::encodeName(partial).toStdString(), ec);
        reportProblem(Severity::Error, tr("Cannot write the chart: check that the folder exists and is writable."),
                      QDir::toNativeSeparators(path));
        return false;
    }
    std::filesystem::rename(QFile::encodeName(partial).toStdString(), QFile::encodeName(path).toStdString(), ec);
    if (ec) {
        std::filesystem::remove(QFile::encodeName(partial).toStdString(), ec);
        reportProblem(Severity::Error, tr("Cannot write the chart: %1").arg(QString::fromStdString(ec.message())),
                      QDir::toNativeSeparators(path));
        return false;
    }
    log(Severity::Info, tr("Exported the tradeoff chart to %1").arg(QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::exportSweepCsvDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Sweep Results"), m_settings->lastOpenDirectory(),
                                                      tr("CSV (*.csv)"));
    if (!path.isEmpty())
        exportSweepCsv(path.endsWith(QLatin1String(".csv")) ? path : path + QStringLiteral(".csv"));
}

void MainWindow::exportSweepChartDialog()
{
    QString filter;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Tradeoff Chart"), m_settings->lastOpenDirectory(),
                                                      tr("PNG image (*.png);;PDF document (*.pdf)"), &filter);
    if (path.isEmpty())
        return;
    const bool pdf = filter.contains(QLatin1String("pdf")) || path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive);
    const QString suffix = pdf ? QStringLiteral(".pdf") : QStringLiteral(".png");
    exportSweepChart(path.endsWith(suffix, Qt::CaseInsensitive) ? path : path + suffix);
}

void MainWindow::exportDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Configuration"), m_settings->lastOpenDirectory(),
                                                      tr("JSON (*.json)"));
    if (!path.isEmpty())
        exportConfiguration(path);
}

} // namespace nnb::app
