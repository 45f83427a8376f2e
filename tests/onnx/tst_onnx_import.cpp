// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the ONNX importer: small text models in tests/data/models, the shipped networks, a
// table of malformed or unsupported models that must be refused with a precise error, tensor
// files, and robustness against corrupted bytes.
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include <google/protobuf/text_format.h>
#include <onnx/onnx_pb.h>

#include "nnb/onnx/import.h"
#include "test_paths.h"

namespace pb = ::onnx;
using nnb::Errc;
using nnb::Expected;
using nnb::onnx::ImportedModel;

Q_DECLARE_METATYPE(nnb::Errc)

namespace {

/// How a malformed-model row reaches the importer.
enum class Feed {
    Bytes, ///< importModelFromBytes(payload)
    Text, ///< importModelFromText(payload)
    TempFile, ///< payload written to a temporary file called `source`, then importModel(path)
    DataFile, ///< importModel(tests/data/models/<source>)
    MissingFile, ///< importModel(<temporary dir>/<source>), which does not exist
};

std::filesystem::path modelPath(const std::string& name)
{
    return nnb::test::dataDir() / "models" / name;
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeFile(const std::filesystem::path& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

QByteArray toBytes(const std::string& s)
{
    return QByteArray(s.data(), static_cast<qsizetype>(s.size()));
}

std::string toStd(const QByteArray& bytes)
{
    return std::string(bytes.constData(), static_cast<size_t>(bytes.size()));
}

/// The base model of the malformed cases, parsed from its committed text.
pb::ModelProto baseModel()
{
    pb::ModelProto model;
    const bool parsed = google::protobuf::TextFormat::ParseFromString(readFile(modelPath("gemm_relu.onnxtxt")), &model);
    if (!parsed)
        qFatal("cannot parse tests/data/models/gemm_relu.onnxtxt");
    return model;
}

/// The base model with one defect, serialized.
QByteArray mutated(const std::function<void(pb::ModelProto&)>& defect)
{
    pb::ModelProto model = baseModel();
    defect(model);
    return toBytes(model.SerializeAsString());
}

pb::NodeProto& nodeNamed(pb::ModelProto& model, const std::string& name)
{
    for (auto& node : *model.mutable_graph()->mutable_node())
        if (node.name() == name)
            return node;
    qFatal("no node %s", name.c_str());
}

pb::TensorProto& initializerNamed(pb::ModelProto& model, const std::string& name)
{
    for (auto& init : *model.mutable_graph()->mutable_initializer())
        if (init.name() == name)
            return init;
    qFatal("no initializer %s", name.c_str());
}

pb::TensorShapeProto& inputShape(pb::ModelProto& model, int index)
{
    return *model.mutable_graph()->mutable_input(index)->mutable_type()->mutable_tensor_type()->mutable_shape();
}

void setDims(pb::TensorShapeProto& shape, const std::vector<int64_t>& dims)
{
    shape.clear_dim();
    for (int64_t d : dims)
        shape.add_dim()->set_dim_value(d);
}

const nnb::ir::Value& valueNamed(const nnb::ir::Graph& graph, std::string_view name)
{
    const auto id = graph.findValue(name);
    if (!id)
        qFatal("no value %s", std::string(name).c_str());
    return graph.value(*id);
}

const nnb::ir::Node* findNode(const nnb::ir::Graph& graph, std::string_view name)
{
    for (const auto& node : graph.nodes())
        if (node.name == name)
            return &node;
    return nullptr;
}

std::string describe(const Expected<ImportedModel>& result)
{
    return result ? std::string("imported") : result.error().toString();
}

nnb::ir::Shape shape(std::initializer_list<int64_t> dims)
{
    return nnb::ir::Shape(dims);
}

constexpr int64_t kDyn = nnb::ir::kDynamicDim;

} // namespace

Q_DECLARE_METATYPE(Feed)

class TestOnnxImport : public QObject {
    Q_OBJECT

private slots:
    void importsGemmRelu();
    void importsWeightsListedAsInputs();
    void normalisesClipBounds_data();
    void normalisesClipBounds();
    void normalisesSoftmaxAxis_data();
    void normalisesSoftmaxAxis();
    void turnsConstantNodesIntoConstants();
    void normalisesInferenceOnlyOps();
    void importsBinaryAndTextFiles();
    void bindsRuntimeShapeInput();
    void refusesBadOptions();
    void makesNodeNamesUnique();
    void importsShippedNetworks_data();
    void importsShippedNetworks();
    void refusesMalformedModels_data();
    void refusesMalformedModels();
    void readsTensorFiles_data();
    void readsTensorFiles();
    void refusesBadTensorFiles_data();
    void refusesBadTensorFiles();
    void readsOnnxConformanceTensor();
    void survivesCorruptedBytes();

private:
    QTemporaryDir m_tmp;
};

void TestOnnxImport::importsGemmRelu()
{
    const auto result = nnb::onnx::importModel(modelPath("gemm_relu.onnxtxt"));
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Graph& graph = result->graph;

    QCOMPARE(result->opsetVersion, 13);
    QCOMPARE(result->irVersion, 8);
    QCOMPARE(result->producerName, std::string("nnbridge-tests"));
    QVERIFY(result->source.find("gemm_relu.onnxtxt") != std::string::npos);

    QCOMPARE(graph.inputs().size(), size_t { 1 });
    QCOMPARE(graph.value(graph.inputs()[0]).name, std::string("x"));
    QCOMPARE(graph.value(graph.inputs()[0]).shape, shape({ kDyn, 4 }));
    QCOMPARE(graph.outputs().size(), size_t { 1 });
    QCOMPARE(graph.value(graph.outputs()[0]).shape, shape({ kDyn, 3 }));

    QCOMPARE(graph.numNodes(), 2);
    QCOMPARE(graph.node(0).name, std::string("fc"));
    QCOMPARE(graph.node(0).op, nnb::ir::OpKind::Gemm);
    QCOMPARE(graph.node(0).attrs.getInt("transB", 0), 1);
    QCOMPARE(graph.node(1).op, nnb::ir::OpKind::Relu);

    // raw_data (little-endian) and float_data decode to the same kind of tensor.
    const auto& w = valueNamed(graph, "W");
    QVERIFY(w.isConstant());
    QCOMPARE(w.constant->shape, shape({ 3, 4 }));
    QCOMPARE(w.constant->f.size(), size_t { 12 });
    QCOMPARE(w.constant->f[0], 0.1f);
    QCOMPARE(w.constant->f[11], 1.2f);
    const auto& b = valueNamed(graph, "B");
    QCOMPARE(b.constant->f, (std::vector<float> { 0.5f, -0.5f, 0.0f }));
}

void TestOnnxImport::importsWeightsListedAsInputs()
{
    const auto result = nnb::onnx::importModel(modelPath("mlp_mixed_storage.onnxtxt"));
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Graph& graph = result->graph;
    QCOMPARE(result->opsetVersion, 9);

    // W1, B1 and B2 are graph inputs with initializers: constants, not runtime inputs.
    QCOMPARE(graph.inputs().size(), size_t { 1 });
    QCOMPARE(graph.value(graph.inputs()[0]).shape, shape({ kDyn, 4 }));
    for (const char* name : { "W1", "B1", "W2", "B2" })
        QVERIFY2(valueNamed(graph, name).isConstant(), name);

    const auto& w1 = *valueNamed(graph, "W1").constant;
    QCOMPARE(w1.dtype, nnb::ir::DataType::Float32);
    QCOMPARE(w1.f[5], 0.6f);
    const auto& w2 = *valueNamed(graph, "W2").constant;
    QCOMPARE(w2.dtype, nnb::ir::DataType::Float32);
    QCOMPARE(w2.shape, shape({ 3, 2 }));
    QCOMPARE(w2.f, (std::vector<float> { 1.0f, -1.0f, 0.5f, 0.25f, -2.0f, 4.0f }));
    QCOMPARE(valueNamed(graph, "B2").constant->f, (std::vector<float> { 0.5f, -0.5f }));

    QCOMPARE(graph.numNodes(), 3);
    QVERIFY2(findNode(graph, "Relu_1"), "an unnamed node gets <OpType>_<index>");
    QCOMPARE(valueNamed(graph, "h1").shape, shape({ kDyn, 3 }));
    QCOMPARE(valueNamed(graph, "y").shape, shape({ kDyn, 2 }));
}

void TestOnnxImport::normalisesClipBounds_data()
{
    QTest::addColumn<QString>("file");
    QTest::addRow("opset 7, bounds as attributes") << "clip_opset7.onnxtxt";
    QTest::addRow("opset 13, bounds as inputs") << "clip_opset13.onnxtxt";
}

void TestOnnxImport::normalisesClipBounds()
{
    QFETCH(QString, file);
    const auto result = nnb::onnx::importModel(modelPath(file.toStdString()));
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Graph& graph = result->graph;
    QCOMPARE(graph.numNodes(), 2);

    auto boundOf = [&](const nnb::ir::Node& node, size_t slot) -> float {
        const nnb::ir::Value& v = graph.value(node.inputs.at(slot));
        if (!v.isConstant() || v.constant->dtype != nnb::ir::DataType::Float32 || v.constant->f.size() != 1)
            qFatal("Clip bound %zu of %s is not a float scalar constant", slot, node.name.c_str());
        return v.constant->f[0];
    };
    // Both forms import to Clip(x, min, max) with constant float scalar bounds and no
    // attributes; an absent min is kNoValue.
    const nnb::ir::Node& both = graph.node(0);
    QCOMPARE(both.name, std::string("clip_both"));
    QCOMPARE(both.inputs.size(), size_t { 3 });
    QCOMPARE(boundOf(both, 1), -1.0f);
    QCOMPARE(boundOf(both, 2), 6.0f);
    QVERIFY(both.attrs.all().empty());

    const nnb::ir::Node& maxOnly = graph.node(1);
    QCOMPARE(maxOnly.inputs.size(), size_t { 3 });
    QCOMPARE(maxOnly.inputs[1], nnb::ir::kNoValue);
    QCOMPARE(boundOf(maxOnly, 2), 2.0f);
    QVERIFY(maxOnly.attrs.all().empty());
    QCOMPARE(graph.value(graph.outputs()[0]).shape, shape({ 1, 4 }));
}

void TestOnnxImport::normalisesSoftmaxAxis_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("node");
    QTest::addColumn<bool>("hasAxis");
    QTest::addColumn<qint64>("axis");
    QTest::addColumn<bool>("coerced");
    QTest::addRow("opset 11, default axis") << "softmax_opset11.onnxtxt"
                                            << "sm_default" << true << qint64 { 1 } << true;
    QTest::addRow("opset 11, axis 2") << "softmax_opset11.onnxtxt"
                                      << "sm_axis2" << true << qint64 { 2 } << true;
    QTest::addRow("opset 13, default axis") << "softmax_opset13.onnxtxt"
                                            << "sm_default" << false << qint64 { 0 } << false;
    QTest::addRow("opset 13, axis 2") << "softmax_opset13.onnxtxt"
                                      << "sm_axis2" << true << qint64 { 2 } << false;
}

void TestOnnxImport::normalisesSoftmaxAxis()
{
    QFETCH(QString, file);
    QFETCH(QString, node);
    QFETCH(bool, hasAxis);
    QFETCH(qint64, axis);
    QFETCH(bool, coerced);
    const auto result = nnb::onnx::importModel(modelPath(file.toStdString()));
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Node* softmax = findNode(result->graph, node.toStdString());
    QVERIFY(softmax);
    QCOMPARE(softmax->attrs.has("axis"), hasAxis);
    if (hasAxis)
        QCOMPARE(softmax->attrs.getInt("axis", -100), axis);
    QCOMPARE(softmax->attrs.has("coerce_2d"), coerced);
    if (coerced)
        QCOMPARE(softmax->attrs.getInt("coerce_2d", 0), 1);
    QCOMPARE(valueNamed(result->graph, "y").shape, shape({ kDyn, 3, 4 }));
}

void TestOnnxImport::turnsConstantNodesIntoConstants()
{
    const auto result = nnb::onnx::importModel(modelPath("constant_reshape.onnxtxt"));
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Graph& graph = result->graph;

    QCOMPARE(graph.numNodes(), 3);
    QCOMPARE(graph.node(0).op, nnb::ir::OpKind::Reshape);
    QCOMPARE(graph.node(1).op, nnb::ir::OpKind::Add);
    QCOMPARE(graph.node(2).op, nnb::ir::OpKind::Reshape);

    const auto& flatShape = valueNamed(graph, "flat_shape_out");
    QVERIFY(flatShape.isConstant());
    QCOMPARE(flatShape.constant->dtype, nnb::ir::DataType::Int64);
    QCOMPARE(flatShape.constant->i, (std::vector<int64_t> { -1, 12 }));
    const auto& bias = valueNamed(graph, "bias_out");
    QCOMPARE(bias.constant->shape, shape({ 12 }));
    QCOMPARE(bias.constant->f[11], 11.0f);
    const auto& unflat = valueNamed(graph, "unflat_shape_out");
    QCOMPARE(unflat.constant->i, (std::vector<int64_t> { 0, 3, 4 }));

    QCOMPARE(valueNamed(graph, "flat").shape, shape({ kDyn, 12 }));
    QCOMPARE(valueNamed(graph, "y").shape, shape({ kDyn, 3, 4 }));
}

void TestOnnxImport::normalisesInferenceOnlyOps()
{
    const auto result = nnb::onnx::importModel(modelPath("convnet.onnxtxt"));
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Graph& graph = result->graph;
    QCOMPARE(result->opsetVersion, 11);
    QCOMPARE(graph.numNodes(), 9);
    for (const auto& node : graph.nodes())
        QVERIFY2(node.outputs.size() == 1, ("unused extra outputs are dropped: " + node.name).c_str());

    const nnb::ir::Node* bn = findNode(graph, "bn");
    QVERIFY(bn);
    QCOMPARE(bn->attrs.getFloat("epsilon", 0.0f), 0.001f);
    QVERIFY2(!bn->attrs.has("momentum"), "momentum means nothing for inference");

    const nnb::ir::Node* pool = findNode(graph, "maxpool");
    QVERIFY(pool);
    QCOMPARE(pool->attrs.getInts("kernel_shape"), (std::vector<int64_t> { 2, 2 }));
    QVERIFY(!graph.findValue("p_indices"));

    const nnb::ir::Node* dropout = findNode(graph, "dropout");
    QVERIFY(dropout);
    QCOMPARE(dropout->inputs.size(), size_t { 1 });
    QVERIFY(!dropout->attrs.has("ratio"));

    QVERIFY2(findNode(graph, "Relu_2"), "the unnamed Relu is node 2");
    QCOMPARE(findNode(graph, "softmax")->attrs.getInt("coerce_2d", 0), 1);

    QCOMPARE(valueNamed(graph, "c").shape, shape({ kDyn, 2, 8, 8 }));
    QCOMPARE(valueNamed(graph, "p").shape, shape({ kDyn, 2, 4, 4 }));
    QCOMPARE(valueNamed(graph, "q").shape, shape({ kDyn, 2, 2, 2 }));
    QCOMPARE(valueNamed(graph, "f").shape, shape({ kDyn, 8 }));
    QCOMPARE(valueNamed(graph, "y").shape, shape({ kDyn, 3 }));
}

void TestOnnxImport::importsBinaryAndTextFiles()
{
    QVERIFY(m_tmp.isValid());
    const std::string bytes = baseModel().SerializeAsString();
    const auto fromBytes = nnb::onnx::importModelFromBytes(bytes, "memory.onnx");
    QVERIFY2(fromBytes, describe(fromBytes).c_str());
    QCOMPARE(fromBytes->source, std::string("memory.onnx"));

    const std::filesystem::path file = m_tmp.filePath("gemm_relu.onnx").toStdString();
    writeFile(file, bytes);
    const auto fromFile = nnb::onnx::importModel(file);
    QVERIFY2(fromFile, describe(fromFile).c_str());

    const auto fromText = nnb::onnx::importModelFromText(readFile(modelPath("gemm_relu.onnxtxt")), "text");
    QVERIFY2(fromText, describe(fromText).c_str());
    for (const auto* model : { &*fromBytes, &*fromFile, &*fromText }) {
        QCOMPARE(model->graph.numNodes(), 2);
        QCOMPARE(model->graph.value(model->graph.outputs()[0]).shape, shape({ kDyn, 3 }));
    }
}

void TestOnnxImport::bindsRuntimeShapeInput()
{
    const auto path = modelPath("reshape_shape_input.onnxtxt");
    const auto unbound = nnb::onnx::importModel(path);
    QVERIFY(!unbound);
    QCOMPARE(unbound.error().code, Errc::UnsupportedOp);

    nnb::onnx::ImportOptions options;
    options.bindInputs.emplace("target_shape", nnb::ir::Tensor::fromInts({ 2 }, { -1, 12 }));
    const auto bound = nnb::onnx::importModel(path, options);
    QVERIFY2(bound, describe(bound).c_str());
    QCOMPARE(bound->graph.inputs().size(), size_t { 1 });
    QVERIFY(valueNamed(bound->graph, "target_shape").isConstant());
    QCOMPARE(valueNamed(bound->graph, "y").shape, shape({ kDyn, 12 }));

    // A binding must fit what the model declares for the input.
    nnb::onnx::ImportOptions wrongType;
    wrongType.bindInputs.emplace("target_shape", nnb::ir::Tensor::fromData({ 2 }, { -1.0f, 12.0f }));
    const auto mismatched = nnb::onnx::importModel(path, wrongType);
    QVERIFY(!mismatched);
    QCOMPARE(mismatched.error().code, Errc::InvalidArgument);
    QVERIFY2(mismatched.error().toString().find("bound input 'target_shape'") != std::string::npos,
        mismatched.error().toString().c_str());
}

void TestOnnxImport::refusesBadOptions()
{
    // A binding for an input the model does not have is a caller's typo, not something to
    // ignore.
    nnb::onnx::ImportOptions unknownInput;
    unknownInput.bindInputs.emplace("no_such_input", nnb::ir::Tensor::fromInts({ 1 }, { 1 }));
    const auto unknown = nnb::onnx::importModel(modelPath("gemm_relu.onnxtxt"), unknownInput);
    QVERIFY(!unknown);
    QCOMPARE(unknown.error().code, Errc::InvalidArgument);
    QVERIFY(unknown.error().message.find("'no_such_input'") != std::string::npos);

    nnb::onnx::ImportOptions noElements;
    noElements.maxTensorElements = 0;
    const auto limit = nnb::onnx::importModel(modelPath("gemm_relu.onnxtxt"), noElements);
    QVERIFY(!limit);
    QCOMPARE(limit.error().code, Errc::InvalidArgument);

    // A tight limit refuses the 12-element weight W.
    nnb::onnx::ImportOptions tight;
    tight.maxTensorElements = 8;
    const auto small = nnb::onnx::importModel(modelPath("gemm_relu.onnxtxt"), tight);
    QVERIFY(!small);
    QCOMPARE(small.error().code, Errc::UnsupportedOp);
    QVERIFY2(small.error().toString().find("initializer 'W'") != std::string::npos, small.error().toString().c_str());
}

void TestOnnxImport::makesNodeNamesUnique()
{
    const QByteArray bytes = mutated([](pb::ModelProto& m) { nodeNamed(m, "relu").set_name("fc"); });
    const auto result = nnb::onnx::importModelFromBytes(toStd(bytes), "dup_names.onnx");
    QVERIFY2(result, describe(result).c_str());
    QCOMPARE(result->graph.node(0).name, std::string("fc"));
    QCOMPARE(result->graph.node(1).name, std::string("fc_1"));
}

void TestOnnxImport::importsShippedNetworks_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("nodes");
    QTest::addColumn<QString>("firstOp");
    QTest::addColumn<QString>("lastOp");
    QTest::addRow("mlp") << "mlp.onnx" << 6 << "Flatten"
                         << "Gemm";
    QTest::addRow("lenet") << "lenet.onnx" << 13 << "Conv"
                           << "Softmax";
}

