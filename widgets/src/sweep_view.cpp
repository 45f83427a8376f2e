// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/sweep_view.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "nnb/sweep/sweep.h"
#include "nnb/widgets/formatting.h"
#include "plot_style.h"

namespace nnb::widgets {
namespace {

/// A parameter the form offers by name. Any other dotted key can be typed in.
struct Choice {
    const char* label;
    QStringList keys;
    const char* values;
    const char* tooltip;
};

const std::vector<Choice>& choices()
{
    static const std::vector<Choice> list{
        {"Weight bits", {"weights.bits"}, "4..8",
         "Bits of one weight value (sign included when signed). Fewer bits: fewer cells per weight, more rounding error."},
        {"Crossbar size (square)", {"crossbar.rows", "crossbar.cols"}, "64..256 x2",
         "Rows and columns of one crossbar array. Smaller arrays split big layers into more pieces."},
        {"Crossbar rows", {"crossbar.rows"}, "64..256 x2", "Inputs (word lines) of one crossbar: the fan-in one array can sum."},
        {"Crossbar columns", {"crossbar.cols"}, "64..256 x2", "Outputs (bit lines, neurons) of one crossbar."},
        {"Cell bits", {"weights.cell_bits"}, "1..4", "Bits one memory cell stores; a weight is sliced over several cells."},
        {"Input bits", {"signals.input_bits"}, "2..8", "Bits of a signal entering a crossbar."},
        {"Output bits", {"signals.output_bits", "neuron.output_bits"}, "2..8", "Bits of a neuron's output signal."},
        {"DAC bits", {"signals.dac_bits"}, "1..4", "Bits one input cycle drives; more input bits need more cycles."},
        {"ADC bits", {"signals.adc_bits"}, "4..10", "Resolution of the column read-out; too few bits clip or coarsen partial sums."},
        {"Weight scheme", {"quantization.weights"}, "uniform, power_of_two, ternary",
         "How weights are rounded: uniform levels, powers of two, three levels, ..."},
        {"Weight granularity", {"quantization.granularity"}, "per_tensor, per_output_channel, per_crossbar",
         "Whether one scale serves a whole layer, each output channel or each crossbar."},
        {"Calibration images", {"calibration_images"}, "32..512 x2", "Training images the signal ranges are calibrated on."},
    };
    return list;
}

struct MetricInfo {
    const char* name; ///< sweep::toString(metric)
    const char* label;
    double scale; ///< drawn value = metric x scale
};

const std::vector<MetricInfo>& xMetrics()
{
    static const std::vector<MetricInfo> list{{"crossbars", "Crossbars (arrays)", 1.0},
                                              {"tiles", "Cores used (tiles)", 1.0},
                                              {"energy_pj", "Energy per inference (nJ)", 1e-3},
                                              {"latency_ns", "Latency per inference (µs)", 1e-3}};
    return list;
}

const std::vector<MetricInfo>& yMetrics()
{
    static const std::vector<MetricInfo> list{{"error_percent", "Top-1 error, bit-accurate (%)", 1.0},
                                              {"accuracy_drop", "Accuracy drop against float (points)", 1.0}};
    return list;
}

const MetricInfo& infoOf(const std::vector<MetricInfo>& list, const QString& name)
{
    for (const MetricInfo& m : list)
        if (name == QLatin1String(m.name))
            return m;
    return list.front();
}

sweep::Metric metricOf(const QString& name)
{
    return sweep::parseMetric(name.toStdString()).value_or(sweep::Metric::Crossbars);
}

QColor curveColor(int i)
{
    static const QColor palette[] = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b), QColor(0x59, 0xa1, 0x4f),
                                     QColor(0xe1, 0x57, 0x59), QColor(0x76, 0xb7, 0xb2), QColor(0xb0, 0x7a, 0xa1),
                                     QColor(0xed, 0xc9, 0x48), QColor(0x9c, 0x75, 0x5f), QColor(0xba, 0xb0, 0xac)};
    return palette[i % 9];
}

QString number(double v, int precision)
{
    return QLocale().toString(v, 'f', precision);
}

} // namespace

