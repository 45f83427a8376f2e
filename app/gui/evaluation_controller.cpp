// SPDX-License-Identifier: GPL-3.0-or-later
#include "evaluation_controller.h"

#include <algorithm>

#include <QFile>
#include <QFileInfo>
#include <QThread>

#include "background_run.h"
#include "float_evaluation.h"
#include "nnb/exec/executor.h"
#include "nnb/support/run_context.h"

namespace nnb::app {
namespace {

std::filesystem::path toPath(const QString& path)
{
    return std::filesystem::path(QFile::encodeName(path).toStdString());
}

/// Evaluation batch size: small enough that progress moves and a cancel is honoured within a
/// fraction of a second, large enough to keep the executor's GEMMs efficient.
constexpr int64_t kEvaluationBatch = 128;

} // namespace

EvaluationController::EvaluationController(QObject* parent)
    : QObject(parent)
{
    // Leave one core to the GUI thread (and to other QtConcurrent users); the executor's own
    // batch-splitting threads get the same budget.
    const int workers = std::max(1, QThread::idealThreadCount() - 1);
    m_pool.setMaxThreadCount(workers);
    m_pool.setObjectName(QStringLiteral("nnb-evaluation-pool"));
    m_executorThreads = workers;
    m_sync.setCancelOnWait(true);
}

EvaluationController::~EvaluationController()
{
    // Nothing may be delivered from here on; cancel every job and wait until the workers have
    // returned (they hold only snapshots, so this cannot deadlock on the GUI thread).
    ++m_generation;
    m_sync.waitForFinished();
}

void EvaluationController::setDataSet(DataSetSpec spec)
{
    if (spec.directory != m_dataSet.directory) {
        m_data.reset();
        ++m_dataSetVersion;
    }
    m_dataSet = std::move(spec);
}

void EvaluationController::openModel(const QString& path)
{
    m_importPath = path;
    const std::filesystem::path file = toPath(path);
    launch<ImportOutcome>(Job::Import, tr("Importing %1").arg(QFileInfo(path).fileName()),
                          [file](const RunContext& ctx) -> ImportOutcome {
                              if (ctx.cancelled())
                                  return makeError(Errc::Cancelled, "import cancelled");
                              NNB_TRY(auto model, onnx::importModel(file));
                              return std::make_shared<const onnx::ImportedModel>(std::move(model));
                          },
                          &EvaluationController::deliverImport);
}

bool EvaluationController::evaluate()
{
    if (!m_model)
        return false;
    m_evaluationDataVersion = m_dataSetVersion;
    launch<EvaluationOutcome>(
        Job::Evaluation, tr("Evaluating on %1").arg(m_dataSet.description),
        [model = m_model, data = m_data, directory = m_dataSet.directory,
         threads = m_executorThreads](const RunContext& ctx) -> EvaluationOutcome {
            auto dataset = data;
            if (!dataset) {
                NNB_TRY(auto loaded, data::loadFashionMnistTest(directory));
                dataset = std::make_shared<const data::Dataset>(std::move(loaded));
            }
            if (ctx.cancelled())
                return makeError(Errc::Cancelled, "evaluation cancelled");
            // The executor shares ownership of the graph inside the model snapshot.
            const exec::Executor executor(std::shared_ptr<const ir::Graph>(model, &model->graph),
                                          exec::ExecutorOptions{threads});
            eval::ClassificationOptions options;
            options.batchSize = kEvaluationBatch;
            NNB_TRY(auto result, eval::evaluateClassifier(executor, *dataset, options, ctx));
            return std::make_shared<const FloatEvaluation>(FloatEvaluation{model, dataset, std::move(result), threads});
        },
        &EvaluationController::deliverEvaluation);
    return true;
}

void EvaluationController::cancel()
{
    if (m_job == Job::None)
        return;
    m_current.cancel();
    emit cancelRequested();
}

template <class Outcome, class Work>
void EvaluationController::launch(Job job, const QString& description, Work work,
                                  void (EvaluationController::*deliver)(Outcome&& outcome))
{
    // A new request supersedes the running job: ask it to stop; its result will be dropped.
    m_current.cancel();
    const quint64 generation = ++m_generation;
    m_job = job;

    QFuture<Outcome> future = runInBackground<Outcome>(m_pool, std::move(work));

    watchFuture(
        this, future,
        [this, generation](int permille, const QString& stage) {
            if (generation == m_generation)
                emit progressChanged(permille, stage);
        },
        [this, generation, job, deliver](const QFuture<Outcome>& done) {
            if (generation != m_generation) {
                ++m_droppedResults; // superseded by a newer request: never reaches the GUI
                return;
            }
            m_job = Job::None;
            m_current = QFuture<void>();
            if (std::optional<Outcome> outcome = finishedOutcome(done))
                (this->*deliver)(std::move(*outcome));
            else
                emit jobCancelled(job);
            // A result handler may have started a follow-up job (import -> evaluation).
            if (m_job == Job::None)
                setBusy(false);
        });
    m_current = QFuture<void>(future);
    trackFuture(m_sync, m_current);
    setBusy(true);
    emit jobStarted(job, description);
}

void EvaluationController::deliverImport(ImportOutcome&& outcome)
{
    if (!outcome) {
        emit importFailed(m_importPath, outcome.error());
        return;
    }
    m_model = std::move(*outcome);
    m_lastEvaluation.reset(); // it belonged to the previous model
    emit modelLoaded(m_model);
}

void EvaluationController::deliverEvaluation(EvaluationOutcome&& outcome)
{
    if (!outcome) {
        emit evaluationFailed(outcome.error());
        return;
    }
    m_lastEvaluation = std::move(*outcome);
    // Keep the loaded images for the next evaluation, unless the data set changed meanwhile.
    if (m_evaluationDataVersion == m_dataSetVersion)
        m_data = m_lastEvaluation->data;
    emit evaluationFinished(m_lastEvaluation);
}

void EvaluationController::setBusy(bool busy)
{
    if (busy == m_busy)
        return;
    m_busy = busy;
    emit busyChanged(busy);
}

} // namespace nnb::app
