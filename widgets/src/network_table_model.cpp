// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/widgets/network_table_model.h"

#include <QStringList>

#include "nnb/ir/graph.h"
#include "nnb/widgets/formatting.h"

namespace nnb::widgets {
namespace {

QString valueName(const ir::Graph& graph, ir::ValueId id)
{
    return QString::fromStdString(graph.value(id).name).toHtmlEscaped();
}

/// One line per value for a tooltip: "name  [shape]  (constant)".
QString valueLines(const ir::Graph& graph, const std::vector<ir::ValueId>& ids)
{
    QStringList lines;
    for (ir::ValueId id : ids) {
        if (id == ir::kNoValue) {
            lines << QObject::tr("<i>(absent optional input)</i>");
            continue;
        }
        const ir::Value& v = graph.value(id);
        QString line = QStringLiteral("<b>%1</b> %2").arg(valueName(graph, id), shapeText(v.shape));
        if (v.isConstant())
            line += QObject::tr(" &mdash; constant, %1 elements").arg(formatCount(static_cast<int64_t>(v.constant->size())));
        lines << line;
    }
    return lines.join(QStringLiteral("<br>"));
}

QString shapesOf(const ir::Graph& graph, const std::vector<ir::ValueId>& ids, bool skipConstants)
{
    QStringList shapes;
    for (ir::ValueId id : ids) {
        if (id == ir::kNoValue || (skipConstants && graph.value(id).isConstant()))
            continue;
        shapes << shapeText(graph.value(id).shape);
    }
    return shapes.join(QStringLiteral(", "));
}

} // namespace

NetworkTableModel::NetworkTableModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

NetworkTableModel::~NetworkTableModel() = default;

void NetworkTableModel::setGraph(std::shared_ptr<const ir::Graph> graph)
{
    beginResetModel();
    m_graph = std::move(graph);
    m_rows.clear();
    if (m_graph) {
        const ir::Graph& g = *m_graph;
        m_rows.reserve(static_cast<size_t>(g.numNodes()));
        for (ir::NodeId n = 0; n < g.numNodes(); ++n) {
            const ir::Node& node = g.node(n);
            Row row;
            row.name = QString::fromStdString(node.name);
            if (row.name.isEmpty())
                row.name = tr("(unnamed %1)").arg(n);
            row.op = QString::fromUtf8(ir::opName(node.op).data(), static_cast<qsizetype>(ir::opName(node.op).size()));
            // Constant inputs are the weights; they are counted in the parameter column instead.
            row.inputShapes = shapesOf(g, node.inputs, /*skipConstants=*/true);
            row.outputShapes = shapesOf(g, node.outputs, /*skipConstants=*/false);
            row.parameters = ir::nodeParameterCount(g, n);

            row.nameToolTip = tr("<b>%1</b><br>node %2 of %3").arg(row.name.toHtmlEscaped()).arg(n).arg(g.numNodes());
            QStringList attrs;
            for (const auto& [name, value] : node.attrs.all())
                attrs << QStringLiteral("%1 = %2").arg(QString::fromStdString(name), attributeText(value).toHtmlEscaped());
            row.opToolTip = QStringLiteral("<b>%1</b>").arg(row.op) +
                            (attrs.isEmpty() ? tr("<br>no attributes") : QStringLiteral("<br>") + attrs.join(QStringLiteral("<br>")));
            row.inputToolTip = tr("<u>Inputs</u><br>%1").arg(valueLines(g, node.inputs));
            row.outputToolTip = tr("<u>Outputs</u><br>%1").arg(valueLines(g, node.outputs));
            m_rows.push_back(std::move(row));
        }
    }
    endResetModel();
}

void NetworkTableModel::setRewrites(const QHash<QString, QString>& rewrites, const QHash<QString, QString>& toolTips)
{
    m_rewrites = rewrites;
    m_rewriteToolTips = toolTips;
    if (!m_rows.empty())
        emit dataChanged(index(0, RewriteColumn), index(rowCount() - 1, RewriteColumn), {Qt::DisplayRole, Qt::ToolTipRole});
}

int NetworkTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int NetworkTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant NetworkTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int n = index.row();
    const Row& row = m_rows[static_cast<size_t>(n)];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case IndexColumn: return n;
        case NameColumn: return row.name;
        case OpColumn: return row.op;
        case InputShapeColumn: return row.inputShapes;
        case OutputShapeColumn: return row.outputShapes;
        case ParameterColumn: return row.parameters ? formatCount(row.parameters) : QStringLiteral("–");
        case RewriteColumn: return m_rewrites.value(row.name);
        }
        break;
    case SortRole:
        switch (index.column()) {
        case IndexColumn: return n;
        case ParameterColumn: return static_cast<qlonglong>(row.parameters);
        default: return data(index, Qt::DisplayRole);
        }
    case NodeIdRole:
        return n;
    case Qt::ToolTipRole:
        switch (index.column()) {
        case IndexColumn:
        case NameColumn: return row.nameToolTip;
        case OpColumn: return row.opToolTip;
        case InputShapeColumn: return row.inputToolTip;
        case OutputShapeColumn: return row.outputToolTip;
        case ParameterColumn:
            return tr("%1 float32 parameters (%2)").arg(formatCount(row.parameters), formatBytes(row.parameters * 4));
        case RewriteColumn: {
            const QString tip = m_rewriteToolTips.value(row.name);
            return tip.isEmpty() ? QVariant() : QVariant(tip);
        }
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == IndexColumn || index.column() == ParameterColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    default:
        break;
    }
    return {};
}

QVariant NetworkTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case IndexColumn: return tr("#");
        case NameColumn: return tr("Layer");
        case OpColumn: return tr("Op");
        case InputShapeColumn: return tr("Input shape");
        case OutputShapeColumn: return tr("Output shape");
        case ParameterColumn: return tr("Parameters");
        case RewriteColumn: return tr("Core-op rewrite");
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case IndexColumn: return tr("Position of the node in topological order");
        case NameColumn: return tr("Node name from the ONNX file");
        case OpColumn: return tr("Operation (ONNX op type)");
        case InputShapeColumn: return tr("Shapes of the non-constant inputs; ? is the dynamic batch dimension");
        case OutputShapeColumn: return tr("Shapes of the outputs, as inferred on import");
        case ParameterColumn: return tr("Float parameters (weights and biases) the node reads");
        case RewriteColumn: return tr("How the compiler realised the layer for the profile: core-ops (hardware primitives "
                                      "y = f(W·x + b)), split tiles, max-trees, folded into a neighbour, or run on the host");
        }
    }
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue((section == IndexColumn || section == ParameterColumn ? Qt::AlignRight : Qt::AlignLeft) |
                                   Qt::AlignVCenter);
    return QAbstractTableModel::headerData(section, orientation, role);
}

} // namespace nnb::widgets