void TestOnnxImport::importsShippedNetworks()
{
    QFETCH(QString, file);
    QFETCH(int, nodes);
    QFETCH(QString, firstOp);
    QFETCH(QString, lastOp);
    const auto path = nnb::test::resourceDir() / "models" / file.toStdString();
    if (!std::filesystem::exists(path))
        QSKIP(qPrintable("the shipped network " + file + " is not there yet (resources/models/train.py makes it)"));
    const auto result = nnb::onnx::importModel(path);
    QVERIFY2(result, describe(result).c_str());
    const nnb::ir::Graph& graph = result->graph;
    QCOMPARE(graph.numNodes(), nodes);
    QCOMPARE(QString::fromStdString(std::string(nnb::ir::opName(graph.node(0).op))), firstOp);
    QCOMPARE(QString::fromStdString(std::string(nnb::ir::opName(graph.node(nodes - 1).op))), lastOp);
    QCOMPARE(graph.inputs().size(), size_t { 1 });
    QCOMPARE(graph.value(graph.inputs()[0]).shape, shape({ kDyn, 1, 28, 28 }));
    QCOMPARE(graph.outputs().size(), size_t { 1 });
    QCOMPARE(graph.value(graph.outputs()[0]).shape, shape({ kDyn, 10 }));
}

