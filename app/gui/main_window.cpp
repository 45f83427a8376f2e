// SPDX-License-Identifier: GPL-3.0-or-later
#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
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

#include "float_evaluation.h"
#include "nnb/widgets/accuracy_panel.h"
#include "nnb/widgets/log_view.h"
#include "nnb/widgets/network_view.h"
#include "nnb/widgets/problems_view.h"
#include "resource_paths.h"
#include "settings.h"

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

} // namespace

MainWindow::MainWindow(Settings* settings, QWidget* parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_controller(new EvaluationController(this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    setDocumentMode(true);

    m_controller->setDataSet({defaultDataSampleDir(), tr("the data sample"), fashionMnistClassNames()});

    m_networkView = new widgets::NetworkView(this);
    m_networkView->setObjectName(QStringLiteral("networkView"));
    setCentralWidget(m_networkView);

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
    connect(m_cancelAction, &QAction::triggered, m_controller, &EvaluationController::cancel);
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(m_quitAction);
    rebuildRecentMenu();

    QMenu* run = menuBar()->addMenu(tr("&Run"));
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
    toolBar->addSeparator();
    toolBar->addAction(m_evaluateAction);
    toolBar->addAction(m_cancelAction);
}

void MainWindow::createDocks()
{
    m_accuracyPanel = new widgets::AccuracyPanel(this);
    m_accuracyPanel->setObjectName(QStringLiteral("accuracyPanel"));
    m_accuracyDock = new QDockWidget(tr("Accuracy"), this);
    m_accuracyDock->setObjectName(QStringLiteral("accuracyDock"));
    m_accuracyDock->setWidget(m_accuracyPanel);
    addDockWidget(Qt::RightDockWidgetArea, m_accuracyDock);

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

    for (QDockWidget* dock : {m_accuracyDock, m_problemsDock, m_logDock})
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
}

void MainWindow::restoreLayout()
{
    const QByteArray geometry = m_settings->windowGeometry();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 800);
    const QByteArray state = m_settings->windowState();
    if (state.isEmpty() || !restoreState(state)) {
        resizeDocks({m_accuracyDock}, {400}, Qt::Horizontal);
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
    // A new network's float accuracy is the baseline everything else is compared against.
    m_controller->evaluate();
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
    m_cancelAction->setEnabled(m_controller->isBusy());
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

} // namespace nnb::app
