// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QWidget>

#include "nnb/widgets/weight_data.h"

class QCustomPlot;
class QCPColorMap;
class QLabel;

namespace nnb::widgets {

/// A crossbar's weight matrix as a heat map: inputs (rows) down, outputs (columns) across, a
/// diverging colour scale symmetric around zero (blue negative, red positive) with its legend.
class WeightHeatmap : public QWidget {
    Q_OBJECT
public:
    explicit WeightHeatmap(QWidget* parent = nullptr);
    ~WeightHeatmap() override;

    /// Shows \p matrix; nullptr shows \p emptyText.
    void setMatrix(std::shared_ptr<const WeightMatrix> matrix, const QString& emptyText = {});
    const std::shared_ptr<const WeightMatrix>& matrix() const { return m_matrix; }
    QString captionText() const;
    QCustomPlot* plot() const { return m_plot; }

private:
    std::shared_ptr<const WeightMatrix> m_matrix;
    QLabel* m_caption = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCPColorMap* m_map = nullptr;
};

/// One layer's weight histogram: the float weights as bars and the quantised levels as
/// vertical lines with the count of weights that round to each, so a student sees how few
/// values the hardware keeps.
class WeightHistogramView : public QWidget {
    Q_OBJECT
public:
    explicit WeightHistogramView(QWidget* parent = nullptr);
    ~WeightHistogramView() override;

    /// Shows \p data; nullptr shows \p emptyText.
    void setHistogram(std::shared_ptr<const WeightHistogramData> data, const QString& emptyText = {});
    const std::shared_ptr<const WeightHistogramData>& histogram() const { return m_data; }
    QString captionText() const;
    QCustomPlot* plot() const { return m_plot; }

private:
    std::shared_ptr<const WeightHistogramData> m_data;
    QLabel* m_caption = nullptr;
    QCustomPlot* m_plot = nullptr;
};

} // namespace nnb::widgets