void TestOnnxImport::refusesMalformedModels_data()
{
    QTest::addColumn<Feed>("feed");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<nnb::Errc>("code");
    QTest::addColumn<QStringList>("mentions");

    const std::string baseBytes = baseModel().SerializeAsString();
    const std::string baseText = readFile(modelPath("gemm_relu.onnxtxt"));

    // --- files that are not (whole) ONNX models
    // Cut inside W's raw_data, so the parser meets a length-delimited field that runs past the end.
    QTest::addRow("truncated binary file")
        << Feed::TempFile << "truncated.onnx" << toBytes(baseBytes.substr(0, baseBytes.size() / 2))
        << Errc::InvalidModel << QStringList { "cannot be parsed" };
    QTest::addRow("text model renamed .onnx")
        << Feed::TempFile << "text_model.onnx" << toBytes(baseText) << Errc::InvalidModel << QStringList {};
    std::mt19937 random(20240601);
    std::string noise(4096, '\0');
    std::generate(noise.begin(), noise.end(), [&] { return static_cast<char>(random() & 0xff); });
    QTest::addRow("random bytes") << Feed::TempFile << "random.onnx" << toBytes(noise) << Errc::InvalidModel
                                  << QStringList {};
    QTest::addRow("empty file") << Feed::TempFile << "empty.onnx" << QByteArray() << Errc::InvalidModel
                                << QStringList { "empty" };
    QTest::addRow("missing file") << Feed::MissingFile << "does_not_exist.onnx" << QByteArray() << Errc::Io
                                  << QStringList { "does not exist" };
    QTest::addRow("text syntax error") << Feed::Text << "broken.onnxtxt"
                                       << QByteArray("ir_version: 8\ngraph { node { op_type: Relu } }\n")
                                       << Errc::InvalidModel << QStringList { "line 2" };
    QTest::addRow("no graph") << Feed::Bytes << "no_graph.onnx" << mutated([](pb::ModelProto& m) { m.clear_graph(); })
                              << Errc::InvalidModel << QStringList { "no graph" };
    QTest::addRow("graph without nodes") << Feed::Bytes << "no_nodes.onnx"
                                         << mutated([](pb::ModelProto& m) { m.mutable_graph()->clear_node(); })
                                         << Errc::InvalidModel << QStringList { "no nodes" };

    // --- opsets, ops and domains
    QTest::addRow("opset 6") << Feed::Bytes << "opset6.onnx"
                             << mutated([](pb::ModelProto& m) { m.mutable_opset_import(0)->set_version(6); })
                             << Errc::UnsupportedOp << QStringList { "opset 6", "7 to 17", "convert_version" };
    QTest::addRow("opset 18") << Feed::Bytes << "opset18.onnx"
                              << mutated([](pb::ModelProto& m) { m.mutable_opset_import(0)->set_version(18); })
                              << Errc::UnsupportedOp << QStringList { "opset 18", "7 to 17" };
    QTest::addRow("unsupported op LSTM") << Feed::Bytes << "lstm.onnx" << mutated([](pb::ModelProto& m) {
        auto& node = nodeNamed(m, "relu");
        node.set_name("lstm_1");
        node.set_op_type("LSTM");
    }) << Errc::UnsupportedOp
                                         << QStringList { "node 'lstm_1' (LSTM)", "'LSTM' (opset 13)",
                                                "Supported ops are: Add, AveragePool" };
    QTest::addRow("compiler-internal op") << Feed::Bytes << "internal_op.onnx" << mutated([](pb::ModelProto& m) {
        nodeNamed(m, "relu").set_op_type("CoreOp");
    }) << Errc::UnsupportedOp << QStringList { "node 'relu' (CoreOp)", "not supported" };
    QTest::addRow("op of another domain") << Feed::Bytes << "domain.onnx" << mutated([](pb::ModelProto& m) {
        auto& node = nodeNamed(m, "relu");
        node.set_op_type("FusedRelu");
        node.set_domain("com.example");
    }) << Errc::UnsupportedOp << QStringList { "node 'relu' (FusedRelu)", "'com.example'" };

    // --- tensors
    QTest::addRow("external data initializer") << Feed::Bytes << "external.onnx" << mutated([](pb::ModelProto& m) {
        auto& w = initializerNamed(m, "W");
        w.clear_raw_data();
        w.set_data_location(pb::TensorProto::EXTERNAL);
        auto* entry = w.add_external_data();
        entry->set_key("location");
        entry->set_value("weights.bin");
    }) << Errc::UnsupportedOp << QStringList { "initializer 'W'", "external file" };
    QTest::addRow("missing initializer") << Feed::Bytes << "missing_init.onnx" << mutated([](pb::ModelProto& m) {
        m.mutable_graph()->mutable_initializer()->DeleteSubrange(0, 1); // W
    }) << Errc::InvalidModel << QStringList { "node 'fc' (Gemm)", "'W'", "missing initializer" };
    QTest::addRow("raw_data of the wrong size") << Feed::Bytes << "short_raw.onnx" << mutated([](pb::ModelProto& m) {
        initializerNamed(m, "W").mutable_raw_data()->resize(44);
    }) << Errc::InvalidModel << QStringList { "initializer 'W'", "44 bytes", "[3,4]" };
    QTest::addRow("raw_data and float_data together")
        << Feed::Bytes << "both_data.onnx"
        << mutated([](pb::ModelProto& m) { initializerNamed(m, "W").add_float_data(1.0f); }) << Errc::InvalidModel
        << QStringList { "initializer 'W'", "both raw_data and float_data" };
    QTest::addRow("negative dimension") << Feed::Bytes << "negative_dim.onnx" << mutated([](pb::ModelProto& m) {
        initializerNamed(m, "W").set_dims(0, -3);
    }) << Errc::InvalidModel << QStringList { "initializer 'W'", "[-3,4]", "negative dimension" };
    QTest::addRow("float16 weights") << Feed::Bytes << "float16.onnx" << mutated([](pb::ModelProto& m) {
        initializerNamed(m, "W").set_data_type(pb::TensorProto::FLOAT16);
    }) << Errc::UnsupportedOp << QStringList { "initializer 'W'", "float16" };
    QTest::addRow("integer weights") << Feed::Bytes << "int_bias.onnx" << mutated([](pb::ModelProto& m) {
        auto& b = initializerNamed(m, "B");
        b.clear_float_data();
        b.set_data_type(pb::TensorProto::INT64);
        for (int k = 0; k < 3; ++k)
            b.add_int64_data(k);
    }) << Errc::InvalidModel << QStringList { "node 'fc' (Gemm)", "'B'", "integer tensor" };

    // --- graph inputs
    QTest::addRow("zero-size dimension") << Feed::Bytes << "zero_dim.onnx" << mutated([](pb::ModelProto& m) {
        inputShape(m, 0).mutable_dim(1)->set_dim_value(0);
    }) << Errc::UnsupportedOp << QStringList { "graph input 'x'", "zero-size" };
    QTest::addRow("absurd dimension") << Feed::Bytes << "absurd_dim.onnx" << mutated([](pb::ModelProto& m) {
        setDims(inputShape(m, 0), { 1000000, 1000000 });
    }) << Errc::UnsupportedOp << QStringList { "graph input 'x'", "1000000000000 elements,", "maxTensorElements" };
    QTest::addRow("int32 graph input") << Feed::Bytes << "int32_input.onnx" << mutated([](pb::ModelProto& m) {
        m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
            pb::TensorProto::INT32);
    }) << Errc::UnsupportedOp << QStringList { "graph input 'x'", "int32" };
    QTest::addRow("dynamic non-batch dimension") << Feed::Bytes << "dynamic_dim.onnx" << mutated([](pb::ModelProto& m) {
        inputShape(m, 0).mutable_dim(1)->set_dim_param("features");
    }) << Errc::UnsupportedOp << QStringList { "graph input 'x'", "'features'", "batch" };

    // --- graph structure and shapes
    QTest::addRow("Gemm with mismatching K") << Feed::Bytes << "gemm_k.onnx" << mutated([](pb::ModelProto& m) {
        auto& w = initializerNamed(m, "W");
        w.clear_raw_data();
        w.set_dims(1, 5);
        for (int k = 0; k < 15; ++k)
            w.add_float_data(0.5f);
    }) << Errc::InvalidModel << QStringList { "node 'fc' (Gemm)", "[?,4]", "[3,5]" };
    QTest::addRow("declared shape disagrees") << Feed::Bytes << "declared_shape.onnx" << mutated([](pb::ModelProto& m) {
        m.mutable_graph()
            ->mutable_output(0)
            ->mutable_type()
            ->mutable_tensor_type()
            ->mutable_shape()
            ->mutable_dim(1)
            ->set_dim_value(7);
    }) << Errc::InvalidModel << QStringList { "node 'relu' (Relu)", "'y'", "[?,7]", "[?,3]" };
    QTest::addRow("duplicate output name") << Feed::Bytes << "duplicate_output.onnx" << mutated([](pb::ModelProto& m) {
        auto* node = m.mutable_graph()->add_node();
        node->set_name("relu2");
        node->set_op_type("Relu");
        node->add_input("h");
        node->add_output("y");
    }) << Errc::InvalidModel << QStringList { "node 'relu2' (Relu)", "'y'", "defined twice" };
    QTest::addRow("cycle") << Feed::Bytes << "cycle.onnx"
                           << mutated([](pb::ModelProto& m) { nodeNamed(m, "fc").set_input(0, "y"); })
                           << Errc::InvalidModel << QStringList { "cycle", "'fc'" };
    QTest::addRow("graph output never produced")
        << Feed::Bytes << "dangling_output.onnx"
        << mutated([](pb::ModelProto& m) { m.mutable_graph()->mutable_output(0)->set_name("z"); }) << Errc::InvalidModel
        << QStringList { "graph output 'z'" };

    // --- attributes
    QTest::addRow("attribute of the wrong type") << Feed::Bytes << "attr_type.onnx" << mutated([](pb::ModelProto& m) {
        auto* attr = nodeNamed(m, "fc").mutable_attribute(0);
        attr->set_type(pb::AttributeProto::FLOAT);
        attr->clear_i();
        attr->set_f(1.0f);
    }) << Errc::InvalidModel << QStringList { "node 'fc' (Gemm)", "'transB'", "must be an int", "a float" };
    QTest::addRow("unknown attribute") << Feed::Bytes << "unknown_attr.onnx" << mutated([](pb::ModelProto& m) {
        auto* attr = nodeNamed(m, "relu").add_attribute();
        attr->set_name("slope");
        attr->set_type(pb::AttributeProto::FLOAT);
        attr->set_f(0.1f);
    }) << Errc::InvalidModel << QStringList { "node 'relu' (Relu)", "'slope'", "not defined for Relu" };

    // --- op rules, from committed text models (Feed::DataFile reads them by path)
    struct FileCase {
        const char* file;
        Errc code;
        QStringList mentions;
    };
    const FileCase fileCases[] = {
        { "reshape_shape_input.onnxtxt", Errc::UnsupportedOp,
            { "node 'reshape' (Reshape)", "graph input 'target_shape'", "do_constant_folding=True", "bindInputs" } },
        { "invalid/dropout_training_mode.onnxtxt", Errc::UnsupportedOp,
            { "node 'drop' (Dropout)", "training_mode is true" } },
        { "invalid/dropout_mask_used.onnxtxt", Errc::UnsupportedOp, { "node 'drop' (Dropout)", "mask output 'mask'" } },
        { "invalid/maxpool_indices_used.onnxtxt", Errc::UnsupportedOp,
            { "node 'pool' (MaxPool)", "Indices output 'indices'", "storage_order=1" } },
        { "invalid/batchnorm_spatial0.onnxtxt", Errc::UnsupportedOp,
            { "node 'bn' (BatchNormalization)", "spatial=0" } },
        { "invalid/batchnorm_training.onnxtxt", Errc::UnsupportedOp,
            { "node 'bn' (BatchNormalization)", "training_mode=1" } },
        { "invalid/conv1d.onnxtxt", Errc::UnsupportedOp, { "node 'conv1d' (Conv)", "4-D NCHW", "[?,2,16]" } },
        { "invalid/maxpool3d.onnxtxt", Errc::UnsupportedOp, { "node 'pool3d' (MaxPool)", "2-D windows", "3 spatial" } },
        { "invalid/global_pool_5d.onnxtxt", Errc::UnsupportedOp, { "node 'gap' (GlobalAveragePool)", "4-D NCHW" } },
        { "invalid/auto_pad_bogus.onnxtxt", Errc::InvalidModel, { "node 'pool' (AveragePool)", "'SAME_MIDDLE'" } },
        { "invalid/attribute_too_new.onnxtxt", Errc::InvalidModel,
            { "node 'pool' (MaxPool)", "'ceil_mode'", "since opset 10", "opset 9" } },
    };
    for (const FileCase& c : fileCases)
        QTest::addRow("%s", c.file) << Feed::DataFile << QString(c.file) << QByteArray() << c.code << c.mentions;
}