SweepView::SweepView(QWidget* parent)
    : QWidget(parent)
{
    buildForm();
    m_redraw.setSingleShot(true);
    m_redraw.setInterval(100);
    connect(&m_redraw, &QTimer::timeout, this, &SweepView::rebuild);
    m_caption = new QLabel(this);
    m_caption->setObjectName(QStringLiteral("sweepCaption"));
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("sweepSummary"));
    m_summary->setWordWrap(true);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("sweepPlot"));
    m_plot->setMinimumHeight(280);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(
        0, 0, new QCPTextElement(m_plot, tr("Tradeoff: error against resources"), QFont(font().family(), font().pointSize() + 1, QFont::Bold)));
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    detail::stylePlot(m_plot, this);
    m_plot->setToolTip(tr("Click a point to load its configuration into the editors"));
    connect(m_plot, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) { onPlotClicked(event->position()); });

    m_table = new QTableWidget(this);
    m_table->setObjectName(QStringLiteral("sweepTable"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setToolTip(tr("Double-click a row to load its configuration"));
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (auto* item = m_table->item(row, 0))
            activatePoint(item->data(Qt::UserRole).toInt());
    });

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_caption);
    auto* splitter = new QSplitter(Qt::Vertical, right);
    splitter->addWidget(m_plot);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    rightLayout->addWidget(splitter, 1);
    rightLayout->addWidget(m_summary);

    auto* formBox = findChild<QGroupBox*>(QStringLiteral("sweepForm"));
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addWidget(formBox);
    layout->addWidget(right, 1);

    SweepSetup initial;
    initial.axes = {{QStringLiteral("Weight bits"), {QStringLiteral("weights.bits")}, QStringLiteral("4..8")},
                    {QStringLiteral("Crossbar size (square)"), {QStringLiteral("crossbar.rows"), QStringLiteral("crossbar.cols")},
                     QStringLiteral("64..256 x2")}};
    setSetup(initial);
    rebuild();
}

SweepView::~SweepView() = default;

