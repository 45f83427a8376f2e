// SPDX-License-Identifier: GPL-3.0-or-later
// nnbridge-gui: the desktop application. Usage: nnbridge-gui [model.onnx]
#include <memory>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QPixmap>
#include <QTemporaryDir>
#include <QTimer>

#include "main_window.h"
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
    parser.process(app);

    const QString screenshotFile = parser.value(screenshotOption);
    QTemporaryDir scratch;
    auto settings = screenshotFile.isEmpty() ? std::make_unique<nnb::app::Settings>()
                                             : std::make_unique<nnb::app::Settings>(scratch.filePath(QStringLiteral("settings.ini")));

    nnb::app::MainWindow window(settings.get());
    if (!screenshotFile.isEmpty()) {
        window.setInteractive(false);
        scheduleScreenshot(window, QDir::current().absoluteFilePath(screenshotFile));
    }
    window.show();

    const QStringList arguments = parser.positionalArguments();
    if (arguments.isEmpty())
        window.startDefaultJob();
    else
        window.openModel(QDir::current().absoluteFilePath(arguments.first()));
    return app.exec();
}
