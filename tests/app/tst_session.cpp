// SPDX-License-Identifier: GPL-3.0-or-later
// Session files: they round-trip, bad files are errors naming the file, and a save that is
// killed mid-way (a child process SIGKILLed after writing everything but before the commit)
// leaves the previous file intact (QSaveFile semantics).
#include <cstdio>

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include "nnb/hw/profile_io.h"
#include "session.h"
#include "test_paths.h"

using nnb::app::Session;

namespace {

/// The environment variable that turns this executable into the child that saves and hangs.
constexpr char kChildVariable[] = "NNB_TST_SESSION_CHILD";

Session sampleSession(int rows)
{
    Session s;
    s.modelPath = QString::fromStdString((nnb::test::resourceDir() / "models" / "lenet.onnx").string());
    s.modelSha256 = nnb::app::fileSha256(s.modelPath);
    s.profileSource = QStringLiteral("prime");
    auto profile = nnb::hw::loadProfile(nnb::test::profileDir() / "prime.yaml");
    if (profile)
        s.profile = *profile;
    s.profile.crossbar.rows = rows;
    s.strategy.quantization.weightBits = 4;
    s.strategy.seed = 7;
    return s;
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// The child: writes a session with 64-row crossbars and hangs before QSaveFile::commit().
int runChild(const QString& path)
{
    auto saved = nnb::app::saveSession(path, sampleSession(64), [] {
        std::fputs("about to commit\n", stdout);
        std::fflush(stdout);
        QThread::sleep(60); // the parent kills us here
    });
    return saved ? 0 : 1;
}

} // namespace

class TestSession : public QObject {
    Q_OBJECT
private slots:
    void roundTrips();
    void modelHashIsRecorded();
    void notASessionIsAnError();
    void killedSaveLeavesPreviousFile();
};

void TestSession::roundTrips()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("a.nnbproj");
    const Session s = sampleSession(128);
    QVERIFY(nnb::app::saveSession(path, s));
    auto loaded = nnb::app::loadSession(path);
    QVERIFY2(loaded, loaded ? "" : loaded.error().toString().c_str());
    QCOMPARE(loaded->modelPath, s.modelPath);
    QCOMPARE(loaded->modelSha256, s.modelSha256);
    QCOMPARE(loaded->profile.crossbar.rows, 128);
    QCOMPARE(nnb::hw::profileToYaml(loaded->profile), nnb::hw::profileToYaml(s.profile));
    QCOMPARE(loaded->strategy.quantization.weightBits, 4);
    QCOMPARE(loaded->strategy.seed, uint64_t{7});
}

void TestSession::modelHashIsRecorded()
{
    const Session s = sampleSession(256);
    QCOMPARE(s.modelSha256.size(), 64);
    QVERIFY(nnb::app::fileSha256(QStringLiteral("/nonexistent/model.onnx")).isEmpty());
}

void TestSession::notASessionIsAnError()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("bad.nnbproj");
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"something\": 1}");
    f.close();
    auto loaded = nnb::app::loadSession(path);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.find("bad.nnbproj") != std::string::npos, loaded.error().message.c_str());
}

void TestSession::killedSaveLeavesPreviousFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath("project.nnbproj");
    QVERIFY(nnb::app::saveSession(path, sampleSession(256)));
    const QByteArray before = readAll(path);
    QVERIFY(!before.isEmpty());

    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QString::fromLatin1(kChildVariable), path);
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(), {});
    QVERIFY(child.waitForStarted(30'000));
    // Wait until the child has written the whole new session and sits before the commit.
    QByteArray out;
    while (!out.contains("about to commit") && child.state() == QProcess::Running && child.waitForReadyRead(60'000))
        out += child.readAllStandardOutput();
    QVERIFY2(out.contains("about to commit"), out.constData());
    child.kill(); // SIGKILL: no destructor, no commit
    QVERIFY(child.waitForFinished(30'000));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);

    QCOMPARE(readAll(path), before);
    auto loaded = nnb::app::loadSession(path);
    QVERIFY(loaded);
    QCOMPARE(loaded->profile.crossbar.rows, 256);
}

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    if (const QString path = qEnvironmentVariable(kChildVariable); !path.isEmpty())
        return runChild(path);
    TestSession test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_session.moc"