void SweepView::buildForm()
{
    auto* box = new QGroupBox(tr("Sweep"), this);
    box->setObjectName(QStringLiteral("sweepForm"));
    auto* form = new QFormLayout(box);
    for (int i = 0; i < 2; ++i) {
        auto* combo = new QComboBox(box);
        combo->setObjectName(i == 0 ? QStringLiteral("sweepParam1") : QStringLiteral("sweepParam2"));
        combo->setEditable(true);
        combo->setInsertPolicy(QComboBox::NoInsert);
        if (i == 1)
            combo->addItem(tr("(none)"));
        for (const Choice& c : choices()) {
            combo->addItem(tr(c.label), c.keys);
            combo->setItemData(combo->count() - 1,
                               tr(c.tooltip) + QStringLiteral("\n") + tr("Key: %1").arg(c.keys.join(QStringLiteral(", "))),
                               Qt::ToolTipRole);
        }
        combo->setToolTip(tr("A profile or strategy parameter; pick one or type any dotted key (e.g. weights.bits)"));
        auto* values = new QLineEdit(box);
        values->setObjectName(i == 0 ? QStringLiteral("sweepValues1") : QStringLiteral("sweepValues2"));
        values->setToolTip(tr("A range: 2..8, 2..8 step 2, 64..256 x2 (doubling); or a list: 4, 6, 8 or uniform, ternary"));
        connect(combo, &QComboBox::activated, this, [combo, values](int index) {
            for (const Choice& c : choices())
                if (combo->itemData(index).toStringList() == c.keys) {
                    values->setText(QString::fromLatin1(c.values));
                    return;
                }
            values->clear();
        });
        connect(combo, &QComboBox::currentIndexChanged, this, [this, i, values](int index) {
            if (i == 1)
                values->setEnabled(index != 0);
            updateButtons();
        });
        m_param[i] = combo;
        m_values[i] = values;
        form->addRow(i == 0 ? tr("Parameter 1") : tr("Parameter 2"), combo);
        form->addRow(tr("Values"), values);
    }
    m_images = new QSpinBox(box);
    m_images->setObjectName(QStringLiteral("sweepImages"));
    m_images->setRange(10, 10000);
    m_images->setSingleStep(100);
    m_images->setSuffix(tr(" images"));
    m_images->setToolTip(tr("Test images simulated bit accurately per point (the first N of the test set); "
                            "fewer run faster, more give a finer error estimate"));
    form->addRow(tr("Per point"), m_images);
    m_xMetric = new QComboBox(box);
    m_xMetric->setObjectName(QStringLiteral("sweepX"));
    for (const MetricInfo& m : xMetrics())
        m_xMetric->addItem(tr(m.label), QString::fromLatin1(m.name));
    m_yMetric = new QComboBox(box);
    m_yMetric->setObjectName(QStringLiteral("sweepY"));
    for (const MetricInfo& m : yMetrics())
        m_yMetric->addItem(tr(m.label), QString::fromLatin1(m.name));
    connect(m_xMetric, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_yMetric, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    form->addRow(tr("x axis"), m_xMetric);
    form->addRow(tr("y axis"), m_yMetric);

    m_run = new QPushButton(tr("Run sweep"), box);
    m_run->setObjectName(QStringLiteral("sweepRun"));
    m_run->setToolTip(tr("Compile, quantise, simulate and cost every combination in the background"));
    m_cancel = new QPushButton(tr("Cancel"), box);
    m_cancel->setObjectName(QStringLiteral("sweepCancel"));
    connect(m_run, &QPushButton::clicked, this, &SweepView::runRequested);
    connect(m_cancel, &QPushButton::clicked, this, &SweepView::cancelRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    form->addRow(buttons);
    m_progress = new QProgressBar(box);
    m_progress->setObjectName(QStringLiteral("sweepProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(true);
    form->addRow(m_progress);

    m_exportCsv = new QPushButton(tr("Export CSV…"), box);
    m_exportCsv->setObjectName(QStringLiteral("sweepExportCsv"));
    m_exportCsv->setToolTip(tr("Every point with its parameters, accuracy, resources, energy and latency"));
    m_exportChart = new QPushButton(tr("Export chart…"), box);
    m_exportChart->setObjectName(QStringLiteral("sweepExportChart"));
    m_exportChart->setToolTip(tr("The chart as PNG or PDF"));
    connect(m_exportCsv, &QPushButton::clicked, this, &SweepView::exportCsvRequested);
    connect(m_exportChart, &QPushButton::clicked, this, &SweepView::exportChartRequested);
    auto* exports = new QHBoxLayout;
    exports->addWidget(m_exportCsv);
    exports->addWidget(m_exportChart);
    form->addRow(exports);
    box->setMaximumWidth(340);
}

SweepSetup SweepView::setup() const
{
    SweepSetup s;
    for (int i = 0; i < 2; ++i) {
        QComboBox* combo = m_param[i];
        if (i == 1 && combo->currentIndex() == 0 && combo->currentText() == combo->itemText(0))
            break;
        SweepAxisSetup axis;
        axis.name = combo->currentText().trimmed();
        const int index = combo->findText(axis.name);
        if (index >= 0 && !combo->itemData(index).toStringList().isEmpty()) {
            axis.keys = combo->itemData(index).toStringList();
        } else {
            for (const QString& key : axis.name.split(QLatin1Char(','), Qt::SkipEmptyParts))
                axis.keys << key.trimmed();
        }
        axis.values = m_values[i]->text().trimmed();
        s.axes << axis;
    }
    s.testImages = m_images->value();
    s.x = m_xMetric->currentData().toString();
    s.y = m_yMetric->currentData().toString();
    return s;
}

void SweepView::setSetup(const SweepSetup& setup)
{
    for (int i = 0; i < 2; ++i) {
        QComboBox* combo = m_param[i];
        if (i >= setup.axes.size()) {
            combo->setCurrentIndex(0);
            m_values[i]->clear();
            continue;
        }
        const SweepAxisSetup& axis = setup.axes[i];
        int index = combo->findData(axis.keys);
        if (index < 0)
            index = combo->findText(axis.name);
        if (index >= 0)
            combo->setCurrentIndex(index);
        else
            combo->setEditText(axis.keys.join(QStringLiteral(", ")));
        m_values[i]->setText(axis.values);
    }
    m_images->setValue(static_cast<int>(setup.testImages));
    m_xMetric->setCurrentIndex(std::max(0, m_xMetric->findData(setup.x)));
    m_yMetric->setCurrentIndex(std::max(0, m_yMetric->findData(setup.y)));
}

void SweepView::beginRun(int expectedPoints, const QStringList& parameterNames)
{
    m_points.clear();
    m_parameterNames = parameterNames;
    m_expected = expectedPoints;
    m_selected = -1;
    m_running = true;
    m_progress->setValue(0);
    m_summaryText = tr("Running %n point(s)…", nullptr, expectedPoints);
    rebuild();
}

void SweepView::addPoint(std::shared_ptr<const sweep::PointResult> point)
{
    if (!point)
        return;
    const auto at = std::lower_bound(m_points.begin(), m_points.end(), point->point.index,
                                     [](const auto& p, int index) { return p->point.index < index; });
    m_points.insert(at, std::move(point));
    // Points can arrive faster than a replot is worth: draw at most every 100 ms.
    if (!m_redraw.isActive())
        m_redraw.start();
}

void SweepView::setPoints(const std::vector<std::shared_ptr<const sweep::PointResult>>& points,
                          const QStringList& parameterNames, int expectedPoints)
{
    m_points.clear();
    m_parameterNames = parameterNames;
    m_expected = expectedPoints;
    m_selected = -1;
    for (const auto& p : points)
        if (p)
            m_points.push_back(p);
    std::sort(m_points.begin(), m_points.end(), [](const auto& a, const auto& b) { return a->point.index < b->point.index; });
    rebuild();
}

void SweepView::endRun(const QString& summary)
{
    m_running = false;
    m_summaryText = summary;
    m_progress->setValue(m_points.empty() ? 0 : 1000);
    m_progress->setFormat(m_points.empty() ? QStringLiteral("%p%") : tr("%n point(s)", nullptr, static_cast<int>(m_points.size())));
    rebuild();
}

void SweepView::setProgress(int permille, const QString& text)
{
    m_progress->setValue(permille);
    m_progress->setFormat(text.isEmpty() ? QStringLiteral("%p%") : text);
}

void SweepView::setCaption(const QString& caption)
{
    m_caption->setText(caption);
}

int SweepView::plottedPoints() const
{
    return static_cast<int>(m_plotted.size());
}

QPointF SweepView::pointPosition(int gridIndex) const
{
    for (const Plotted& p : m_plotted)
        if (p.gridIndex == gridIndex)
            return m_plot->mapTo(this, QPointF(m_plot->xAxis->coordToPixel(p.x), m_plot->yAxis->coordToPixel(p.y)));
    return {};
}

void SweepView::activatePoint(int gridIndex)
{
    const bool known = std::any_of(m_points.begin(), m_points.end(), [&](const auto& p) { return p->point.index == gridIndex; });
    if (!known)
        return;
    m_selected = gridIndex;
    rebuild();
    emit pointActivated(gridIndex);
}

int SweepView::rowOf(int gridIndex) const
{
    for (size_t i = 0; i < m_points.size(); ++i)
        if (m_points[i]->point.index == gridIndex)
            return static_cast<int>(i);
    return -1;
}

void SweepView::onPlotClicked(const QPointF& position)
{
    // The nearest drawn point within a few pixels of the click.
    int best = -1;
    double bestDistance = 12.0 * 12.0;
    for (const Plotted& p : m_plotted) {
        const double dx = m_plot->xAxis->coordToPixel(p.x) - position.x();
        const double dy = m_plot->yAxis->coordToPixel(p.y) - position.y();
        if (dx * dx + dy * dy < bestDistance) {
            bestDistance = dx * dx + dy * dy;
            best = p.gridIndex;
        }
    }
    if (best >= 0)
        activatePoint(best);
}

void SweepView::updateButtons()
{
    m_run->setEnabled(!m_running);
    m_cancel->setEnabled(m_running);
    m_exportCsv->setEnabled(!m_points.empty() && !m_running);
    m_exportChart->setEnabled(!m_plotted.empty());
}

void SweepView::rebuild()
{
    m_redraw.stop();
    const QString xName = m_xMetric->currentData().toString();
    const QString yName = m_yMetric->currentData().toString();
    const MetricInfo& xInfo = infoOf(xMetrics(), xName);
    const MetricInfo& yInfo = infoOf(yMetrics(), yName);
    const sweep::Metric xMetric = metricOf(xName);
    const sweep::Metric yMetric = metricOf(yName);

    // The Pareto front of the two drawn metrics, over the points received so far.
    std::vector<sweep::PointResult> values;
    values.reserve(m_points.size());
    for (const auto& p : m_points)
        values.push_back(*p);
    m_pareto.clear();
    for (size_t i : sweep::paretoFront(values, xMetric, yMetric))
        m_pareto.push_back(values[i].point.index);

    m_plot->clearPlottables();
    m_plotted.clear();
    // One curve per value of the last parameter (the first when there is one parameter only
    // and it varies along x anyway): points of equal value share a colour and a line.
    const bool twoParameters = m_parameterNames.size() >= 2;
    std::map<int, std::vector<const sweep::PointResult*>> groups; // by value index of the legend parameter
    int infeasible = 0;
    double xMin = std::numeric_limits<double>::max(), xMax = 0;
    for (const auto& p : m_points) {
        const auto x = p->metric(xMetric);
        const auto y = p->metric(yMetric);
        if (!p->feasible || !x || !y) {
            ++infeasible;
            continue;
        }
        const int group = twoParameters && p->point.valueIndex.size() >= 2 ? p->point.valueIndex[1] : 0;
        groups[group].push_back(p.get());
        m_plotted.push_back({p->point.index, *x * xInfo.scale, *y * yInfo.scale});
        xMin = std::min(xMin, *x * xInfo.scale);
        xMax = std::max(xMax, *x * xInfo.scale);
    }
    int colour = 0;
    for (auto& [group, members] : groups) {
        // Along the curve the first parameter grows (weight bits 4, 5, ..., 8), as in a
        // sensitivity plot; points that share every value keep grid order.
        std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) { return a->point.index < b->point.index; });
        auto* curve = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
        const QColor c = curveColor(colour++);
        curve->setPen(QPen(c, 1.5));
        curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, 7));
        QString name;
        if (twoParameters && !members.empty() && members.front()->point.values.size() >= 2)
            name = QStringLiteral("%1 = %2").arg(m_parameterNames.value(1), QString::fromStdString(members.front()->point.values[1]));
        else
            name = m_parameterNames.value(0, tr("points"));
        curve->setName(name);
        for (size_t i = 0; i < members.size(); ++i)
            curve->addData(static_cast<double>(i), *members[i]->metric(xMetric) * xInfo.scale,
                           *members[i]->metric(yMetric) * yInfo.scale);
    }
    if (!m_pareto.empty()) {
        auto* front = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
        front->setName(tr("Pareto front"));
        front->setPen(QPen(palette().text().color(), 1.5, Qt::DashLine));
        front->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(palette().text().color(), 2), Qt::NoBrush, 13));
        for (size_t i = 0; i < m_pareto.size(); ++i) {
            const auto& p = m_points[static_cast<size_t>(rowOf(m_pareto[i]))];
            front->addData(static_cast<double>(i), *p->metric(xMetric) * xInfo.scale, *p->metric(yMetric) * yInfo.scale);
        }
    }
    if (m_selected >= 0) {
        for (const Plotted& p : m_plotted)
            if (p.gridIndex == m_selected) {
                auto* mark = new QCPCurve(m_plot->xAxis, m_plot->yAxis);
                mark->setName(tr("loaded"));
                mark->setLineStyle(QCPCurve::lsNone);
                mark->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(QColor(0xd6, 0x27, 0x28), 2), Qt::NoBrush, 18));
                mark->addData(0, p.x, p.y);
            }
    }

    // A wide x range reads better on a log scale (crossbar counts double with the size).
    const bool logX = !m_plotted.empty() && xMin > 0 && xMax / xMin > 20;
    m_plot->xAxis->setScaleType(logX ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logX)
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_plot->xAxis->setLabel(tr(xInfo.label));
    m_plot->yAxis->setLabel(tr(yInfo.label));
    m_plot->rescaleAxes();
    // Margins so markers on the edge stay whole.
    if (!m_plotted.empty()) {
        if (logX) {
            m_plot->xAxis->setRange(m_plot->xAxis->range().lower / 1.3, m_plot->xAxis->range().upper * 1.3);
        } else {
            const double span = std::max(m_plot->xAxis->range().size(), std::abs(m_plot->xAxis->range().center()) * 0.1 + 1e-9);
            m_plot->xAxis->setRange(m_plot->xAxis->range().lower - 0.08 * span, m_plot->xAxis->range().upper + 0.08 * span);
        }
        const double ySpan = std::max(m_plot->yAxis->range().size(), 0.5);
        m_plot->yAxis->setRange(m_plot->yAxis->range().lower - 0.1 * ySpan, m_plot->yAxis->range().upper + 0.1 * ySpan);
    } else {
        m_plot->xAxis->setRange(0, 1);
        m_plot->yAxis->setRange(0, 1);
    }
    m_plot->legend->setVisible(m_plot->plottableCount() > 0);
    m_plot->replot();

    rebuildTable();
    QString summary = m_summaryText;
    if (infeasible > 0)
        summary += (summary.isEmpty() ? QString() : QStringLiteral(" · ")) +
                   tr("%n point(s) infeasible (not drawn): see the table", nullptr, infeasible);
    m_summary->setText(summary);
    updateButtons();
}