void TestOnnxImport::refusesMalformedModels()
{
    QFETCH(Feed, feed);
    QFETCH(QString, source);
    QFETCH(QByteArray, payload);
    QFETCH(nnb::Errc, code);
    QFETCH(QStringList, mentions);
    QVERIFY(m_tmp.isValid());

    const std::string name = source.toStdString();
    Expected<ImportedModel> result = tl::unexpected(nnb::Error {});
    switch (feed) {
    case Feed::Bytes:
        result = nnb::onnx::importModelFromBytes(toStd(payload), name);
        break;
    case Feed::Text:
        result = nnb::onnx::importModelFromText(toStd(payload), name);
        break;
    case Feed::TempFile: {
        const std::filesystem::path path = m_tmp.filePath(source).toStdString();
        writeFile(path, toStd(payload));
        result = nnb::onnx::importModel(path);
        break;
    }
    case Feed::DataFile:
        result = nnb::onnx::importModel(modelPath(name));
        break;
    case Feed::MissingFile:
        result = nnb::onnx::importModel(m_tmp.filePath(source).toStdString());
        break;
    }

    QVERIFY2(!result, "the importer accepted the model");
    const nnb::Error& error = result.error();
    const std::string text = error.toString();
    QVERIFY2(error.code == code,
        qPrintable(QString("got '%1', expected '%2': %3")
                       .arg(nnb::errcName(error.code), nnb::errcName(code), QString::fromStdString(text))));
    // Every error names the file, as the outermost context.
    QVERIFY2(!error.context.empty() && error.context.back().rfind("file ", 0) == 0, text.c_str());
    const std::string fileName = std::filesystem::path(name).filename().string();
    QVERIFY2(error.context.back().find(fileName) != std::string::npos, text.c_str());
    for (const QString& mention : mentions)
        QVERIFY2(text.find(mention.toStdString()) != std::string::npos,
            qPrintable("missing '" + mention + "' in: " + QString::fromStdString(text)));
}

