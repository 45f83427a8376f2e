// SPDX-License-Identifier: GPL-3.0-or-later
// NetworkTableModel and NetworkView on a hand-built graph (no importer needed).
#include <memory>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>

// moc parses this file for the test class; it needs no core header, and Qt 6.4's moc cannot
// parse ir/op_kind.h (an enum assembled from two X-macro #includes), so hide them from it.
#ifndef Q_MOC_RUN
#include "nnb/ir/graph.h"
#include "nnb/onnx/import.h"
#endif
#include "nnb/widgets/network_table_model.h"
#include "nnb/widgets/network_view.h"

using nnb::widgets::NetworkTableModel;

namespace {

/// input[?,1,4,4] -> Conv(w[2,1,3,3], b[2]) -> Relu -> Flatten -> Gemm(w[3,18], b[3]) -> logits[?,3]
std::shared_ptr<nnb::onnx::ImportedModel> tinyModel()
{
    using namespace nnb::ir;
    auto model = std::make_shared<nnb::onnx::ImportedModel>();
    model->source = "/tmp/tiny.onnx";
    model->producerName = "hand";
    model->opsetVersion = 13;
    model->irVersion = 8;
    Graph& g = model->graph;
    const ValueId x = g.addInput("input", {kDynamicDim, 1, 4, 4});
    const ValueId convW = g.addConstant("conv.weight", Tensor::filled({2, 1, 3, 3}, 0.5f));
    const ValueId convB = g.addConstant("conv.bias", Tensor::filled({2}, 0.0f));
    const ValueId conv = g.addValue("conv_out", {kDynamicDim, 2, 3, 3});
    Attributes convAttrs;
    convAttrs.set("kernel_shape", std::vector<int64_t>{3, 3});
    convAttrs.set("pads", std::vector<int64_t>{0, 0, 0, 0});
    g.addNode("conv1", OpKind::Conv, {x, convW, convB}, {conv}, convAttrs);
    // Deliberately unpadded shapes above: the model shows what the graph says, it computes nothing.
    const ValueId relu = g.addValue("relu_out", {kDynamicDim, 2, 3, 3});
    g.addNode("relu1", OpKind::Relu, {conv}, {relu});
    const ValueId flat = g.addValue("flat", {kDynamicDim, 18});
    g.addNode("", OpKind::Flatten, {relu}, {flat});
    const ValueId fcW = g.addConstant("fc.weight", Tensor::filled({3, 18}, 0.1f));
    const ValueId fcB = g.addConstant("fc.bias", Tensor::filled({3}, 0.0f));
    const ValueId logits = g.addValue("logits", {kDynamicDim, 3});
    g.addNode("fc", OpKind::Gemm, {flat, fcW, fcB}, {logits});
    g.addOutput(logits);
    return model;
}

} // namespace

class TestNetworkTableModel : public QObject {
    Q_OBJECT
private slots:
    void passesModelTester();
    void showsOneRowPerNode_data();
    void showsOneRowPerNode();
    void tooltipsNameValues();
    void emptyAndReset();
    void viewShowsSummaryAndEmitsSelection();
};

void TestNetworkTableModel::passesModelTester()
{
    NetworkTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto imported = tinyModel();
    model.setGraph(std::shared_ptr<const nnb::ir::Graph>(imported, &imported->graph));
    QCOMPARE(model.rowCount(), 4);
    model.setGraph(nullptr);
    QCOMPARE(model.rowCount(), 0);
    model.setGraph(std::shared_ptr<const nnb::ir::Graph>(imported, &imported->graph));
    QCOMPARE(model.rowCount(), 4);
}

