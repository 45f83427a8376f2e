// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <QAbstractTableModel>
#include <QHash>
#include <QString>

// Core types are only forward-declared in Q_OBJECT headers: moc then never has to parse the
// core's X-macro headers (moc in Qt 6.4 cannot parse an enum assembled from two #includes).
namespace nnb::ir {
class Graph;
} // namespace nnb::ir

namespace nnb::widgets {

/// A read-only table of a graph's nodes, one row per node in graph order (topological after
/// import): index, layer name, op, the shapes of the non-constant inputs, the output shape(s)
/// and the number of float parameters the node reads.
///
/// The model holds an immutable graph snapshot; a new snapshot replaces the whole table
/// (modelReset), so views never observe a half-updated graph. Display strings are computed
/// once in setGraph(), which keeps data() cheap for large networks.
class NetworkTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// The table's columns, in display order.
    enum Column {
        IndexColumn,
        NameColumn,
        OpColumn,
        InputShapeColumn,
        OutputShapeColumn,
        ParameterColumn,
        RewriteColumn, ///< how the compiler realised the layer (empty until a compile result is set)
        ColumnCount
    };
    Q_ENUM(Column)

    /// Extra item roles.
    enum Role {
        NodeIdRole = Qt::UserRole + 1, ///< the row's ir::NodeId (int), for selection intents
        SortRole,                      ///< a sortable value: numbers for numeric columns
    };

    explicit NetworkTableModel(QObject* parent = nullptr);
    ~NetworkTableModel() override;

    /// Shows the nodes of \p graph; nullptr empties the table.
    void setGraph(std::shared_ptr<const ir::Graph> graph);
    /// \returns the graph shown, or nullptr.
    const std::shared_ptr<const ir::Graph>& graph() const { return m_graph; }
    /// Sets the core-op rewrite of each layer, by node name ("1 core-op", "3 core-ops (3
    /// max-tree)", "host"), with a tooltip each; an empty map clears the column.
    void setRewrites(const QHash<QString, QString>& rewrites, const QHash<QString, QString>& toolTips = {});

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString name;
        QString op;
        QString inputShapes;
        QString outputShapes;
        int64_t parameters = 0;
        QString nameToolTip;
        QString opToolTip;
        QString inputToolTip;
        QString outputToolTip;
    };

    std::shared_ptr<const ir::Graph> m_graph;
    std::vector<Row> m_rows;
    QHash<QString, QString> m_rewrites;
    QHash<QString, QString> m_rewriteToolTips;
};

} // namespace nnb::widgets
