// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QStringList>
#include <QWidget>

class QCustomPlot;
class QLabel;

namespace nnb::data {
struct Dataset;
} // namespace nnb::data
namespace nnb::eval {
struct ClassificationResult;
} // namespace nnb::eval

namespace nnb::widgets {

/// The "Accuracy" panel: the float top-1 accuracy of the current model on a labelled data set
/// ("Float accuracy on the data sample: 912 / 1000 = 91.2 %, 4,210 images/s") and a per-class
/// accuracy chart. Between results it shows a neutral state line (not evaluated, evaluating,
/// cancelled, failed) and no numbers, so a stale or partial result is never on screen.
class AccuracyPanel : public QWidget {
    Q_OBJECT
public:
    explicit AccuracyPanel(QWidget* parent = nullptr);
    ~AccuracyPanel() override;

    /// Shows \p result of a run over \p data (whose labels give the per-class split).
    /// \p dataDescription completes "Float accuracy on ..." ("the data sample"); \p classNames,
    /// if given, label the chart's classes by index. Both pointers must be non-null.
    void setResult(std::shared_ptr<const eval::ClassificationResult> result, std::shared_ptr<const data::Dataset> data,
                   const QString& dataDescription, const QStringList& classNames = {});
    /// Drops any result and shows that an evaluation is running (\p text, e.g. "Evaluating…").
    void setPending(const QString& text);
    /// Drops any result and shows that the last evaluation was cancelled.
    void setCancelled();
    /// Drops any result and shows that the last evaluation failed with \p message.
    void setFailed(const QString& message);
    /// Drops any result and shows the initial "not evaluated" state.
    void clear();

    /// \returns whether a result is displayed.
    bool hasResult() const { return m_result != nullptr; }
    /// \returns the displayed result, or nullptr.
    const std::shared_ptr<const eval::ClassificationResult>& result() const { return m_result; }
    /// \returns the summary sentence of the result, or the state line when there is none.
    QString summaryText() const;

private:
    void showState(const QString& text);
    void updateChart(const QStringList& classNames);

    std::shared_ptr<const eval::ClassificationResult> m_result;
    std::shared_ptr<const data::Dataset> m_data;
    QLabel* m_caption = nullptr;
    QLabel* m_headline = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_state = nullptr;
    QWidget* m_resultArea = nullptr;
    QCustomPlot* m_chart = nullptr;
};

} // namespace nnb::widgets