void TestNetworkTableModel::showsOneRowPerNode_data()
{
    QTest::addColumn<int>("row");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("op");
    QTest::addColumn<QString>("inputs");
    QTest::addColumn<QString>("output");
    QTest::addColumn<qlonglong>("parameters");
    QTest::addRow("conv: constant weight and bias are not listed as inputs")
        << 0 << "conv1" << "Conv" << "[?,1,4,4]" << "[?,2,3,3]" << 20LL;
    QTest::addRow("relu: no parameters") << 1 << "relu1" << "Relu" << "[?,2,3,3]" << "[?,2,3,3]" << 0LL;
    QTest::addRow("unnamed node gets a placeholder name") << 2 << "(unnamed 2)" << "Flatten" << "[?,2,3,3]" << "[?,18]" << 0LL;
    QTest::addRow("gemm: weights 3x18 + bias 3") << 3 << "fc" << "Gemm" << "[?,18]" << "[?,3]" << 57LL;
}

void TestNetworkTableModel::showsOneRowPerNode()
{
    QFETCH(int, row);
    QFETCH(QString, name);
    QFETCH(QString, op);
    QFETCH(QString, inputs);
    QFETCH(QString, output);
    QFETCH(qlonglong, parameters);
    auto imported = tinyModel();
    NetworkTableModel model;
    model.setGraph(std::shared_ptr<const nnb::ir::Graph>(imported, &imported->graph));
    QCOMPARE(model.columnCount(), int(NetworkTableModel::ColumnCount));
    auto cell = [&](int column, int role = Qt::DisplayRole) { return model.index(row, column).data(role); };
    QCOMPARE(cell(NetworkTableModel::IndexColumn).toInt(), row);
    QCOMPARE(cell(NetworkTableModel::NameColumn).toString(), name);
    QCOMPARE(cell(NetworkTableModel::OpColumn).toString(), op);
    QCOMPARE(cell(NetworkTableModel::InputShapeColumn).toString(), inputs);
    QCOMPARE(cell(NetworkTableModel::OutputShapeColumn).toString(), output);
    QCOMPARE(cell(NetworkTableModel::ParameterColumn, NetworkTableModel::SortRole).toLongLong(), parameters);
    QCOMPARE(cell(NetworkTableModel::NameColumn, NetworkTableModel::NodeIdRole).toInt(), row);
}

void TestNetworkTableModel::tooltipsNameValues()
{
    auto imported = tinyModel();
    NetworkTableModel model;
    model.setGraph(std::shared_ptr<const nnb::ir::Graph>(imported, &imported->graph));
    const QString inputTip = model.index(0, NetworkTableModel::InputShapeColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(inputTip.contains("conv.weight") && inputTip.contains("constant"), qPrintable(inputTip));
    const QString opTip = model.index(0, NetworkTableModel::OpColumn).data(Qt::ToolTipRole).toString();
    QVERIFY2(opTip.contains("kernel_shape = [3,3]"), qPrintable(opTip));
    for (int column = 0; column < NetworkTableModel::ColumnCount; ++column)
        QVERIFY(!model.headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString().isEmpty());
}

void TestNetworkTableModel::emptyAndReset()
{
    NetworkTableModel model;
    QCOMPARE(model.rowCount(), 0);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    auto imported = tinyModel();
    model.setGraph(std::shared_ptr<const nnb::ir::Graph>(imported, &imported->graph));
    QCOMPARE(reset.count(), 1);
    QVERIFY(!model.index(4, 0).isValid());
}

void TestNetworkTableModel::viewShowsSummaryAndEmitsSelection()
{
    nnb::widgets::NetworkView view;
    QVERIFY(view.summaryText().contains("No model loaded"));
    view.setNetwork(tinyModel());
    const QString summary = view.summaryText();
    QVERIFY2(summary.contains("tiny.onnx") && summary.contains("opset 13") && summary.contains("77") &&
                 summary.contains("input [?,1,4,4]") && summary.contains("Conv ×1"),
             qPrintable(summary));
    QSignalSpy selected(&view, &nnb::widgets::NetworkView::layerSelected);
    view.tableView()->selectRow(3);
    QCOMPARE(selected.count(), 1);
    QCOMPARE(selected.at(0).at(0).toInt(), 3);
    view.setNetwork(nullptr);
    QCOMPARE(view.tableModel()->rowCount(), 0);
}

QTEST_MAIN(TestNetworkTableModel)
#include "tst_network_table_model.moc"