void TestOnnxImport::readsTensorFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("isFloat");
    QTest::addColumn<QList<double>>("values");

    auto tensor = [](int32_t type, std::vector<int64_t> dims, const std::function<void(pb::TensorProto&)>& fill) {
        pb::TensorProto t;
        t.set_name("input_0");
        t.set_data_type(type);
        for (int64_t d : dims)
            t.add_dims(d);
        fill(t);
        return toBytes(t.SerializeAsString());
    };
    const float floats[] = { 1.5f, -2.0f, 0.25f, 8.0f };
    QTest::addRow("float raw_data") << tensor(pb::TensorProto::FLOAT, { 2, 2 }, [&](pb::TensorProto& t) {
        t.set_raw_data(std::string(reinterpret_cast<const char*>(floats), sizeof floats));
    }) << true << QList<double> { 1.5, -2.0, 0.25, 8.0 };
    QTest::addRow("float float_data") << tensor(pb::TensorProto::FLOAT, { 2, 2 }, [&](pb::TensorProto& t) {
        for (float f : floats)
            t.add_float_data(f);
    }) << true << QList<double> { 1.5, -2.0, 0.25, 8.0 };
    QTest::addRow("double_data narrowed") << tensor(pb::TensorProto::DOUBLE, { 2, 2 }, [&](pb::TensorProto& t) {
        for (float f : floats)
            t.add_double_data(f);
    }) << true << QList<double> { 1.5, -2.0, 0.25, 8.0 };
    QTest::addRow("int64 int64_data") << tensor(pb::TensorProto::INT64, { 4 }, [](pb::TensorProto& t) {
        for (int64_t v : std::initializer_list<int64_t> { -1, 0, 7, int64_t { 1 } << 40 })
            t.add_int64_data(v);
    }) << false << QList<double> { -1, 0, 7, double(int64_t { 1 } << 40) };
    QTest::addRow("int32 int32_data widened") << tensor(pb::TensorProto::INT32, { 2, 2 }, [](pb::TensorProto& t) {
        for (int32_t v : { 3, -4, 5, -6 })
            t.add_int32_data(v);
    }) << false << QList<double> { 3, -4, 5, -6 };
}

