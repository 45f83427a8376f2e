// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QByteArray>
#include <QObject>
#include <QStringList>

class QSettings;

namespace nnb::app {

/// Typed access to the GUI's persistent settings (recent files, window layout). Only the app
/// reads settings; the core never does. Keys are private to this class, so a rename touches one
/// file.
class Settings : public QObject {
    Q_OBJECT
public:
    /// How many recent files are remembered.
    static constexpr int kMaxRecentFiles = 8;

    /// Uses the platform's settings store for the application's organisation and name.
    explicit Settings(QObject* parent = nullptr);
    /// Uses the INI file \p iniPath (tests use a temporary file so they never touch the user's).
    explicit Settings(const QString& iniPath, QObject* parent = nullptr);
    ~Settings() override;

    /// \returns the recently opened model files, newest first.
    QStringList recentFiles() const;
    /// Puts \p path at the front of the recent files (removing older duplicates, capped at
    /// kMaxRecentFiles) and emits recentFilesChanged.
    void addRecentFile(const QString& path);
    /// Removes \p path from the recent files (for example when it no longer exists).
    void removeRecentFile(const QString& path);
    /// Forgets every recent file.
    void clearRecentFiles();

    /// \returns the folder the Open dialog last showed, or an empty string.
    QString lastOpenDirectory() const;
    void setLastOpenDirectory(const QString& directory);

    /// Main window geometry and dock layout, as saved by QMainWindow.
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);

signals:
    /// The list of recent files changed to \p files.
    void recentFilesChanged(const QStringList& files);

private:
    void writeRecentFiles(const QStringList& files);

    std::unique_ptr<QSettings> m_store;
};

} // namespace nnb::app
