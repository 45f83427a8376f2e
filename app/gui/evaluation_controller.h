// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <filesystem>
#include <memory>

#include <QFuture>
#include <QFutureSynchronizer>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include "nnb/support/expected.h"

// Core types are only forward-declared here (complete in float_evaluation.h): moc then never
// parses the core's X-macro headers (moc in Qt 6.4 cannot parse an enum built from two
// #includes).
namespace nnb::data {
struct Dataset;
} // namespace nnb::data
namespace nnb::onnx {
struct ImportedModel;
} // namespace nnb::onnx

namespace nnb::app {

struct FloatEvaluation;

/// A labelled data set to evaluate on: where it is and how the GUI names it.
struct DataSetSpec {
    std::filesystem::path directory; ///< holds the t10k-*-ubyte[.gz] IDX files
    QString description;             ///< completes "float accuracy on ...", e.g. "the data sample"
    QStringList classNames;          ///< class labels by index for charts; may be empty
};

/// Runs the model import and the float evaluation off the GUI thread (style §2.7).
///
/// The controller owns a dedicated QThreadPool and runs at most one job that the GUI cares
/// about. A new request supersedes the running one: the old future is cancelled and, thanks to
/// a generation counter, its result is dropped even if it finishes anyway, so only the latest
/// request ever reaches the GUI. Jobs receive immutable snapshots (paths, shared_ptr<const T>)
/// and never touch a QObject; results come back through QFutureWatcher on the GUI thread.
/// The destructor cancels every job and waits for it, the only wait on the GUI thread.
class EvaluationController : public QObject {
    Q_OBJECT
public:
    /// The kinds of background job.
    enum class Job { None, Import, Evaluation };
    Q_ENUM(Job)

    explicit EvaluationController(QObject* parent = nullptr);
    ~EvaluationController() override;

    /// Sets the data set evaluate() runs on (loaded lazily, once, by the first evaluation).
    void setDataSet(DataSetSpec spec);
    const DataSetSpec& dataSet() const { return m_dataSet; }

    /// Starts importing the ONNX file \p path. Supersedes any running job. Ends with
    /// modelLoaded() or importFailed(); the current model is kept until an import succeeds.
    void openModel(const QString& path);
    /// Starts the float evaluation of the current model on the data set. Supersedes any running
    /// job. Ends with evaluationFinished() or evaluationFailed().
    /// \returns false (and does nothing) when no model is loaded.
    bool evaluate();
    /// Asks the running job to stop. It ends with jobCancelled() once the worker has noticed,
    /// which is at the next batch boundary at the latest.
    void cancel();

    /// \returns the job running now, or Job::None.
    Job runningJob() const { return m_job; }
    /// \returns whether a job is running.
    bool isBusy() const { return m_job != Job::None; }
    /// \returns the model last imported successfully, or nullptr.
    const std::shared_ptr<const onnx::ImportedModel>& model() const { return m_model; }
    /// \returns the last successful evaluation of the current model, or nullptr.
    const std::shared_ptr<const FloatEvaluation>& lastEvaluation() const { return m_lastEvaluation; }
    /// \returns how many finished jobs were dropped because a newer request superseded them.
    int droppedResults() const { return m_droppedResults; }
    /// \returns the maximum number of worker threads of the controller's pool.
    int maxThreadCount() const { return m_pool.maxThreadCount(); }

signals:
    /// A job of kind \p job started; \p description names it for a status bar.
    void jobStarted(nnb::app::EvaluationController::Job job, const QString& description);
    /// Progress of the running job: \p permille of 1000 and the current \p stage.
    void progressChanged(int permille, const QString& stage);
    /// The import of a model succeeded; it is now model().
    void modelLoaded(std::shared_ptr<const nnb::onnx::ImportedModel> model);
    /// The import of \p path failed with \p error; model() is unchanged.
    void importFailed(const QString& path, const nnb::Error& error);
    /// The float evaluation finished.
    void evaluationFinished(std::shared_ptr<const nnb::app::FloatEvaluation> evaluation);
    /// The float evaluation failed (for example, the model is not an image classifier).
    void evaluationFailed(const nnb::Error& error);
    /// cancel() was called while a job ran.
    void cancelRequested();
    /// The job \p job stopped because it was cancelled; it delivered nothing.
    void jobCancelled(nnb::app::EvaluationController::Job job);
    /// Whether any job runs changed. Not emitted between a job and a follow-up job that a
    /// result handler started (an import followed by its evaluation reads as one busy period).
    void busyChanged(bool busy);

private:
    using ImportOutcome = Expected<std::shared_ptr<const onnx::ImportedModel>>;
    using EvaluationOutcome = Expected<std::shared_ptr<const FloatEvaluation>>;

    template <class Outcome, class Work>
    void launch(Job job, const QString& description, Work work,
                void (EvaluationController::*deliver)(Outcome&& outcome));
    void deliverImport(ImportOutcome&& outcome);
    void deliverEvaluation(EvaluationOutcome&& outcome);
    void setBusy(bool busy);

    DataSetSpec m_dataSet;
    std::shared_ptr<const data::Dataset> m_data; ///< cache of m_dataSet's images, once loaded
    std::shared_ptr<const onnx::ImportedModel> m_model;
    std::shared_ptr<const FloatEvaluation> m_lastEvaluation;
    QString m_importPath; ///< the path of the running import, for importFailed()
    int m_dataSetVersion = 0;        ///< incremented when the data set changes
    int m_evaluationDataVersion = 0; ///< m_dataSetVersion when the running evaluation started
    Job m_job = Job::None;
    bool m_busy = false;
    quint64 m_generation = 0; ///< incremented by every request; only the latest may deliver
    int m_droppedResults = 0;
    int m_executorThreads = 1;

    // Declaration order matters: m_sync is destroyed before m_pool, so every job has been
    // cancelled and has finished before the pool goes away.
    QThreadPool m_pool;
    QFuture<void> m_current;
    QFutureSynchronizer<void> m_sync;
};

} // namespace nnb::app
