// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the nnbridge executable (NNB_CLI_PATH, defined per test target) as a user would.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace nnb::test {

struct CliRun {
    int exitCode = -1; ///< -1 when the process timed out or crashed
    QProcess::ExitStatus status = QProcess::CrashExit;
    QString out;
    QString err;
};

inline CliRun runCli(const QStringList& args, int timeoutMs = 240000)
{
    QProcess p;
    p.start(QStringLiteral(NNB_CLI_PATH), args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs))
        return r;
    r.status = p.exitStatus();
    r.exitCode = r.status == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

} // namespace nnb::test