void TestOnnxImport::readsTensorFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, isFloat);
    QFETCH(QList<double>, values);
    const std::filesystem::path path = m_tmp.filePath("tensor.pb").toStdString();
    writeFile(path, toStd(bytes));

    const auto result = nnb::onnx::readTensorFile(path);
    QVERIFY2(result, result ? "" : result.error().toString().c_str());
    QCOMPARE(result->name, std::string("input_0"));
    const nnb::ir::Tensor& t = result->tensor;
    QCOMPARE(t.dtype, isFloat ? nnb::ir::DataType::Float32 : nnb::ir::DataType::Int64);
    QCOMPARE(t.size(), static_cast<int64_t>(values.size()));
    for (qsizetype k = 0; k < values.size(); ++k) {
        const double got = isFloat ? double(t.f.at(size_t(k))) : double(t.i.at(size_t(k)));
        QCOMPARE(got, values[k]);
    }
}

void TestOnnxImport::refusesBadTensorFiles_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("write");
    QTest::addColumn<nnb::Errc>("code");
    QTest::addColumn<QString>("mention");

    pb::TensorProto uint8;
    uint8.set_name("pixels");
    uint8.set_data_type(pb::TensorProto::UINT8);
    uint8.add_dims(2);
    uint8.set_raw_data(std::string("\x01\x02", 2));
    QTest::addRow("uint8") << toBytes(uint8.SerializeAsString()) << true << Errc::UnsupportedOp << "uint8";

    pb::TensorProto flags;
    flags.set_data_type(pb::TensorProto::BOOL);
    flags.add_int32_data(1);
    QTest::addRow("bool") << toBytes(flags.SerializeAsString()) << true << Errc::UnsupportedOp << "bool";

    pb::TensorProto shortRaw;
    shortRaw.set_name("short");
    shortRaw.set_data_type(pb::TensorProto::FLOAT);
    shortRaw.add_dims(4);
    shortRaw.set_raw_data(std::string(12, '\0'));
    QTest::addRow("short raw_data") << toBytes(shortRaw.SerializeAsString()) << true << Errc::InvalidModel
                                    << "tensor 'short'";

    pb::TensorProto external = shortRaw;
    external.clear_raw_data();
    external.set_data_location(pb::TensorProto::EXTERNAL);
    QTest::addRow("external data") << toBytes(external.SerializeAsString()) << true << Errc::UnsupportedOp
                                   << "external";

    std::string whole = shortRaw.SerializeAsString();
    QTest::addRow("truncated") << toBytes(whole.substr(0, whole.size() - 3)) << true << Errc::InvalidModel
                               << "cannot be parsed";
    QTest::addRow("empty") << QByteArray() << true << Errc::InvalidModel << "empty";
    QTest::addRow("missing") << QByteArray() << false << Errc::Io << "does not exist";
}

