// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/accuracy_panel.h"

#include <algorithm>

#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include "nnb/data/dataset.h"
#include "nnb/eval/classification.h"
#include "nnb/widgets/formatting.h"

namespace nnb::widgets {

AccuracyPanel::AccuracyPanel(QWidget* parent)
    : QWidget(parent)
{
    m_caption = new QLabel(this);
    m_caption->setForegroundRole(QPalette::PlaceholderText);
    m_caption->setWordWrap(true);

    m_headline = new QLabel(this);
    m_headline->setObjectName(QStringLiteral("accuracyHeadline"));
    QFont big = m_headline->font();
    big.setPointSizeF(big.pointSizeF() * 2.2);
    big.setBold(true);
    m_headline->setFont(big);

    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("accuracySummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_chart = new QCustomPlot(this);
    m_chart->setObjectName(QStringLiteral("perClassChart"));
    m_chart->setMinimumHeight(220);
    m_chart->setBackground(palette().base());
    m_chart->plotLayout()->insertRow(0);
    m_chart->plotLayout()->addElement(0, 0, new QCPTextElement(m_chart, tr("Per-class accuracy"), QFont(font().family(), font().pointSize(), QFont::Bold)));

    m_resultArea = new QWidget(this);
    auto* resultLayout = new QVBoxLayout(m_resultArea);
    resultLayout->setContentsMargins(0, 0, 0, 0);
    resultLayout->setSpacing(4);
    resultLayout->addWidget(m_caption);
    resultLayout->addWidget(m_headline);
    resultLayout->addWidget(m_summary);
    resultLayout->addSpacing(6);
    resultLayout->addWidget(m_chart, 1);

    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("accuracyState"));
    m_state->setWordWrap(true);
    m_state->setAlignment(Qt::AlignCenter);
    m_state->setForegroundRole(QPalette::PlaceholderText);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);
    layout->addWidget(m_resultArea, 1);
    layout->addWidget(m_state, 1);

    clear();
}

AccuracyPanel::~AccuracyPanel() = default;

void AccuracyPanel::setResult(std::shared_ptr<const eval::ClassificationResult> result,
                              std::shared_ptr<const data::Dataset> data, const QString& dataDescription,
                              const QStringList& classNames)
{
    if (!result || !data) {
        clear();
        return;
    }
    m_result = std::move(result);
    m_data = std::move(data);
    const eval::ClassificationResult& r = *m_result;
    const QString percent = QString::number(r.accuracyPercent(), 'f', 1);
    m_caption->setText(tr("Float top-1 accuracy on %1").arg(dataDescription));
    m_caption->setToolTip(QString::fromStdString(m_data->source));
    m_headline->setText(tr("%1 %").arg(percent));
    // The one-line summary uses the numbers as `nnbridge eval` prints them (no digit grouping),
    // so GUI and CLI output can be compared at a glance.
    m_summary->setText(tr("Float accuracy on %1: %2 / %3 = %4 %, %5 images/s")
                           .arg(dataDescription)
                           .arg(r.correct)
                           .arg(r.total)
                           .arg(percent)
                           .arg(r.imagesPerSecond(), 0, 'f', 0));
    updateChart(classNames);
    m_state->hide();
    m_resultArea->show();
}

void AccuracyPanel::setPending(const QString& text)
{
    showState(text);
}

void AccuracyPanel::setCancelled()
{
    showState(tr("Cancelled. Run ▸ Evaluate Float Accuracy starts it again."));
}

void AccuracyPanel::setFailed(const QString& message)
{
    showState(tr("Evaluation failed: %1").arg(message));
}

void AccuracyPanel::clear()
{
    showState(tr("Not evaluated yet."));
}

QString AccuracyPanel::summaryText() const
{
    return m_result ? m_summary->text() : m_state->text();
}

void AccuracyPanel::showState(const QString& text)
{
    m_result.reset();
    m_data.reset();
    m_state->setText(text);
    m_resultArea->hide();
    m_state->show();
}

void AccuracyPanel::updateChart(const QStringList& classNames)
{
    const eval::ClassificationResult& r = *m_result;
    const data::Dataset& data = *m_data;
    // Per-class accuracy from the predictions and the labels of the images that were run.
    const auto n = static_cast<size_t>(std::min<int64_t>(r.total, static_cast<int64_t>(r.predictions.size())));
    int classes = static_cast<int>(classNames.size());
    for (size_t k = 0; k < n && k < data.labels.size(); ++k)
        classes = std::max(classes, int(data.labels[k]) + 1);
    std::vector<int64_t> hits(static_cast<size_t>(classes), 0);
    std::vector<int64_t> seen(static_cast<size_t>(classes), 0);
    for (size_t k = 0; k < n && k < data.labels.size(); ++k) {
        const uint8_t label = data.labels[k];
        ++seen[label];
        hits[label] += r.predictions[k] == label ? 1 : 0;
    }

    m_chart->clearPlottables();
    // Horizontal bars: classes on the (reversed) y axis read top-down like a list.
    auto* bars = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    bars->setWidth(0.7);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(0x3d, 0x7e, 0xc9));
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    QVector<double> keys;
    QVector<double> values;
    for (int c = 0; c < classes; ++c) {
        const double accuracy = seen[size_t(c)] ? 100.0 * double(hits[size_t(c)]) / double(seen[size_t(c)]) : 0.0;
        keys << c;
        values << accuracy;
        const QString name = c < classNames.size() ? classNames[c] : tr("class %1").arg(c);
        ticker->addTick(c, name);
    }
    bars->setData(keys, values, /*alreadySorted=*/true);

    // Value labels at the bar ends: inside a long bar (white), just past a short one.
    m_chart->clearItems();
    for (int c = 0; c < classes; ++c) {
        auto* label = new QCPItemText(m_chart);
        label->position->setAxes(m_chart->xAxis, m_chart->yAxis);
        label->position->setCoords(values[c], c);
        const bool inside = values[c] > 20.0;
        label->setPositionAlignment((inside ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
        label->setPadding(QMargins(4, 0, 4, 0));
        label->setColor(inside ? Qt::white : palette().text().color());
        label->setText(QString::number(values[c], 'f', 1));
        label->setClipToAxisRect(true);
    }

    m_chart->yAxis->setTicker(ticker);
    m_chart->yAxis->setRange(-0.6, classes - 0.4);
    m_chart->yAxis->setRangeReversed(true);
    m_chart->yAxis->setSubTicks(false);
    m_chart->yAxis->setTickLength(0, 0);
    m_chart->yAxis->grid()->setVisible(false);
    m_chart->xAxis->setRange(0, 100);
    m_chart->xAxis->setLabel(tr("top-1 accuracy (%)"));
    m_chart->xAxis->grid()->setPen(QPen(palette().mid().color(), 0, Qt::DotLine));
    for (QCPAxis* axis : {m_chart->xAxis, m_chart->yAxis}) {
        axis->setTickLabelColor(palette().text().color());
        axis->setLabelColor(palette().text().color());
        axis->setBasePen(QPen(palette().mid().color()));
        axis->setTickPen(QPen(palette().mid().color()));
        axis->setSubTickPen(QPen(palette().mid().color()));
    }
    // Queued: bursts of updates coalesce into one repaint (style §2.7).
    m_chart->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace nnb::widgets
