// SPDX-License-Identifier: GPL-3.0-or-later
#include "compile_controller.h"

#include <algorithm>

#include <QThread>

#include "background_run.h"
#include "compile_job.h"

namespace nnb::app {

CompileController::CompileController(QObject* parent)
    : QObject(parent)
{
    m_pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
    m_pool.setObjectName(QStringLiteral("nnb-compile-pool"));
    m_sync.setCancelOnWait(true);
}

CompileController::~CompileController()
{
    ++m_generation; // nothing is delivered from here on
    m_sync.waitForFinished();
}

void CompileController::compile(const CompileRequest& request)
{
    m_current.cancel(); // superseded: ask it to stop; its result will be dropped
    const quint64 generation = ++m_generation;

    CompileRequest job = request;
    if (m_data) {
        if (!job.data.test)
            job.data.test = m_data->test;
        if (!job.data.calibration) {
            job.data.calibration = m_data->calibration;
            job.data.calibrationNote = m_data->calibrationNote;
        }
    }

    QFuture<Outcome> future = runInBackground<Outcome>(
        m_pool, [job = std::move(job)](const RunContext& ctx) { return runCompileJob(job, ctx); });

    watchFuture(
        this, future,
        [this, generation](int permille, const QString& stage) {
            if (generation == m_generation)
                emit progressChanged(permille, stage);
        },
        [this, generation](const QFuture<Outcome>& done) { onFinished(generation, done); });
    m_current = QFuture<void>(future);
    trackFuture(m_sync, m_current);
    setBusy(true);
    emit compileStarted();
}

void CompileController::cancel()
{
    if (!m_busy)
        return;
    m_current.cancel();
    emit cancelRequested();
}

void CompileController::onFinished(quint64 generation, const QFuture<Outcome>& future)
{
    if (generation != m_generation) {
        ++m_droppedResults; // superseded by a newer request: never reaches the GUI
        return;
    }
    m_current = QFuture<void>();
    std::optional<Outcome> outcome = finishedOutcome(future);
    setBusy(false);
    if (!outcome) {
        emit compileCancelled();
        return;
    }
    if (!*outcome) {
        emit compileFailed(outcome->error());
        return;
    }
    m_last = std::move(**outcome);
    if (!m_data && m_last->data.test)
        m_data = std::make_shared<CompileData>(m_last->data);
    emit resultAvailable(m_last);
}

void CompileController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit busyChanged(busy);
}

} // namespace nnb::app
