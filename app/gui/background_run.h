// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The one bridge between the core's RunContext and QtConcurrent's run-with-promise, shared by
// the app's background controllers.

#include <exception>
#include <string>
#include <utility>

#include <QFuture>
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

} // namespace nnb::app
