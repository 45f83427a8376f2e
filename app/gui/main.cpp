// SPDX-License-Identifier: GPL-3.0-or-later
// nnbridge-gui: the desktop application. Usage: nnbridge-gui [--profile <id|file>] [model.onnx]
#include <filesystem>
#include <functional>
#include <system_error>
#include <memory>
#include <vector>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QPixmap>
#include <QDockWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include "main_window.h"
#include "nnb/widgets/sweep_view.h"
#include "nnb/hw/profile.h"
#include "nnb/onnx/import.h"
#include "nnb/strategy/strategy.h"
#include "nnb/widgets/core_map_view.h"
#include "nnb/widgets/network_view.h"
#include "resource_paths.h"
#include "settings.h"

namespace {

/// Waits until the window's background work is done, lets the layout settle, then saves a
/// picture of the window to \p file and quits (exit code 1 if it could not be written). Used
/// for documentation screenshots; works on the offscreen platform too.
void scheduleScreenshot(nnb::app::MainWindow& window, const QString& file)
{
    QObject::connect(
        &window, &nnb::app::MainWindow::idle, &window,
        [&window, file] {
            QTimer::singleShot(500, &window, [&window, file] {
                const bool saved = window.grab().save(file, "PNG");
                qInfo("nnbridge-gui: %s %s", saved ? "saved screenshot" : "could not write screenshot",
                      qPrintable(QDir::toNativeSeparators(file)));
                QCoreApplication::exit(saved ? 0 : 1);
            });
        },
        Qt::SingleShotConnection);
    // Never hang a batch run if the job does not finish.
    QTimer::singleShot(10 * 60 * 1000, &window, [] {
        qWarning("nnbridge-gui: timed out waiting for the default job; no screenshot written");
        QCoreApplication::exit(1);
    });
}

/// Waits until the default job (import, float evaluation and compile) is done, then saves one
/// PNG per view into \p directory: the main window on each central tab, with the docks that
/// belong to it raised, and quits. For the documentation's screenshots (docs/screenshots/).
void scheduleViewScreenshots(nnb::app::MainWindow& window, const QString& directory)
{
    struct Shot {
        const char* file;
        int tab;
        const char* dock; // raised before the grab
        std::function<void()> prepare;
        bool waitForCompile = false; ///< grab only after the compile prepare() started delivered
        bool waitForSweep = false;   ///< grab only after the sweep prepare() started finished
    };
    auto shots = std::make_shared<std::vector<Shot>>();
    auto* w = &window;
    auto raise = [w](const char* name) {
        if (auto* dock = w->findChild<QDockWidget*>(QString::fromLatin1(name)))
            dock->raise();
    };
    // The core map with the first full layer tile's crossbar opened, as a click would.
    auto openCore = [w] {
        auto* map = w->findChild<nnb::widgets::CoreMapView*>(QStringLiteral("coreMapView"));
        for (int core = 0; map && core < 4096; ++core)
            if (map->coreToolTip(core).contains(QLatin1String("(layer"))) {
                map->setSelectedCore(core);
                emit map->coreActivated(core);
                return;
            }
    };
    // The histogram of the first fully connected layer.
    auto selectGemm = [w] {
        auto* view = w->findChild<nnb::widgets::NetworkView*>(QStringLiteral("networkView"));
        const auto& model = w->controller()->model();
        for (int n = 0; view && model && n < model->graph.numNodes(); ++n)
            if (model->graph.node(n).name.find("Gemm") != std::string::npos) {
                emit view->layerSelected(n);
                return;
            }
    };
    // Tabs by their view, so adding a tab does not shift the shots.
    auto tabOf = [w](const char* view) {
        auto* widget = w->findChild<QWidget*>(QString::fromLatin1(view));
        for (QWidget* at = widget; at; at = at->parentWidget())
            if (const int index = w->tabs()->indexOf(at); index >= 0)
                return index;
        return 0;
    };
    shots->push_back({"main-window.png", tabOf("networkView"), "constraintsDock", [raise] { raise("summaryDock"); }});
    shots->push_back({"core-map.png", tabOf("coreMapView"), "summaryDock", openCore});
    shots->push_back({"layer-error.png", tabOf("layerErrorChart"), "accuracyDock", {}});
    // Weight bits 4..8 x crossbar size 64..256 of the shipped LeNet on prime, 300 images a point.
    shots->push_back({"tradeoffs.png", tabOf("sweepView"), "summaryDock", [w] {
                          nnb::widgets::SweepSetup setup = w->sweepView()->setup();
                          setup.testImages = 300;
                          w->sweepView()->setSetup(setup);
                          w->runSweep();
                      },
                      /*waitForCompile=*/false, /*waitForSweep=*/true});
    // 4-bit weights with one scale per layer: the few levels the hardware keeps are visible.
    shots->push_back({"weight-histogram.png", tabOf("weightHistogram"), "strategyDock", [w, selectGemm] {
                          nnb::strategy::Strategy coarse = w->strategy();
                          coarse.quantization.weightBits = 4;
                          coarse.quantization.granularity = nnb::strategy::WeightGranularity::PerTensor;
                          w->setStrategy(coarse);
                          selectGemm();
                          w->compile();
                      },
                      /*waitForCompile=*/true});
    // A chip too small for the network: 32 x 32 crossbars on a 4 x 4 mesh. The compile's and the
    // mapping's diagnostics fill the Problems dock.
    shots->push_back({"problems-log.png", tabOf("networkView"), "problemsDock", [w, raise] {
                          raise("constraintsDock");
                          nnb::hw::Profile small = w->profile();
                          small.crossbar.rows = small.crossbar.cols = 32;
                          small.chip.meshWidth = small.chip.meshHeight = 4;
                          small.chip.cores = 16;
                          w->setProfile(small, QStringLiteral("prime (edited)"));
                          w->compile();
                      },
                      /*waitForCompile=*/true});
    // The shipped LeNet on the spiking tianji: its neurons' crossbar clusters on the mesh, with
    // the starting strategy again (the weight histogram's shot coarsened it).
    shots->push_back({"spiking-clusters.png", tabOf("clusterMapView"), "summaryDock", [w, initial = w->strategy()] {
                          w->setStrategy(initial);
                          const auto file = nnb::app::profileDir() / "tianji.yaml";
                          if (auto tianji = nnb::app::loadProfileSpec("tianji"))
                              w->setProfile(*tianji, QString::fromStdString(file.string()));
                          w->compile();
                      },
                      /*waitForCompile=*/true});
    auto next = std::make_shared<std::function<void(size_t)>>();
    *next = [w, shots, directory, raise, next](size_t index) {
        if (index >= shots->size()) {
            QCoreApplication::exit(0);
            return;
        }
        const Shot& shot = (*shots)[index];
        w->tabs()->setCurrentIndex(shot.tab);
        raise(shot.dock);
        auto grab = [w, shots, directory, index, next] {
            const QString file = QDir(directory).absoluteFilePath(QString::fromLatin1((*shots)[index].file));
            const bool saved = w->grab().save(file, "PNG");
            qInfo("nnbridge-gui: %s %s", saved ? "saved screenshot" : "could not write screenshot", qPrintable(file));
            if (!saved) {
                QCoreApplication::exit(1);
                return;
            }
            (*next)(index + 1);
        };
        if (shot.waitForCompile)
            QObject::connect(
                w->compiler(), &nnb::app::CompileController::resultAvailable, w,
                [w, grab] { QTimer::singleShot(600, w, grab); }, Qt::SingleShotConnection);
        if (shot.waitForSweep)
            QObject::connect(
                w->sweeper(), &nnb::app::SweepController::sweepFinished, w,
                [w, grab] { QTimer::singleShot(600, w, grab); }, Qt::SingleShotConnection);
        if (shot.prepare)
            shot.prepare();
        if (!shot.waitForCompile && !shot.waitForSweep)
            QTimer::singleShot(600, w, grab);
    };
    QObject::connect(
        &window, &nnb::app::MainWindow::idle, &window, [next] { QTimer::singleShot(500, [next] { (*next)(0); }); },
        Qt::SingleShotConnection);
    QTimer::singleShot(10 * 60 * 1000, &window, [] {
        qWarning("nnbridge-gui: timed out waiting for the default job; no screenshots written");
        QCoreApplication::exit(1);
    });
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("nnbridge"));
    QApplication::setApplicationName(QStringLiteral("nnbridge"));
    QApplication::setApplicationVersion(QStringLiteral(NNB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("nnbridge: compile trained neural networks onto neuromorphic and crossbar hardware"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"),
                                 QStringLiteral("ONNX model to open instead of the shipped LeNet."),
                                 QStringLiteral("[model.onnx]"));
    // Hidden: for documentation and CI screenshots. Runs with throwaway settings (default layout,
    // user's recent files untouched) and without dialogs.
    QCommandLineOption screenshotOption(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a PNG of the window to <file> once the job finished, then quit."),
                                        QStringLiteral("file"));
    screenshotOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(screenshotOption);
    QCommandLineOption viewsOption(QStringLiteral("screenshot-views"),
                                   QStringLiteral("Save a PNG of every view into <directory> once the job finished, then quit."),
                                   QStringLiteral("directory"));
    viewsOption.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOption(viewsOption);
    QCommandLineOption profileOption(QStringLiteral("profile"),
                                     QStringLiteral("Start with hardware profile <profile>: a shipped id (prime, tianji, ...) "
                                                    "or a YAML file."),
                                     QStringLiteral("profile"));
    parser.addOption(profileOption);
    parser.process(app);

    const QString screenshotFile = parser.value(screenshotOption);
    const QString viewsDirectory = parser.value(viewsOption);
    QTemporaryDir scratch;
    auto settings = screenshotFile.isEmpty() && viewsDirectory.isEmpty() ? std::make_unique<nnb::app::Settings>()
                                             : std::make_unique<nnb::app::Settings>(scratch.filePath(QStringLiteral("settings.ini")));

    nnb::app::MainWindow window(settings.get());
    if (!screenshotFile.isEmpty()) {
        window.setInteractive(false);
        scheduleScreenshot(window, QDir::current().absoluteFilePath(screenshotFile));
    } else if (!viewsDirectory.isEmpty()) {
        window.setInteractive(false);
        QDir().mkpath(viewsDirectory);
        window.resize(1600, 1000);
        scheduleViewScreenshots(window, QDir::current().absoluteFilePath(viewsDirectory));
    }
    if (parser.isSet(profileOption)) {
        const std::string spec = parser.value(profileOption).toStdString();
        auto profile = nnb::app::loadProfileSpec(spec);
        if (!profile) {
            qCritical("nnbridge-gui: %s", profile.error().toString().c_str());
            return 2;
        }
        // The picker lists profiles by file: name the file (as loadProfileSpec found it) so the
        // picker shows the choice.
        std::error_code ec;
        const QString source = std::filesystem::is_regular_file(spec, ec)
                                   ? QDir::current().absoluteFilePath(parser.value(profileOption))
                                   : QString::fromStdString((nnb::app::profileDir() / (spec + ".yaml")).string());
        window.setProfile(*profile, source);
    }
    window.show();

    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        window.startDefaultJob();
    else
        window.openModel(QDir::current().absoluteFilePath(arguments.first()));
    return app.exec();
}