void SweepView::rebuildTable()
{
    QStringList headers{tr("#")};
    headers << m_parameterNames;
    headers << tr("Top-1 (%)") << tr("Drop (points)") << tr("Crossbars") << tr("Cores") << tr("Energy (nJ)")
            << tr("Latency (µs)") << tr("Pareto") << tr("Note");
    m_table->setColumnCount(static_cast<int>(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->setRowCount(static_cast<int>(m_points.size()));
    const auto cell = [this](int row, int column, const QString& text, Qt::Alignment align = Qt::AlignRight | Qt::AlignVCenter) {
        auto* item = new QTableWidgetItem(text);
        item->setTextAlignment(align);
        m_table->setItem(row, column, item);
        return item;
    };
    const auto optional = [](const std::optional<double>& v, double scale, int precision) {
        return v ? number(*v * scale, precision) : QStringLiteral("—");
    };
    for (size_t r = 0; r < m_points.size(); ++r) {
        const sweep::PointResult& p = *m_points[r];
        const int row = static_cast<int>(r);
        int column = 0;
        cell(row, column++, QString::number(p.point.index + 1))->setData(Qt::UserRole, p.point.index);
        for (int k = 0; k < m_parameterNames.size(); ++k)
            cell(row, column++, k < static_cast<int>(p.point.values.size()) ? QString::fromStdString(p.point.values[static_cast<size_t>(k)]) : QString());
        cell(row, column++, optional(p.accuracyPercent, 1.0, 2));
        cell(row, column++, optional(p.accuracyDropPoints, 1.0, 2));
        cell(row, column++, QString::number(p.crossbars));
        cell(row, column++, QString::number(p.tiles));
        cell(row, column++, optional(p.energyPj, 1e-3, 1));
        cell(row, column++, optional(p.latencyNs, 1e-3, 2));
        const bool onFront = std::find(m_pareto.begin(), m_pareto.end(), p.point.index) != m_pareto.end();
        cell(row, column++, onFront ? QStringLiteral("✓") : QString(), Qt::AlignCenter);
        const QString note = p.feasible ? QString() : QString::fromStdString(p.reason());
        auto* noteItem = cell(row, column++, note.isEmpty() && !p.feasible ? tr("infeasible") : note, Qt::AlignLeft | Qt::AlignVCenter);
        noteItem->setToolTip(note);
        if (p.point.index == m_selected)
            m_table->selectRow(row);
    }
    m_table->resizeColumnsToContents();
}

bool SweepView::saveChart(const QString& path, int width, int height) const
{
    if (path.endsWith(QLatin1String(".pdf"), Qt::CaseInsensitive))
        return m_plot->savePdf(path, width, height);
    return m_plot->savePng(path, width, height);
}

} // namespace nnb::widgets
