// SPDX-License-Identifier: GPL-3.0-or-later
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "settings.h"

using nnb::app::Settings;

class TestSettings : public QObject {
    Q_OBJECT
private slots:
    void recentFilesAreNewestFirstAndUnique();
    void recentFilesAreCapped();
    void valuesPersist();

private:
    QTemporaryDir m_dir;
};

void TestSettings::recentFilesAreNewestFirstAndUnique()
{
    Settings settings(m_dir.filePath("a.ini"));
    QSignalSpy changed(&settings, &Settings::recentFilesChanged);
    settings.addRecentFile("/m/a.onnx");
    settings.addRecentFile("/m/b.onnx");
    settings.addRecentFile("/m/a.onnx");
    QCOMPARE(settings.recentFiles(), QStringList({"/m/a.onnx", "/m/b.onnx"}));
    QCOMPARE(changed.count(), 3);
    settings.addRecentFile("/m/a.onnx"); // already first: no change, no signal
    QCOMPARE(changed.count(), 3);
    settings.removeRecentFile("/m/b.onnx");
    QCOMPARE(settings.recentFiles(), QStringList({"/m/a.onnx"}));
    settings.clearRecentFiles();
    QVERIFY(settings.recentFiles().isEmpty());
}

void TestSettings::recentFilesAreCapped()
{
    Settings settings(m_dir.filePath("b.ini"));
    for (int k = 0; k < Settings::kMaxRecentFiles + 3; ++k)
        settings.addRecentFile(QString("/m/%1.onnx").arg(k));
    QCOMPARE(settings.recentFiles().size(), Settings::kMaxRecentFiles);
    QCOMPARE(settings.recentFiles().first(), QString("/m/%1.onnx").arg(Settings::kMaxRecentFiles + 2));
}

void TestSettings::valuesPersist()
{
    const QString file = m_dir.filePath("c.ini");
    {
        Settings settings(file);
        settings.addRecentFile("/m/a.onnx");
        settings.setLastOpenDirectory("/m");
        settings.setWindowGeometry("geometry");
    }
    Settings reread(file);
    QCOMPARE(reread.recentFiles(), QStringList({"/m/a.onnx"}));
    QCOMPARE(reread.lastOpenDirectory(), QString("/m"));
    QCOMPARE(reread.windowGeometry(), QByteArray("geometry"));
}

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
