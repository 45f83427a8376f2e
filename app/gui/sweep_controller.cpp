// SPDX-License-Identifier: GPL-3.0-or-later
#include "sweep_controller.h"

#include <QPointer>

#include "background_run.h"
#include "sweep_job.h"

namespace nnb::app {

SweepController::SweepController(QObject* parent)
    : QObject(parent)
{
    // One job at a time; the job itself runs the sweep's points on its own threads.
    m_pool.setMaxThreadCount(1);
    m_pool.setObjectName(QStringLiteral("nnb-sweep-pool"));
    m_sync.setCancelOnWait(true);
}

SweepController::~SweepController()
{
    ++m_generation; // nothing is delivered from here on
    m_sync.waitForFinished();
}

bool SweepController::run(const SweepRequest& request)
{
    auto plan = planSweep(request);
    if (!plan) {
        emit sweepFailed(plan.error());
        return false;
    }
    m_current.cancel(); // superseded
    const quint64 generation = ++m_generation;
    m_plan = *plan;

    SweepRequest job = request;
    job.threads = request.threads > 0 ? request.threads : m_threads;
    if (m_data && !job.data.test)
        job.data = *m_data;

    // Points cross to the GUI thread as queued calls; a superseded sweep's are dropped there.
    QPointer<SweepController> self(this);
    const SweepPointSink sink = [self, generation](std::shared_ptr<const sweep::PointResult> point) {
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, generation, point = std::move(point)] {
                if (self && generation == self->m_generation)
                    emit self->pointAvailable(point);
            },
            Qt::QueuedConnection);
    };
    QFuture<Outcome> future = runInBackground<Outcome>(
        m_pool, [plan = m_plan, job = std::move(job), sink](const RunContext& ctx) { return runSweepJob(plan, job, sink, ctx); });

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
    emit sweepStarted(m_plan);
    return true;
}

void SweepController::cancel()
{
    if (m_busy)
        m_current.cancel();
}

void SweepController::onFinished(quint64 generation, const QFuture<Outcome>& future)
{
    if (generation != m_generation)
        return; // superseded by a newer sweep
    m_current = QFuture<void>();
    std::optional<Outcome> outcome = finishedOutcome(future);
    setBusy(false);
    if (!outcome) {
        emit sweepCancelled();
        return;
    }
    if (!*outcome) {
        emit sweepFailed(outcome->error());
        return;
    }
    m_last = std::move(**outcome);
    if (!m_data && m_last->data.test)
        m_data = std::make_shared<CompileData>(m_last->data);
    emit sweepFinished(m_last);
}

void SweepController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit busyChanged(busy);
}

} // namespace nnb::app