void TestOnnxImport::refusesBadTensorFiles()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, write);
    QFETCH(nnb::Errc, code);
    QFETCH(QString, mention);
    const std::filesystem::path path = m_tmp.filePath(write ? "bad_tensor.pb" : "no_tensor.pb").toStdString();
    if (write)
        writeFile(path, toStd(bytes));

    const auto result = nnb::onnx::readTensorFile(path);
    QVERIFY(!result);
    const std::string text = result.error().toString();
    QVERIFY2(result.error().code == code, text.c_str());
    QVERIFY2(text.find(path.filename().string()) != std::string::npos, text.c_str());
    QVERIFY2(text.find(mention.toStdString()) != std::string::npos, text.c_str());
}

void TestOnnxImport::readsOnnxConformanceTensor()
{
    // Debian's libonnx-testdata ships ONNX's backend test data; use it when installed.
    const std::filesystem::path path = "/usr/share/libonnx-testdata/data/node/test_relu/test_data_set_0/input_0.pb";
    if (!std::filesystem::exists(path))
        QSKIP("libonnx-testdata is not installed");
    const auto result = nnb::onnx::readTensorFile(path);
    QVERIFY2(result, result ? "" : result.error().toString().c_str());
    QCOMPARE(result->tensor.dtype, nnb::ir::DataType::Float32);
    QCOMPARE(result->tensor.shape, shape({ 3, 4, 5 }));
    QCOMPARE(result->tensor.f.size(), size_t { 60 });
}

