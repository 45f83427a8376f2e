// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QFuture>
#include <QFutureSynchronizer>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include "nnb/support/expected.h"

// Core types stay forward-declared (complete in compile_job.h) so moc never parses the core's
// X-macro headers (Qt 6.4's moc cannot).
namespace nnb::app {

struct CompileRequest;
struct CompileSnapshot;
struct CompileData;

/// Runs the compile job (compile, map, quantise and simulate; compile_job.h) off the GUI thread
/// (style §2.7).
///
/// It owns a dedicated QThreadPool and launches the job with run-with-promise, so progress and
/// cancel reach the core's RunContext. Every request increments a generation counter; a job
/// whose generation is no longer the latest is cancelled and its result dropped even if it
/// finishes, so only the newest request ever paints. Results are immutable snapshots delivered
/// on the GUI thread. The destructor cancels and waits, the only wait on the GUI thread.
class CompileController : public QObject {
    Q_OBJECT
public:
    explicit CompileController(QObject* parent = nullptr);
    ~CompileController() override;

    /// Starts \p request, superseding any running compile. The controller's cached images are
    /// filled in when the request has none. Ends with resultAvailable(), compileFailed() or
    /// compileCancelled().
    void compile(const CompileRequest& request);
    /// Asks the running compile to stop; it ends with compileCancelled() once the worker noticed.
    void cancel();

    bool isBusy() const { return m_busy; }
    /// \returns the last delivered result, or nullptr.
    const std::shared_ptr<const CompileSnapshot>& lastResult() const { return m_last; }
    /// \returns how many finished jobs were dropped because a newer request superseded them.
    int droppedResults() const { return m_droppedResults; }
    /// \returns how many requests were made.
    quint64 generation() const { return m_generation; }

signals:
    void compileStarted();
    /// Progress of the running compile: \p permille of 1000 and the stage it is in.
    void progressChanged(int permille, const QString& stage);
    /// A compile finished; \p result is now lastResult().
    void resultAvailable(std::shared_ptr<const nnb::app::CompileSnapshot> result);
    /// The compile failed with \p error (an invalid model or profile, an internal error).
    void compileFailed(const nnb::Error& error);
    /// The running compile stopped because it was cancelled; it delivered nothing.
    void compileCancelled();
    /// cancel() was called while a compile ran.
    void cancelRequested();
    void busyChanged(bool busy);

private:
    using Outcome = Expected<std::shared_ptr<const CompileSnapshot>>;
    void onFinished(quint64 generation, const QFuture<Outcome>& future);
    void setBusy(bool busy);

    std::shared_ptr<const CompileSnapshot> m_last;
    std::shared_ptr<CompileData> m_data; ///< images loaded by an earlier job
    bool m_busy = false;
    quint64 m_generation = 0;
    int m_droppedResults = 0;

    // m_sync is destroyed before m_pool: every job is cancelled and finished first.
    QThreadPool m_pool;
    QFuture<void> m_current;
    QFutureSynchronizer<void> m_sync;
};

} // namespace nnb::app
