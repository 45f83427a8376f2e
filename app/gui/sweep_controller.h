// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QFuture>
#include <QFutureSynchronizer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include "nnb/support/expected.h"

// Core types stay forward-declared (complete in sweep_job.h) so moc never parses the core's
// X-macro headers.
namespace nnb::sweep {
struct PointResult;
} // namespace nnb::sweep

namespace nnb::app {

struct CompileData;
struct SweepPlan;
struct SweepRecord;
struct SweepRequest;

/// Runs parameter sweeps (sweep_job.h) off the GUI thread, on a dedicated QThreadPool with
/// run-with-promise for progress and cancel. Points stream to the GUI thread as they finish
/// (pointAvailable), so curves grow while the sweep runs. A new sweep supersedes a running one;
/// points and results of a superseded sweep are dropped (generation counter). The destructor
/// cancels and waits, the only wait on the GUI thread.
class SweepController : public QObject {
    Q_OBJECT
public:
    explicit SweepController(QObject* parent = nullptr);
    ~SweepController() override;

    /// Plans \p request (on this thread: pure and fast) and starts it. An invalid setup (a bad
    /// range, an unknown key, no model) emits sweepFailed at once and returns false. Otherwise
    /// sweepStarted is emitted before returning, then points, then sweepFinished,
    /// sweepFailed or sweepCancelled.
    bool run(const SweepRequest& request);
    /// Asks the running sweep to stop; it ends with sweepCancelled once the workers noticed.
    void cancel();

    bool isBusy() const { return m_busy; }
    /// The plan of the running or last started sweep, or nullptr.
    const std::shared_ptr<const SweepPlan>& plan() const { return m_plan; }
    /// The last finished sweep, or nullptr.
    const std::shared_ptr<const SweepRecord>& lastResult() const { return m_last; }
    /// Points at once of the next sweep (0: hardware concurrency).
    void setThreads(int threads) { m_threads = threads; }

signals:
    void sweepStarted(std::shared_ptr<const nnb::app::SweepPlan> plan);
    /// One point finished (in completion order).
    void pointAvailable(std::shared_ptr<const nnb::sweep::PointResult> point);
    void progressChanged(int permille, const QString& stage);
    void sweepFinished(std::shared_ptr<const nnb::app::SweepRecord> record);
    void sweepFailed(const nnb::Error& error);
    void sweepCancelled();
    void busyChanged(bool busy);

private:
    using Outcome = Expected<std::shared_ptr<const SweepRecord>>;
    void onFinished(quint64 generation, const QFuture<Outcome>& future);
    void setBusy(bool busy);

    std::shared_ptr<const SweepPlan> m_plan;
    std::shared_ptr<const SweepRecord> m_last;
    std::shared_ptr<CompileData> m_data; ///< images loaded by an earlier sweep
    bool m_busy = false;
    int m_threads = 0;
    quint64 m_generation = 0;

    // m_sync is destroyed before m_pool: every job is cancelled and finished first.
    QThreadPool m_pool;
    QFuture<void> m_current;
    QFutureSynchronizer<void> m_sync;
};

} // namespace nnb::app
