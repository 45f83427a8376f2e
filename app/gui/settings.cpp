// SPDX-License-Identifier: GPL-3.0-or-later
#include "settings.h"

#include <QSettings>

namespace nnb::app {
namespace {
const QString kRecentFiles = QStringLiteral("files/recent");
const QString kLastOpenDirectory = QStringLiteral("files/lastOpenDirectory");
const QString kGeometry = QStringLiteral("mainWindow/geometry");
const QString kState = QStringLiteral("mainWindow/state");
} // namespace

Settings::Settings(QObject* parent)
    : QObject(parent)
    , m_store(std::make_unique<QSettings>(QSettings::UserScope, QStringLiteral("nnbridge"), QStringLiteral("nnbridge")))
{
}

Settings::Settings(const QString& iniPath, QObject* parent)
    : QObject(parent)
    , m_store(std::make_unique<QSettings>(iniPath, QSettings::IniFormat))
{
}

Settings::~Settings() = default;

QStringList Settings::recentFiles() const
{
    return m_store->value(kRecentFiles).toStringList();
}

void Settings::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    writeRecentFiles(files);
}

void Settings::removeRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    if (files.removeAll(path) > 0)
        writeRecentFiles(files);
}

void Settings::clearRecentFiles()
{
    writeRecentFiles({});
}

void Settings::writeRecentFiles(const QStringList& files)
{
    if (files == recentFiles())
        return;
    m_store->setValue(kRecentFiles, files);
    emit recentFilesChanged(files);
}

QString Settings::lastOpenDirectory() const
{
    return m_store->value(kLastOpenDirectory).toString();
}

void Settings::setLastOpenDirectory(const QString& directory)
{
    m_store->setValue(kLastOpenDirectory, directory);
}

QByteArray Settings::windowGeometry() const
{
    return m_store->value(kGeometry).toByteArray();
}

void Settings::setWindowGeometry(const QByteArray& geometry)
{
    m_store->setValue(kGeometry, geometry);
}

QByteArray Settings::windowState() const
{
    return m_store->value(kState).toByteArray();
}

void Settings::setWindowState(const QByteArray& state)
{
    m_store->setValue(kState, state);
}

} // namespace nnb::app
