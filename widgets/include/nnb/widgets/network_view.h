// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <memory>

#include <QWidget>

class QGridLayout;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace nnb::onnx {
struct ImportedModel;
} // namespace nnb::onnx

namespace nnb::widgets {

class NetworkTableModel;

/// The "Network" panel: a summary of an imported model (file, producer, opset, input and output
/// shapes, parameter count, op histogram) above a sortable table with one row per node.
///
/// It only displays the snapshot it is given and reports what the user selects; it never
/// imports anything itself.
class NetworkView : public QWidget {
    Q_OBJECT
public:
    explicit NetworkView(QWidget* parent = nullptr);
    ~NetworkView() override;

    /// Shows \p model; nullptr shows the empty state.
    void setNetwork(std::shared_ptr<const onnx::ImportedModel> model);
    /// \returns the model shown, or nullptr.
    const std::shared_ptr<const onnx::ImportedModel>& network() const { return m_model; }

    /// The table's source model (one row per node, graph order).
    NetworkTableModel* tableModel() const { return m_tableModel; }
    /// The table view (rows may be sorted by the user; map through its proxy model).
    QTableView* tableView() const { return m_table; }
    /// \returns the summary text shown above the table (title and every field), for tests.
    QString summaryText() const;

signals:
    /// The user selected the row of node \p node (an ir::NodeId: the index in graph order).
    void layerSelected(int node);

private:
    void updateSummary();
    void onCurrentRowChanged(const QModelIndex& current);

    std::shared_ptr<const onnx::ImportedModel> m_model;
    NetworkTableModel* m_tableModel = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_title = nullptr;
    QLabel* m_path = nullptr;
    QWidget* m_details = nullptr;
    QLabel* m_producer = nullptr;
    QLabel* m_parameters = nullptr;
    QLabel* m_inputs = nullptr;
    QLabel* m_outputs = nullptr;
    QLabel* m_ops = nullptr;
};

} // namespace nnb::widgets
