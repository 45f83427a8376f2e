// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one bridge between the core's RunContext and QtConcurrent's run-with-promise, shared by
// the app's background controllers.

#include <exception>
#include <optional>
#include <string>
#include <utility>

#include <QFuture>
#include <QFutureSynchronizer>
#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QString>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::app {

/// Runs \p work (callable as Outcome(const RunContext&)) on \p pool. The RunContext reports
/// progress (0..1000 and the stage's name) to the promise and polls its cancellation; both run
/// on the worker, QPromise is thread-safe and a QFutureWatcher receives the signals queued on
/// the GUI thread. Outcome is an Expected<...>: an exception (bad_alloc; the core itself does
/// not throw) becomes an Internal error instead of escaping into QtConcurrent, which would
/// rethrow it on the GUI thread.
template <class Outcome, class Work>
QFuture<Outcome> runInBackground(QThreadPool& pool, Work work)
{
    return QtConcurrent::run(&pool, [work = std::move(work)](QPromise<Outcome>& promise) {
        promise.setProgressRange(0, 1000);
        const RunContext ctx{[&promise](const Progress& p) {
                                 promise.setProgressValueAndText(p.permille, QString::fromStdString(p.stage));
                             },
                             [&promise] { return promise.isCanceled(); }};
        try {
            promise.addResult(work(ctx));
        } catch (const std::exception& e) {
            promise.addResult(Outcome(makeError(Errc::Internal, std::string("unexpected exception: ") + e.what())));
        }
    });
}

/// Watches \p future from \p owner's thread: \p onProgress(permille, text) on every progress
/// change, \p onFinished(future) once when it ends. The watcher is owned by \p owner and deletes
/// itself after the end.
template <class Outcome, class OnProgress, class OnFinished>
void watchFuture(QObject* owner, const QFuture<Outcome>& future, OnProgress onProgress, OnFinished onFinished)
{
    auto* watcher = new QFutureWatcher<Outcome>(owner);
    auto forward = [watcher, onProgress] { onProgress(watcher->progressValue(), watcher->progressText()); };
    QObject::connect(watcher, &QFutureWatcherBase::progressValueChanged, owner, forward);
    QObject::connect(watcher, &QFutureWatcherBase::progressTextChanged, owner, forward);
    QObject::connect(watcher, &QFutureWatcherBase::finished, owner, [watcher, onFinished] {
        watcher->deleteLater();
        onFinished(watcher->future());
    });
    watcher->setFuture(future);
}

/// The outcome of a finished job, or nullopt when it was cancelled: a job cancelled before it
/// started has no result at all, one that noticed the cancel returns Errc::Cancelled; either way
/// the cancel wins and nothing is delivered.
template <class Outcome>
std::optional<Outcome> finishedOutcome(const QFuture<Outcome>& future)
{
    if (future.isCanceled() || future.resultCount() == 0)
        return std::nullopt;
    Outcome outcome = future.result(); // the future has finished: this does not block
    if (!outcome && outcome.error().code == Errc::Cancelled)
        return std::nullopt;
    return outcome;
}

/// Adds \p future to \p sync after dropping the finished futures it holds (QFutureSynchronizer
/// keeps every future it was given, so a long session would accumulate them).
inline void trackFuture(QFutureSynchronizer<void>& sync, const QFuture<void>& future)
{
    const QList<QFuture<void>> futures = sync.futures();
    sync.clearFutures();
    for (const QFuture<void>& f : futures)
        if (!f.isFinished())
            sync.addFuture(f);
    sync.addFuture(future);
}

} // namespace nnb::app
