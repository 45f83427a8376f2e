// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QStringList>
#include <QWidget>

class QCustomPlot;
class QLabel;

// Forward declaration only: moc must not parse the core's X-macro headers.
namespace nnb {
struct Assessment;
} // namespace nnb

namespace nnb::widgets {

/// The per-layer error chart: for every layer of the original network, one bar per stage of the
/// transformation (reform, I/O quantisation, weight quantisation, bit-accurate simulation)
/// showing the relative L2 error of the layer's output against the float network, on a log
/// scale; the legend gives each stage's top-1 accuracy.
class LayerErrorChart : public QWidget {
    Q_OBJECT
public:
    explicit LayerErrorChart(QWidget* parent = nullptr);
    ~LayerErrorChart() override;

    /// Shows \p assessment; nullptr shows \p emptyText instead. \p caption names the images
    /// ("first 1,000 images of the data sample").
    void setAssessment(std::shared_ptr<const Assessment> assessment, const QString& caption = {},
                       const QString& emptyText = {});
    const std::shared_ptr<const Assessment>& assessment() const { return m_assessment; }

    /// \returns the stages drawn, in order.
    QStringList stages() const { return m_stages; }
    /// \returns the layers on the x axis, in order.
    QStringList layers() const { return m_layers; }
    /// \returns the relative L2 error drawn for \p stage at \p layer (-1 when absent).
    double value(const QString& stage, const QString& layer) const;
    /// \returns the caption line (the accuracy summary).
    QString captionText() const;
    /// The plot (for export and tests).
    QCustomPlot* plot() const { return m_plot; }

private:
    std::shared_ptr<const Assessment> m_assessment;
    QStringList m_stages;
    QStringList m_layers;
    QLabel* m_caption = nullptr;
    QCustomPlot* m_plot = nullptr;
};

} // namespace nnb::widgets
