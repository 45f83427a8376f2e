// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/weight_views.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <QLabel>
#include <QVBoxLayout>

#include "nnb/widgets/formatting.h"
#include "plot_style.h"

namespace nnb::widgets {
namespace {

QLabel* makeCaption(QWidget* parent, const char* name)
{
    auto* label = new QLabel(parent);
    label->setObjectName(QString::fromLatin1(name));
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

QCPTextElement* makeTitle(QCustomPlot* plot, const QString& text, const QFont& base)
{
    plot->plotLayout()->insertRow(0);
    auto* title = new QCPTextElement(plot, text, QFont(base.family(), base.pointSize() + 1, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, title);
    return title;
}

} // namespace

WeightHeatmap::WeightHeatmap(QWidget* parent)
    : QWidget(parent)
{
    m_caption = makeCaption(this, "heatmapCaption");
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("heatmapPlot"));
    m_plot->setMinimumSize(240, 220);
    makeTitle(m_plot, tr("Crossbar weights"), font());
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    auto* scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(1, 1, scale);
    scale->setType(QCPAxis::atRight);
    scale->axis()->setLabel(tr("weight (float)"));
    m_map->setColorScale(scale);
    // Blue (negative) - white (zero) - red (positive): the sign at a glance, zero as paper.
    QCPColorGradient gradient;
    gradient.setColorStopAt(0.0, QColor(0x21, 0x66, 0xac));
    gradient.setColorStopAt(0.5, QColor(0xf7, 0xf7, 0xf7));
    gradient.setColorStopAt(1.0, QColor(0xb2, 0x18, 0x2b));
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    m_map->setGradient(gradient);
    m_map->setInterpolate(false);
    auto* margins = new QCPMarginGroup(m_plot);
    m_plot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_plot->xAxis->setLabel(tr("column (output neuron)"));
    m_plot->yAxis->setLabel(tr("row (input)"));
    m_plot->yAxis->setRangeReversed(true);
    detail::stylePlot(m_plot, this);
    scale->axis()->setTickLabelColor(palette().text().color());
    scale->axis()->setLabelColor(palette().text().color());

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_caption);
    layout->addWidget(m_plot, 1);
    setMatrix(nullptr);
}

WeightHeatmap::~WeightHeatmap() = default;

QString WeightHeatmap::captionText() const
{
    return m_caption->text();
}

void WeightHeatmap::setMatrix(std::shared_ptr<const WeightMatrix> matrix, const QString& emptyText)
{
    m_matrix = std::move(matrix);
    if (!m_matrix || m_matrix->rows <= 0 || m_matrix->cols <= 0) {
        m_caption->setText(emptyText.isEmpty() ? tr("Click a core in the core map to see its crossbar's weights.") : emptyText);
        m_map->data()->clear();
        m_map->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const WeightMatrix& w = *m_matrix;
    m_map->setVisible(true);
    m_map->data()->setSize(w.cols, w.rows);
    m_map->data()->setRange(QCPRange(0, w.cols - 1), QCPRange(0, w.rows - 1));
    float bound = 0.0f;
    for (float v : w.values)
        bound = std::max(bound, std::abs(v));
    for (int r = 0; r < w.rows; ++r)
        for (int c = 0; c < w.cols; ++c)
            m_map->data()->setCell(c, r, w.values[static_cast<size_t>(r) * static_cast<size_t>(w.cols) + static_cast<size_t>(c)]);
    m_map->setDataRange(QCPRange(-std::max(1e-6f, bound), std::max(1e-6f, bound)));
    m_plot->xAxis->setRange(-0.5, w.cols - 0.5);
    m_plot->yAxis->setRange(-0.5, w.rows - 0.5);
    // Whole-number ticks (rows and columns are indices), about four per axis.
    for (auto [axis, n] : {std::pair{m_plot->xAxis, w.cols}, std::pair{m_plot->yAxis, w.rows}}) {
        auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
        double step = 1;
        for (double magnitude = 1; n / step > 4; magnitude *= 10)
            for (double nice : {1.0, 2.0, 5.0})
                if (n / step > 4)
                    step = nice * magnitude;
        ticker->setTickStep(step);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssNone);
        axis->setTicker(ticker);
        axis->setNumberFormat(QStringLiteral("f"));
        axis->setNumberPrecision(0);
    }
    const double cells = double(w.crossbarRows) * double(w.crossbarCols);
    m_caption->setText(tr("Tile %1 of layer %2 (%3): %4 rows × %5 columns in use of the %6 × %7 crossbar (%8 % of its cells).")
                           .arg(w.tile, w.layer, w.role)
                           .arg(w.rows)
                           .arg(w.cols)
                           .arg(w.crossbarRows)
                           .arg(w.crossbarCols)
                           .arg(cells > 0 ? 100.0 * double(w.rows) * double(w.cols) / cells : 0.0, 0, 'f', 1));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

WeightHistogramView::WeightHistogramView(QWidget* parent)
    : QWidget(parent)
{
    m_caption = makeCaption(this, "histogramCaption");
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("histogramPlot"));
    m_plot->setMinimumSize(260, 220);
    makeTitle(m_plot, tr("Weights: float against quantised levels"), font());
    detail::stylePlot(m_plot, this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_caption);
    layout->addWidget(m_plot, 1);
    setHistogram(nullptr);
}

WeightHistogramView::~WeightHistogramView() = default;

QString WeightHistogramView::captionText() const
{
    return m_caption->text();
}

void WeightHistogramView::setHistogram(std::shared_ptr<const WeightHistogramData> data, const QString& emptyText)
{
    m_data = std::move(data);
    m_plot->clearPlottables();
    m_plot->clearItems();
    if (!m_data || m_data->floatWeights.empty()) {
        m_caption->setText(emptyText.isEmpty() ? tr("Select a Gemm or Conv layer in the Network table to see its weights.")
                                               : emptyText);
        m_plot->legend->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const WeightHistogramData& d = *m_data;
    const auto [minIt, maxIt] = std::minmax_element(d.floatWeights.begin(), d.floatWeights.end());
    double lo = *minIt;
    double hi = *maxIt;
    if (!d.levels.empty()) {
        lo = std::min(lo, double(d.levels.front()));
        hi = std::max(hi, double(d.levels.back()));
    }
    if (hi <= lo)
        hi = lo + 1.0;
    const int bins = 80;
    const double width = (hi - lo) / bins;
    std::vector<double> counts(bins, 0.0);
    for (float v : d.floatWeights)
        counts[static_cast<size_t>(std::clamp(int((v - lo) / width), 0, bins - 1))] += 1.0;

    auto* floatBars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    floatBars->setName(tr("float weights (%1 bins)").arg(bins));
    floatBars->setWidth(width);
    floatBars->setPen(Qt::NoPen);
    floatBars->setBrush(QColor(0x4e, 0x79, 0xa7, 170));
    QVector<double> keys;
    QVector<double> values;
    double maxCount = 1;
    for (int b = 0; b < bins; ++b) {
        keys << lo + (b + 0.5) * width;
        values << counts[static_cast<size_t>(b)];
        maxCount = std::max(maxCount, counts[static_cast<size_t>(b)]);
    }
    floatBars->setData(keys, values, /*alreadySorted=*/true);

    if (d.levels.size() > 64) {
        // One grid per output channel (or many levels): the layer has too many distinct values
        // for stems; draw the quantised weights as a second histogram over the same bins.
        std::vector<double> qcounts(bins, 0.0);
        for (float v : d.quantizedWeights)
            qcounts[static_cast<size_t>(std::clamp(int((v - lo) / width), 0, bins - 1))] += 1.0;
        auto* qline = new QCPGraph(m_plot->xAxis, m_plot->yAxis);
        qline->setName(tr("quantised weights, same bins"));
        qline->setLineStyle(QCPGraph::lsStepCenter);
        qline->setPen(QPen(QColor(0xe1, 0x57, 0x59), 2));
        QVector<double> qv;
        for (int b = 0; b < bins; ++b) {
            qv << qcounts[static_cast<size_t>(b)];
            maxCount = std::max(maxCount, qcounts[static_cast<size_t>(b)]);
        }
        qline->setData(keys, qv, /*alreadySorted=*/true);
        m_plot->yAxis2->setVisible(false);
    } else {
    // Quantised levels: a stem per level, its height the number of weights that land on it
    // (on the right axis: a level collects many bins' worth of weights).
    std::map<float, double> perLevel;
    for (float v : d.quantizedWeights)
        perLevel[v] += 1.0;
    auto* stems = new QCPGraph(m_plot->xAxis, m_plot->yAxis2);
    stems->setName(tr("quantised levels (%1), weights per level →").arg(d.levels.size()));
    stems->setLineStyle(QCPGraph::lsImpulse);
    stems->setPen(QPen(QColor(0xe1, 0x57, 0x59), 2));
    stems->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(0xe1, 0x57, 0x59), 5));
    QVector<double> levelKeys;
    QVector<double> levelCounts;
    double maxLevel = 1;
    for (const auto& [level, count] : perLevel) {
        levelKeys << level;
        levelCounts << count;
        maxLevel = std::max(maxLevel, count);
    }
    stems->setData(levelKeys, levelCounts, /*alreadySorted=*/true);
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setRange(0, maxLevel * 1.1);
    m_plot->yAxis2->setLabel(tr("weights per quantised level"));
    }

    m_plot->xAxis->setRange(lo - width, hi + width);
    m_plot->xAxis->setLabel(tr("weight value"));
    m_plot->yAxis->setRange(0, maxCount * 1.1);
    m_plot->yAxis->setLabel(tr("weights per bin"));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    detail::stylePlot(m_plot, this);
    m_caption->setText(tr("Layer %1: %2 weights in [%3, %4]; %5 → %6 distinct values in the layer, quantisation MSE %7.")
                           .arg(d.layer, formatCount(static_cast<int64_t>(d.floatWeights.size())))
                           .arg(*minIt, 0, 'g', 3)
                           .arg(*maxIt, 0, 'g', 3)
                           .arg(d.scheme)
                           .arg(d.levels.size())
                           .arg(d.mse, 0, 'e', 2));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace nnb::widgets
