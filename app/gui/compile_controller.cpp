// SPDX-License-Identifier: GPL-3.0-or-later
#include "compile_controller.h"

#include <algorithm>

#include <QFutureWatcher>
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

    auto* watcher = new QFutureWatcher<Outcome>(this);
    auto forwardProgress = [this, watcher, generation] {
        if (generation == m_generation)
            emit progressChanged(watcher->progressValue(), watcher->progressText());
    };
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, forwardProgress);
    connect(watcher, &QFutureWatcherBase::progressTextChanged, this, forwardProgress);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        onFinished(generation, watcher->future());
    });
    watcher->setFuture(future);

    // Keep only unfinished futures in the synchroniser, then add this one.
    const QList<QFuture<void>> futures = m_sync.futures();
    m_sync.clearFutures();
    for (const QFuture<void>& f : futures)
        if (!f.isFinished())
            m_sync.addFuture(f);
    m_current = QFuture<void>(future);
    m_sync.addFuture(m_current);
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
    if (future.isCanceled() || future.resultCount() == 0) {
        setBusy(false);
        emit compileCancelled();
        return;
    }
    Outcome outcome = future.result(); // finished: does not block
    setBusy(false);
    if (!outcome) {
        if (outcome.error().code == Errc::Cancelled)
            emit compileCancelled();
        else
            emit compileFailed(outcome.error());
        return;
    }
    m_last = std::move(*outcome);
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