void TestOnnxImport::survivesCorruptedBytes()
{
    // Every prefix and many random single-byte corruptions of a valid model must produce either
    // a graph or an error naming the file: never a crash, an abort or an exception (run this
    // under the dev-asan preset to catch memory errors too).
    const std::string bytes = baseModel().SerializeAsString();
    int refused = 0;
    auto check = [&](const std::string& candidate) {
        const auto result = nnb::onnx::importModelFromBytes(candidate, "corrupt.onnx");
        if (result)
            return true;
        ++refused;
        return !result.error().context.empty() && result.error().context.back() == "file corrupt.onnx";
    };
    for (size_t length = 0; length < bytes.size(); ++length)
        QVERIFY2(check(bytes.substr(0, length)), qPrintable(QString("prefix of %1 bytes").arg(length)));
    std::mt19937 random(7);
    for (int round = 0; round < 3000; ++round) {
        std::string candidate = bytes;
        const size_t at = random() % candidate.size();
        candidate[at] = static_cast<char>(random() & 0xff);
        QVERIFY2(check(candidate), qPrintable(QString("byte %1 corrupted in round %2").arg(at).arg(round)));
    }
    QVERIFY(refused > 0);
}

QTEST_APPLESS_MAIN(TestOnnxImport)
#include "tst_onnx_import.moc"
