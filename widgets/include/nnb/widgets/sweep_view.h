// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>
#include <vector>

#include <QPointF>
#include <QTimer>
#include <QWidget>

#include "nnb/widgets/sweep_setup.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

// Forward declaration only: moc must not parse the core's X-macro headers.
namespace nnb::sweep {
struct PointResult;
} // namespace nnb::sweep

namespace nnb::widgets {

/// The tradeoff-curve panel. On the left a form: one or two parameters (a list of common
/// profile and strategy keys, or any dotted key) with their ranges, test images per point and
/// the metrics of the two axes; Run and Cancel. On the right the chart: one curve per value of
/// the second parameter (error or accuracy drop against crossbars, cores, energy or latency),
/// the Pareto front of the two drawn metrics highlighted, and below it a table of every point
/// (infeasible ones with their reason).
///
/// The view displays immutable point results as they stream in and emits user intent: run,
/// cancel, export, and pointActivated when a point is clicked in the chart or double-clicked in
/// the table. It never runs a sweep itself.
class SweepView : public QWidget {
    Q_OBJECT
public:
    explicit SweepView(QWidget* parent = nullptr);
    ~SweepView() override;

    /// The form's contents. Values are not validated here (the engine refuses bad ranges with a
    /// message naming them).
    SweepSetup setup() const;
    void setSetup(const SweepSetup& setup);

    /// Clears the chart and table for a new run of \p expectedPoints points whose parameters
    /// are called \p parameterNames, and switches to the running state.
    void beginRun(int expectedPoints, const QStringList& parameterNames);
    /// Adds one finished point (any order; the table stays in grid order).
    void addPoint(std::shared_ptr<const sweep::PointResult> point);
    /// Shows a complete set of points at once (a finished sweep restored from a session).
    void setPoints(const std::vector<std::shared_ptr<const sweep::PointResult>>& points, const QStringList& parameterNames,
                   int expectedPoints);
    /// Leaves the running state; \p summary goes under the chart ("12 points in 8.1 s").
    void endRun(const QString& summary);
    void setProgress(int permille, const QString& text);
    /// The caption above the chart (model, profile and float accuracy).
    void setCaption(const QString& caption);
    bool isRunning() const { return m_running; }

    /// \returns the points received, in grid order.
    const std::vector<std::shared_ptr<const sweep::PointResult>>& points() const { return m_points; }
    /// \returns the grid indices of the points on the Pareto front of the drawn metrics,
    /// ordered by the x metric.
    std::vector<int> paretoIndices() const { return m_pareto; }
    /// \returns how many points are drawn (feasible, both metrics measured).
    int plottedPoints() const;
    /// \returns the widget-relative position of point \p gridIndex in the chart, or a null
    /// point when it is not drawn (for tests that click it).
    QPointF pointPosition(int gridIndex) const;
    /// Selects point \p gridIndex and emits pointActivated (what a click does).
    void activatePoint(int gridIndex);
    /// The grid index of the selected point, or -1.
    int selectedPoint() const { return m_selected; }

    /// Renders the chart to \p path: PDF when it ends in ".pdf", PNG otherwise. The caller
    /// chooses the path (and makes the write atomic). \returns false when it cannot be written.
    bool saveChart(const QString& path, int width = 1000, int height = 640) const;
    /// The chart, for tests and screenshots.
    QCustomPlot* plot() const { return m_plot; }

signals:
    void runRequested();
    void cancelRequested();
    /// The user chose point \p gridIndex (chart click or table double-click): load its configuration.
    void pointActivated(int gridIndex);
    void exportCsvRequested();
    void exportChartRequested();

private:
    void buildForm();
    void rebuild();
    void rebuildTable();
    void onPlotClicked(const QPointF& position);
    void updateButtons();
    int rowOf(int gridIndex) const;

    std::vector<std::shared_ptr<const sweep::PointResult>> m_points; // grid order
    QStringList m_parameterNames;
    int m_expected = 0;
    std::vector<int> m_pareto;
    int m_selected = -1;
    bool m_running = false;
    QString m_summaryText; ///< the run's summary, before the count of infeasible points
    /// Drawn points: grid index and pixel-independent coordinates (for click hit-testing).
    struct Plotted {
        int gridIndex;
        double x, y;
    };
    std::vector<Plotted> m_plotted;
    QTimer m_redraw; ///< coalesces the replots of streamed points

    QComboBox* m_param[2] = {nullptr, nullptr};
    QLineEdit* m_values[2] = {nullptr, nullptr};
    QSpinBox* m_images = nullptr;
    QComboBox* m_xMetric = nullptr;
    QComboBox* m_yMetric = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_exportCsv = nullptr;
    QPushButton* m_exportChart = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_caption = nullptr;
    QLabel* m_summary = nullptr;
    QCustomPlot* m_plot = nullptr;
    QTableWidget* m_table = nullptr;
};

} // namespace nnb::widgets
