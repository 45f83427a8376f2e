// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/network_view.h"

#include <algorithm>
#include <map>

#include <QFileInfo>
#include <QFrame>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "nnb/ir/graph.h"
#include "nnb/onnx/import.h"
#include "nnb/widgets/formatting.h"
#include "nnb/widgets/network_table_model.h"

namespace nnb::widgets {
namespace {

QLabel* makeValueLabel(QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // wrap instead of widening the window
    return label;
}

QLabel* makeKeyLabel(const QString& text, QWidget* parent)
{
    auto* label = new QLabel(text, parent);
    label->setAlignment(Qt::AlignRight | Qt::AlignTop);
    label->setForegroundRole(QPalette::PlaceholderText);
    return label;
}

QString valueList(const ir::Graph& graph, const std::vector<ir::ValueId>& ids)
{
    QStringList parts;
    for (ir::ValueId id : ids)
        parts << QStringLiteral("%1 %2").arg(QString::fromStdString(graph.value(id).name), shapeText(graph.value(id).shape));
    return parts.isEmpty() ? QObject::tr("none") : parts.join(QStringLiteral(", "));
}

} // namespace

NetworkView::NetworkView(QWidget* parent)
    : QWidget(parent)
    , m_tableModel(new NetworkTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
{
    // Summary header: title line, then a two-column grid of key/value pairs.
    auto* header = new QFrame(this);
    header->setObjectName(QStringLiteral("networkSummary"));
    header->setFrameShape(QFrame::StyledPanel);
    header->setBackgroundRole(QPalette::Base);
    header->setAutoFillBackground(true);

    m_title = new QLabel(header);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_path = makeValueLabel(header);
    m_path->setForegroundRole(QPalette::PlaceholderText);

    m_details = new QWidget(header);
    auto* grid = new QGridLayout(m_details);
    grid->setContentsMargins(0, 4, 0, 0);
    grid->setHorizontalSpacing(10);
    grid->setVerticalSpacing(4);
    m_producer = makeValueLabel(m_details);
    m_parameters = makeValueLabel(m_details);
    m_inputs = makeValueLabel(m_details);
    m_outputs = makeValueLabel(m_details);
    m_ops = makeValueLabel(m_details);
    grid->addWidget(makeKeyLabel(tr("Producer"), m_details), 0, 0);
    grid->addWidget(m_producer, 0, 1);
    grid->addWidget(makeKeyLabel(tr("Input"), m_details), 0, 2);
    grid->addWidget(m_inputs, 0, 3);
    grid->addWidget(makeKeyLabel(tr("Parameters"), m_details), 1, 0);
    grid->addWidget(m_parameters, 1, 1);
    grid->addWidget(makeKeyLabel(tr("Output"), m_details), 1, 2);
    grid->addWidget(m_outputs, 1, 3);
    grid->addWidget(makeKeyLabel(tr("Ops"), m_details), 2, 0);
    grid->addWidget(m_ops, 2, 1, 1, 3);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);

    auto* headerLayout = new QVBoxLayout(header);
    headerLayout->setContentsMargins(12, 10, 12, 10);
    headerLayout->setSpacing(2);
    headerLayout->addWidget(m_title);
    headerLayout->addWidget(m_path);
    headerLayout->addWidget(m_details);

    // Layer table. Sorting goes through a proxy so the source model keeps graph order.
    m_proxy->setSourceModel(m_tableModel);
    m_proxy->setSortRole(NetworkTableModel::SortRole);
    m_table->setObjectName(QStringLiteral("networkTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(NetworkTableModel::IndexColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // The rewrite column takes the spare width: its texts are the longest ("3 core-ops (3 max-tree)").
    m_table->horizontalHeader()->setSectionResizeMode(NetworkTableModel::RewriteColumn, QHeaderView::Stretch);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { onCurrentRowChanged(current); });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    layout->addWidget(header);
    layout->addWidget(m_table, 1);

    updateSummary();
}

NetworkView::~NetworkView() = default;

void NetworkView::setNetwork(std::shared_ptr<const onnx::ImportedModel> model)
{
    m_model = std::move(model);
    // The table shares ownership of the graph inside the model (aliasing constructor), so the
    // snapshot stays alive exactly as long as something displays it.
    m_tableModel->setGraph(m_model ? std::shared_ptr<const ir::Graph>(m_model, &m_model->graph) : nullptr);
    m_table->resizeColumnsToContents();
    // Give the stretched name column room, and keep shape columns from hogging the width.
    for (int column : {int(NetworkTableModel::InputShapeColumn), int(NetworkTableModel::OutputShapeColumn)})
        m_table->setColumnWidth(column, std::max(m_table->columnWidth(column) + 16, 120));
    updateSummary();
}

QString NetworkView::summaryText() const
{
    QStringList parts{m_title->text(), m_path->text()};
    if (m_details->isVisibleTo(this))
        parts << m_producer->text() << m_inputs->text() << m_parameters->text() << m_outputs->text() << m_ops->text();
    return parts.join(QLatin1Char('\n'));
}

void NetworkView::updateSummary()
{
    if (!m_model) {
        m_title->setText(tr("No model loaded"));
        m_path->setText(tr("Open an ONNX model with File ▸ Open Model… or drop one onto the window."));
        m_path->setToolTip({});
        m_details->hide();
        return;
    }
    const onnx::ImportedModel& model = *m_model;
    const ir::Graph& graph = model.graph;
    const QString source = QString::fromStdString(model.source);
    const QFileInfo file(source);
    m_title->setText(file.fileName().isEmpty() ? source : file.fileName());
    m_path->setText(file.absoluteFilePath());
    m_path->setToolTip(file.absoluteFilePath());

    const QString producer = model.producerName.empty() ? tr("unknown producer")
                                                        : QString::fromStdString(model.producerName + " " + model.producerVersion).trimmed();
    m_producer->setText(tr("%1 · ONNX IR v%2 · opset %3").arg(producer).arg(model.irVersion).arg(model.opsetVersion));

    const ir::GraphStats stats = ir::computeStats(graph);
    m_parameters->setText(tr("%1 (%2 as float32) in %3 nodes")
                              .arg(formatCount(stats.parameters), formatBytes(stats.parameterBytes), formatCount(stats.nodes)));
    m_inputs->setText(valueList(graph, graph.inputs()));
    m_outputs->setText(valueList(graph, graph.outputs()));

    // Op histogram, most frequent first (ties by name) so the dominant ops lead.
    std::map<QString, int> counts;
    for (const ir::Node& node : graph.nodes()) {
        const auto name = ir::opName(node.op);
        counts[QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()))]++;
    }
    std::vector<std::pair<QString, int>> histogram(counts.begin(), counts.end());
    std::stable_sort(histogram.begin(), histogram.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    QStringList ops;
    for (const auto& [op, count] : histogram)
        ops << QStringLiteral("%1 ×%2").arg(op).arg(count);
    m_ops->setText(ops.isEmpty() ? tr("none") : ops.join(QStringLiteral("  ·  ")));
    m_details->show();
}

void NetworkView::onCurrentRowChanged(const QModelIndex& current)
{
    if (current.isValid())
        emit layerSelected(current.data(NetworkTableModel::NodeIdRole).toInt());
}

} // namespace nnb::widgets
