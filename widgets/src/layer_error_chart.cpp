// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/layer_error_chart.h"

#include <algorithm>
#include <map>

#include <QLabel>
#include <QVBoxLayout>

#include "nnb/assess.h"
#include "nnb/widgets/formatting.h"
#include "plot_style.h"

namespace nnb::widgets {
namespace {

/// Errors below this are drawn at this floor (the log axis has no zero).
constexpr double kFloor = 1e-8;

QColor stageColor(const QString& stage)
{
    if (stage == QLatin1String("reform"))
        return QColor(0x9a, 0x9a, 0x9a);
    if (stage == QLatin1String("io-quant"))
        return QColor(0x4e, 0x79, 0xa7);
    if (stage == QLatin1String("weight-quant"))
        return QColor(0xf2, 0x8e, 0x2b);
    if (stage == QLatin1String("bit-accurate"))
        return QColor(0xe1, 0x57, 0x59);
    if (stage == QLatin1String("tuned"))
        return QColor(0x59, 0xa1, 0x4f);
    return QColor(0x76, 0xb7, 0xb2);
}

} // namespace

LayerErrorChart::LayerErrorChart(QWidget* parent)
    : QWidget(parent)
{
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("layerErrorCaption"));
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("layerErrorPlot"));
    m_plot->setMinimumHeight(260);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(m_plot, tr("Per-layer error by stage"), QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    detail::stylePlot(m_plot, this);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(m_caption);
    layout->addWidget(m_plot, 1);
    setAssessment(nullptr);
}

LayerErrorChart::~LayerErrorChart() = default;

double LayerErrorChart::value(const QString& stage, const QString& layer) const
{
    if (!m_assessment)
        return -1;
    for (const StageReport& s : m_assessment->stages) {
        if (QString::fromStdString(s.stage) != stage)
            continue;
        for (const eval::LayerError& e : s.layers)
            if (QString::fromStdString(e.layer) == layer)
                return e.relativeL2;
    }
    return -1;
}

QString LayerErrorChart::captionText() const
{
    return m_caption->text();
}

void LayerErrorChart::setAssessment(std::shared_ptr<const Assessment> assessment, const QString& caption,
                                    const QString& emptyText)
{
    m_assessment = std::move(assessment);
    m_stages.clear();
    m_layers.clear();
    m_plot->clearPlottables();
    m_plot->clearItems();
    if (!m_assessment) {
        m_caption->setText(emptyText.isEmpty() ? tr("Not compiled yet: Run ▸ Compile measures the error at every layer.")
                                               : emptyText);
        m_plot->legend->setVisible(false);
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const Assessment& a = *m_assessment;
    const StageReport* reference = a.stage("float");

    // Layers in the order of the stage with the most rows (they all share the original's order).
    const StageReport* longest = nullptr;
    for (const StageReport& s : a.stages)
        if (!s.layers.empty() && (!longest || s.layers.size() > longest->layers.size()))
            longest = &s;
    if (longest)
        for (const eval::LayerError& e : longest->layers)
            m_layers << QString::fromStdString(e.layer);

    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int i = 0; i < m_layers.size(); ++i)
        ticker->addTick(i, m_layers[i]);

    auto* group = new QCPBarsGroup(m_plot);
    group->setSpacingType(QCPBarsGroup::stAbsolute);
    group->setSpacing(1);
    std::vector<const StageReport*> drawn;
    for (const StageReport& s : a.stages)
        if (s.stage != "float" && !s.layers.empty())
            drawn.push_back(&s);
    const double width = drawn.empty() ? 0.8 : 0.8 / double(drawn.size());
    double maxValue = kFloor * 10;
    for (const StageReport* s : drawn) {
        const QString name = QString::fromStdString(s->stage);
        m_stages << name;
        auto* bars = new QCPBars(m_plot->xAxis, m_plot->yAxis);
        bars->setBarsGroup(group);
        bars->setWidth(width);
        bars->setBaseValue(kFloor);
        bars->setPen(Qt::NoPen);
        bars->setBrush(stageColor(name));
        QString legend = name;
        if (s->total > 0)
            legend += reference ? tr(": %1 % top-1 (%2 points)")
                                      .arg(s->accuracyPercent, 0, 'f', 1)
                                      .arg(QString::asprintf("%+.2f", s->accuracyPercent - reference->accuracyPercent))
                                : tr(": %1 % top-1").arg(s->accuracyPercent, 0, 'f', 1);
        bars->setName(legend);
        QVector<double> keys;
        QVector<double> values;
        for (const eval::LayerError& e : s->layers) {
            const int index = static_cast<int>(m_layers.indexOf(QString::fromStdString(e.layer)));
            if (index < 0)
                continue;
            keys << index;
            values << std::max(kFloor, e.relativeL2);
            maxValue = std::max(maxValue, e.relativeL2);
        }
        bars->setData(keys, values);
    }

    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setTickLabelRotation(m_layers.size() > 6 ? 30 : 0);
    m_plot->xAxis->setSubTicks(false);
    m_plot->xAxis->setTickLength(0, 4);
    m_plot->xAxis->grid()->setVisible(false);
    m_plot->xAxis->setRange(-0.6, std::max<double>(0.6, m_layers.size() - 0.4));
    m_plot->xAxis->setLabel(tr("layer of the original network"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    auto logTicker = QSharedPointer<QCPAxisTickerLog>::create();
    m_plot->yAxis->setTicker(logTicker);
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_plot->yAxis->setNumberPrecision(0);
    // Two decades of headroom above the largest bar keep the legend (top left) clear of the bars.
    m_plot->yAxis->setRange(kFloor, std::max(10.0, maxValue * 300));
    m_plot->yAxis->setLabel(tr("relative L2 error ‖t − f‖ / ‖f‖ (log scale)"));
    m_plot->yAxis->grid()->setSubGridVisible(false);
    m_plot->legend->setVisible(!drawn.empty());
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    detail::stylePlot(m_plot, this);

    const StageReport* last = drawn.empty() ? nullptr : drawn.back();
    QString text = caption.isEmpty() ? QString() : caption + QStringLiteral("\n");
    if (reference && last)
        text += tr("Top-1: float %1 % → %2 %3 % (%4 points); per-layer errors on the first %5 images.")
                    .arg(reference->accuracyPercent, 0, 'f', 1)
                    .arg(QString::fromStdString(last->stage))
                    .arg(last->accuracyPercent, 0, 'f', 1)
                    .arg(last->accuracyPercent - reference->accuracyPercent, 0, 'f', 2)
                    .arg(formatCount(a.layerImages));
    m_caption->setText(text);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace nnb::widgets
