// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of the float reference executor: every op on tiny hand-built graphs with
// hand-computed results, then the scheduler (batch splitting across threads, input validation,
// cancellation, progress, runAll).
#include <QtTest>

#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "nnb/exec/executor.h"
#include "nnb/ir/graph.h"
#include "nnb/ir/shape_inference.h"
#include "nnb/ir/verifier.h"

using namespace nnb;
using namespace nnb::ir;

namespace {

/// One single-node test: the graph, the runtime inputs in graph order and the expected output.
struct OpCase {
    Graph graph;
    std::vector<Tensor> inputs;
    Tensor expected;
    std::string setupError; ///< shape inference or verification failed while building
};

/// An input slot of a single-node graph: fed at run time, a constant, or absent.
struct Arg {
    enum class Kind { Runtime, Constant, Absent } kind = Kind::Absent;
    Tensor tensor;
};
Arg in(Tensor t) { return {Arg::Kind::Runtime, std::move(t)}; }
Arg param(Tensor t) { return {Arg::Kind::Constant, std::move(t)}; }
Arg absent() { return {}; }

Tensor tensor(Shape shape, std::vector<float> data)
{
    return Tensor::fromData(std::move(shape), std::move(data));
}

/// \returns 0, 1, 2, ... n-1 (or starting at \p first) as a float tensor of \p shape.
Tensor iota(Shape shape, float first = 0.0f, float step = 1.0f)
{
    std::vector<float> data(static_cast<size_t>(numElements(shape)));
    for (size_t k = 0; k < data.size(); ++k)
        data[k] = first + step * static_cast<float>(k);
    return Tensor::fromData(std::move(shape), std::move(data));
}

Attributes attrs(std::initializer_list<std::pair<std::string, AttrValue>> list)
{
    Attributes a;
    for (const auto& [name, value] : list)
        a.set(name, value);
    return a;
}

OpCase makeCase(OpKind op, std::vector<Arg> args, Attributes attributes, Tensor expected)
{
    OpCase c;
    std::vector<ValueId> ids;
    for (size_t k = 0; k < args.size(); ++k) {
        const std::string name = "in" + std::to_string(k);
        switch (args[k].kind) {
        case Arg::Kind::Runtime:
            ids.push_back(c.graph.addInput(name, args[k].tensor.shape));
            c.inputs.push_back(args[k].tensor);
            break;
        case Arg::Kind::Constant: ids.push_back(c.graph.addConstant(name, args[k].tensor)); break;
        case Arg::Kind::Absent: ids.push_back(kNoValue); break;
        }
    }
    const ValueId y = c.graph.addValue("y");
    c.graph.addNode("node", op, ids, {y}, std::move(attributes));
    c.graph.addOutput(y);
    c.expected = std::move(expected);
    if (auto inferred = inferShapes(c.graph); !inferred)
        c.setupError = inferred.error().toString();
    else if (auto verified = verify(c.graph); !verified)
        c.setupError = verified.error().toString();
    return c;
}

std::string describe(const Tensor& t)
{
    std::string s = shapeToString(t.shape) + " {";
    for (size_t k = 0; k < t.f.size() && k < 32; ++k)
        s += (k ? ", " : "") + std::to_string(t.f[k]);
    return s + (t.f.size() > 32 ? ", ...}" : "}");
}

bool close(const Tensor& got, const Tensor& want, float tolerance)
{
    if (got.shape != want.shape || got.f.size() != want.f.size())
        return false;
    for (size_t k = 0; k < got.f.size(); ++k)
        if (!(std::fabs(got.f[k] - want.f[k]) <= tolerance * (1.0f + std::fabs(want.f[k]))))
            return false;
    return true;
}

bool bitIdentical(const Tensor& a, const Tensor& b)
{
    return a.dtype == b.dtype && a.shape == b.shape && a.f.size() == b.f.size() && a.i == b.i
        && std::memcmp(a.f.data(), b.f.data(), a.f.size() * sizeof(float)) == 0;
}

/// A small CNN with a dynamic batch: Conv -> Relu -> MaxPool -> grouped Conv -> BatchNorm ->
/// Sigmoid -> AveragePool -> Flatten -> Gemm -> Softmax, plus a GlobalAveragePool -> MatMul ->
/// Add side branch joined by Concat. Weights are pseudo-random with a fixed seed.
Graph makeSmallCnn()
{
    std::mt19937 rng(1234);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    const auto random = [&](Shape shape) {
        Tensor t = Tensor::filled(std::move(shape));
        for (float& v : t.f)
            v = uniform(rng);
        return t;
    };
    Graph g;
    g.name = "small-cnn";
    const ValueId x = g.addInput("x", {kDynamicDim, 1, 8, 8});
    const auto node
        = [&](const std::string& name, OpKind op, std::vector<ValueId> inputs, Attributes a = {}) {
              const ValueId out = g.addValue(name + "_out");
              g.addNode(name, op, std::move(inputs), {out}, std::move(a));
              return out;
          };
    ValueId h = node("conv1", OpKind::Conv,
        {x, g.addConstant("w1", random({4, 1, 3, 3})), g.addConstant("b1", random({4}))},
        attrs({{"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
    h = node("relu1", OpKind::Relu, {h});
    h = node("pool1", OpKind::MaxPool, {h},
        attrs({{"kernel_shape", std::vector<int64_t>{2, 2}},
            {"strides", std::vector<int64_t>{2, 2}}}));
    h = node("conv2", OpKind::Conv,
        {h, g.addConstant("w2", random({8, 2, 3, 3})), g.addConstant("b2", random({8}))},
        attrs({{"group", int64_t{2}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}));
    Tensor var = random({8});
    for (float& v : var.f)
        v = std::fabs(v) + 0.1f;
    h = node("bn", OpKind::BatchNormalization,
        {h, g.addConstant("scale", random({8})), g.addConstant("shift", random({8})),
            g.addConstant("mean", random({8})), g.addConstant("var", var)});
    h = node("sig", OpKind::Sigmoid, {h});
    h = node("pool2", OpKind::AveragePool, {h},
        attrs({{"kernel_shape", std::vector<int64_t>{2, 2}},
            {"strides", std::vector<int64_t>{2, 2}}}));
    // Side branch with a short inner dimension (K = 8, N = 3): for a 5-sample chunk Eigen would
    // pick its coefficient-based product instead of GEBP and round differently, so this guards
    // the row blocking.
    const ValueId gap = node("gap", OpKind::GlobalAveragePool, {h});
    const ValueId gapFlat = node("gapflat", OpKind::Flatten, {gap}); // [?, 8]
    const ValueId side = node("mm", OpKind::MatMul, {gapFlat, g.addConstant("wm", random({8, 3}))});
    h = node("flat", OpKind::Flatten, {h}); // [?, 32]
    const ValueId sideBias = node("add", OpKind::Add, {side, g.addConstant("bm", random({3}))});
    h = node("fc", OpKind::Gemm,
        {h, g.addConstant("wf", random({10, 32})), g.addConstant("bf", random({10}))},
        attrs({{"transB", int64_t{1}}}));
    h = node("cat", OpKind::Concat, {h, sideBias}, attrs({{"axis", int64_t{1}}}));
    h = node("softmax", OpKind::Softmax, {h});
    g.addOutput(h);
    return g;
}

Tensor randomBatch(Shape shape, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    Tensor t = Tensor::filled(std::move(shape));
    for (float& v : t.f)
        v = uniform(rng);
    return t;
}

std::shared_ptr<const Graph> prepared(Graph g)
{
    const auto inferred = inferShapes(g);
    if (!inferred)
        qFatal("shape inference failed: %s", inferred.error().toString().c_str());
    return std::make_shared<const Graph>(std::move(g));
}

} // namespace

Q_DECLARE_METATYPE(OpCase)

class TestExecutor : public QObject {
    Q_OBJECT

private slots:
    void ops_data();
    void ops();

    void batchSplitIsBitIdentical();
    void splitOnlyWhenSamplesIndependent_data();
    void splitOnlyWhenSamplesIndependent();
    void rejectsWrongInputs_data();
    void rejectsWrongInputs();
    void kernelErrorsAreReported();
    void rejectsMalformedGraphs();
    void returnsOutputsInGraphOrder();
    void cancels_data();
    void cancels();
    void reportsProgress();
    void runAllReturnsEveryValue();
};

void TestExecutor::ops_data()
{
    QTest::addColumn<OpCase>("testCase");
    using V = std::vector<int64_t>;

    // ---- Gemm: A [[1,2,3],[4,5,6]] x B [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    const Tensor a = iota({2, 3}, 1.0f);
    const Tensor b = tensor({3, 2}, {1, 0, 0, 1, 1, 1});
    QTest::addRow("Gemm, vector bias C [2]") << makeCase(OpKind::Gemm,
        {in(a), param(b), param(tensor({2}, {10, 20}))}, {}, tensor({2, 2}, {14, 25, 20, 31}));
    QTest::addRow("Gemm, column bias C [2,1]") << makeCase(OpKind::Gemm,
        {in(a), param(b), param(tensor({2, 1}, {1, 2}))}, {}, tensor({2, 2}, {5, 6, 12, 13}));
    QTest::addRow("Gemm, no bias")
        << makeCase(OpKind::Gemm, {in(a), param(b)}, {}, tensor({2, 2}, {4, 5, 10, 11}));
    // A and B given transposed; 0.5 * AB + 2 * [[1]].
    QTest::addRow("Gemm, transA transB alpha beta") << makeCase(OpKind::Gemm,
        {in(tensor({3, 2}, {1, 4, 2, 5, 3, 6})), param(tensor({2, 3}, {1, 0, 1, 0, 1, 1})),
            param(tensor({1, 1}, {1}))},
        attrs({{"transA", int64_t{1}}, {"transB", int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}}),
        tensor({2, 2}, {4, 4.5f, 7, 7.5f}));

    // ---- MatMul (numpy semantics)
    QTest::addRow("MatMul 2-D") << makeCase(
        OpKind::MatMul, {in(a), param(b)}, {}, tensor({2, 2}, {4, 5, 10, 11}));
    QTest::addRow("MatMul 1-D x 2-D") << makeCase(
        OpKind::MatMul, {in(tensor({3}, {1, 2, 3})), param(b)}, {}, tensor({2}, {4, 5}));
    QTest::addRow("MatMul 2-D x 1-D") << makeCase(
        OpKind::MatMul, {in(a), param(tensor({3}, {1, 1, 1}))}, {}, tensor({2}, {6, 15}));
    QTest::addRow("MatMul 1-D x 1-D") << makeCase(OpKind::MatMul,
        {in(tensor({3}, {1, 2, 3})), in(tensor({3}, {1, 1, 1}))}, {}, tensor({}, {6}));
    // [[1,2],[3,4]] B = [[3,2],[7,4]], [[5,6],[7,8]] B = [[11,6],[15,8]] with B = [[1,0],[1,1]]
    QTest::addRow("MatMul batched x matrix") << makeCase(OpKind::MatMul,
        {in(iota({2, 2, 2}, 1.0f)), param(tensor({2, 2}, {1, 0, 1, 1}))}, {},
        tensor({2, 2, 2}, {3, 2, 7, 4, 11, 6, 15, 8}));
    // A broadcast over B's batch: A I and A with its columns swapped.
    QTest::addRow("MatMul broadcast batch") << makeCase(OpKind::MatMul,
        {in(tensor({1, 2, 2}, {1, 2, 3, 4})), in(tensor({2, 2, 2}, {1, 0, 0, 1, 0, 1, 1, 0}))}, {},
        tensor({2, 2, 2}, {1, 2, 3, 4, 2, 1, 4, 3}));

    // ---- Conv. Group 2 (one input channel per group), stride 2, pads 1, dilation 2: the
    // effective kernel is 3x3 and the output 2x2. x0[h][w] = 4h + w, x1 = -x0.
    // Window rows/cols for output 0 are {-1, 1} and for output 1 {1, 3}.
    Tensor x = iota({1, 2, 4, 4});
    for (size_t k = 16; k < 32; ++k)
        x.f[k] = -static_cast<float>(k - 16);
    QTest::addRow("Conv grouped strided padded dilated") << makeCase(OpKind::Conv,
        {in(x), param(tensor({2, 1, 2, 2}, {1, 2, 3, 4, 1, 0, 0, -1})),
            param(tensor({2}, {1, -1}))},
        attrs({{"group", int64_t{2}}, {"strides", V{2, 2}}, {"pads", V{1, 1, 1, 1}},
            {"dilations", V{2, 2}}, {"kernel_shape", V{2, 2}}}),
        tensor({1, 2, 2, 2}, {21, 44, 63, 119, 4, 6, 12, 9}));
    QTest::addRow("Conv 1x1 over two channels") << makeCase(OpKind::Conv,
        {in(tensor({1, 2, 1, 2}, {1, 2, 3, 4})), param(tensor({1, 2, 1, 1}, {2, -1}))}, {},
        tensor({1, 1, 1, 2}, {-1, 0}));
    // 3x3 kernel with SAME_UPPER on a 3x3 input of ones: each output counts its in-bounds cells.
    QTest::addRow("Conv auto_pad SAME_UPPER") << makeCase(OpKind::Conv,
        {in(Tensor::filled({1, 1, 3, 3}, 1.0f)), param(Tensor::filled({1, 1, 3, 3}, 1.0f))},
        attrs({{"auto_pad", std::string("SAME_UPPER")}}),
        tensor({1, 1, 3, 3}, {4, 6, 4, 6, 9, 6, 4, 6, 4}));

    // ---- Pooling. x = -(1..9) in 3x3: with pads 1 and stride 2 the windows are rows/cols
    // {-1,0} and {1,2}; negative values show that padding is -inf for MaxPool, not 0.
    QTest::addRow("MaxPool with padding")
        << makeCase(OpKind::MaxPool, {in(iota({1, 1, 3, 3}, -1.0f, -1.0f))},
               attrs({{"kernel_shape", V{2, 2}}, {"strides", V{2, 2}}, {"pads", V{1, 1, 1, 1}}}),
               tensor({1, 1, 2, 2}, {-1, -2, -4, -5}));
    QTest::addRow("MaxPool dilated") << makeCase(OpKind::MaxPool, {in(iota({1, 1, 3, 3}, 1.0f))},
        attrs({{"kernel_shape", V{2, 2}}, {"dilations", V{2, 2}}}), tensor({1, 1, 1, 1}, {9}));
    // x = 1..9, 2x2 windows, stride 1, pads top/left 1: divided by the real cells...
    const Tensor nine = iota({1, 1, 3, 3}, 1.0f);
    QTest::addRow("AveragePool pads, count_include_pad 0") << makeCase(OpKind::AveragePool,
        {in(nine)}, attrs({{"kernel_shape", V{2, 2}}, {"pads", V{1, 1, 0, 0}}}),
        tensor({1, 1, 3, 3}, {1, 1.5f, 2.5f, 2.5f, 3, 4, 5.5f, 6, 7}));
    // ... or by the whole window including padding.
    QTest::addRow("AveragePool pads, count_include_pad 1")
        << makeCase(OpKind::AveragePool, {in(nine)},
               attrs({{"kernel_shape", V{2, 2}}, {"pads", V{1, 1, 0, 0}},
                   {"count_include_pad", int64_t{1}}}),
               tensor({1, 1, 3, 3}, {0.25f, 0.75f, 1.25f, 1.25f, 3, 4, 2.75f, 6, 7}));
    // 4x4 = 1..16, 3x3 windows, stride 2, ceil_mode: the last windows hang over the edge and
    // average only their real cells (ONNX test averagepool_2d_ceil).
    QTest::addRow("AveragePool ceil_mode")
        << makeCase(OpKind::AveragePool, {in(iota({1, 1, 4, 4}, 1.0f))},
               attrs({{"kernel_shape", V{3, 3}}, {"strides", V{2, 2}}, {"ceil_mode", int64_t{1}}}),
               tensor({1, 1, 2, 2}, {6, 7.5f, 12, 13.5f}));
    // With pads 1 and count_include_pad, a ceil_mode window counts the padding cells but not
    // the cells beyond the padded input: window rows are {-1,0,1}, {1,2,3} and {3,4,5}, which
    // count 3, 3 and 2 rows (row 5 lies beyond the bottom padding).
    QTest::addRow("AveragePool ceil_mode, count_include_pad 1")
        << makeCase(OpKind::AveragePool, {in(iota({1, 1, 4, 4}, 1.0f))},
               attrs({{"kernel_shape", V{3, 3}}, {"strides", V{2, 2}}, {"pads", V{1, 1, 1, 1}},
                   {"ceil_mode", int64_t{1}}, {"count_include_pad", int64_t{1}}}),
               tensor({1, 1, 3, 3}, {14.0f / 9, 30.0f / 9, 2, 57.0f / 9, 11, 6, 4.5f, 7.5f, 4}));
    QTest::addRow("GlobalAveragePool") << makeCase(OpKind::GlobalAveragePool,
        {in(iota({1, 2, 2, 2}, 1.0f))}, {}, tensor({1, 2, 1, 1}, {2.5f, 6.5f}));

    // ---- BatchNormalization, epsilon 0 so the numbers are exact:
    // channel 0: (x - 1) / 2 * 1 + 0, channel 1: (x - 3) / 0.5 * 2 + 1.
    QTest::addRow("BatchNormalization") << makeCase(OpKind::BatchNormalization,
        {in(iota({1, 2, 1, 2}, 1.0f)), param(tensor({2}, {1, 2})), param(tensor({2}, {0, 1})),
            param(tensor({2}, {1, 3})), param(tensor({2}, {4, 0.25f}))},
        attrs({{"epsilon", 0.0f}}), tensor({1, 2, 1, 2}, {0, 0.5f, 1, 5}));

    // ---- Broadcasting arithmetic
    QTest::addRow("Add [2,3] + [3]") << makeCase(OpKind::Add,
        {in(a), param(tensor({3}, {10, 20, 30}))}, {}, tensor({2, 3}, {11, 22, 33, 14, 25, 36}));
    QTest::addRow("Sub [2,1] - [1,3] (both broadcast)")
        << makeCase(OpKind::Sub, {in(tensor({2, 1}, {1, 2})), in(tensor({1, 3}, {10, 20, 30}))}, {},
               tensor({2, 3}, {-9, -19, -29, -8, -18, -28}));
    QTest::addRow("Mul by scalar") << makeCase(
        OpKind::Mul, {in(a), param(tensor({}, {2}))}, {}, tensor({2, 3}, {2, 4, 6, 8, 10, 12}));
    QTest::addRow("Div [1,2,1] / [2,1,2]") << makeCase(OpKind::Div,
        {in(tensor({1, 2, 1}, {1, 2})), param(tensor({2, 1, 2}, {1, 2, 4, 8}))}, {},
        tensor({2, 2, 2}, {1, 0.5f, 2, 1, 0.25f, 0.125f, 0.5f, 0.25f}));

    // ---- Activations and Clip
    QTest::addRow("Relu") << makeCase(
        OpKind::Relu, {in(tensor({3}, {-1, 0, 2}))}, {}, tensor({3}, {0, 0, 2}));
    QTest::addRow("LeakyRelu default alpha")
        << makeCase(OpKind::LeakyRelu, {in(tensor({2}, {-1, 2}))}, {}, tensor({2}, {-0.01f, 2}));
    QTest::addRow("LeakyRelu alpha 0.2") << makeCase(
        OpKind::LeakyRelu, {in(tensor({1}, {-10}))}, attrs({{"alpha", 0.2f}}), tensor({1}, {-2}));
    QTest::addRow("Sigmoid") << makeCase(
        OpKind::Sigmoid, {in(tensor({2}, {0, std::log(3.0f)}))}, {}, tensor({2}, {0.5f, 0.75f}));
    QTest::addRow("Tanh") << makeCase(
        OpKind::Tanh, {in(tensor({2}, {0, std::log(2.0f)}))}, {}, tensor({2}, {0, 0.6f}));
    const Tensor clipIn = tensor({3}, {-2, 0.5f, 3});
    QTest::addRow("Clip min and max")
        << makeCase(OpKind::Clip, {in(clipIn), param(tensor({}, {0})), param(tensor({}, {1}))}, {},
               tensor({3}, {0, 0.5f, 1}));
    QTest::addRow("Clip max only") << makeCase(OpKind::Clip,
        {in(clipIn), absent(), param(tensor({}, {1}))}, {}, tensor({3}, {-2, 0.5f, 1}));
    QTest::addRow("Clip min > max gives max") << makeCase(OpKind::Clip,
        {in(clipIn), param(tensor({}, {2})), param(tensor({}, {1}))}, {}, tensor({3}, {1, 1, 1}));

    // ---- Softmax on [1,2,2] = [[[0, ln3], [0, 0]]]
    const Tensor sm = tensor({1, 2, 2}, {0, std::log(3.0f), 0, 0});
    QTest::addRow("Softmax default axis -1")
        << makeCase(OpKind::Softmax, {in(sm)}, {}, tensor({1, 2, 2}, {0.25f, 0.75f, 0.5f, 0.5f}));
    QTest::addRow("Softmax axis 1 (opset 13)") << makeCase(OpKind::Softmax, {in(sm)},
        attrs({{"axis", int64_t{1}}}), tensor({1, 2, 2}, {0.5f, 0.75f, 0.5f, 0.25f}));
    // Opset < 13: flattened to [1, 4] at axis 1, so all four share one normalisation.
    QTest::addRow("Softmax coerce_2d axis 1 (opset < 13)") << makeCase(OpKind::Softmax, {in(sm)},
        attrs({{"axis", int64_t{1}}, {"coerce_2d", int64_t{1}}}),
        tensor({1, 2, 2}, {1.0f / 6, 0.5f, 1.0f / 6, 1.0f / 6}));

    // ---- Data movement
    QTest::addRow("Flatten axis -1") << makeCase(
        OpKind::Flatten, {in(iota({1, 2, 3}))}, attrs({{"axis", int64_t{-1}}}), iota({2, 3}));
    QTest::addRow("Reshape 0 and -1") << makeCase(OpKind::Reshape,
        {in(iota({2, 3, 2})), param(Tensor::fromInts({2}, {0, -1}))}, {}, iota({2, 6}));
    QTest::addRow("Transpose default perm")
        << makeCase(OpKind::Transpose, {in(a)}, {}, tensor({3, 2}, {1, 4, 2, 5, 3, 6}));
    QTest::addRow("Transpose perm [2,0,1]") << makeCase(OpKind::Transpose, {in(iota({1, 2, 3}))},
        attrs({{"perm", V{2, 0, 1}}}), tensor({3, 1, 2}, {0, 3, 1, 4, 2, 5}));
    QTest::addRow("Concat axis 1") << makeCase(OpKind::Concat,
        {in(tensor({2, 1}, {1, 2})), param(tensor({2, 2}, {3, 4, 5, 6}))},
        attrs({{"axis", int64_t{1}}}), tensor({2, 3}, {1, 3, 4, 2, 5, 6}));
    QTest::addRow("Concat axis 0")
        << makeCase(OpKind::Concat, {in(tensor({1, 2}, {1, 2})), in(tensor({2, 2}, {3, 4, 5, 6}))},
               attrs({{"axis", int64_t{0}}}), tensor({3, 2}, {1, 2, 3, 4, 5, 6}));
    QTest::addRow("Identity") << makeCase(OpKind::Identity, {in(a)}, {}, a);

    // ---- Compiler-internal ops (internal_ops.def)
    // Dense core-op, group 2: output block j (2 columns) reads input block j (2 features)
    // through W's column block j: [1,2] and [3 + 8, 3], then bias and the neuron function.
    const Tensor coreW = tensor({2, 4}, {1, 0, 1, 1, 0, 1, 2, 0});
    QTest::addRow("CoreOp dense grouped, relu") << makeCase(OpKind::CoreOp,
        {in(tensor({1, 4}, {1, 2, 3, 4})), param(coreW), param(tensor({4}, {0, 0, -20, 0}))},
        attrs({{"kind", std::string("dense")}, {"group", int64_t{2}},
            {"activation", std::string("relu")}}),
        tensor({1, 4}, {1, 2, 0, 3}));
    QTest::addRow("CoreOp dense grouped, ramp") << makeCase(OpKind::CoreOp,
        {in(tensor({1, 4}, {1, 2, 3, 4})), param(coreW),
            param(tensor({4}, {-0.75f, -1.5f, -11, 0}))},
        attrs({{"kind", std::string("dense")}, {"group", int64_t{2}},
            {"activation", std::string("ramp")}}),
        tensor({1, 4}, {0.25f, 0.5f, 0, 1}));
    QTest::addRow("CoreOp conv, relu") << makeCase(OpKind::CoreOp,
        {in(tensor({1, 1, 2, 2}, {1, -2, 3, -4})), param(tensor({1, 1, 1, 1}, {2}))},
        attrs({{"kind", std::string("conv")}, {"activation", std::string("relu")}}),
        tensor({1, 1, 2, 2}, {2, 0, 6, 0}));
    QTest::addRow("Slice features [1, 3)") << makeCase(OpKind::Slice, {in(iota({2, 5}))},
        attrs({{"axis", int64_t{1}}, {"start", int64_t{1}}, {"end", int64_t{3}}}),
        tensor({2, 2}, {1, 2, 6, 7}));
    QTest::addRow("Select features [3, 0, 3]") << makeCase(OpKind::Select, {in(iota({2, 4}))},
        attrs({{"axis", int64_t{1}}, {"indices", V{3, 0, 3}}}), tensor({2, 3}, {3, 0, 3, 7, 4, 7}));
    QTest::addRow("Accumulate, relu") << makeCase(OpKind::Accumulate,
        {in(tensor({2}, {1, -5})), in(tensor({2}, {2, 1})), param(tensor({2}, {3, 1}))},
        attrs({{"activation", std::string("relu")}}), tensor({2}, {6, 0}));
    QTest::addRow("Dropout (inference)") << makeCase(OpKind::Dropout, {in(a)}, {}, a);
}

void TestExecutor::ops()
{
    QFETCH(OpCase, testCase);
    if (!testCase.setupError.empty())
        QFAIL(("building the graph failed: " + testCase.setupError).c_str());
    const exec::Executor executor(std::make_shared<const Graph>(testCase.graph), {/*threads=*/1});
    const auto outputs = executor.run(testCase.inputs);
    if (!outputs)
        QFAIL(outputs.error().toString().c_str());
    QCOMPARE(outputs->size(), size_t{1});
    const Tensor& got = outputs->front();
    if (!close(got, testCase.expected, 1e-6f))
        QFAIL(("got " + describe(got) + ", expected " + describe(testCase.expected)).c_str());
}

// The batch is split into per-thread chunks only at multiples of the row block, so batch 37
// with 2 threads runs as [0, 32) and [32, 37); every value must match the one-thread run bit
// for bit, through runAll too.
void TestExecutor::batchSplitIsBitIdentical()
{
    const auto graph = prepared(makeSmallCnn());
    QVERIFY(verify(*graph).has_value());
    const exec::Executor single(graph, {/*threads=*/1});
    const exec::Executor multi(graph, {/*threads=*/2});
    QVERIFY(!single.splitsBatch());
    QVERIFY(multi.splitsBatch());

    for (const int64_t batch : {int64_t{37}, int64_t{1}, int64_t{64}, int64_t{100}}) {
        const std::vector<Tensor> inputs{randomBatch({batch, 1, 8, 8}, 7)};
        const auto want = single.runAll(inputs);
        const auto got = multi.runAll(inputs);
        QVERIFY2(want.has_value(), want ? "" : want.error().toString().c_str());
        QVERIFY2(got.has_value(), got ? "" : got.error().toString().c_str());
        QCOMPARE(got->size(), want->size());
        for (size_t v = 0; v < want->size(); ++v)
            QVERIFY2(bitIdentical((*got)[v], (*want)[v]),
                ("batch " + std::to_string(batch) + ": value '" + graph->values()[v].name
                    + "' differs between the split and the single-threaded run")
                    .c_str());
        const auto outputs = multi.run(inputs);
        QVERIFY(outputs.has_value());
        QCOMPARE(outputs->front().shape, (Shape{batch, 13}));
        QVERIFY(bitIdentical(outputs->front(), (*want)[static_cast<size_t>(graph->outputs()[0])]));
    }
}

void TestExecutor::splitOnlyWhenSamplesIndependent_data()
{
    QTest::addColumn<int>("op");
    QTest::addColumn<int64_t>("axisOrFlag");
    QTest::addColumn<bool>("splits");
    // One op after x [?, 4, 6]; the column value configures it (see the test body).
    QTest::addRow("Softmax axis -1") << int(OpKind::Softmax) << int64_t{-1} << true;
    QTest::addRow("Softmax axis 0 mixes samples") << int(OpKind::Softmax) << int64_t{0} << false;
    QTest::addRow("Flatten axis 1") << int(OpKind::Flatten) << int64_t{1} << true;
    QTest::addRow("Flatten axis 0 mixes samples") << int(OpKind::Flatten) << int64_t{0} << false;
    QTest::addRow("Transpose keeping dim 0") << int(OpKind::Transpose) << int64_t{0} << true;
    QTest::addRow("Transpose moving dim 0") << int(OpKind::Transpose) << int64_t{1} << false;
    QTest::addRow("Concat axis 2") << int(OpKind::Concat) << int64_t{2} << true;
    QTest::addRow("Concat axis 0 mixes samples") << int(OpKind::Concat) << int64_t{0} << false;
    QTest::addRow("Reshape [0,-1]") << int(OpKind::Reshape) << int64_t{0} << true;
    QTest::addRow("Reshape [-1,24]") << int(OpKind::Reshape) << int64_t{-1} << true;
    QTest::addRow("Reshape [-1] mixes samples") << int(OpKind::Reshape) << int64_t{1} << false;
    QTest::addRow("Add per-sample bias") << int(OpKind::Add) << int64_t{0} << true;
    QTest::addRow("Add with a batch-sized operand") << int(OpKind::Add) << int64_t{1} << false;
}

void TestExecutor::splitOnlyWhenSamplesIndependent()
{
    QFETCH(int, op);
    QFETCH(int64_t, axisOrFlag);
    QFETCH(bool, splits);
    Graph g;
    const ValueId x = g.addInput("x", {kDynamicDim, 4, 6});
    const ValueId y = g.addValue("y");
    Attributes a;
    std::vector<ValueId> inputs{x};
    switch (static_cast<OpKind>(op)) {
    case OpKind::Softmax:
    case OpKind::Flatten: a.set("axis", axisOrFlag); break;
    case OpKind::Transpose:
        a.set("perm",
            axisOrFlag == 0 ? std::vector<int64_t>{0, 2, 1} : std::vector<int64_t>{1, 0, 2});
        break;
    case OpKind::Concat:
        a.set("axis", axisOrFlag);
        inputs.push_back(x);
        break;
    case OpKind::Reshape:
        inputs.push_back(g.addConstant("shape",
            axisOrFlag == 0        ? Tensor::fromInts({2}, {0, -1})
                : axisOrFlag == -1 ? Tensor::fromInts({2}, {-1, 24})
                                   : Tensor::fromInts({1}, {-1})));
        break;
    case OpKind::Add:
        // [4, 6] broadcasts along the batch; a [1, 4, 6] runtime-independent input from a second
        // graph input of static batch 2 cannot.
        inputs.push_back(axisOrFlag == 0 ? g.addConstant("b", Tensor::filled({4, 6}, 1.0f))
                                         : g.addConstant("b", Tensor::filled({2, 4, 6}, 1.0f)));
        break;
    default: QFAIL("unexpected op");
    }
    g.addNode("n", static_cast<OpKind>(op), inputs, {y}, a);
    g.addOutput(y);
    const auto graph = prepared(std::move(g));
    const exec::Executor multi(graph, {/*threads=*/2});
    QCOMPARE(multi.splitsBatch(), splits);

    // Whether split or not, the results equal the single-threaded ones (batch 2 for the Add
    // whose constant fixes it).
    const int64_t batch = static_cast<OpKind>(op) == OpKind::Add && axisOrFlag == 1 ? 2 : 70;
    const std::vector<Tensor> in{randomBatch({batch, 4, 6}, 3)};
    const auto want = exec::Executor(graph, {1}).run(in);
    const auto got = multi.run(in);
    QVERIFY2(want.has_value(), want ? "" : want.error().toString().c_str());
    QVERIFY(got.has_value());
    QVERIFY(bitIdentical(got->front(), want->front()));
}

void TestExecutor::rejectsWrongInputs_data()
{
    QTest::addColumn<std::vector<Tensor>>("inputs");
    QTest::addColumn<QString>("messagePart");
    QTest::addRow("wrong static dimension")
        << std::vector<Tensor>{Tensor::filled({2, 1, 8, 7})}
        << "input 'x' has shape [2,1,8,7] but the graph expects [?,1,8,8]";
    QTest::addRow("wrong rank") << std::vector<Tensor>{Tensor::filled({2, 64})} << "[?,1,8,8]";
    QTest::addRow("too many inputs") << std::vector<Tensor>{Tensor::filled({1, 1, 8, 8}),
        Tensor::filled({1})} << "1 inputs but 2 tensors";
    QTest::addRow("no inputs") << std::vector<Tensor>{} << "1 inputs but 0 tensors";
    Tensor shortData = Tensor::filled({2, 1, 8, 8});
    shortData.f.resize(10);
    QTest::addRow("data shorter than shape")
        << std::vector<Tensor>{shortData} << "holds 10 elements";
    QTest::addRow("empty batch") << std::vector<Tensor>{Tensor{DataType::Float32, {0, 1, 8, 8}, {},
        {}}} << "at least 1";
}

void TestExecutor::rejectsWrongInputs()
{
    QFETCH(std::vector<Tensor>, inputs);
    QFETCH(QString, messagePart);
    const auto graph = prepared(makeSmallCnn());
    for (int threads : {1, 2}) {
        const auto result = exec::Executor(graph, {threads}).run(inputs);
        QVERIFY(!result);
        QCOMPARE(result.error().code, Errc::InvalidArgument);
        QVERIFY2(result.error().message.find(messagePart.toStdString()) != std::string::npos,
            result.error().message.c_str());
    }
}

// Element types the kernels do not compute on are errors with the node as context, not crashes.
void TestExecutor::kernelErrorsAreReported()
{
    Graph g;
    const ValueId x = g.addInput("x", {3});
    const ValueId y = g.addValue("y");
    g.addNode("act", OpKind::Relu, {x}, {y});
    g.addOutput(y);
    const auto graph = prepared(std::move(g));
    const auto result = exec::Executor(graph, {1}).run({Tensor::fromInts({3}, {1, 2, 3})});
    QVERIFY(!result);
    QCOMPARE(result.error().code, Errc::UnsupportedOp);
    QCOMPARE(result.error().context.at(0), std::string("node 'act' (Relu)"));
}

// A graph that breaks its contract (unverified) is refused, never read out of bounds.
void TestExecutor::rejectsMalformedGraphs()
{
    Graph g;
    const ValueId x = g.addInput("x", {2});
    const ValueId y = g.addValue("y", {2});
    Tensor bad = Tensor::filled({2}, 1.0f);
    bad.f.resize(1); // shape says 2 elements
    g.addNode("add", OpKind::Add, {x, g.addConstant("c", bad)}, {y});
    g.addOutput(y);
    const auto shortConstant
        = exec::Executor(std::make_shared<const Graph>(g), {1}).run({Tensor::filled({2}, 1.0f)});
    QVERIFY(!shortConstant);
    QCOMPARE(shortConstant.error().code, Errc::InvalidModel);

    g.node(0).inputs[1] = 42; // no such value
    const auto danglingId
        = exec::Executor(std::make_shared<const Graph>(g), {2}).run({Tensor::filled({2}, 1.0f)});
    QVERIFY(!danglingId);
    QCOMPARE(danglingId.error().code, Errc::InvalidModel);

    const auto noGraph = exec::Executor(nullptr).run({});
    QVERIFY(!noGraph);
    QCOMPARE(noGraph.error().code, Errc::InvalidArgument);
}

// run() follows graph.outputs(), which may repeat a value or list a graph input.
void TestExecutor::returnsOutputsInGraphOrder()
{
    Graph g;
    const ValueId x = g.addInput("x", {kDynamicDim, 2});
    const ValueId y = g.addValue("y");
    g.addNode("relu", OpKind::Relu, {x}, {y});
    g.addOutput(y);
    g.addOutput(x);
    g.addOutput(y);
    const auto graph = prepared(std::move(g));
    const Tensor in = tensor({1, 2}, {-1, 3});
    for (int threads : {1, 2}) {
        const auto outputs = exec::Executor(graph, {threads}).run({in});
        QVERIFY(outputs.has_value());
        QCOMPARE(outputs->size(), size_t{3});
        QVERIFY(close((*outputs)[0], tensor({1, 2}, {0, 3}), 0.0f));
        QVERIFY(bitIdentical((*outputs)[1], in));
        QVERIFY(bitIdentical((*outputs)[2], (*outputs)[0]));
    }
}

void TestExecutor::cancels_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("allowedPolls");
    QTest::addRow("before start") << 1 << 0;
    QTest::addRow("mid-run") << 1 << 5;
    QTest::addRow("mid-run, split batch") << 2 << 5;
}

void TestExecutor::cancels()
{
    QFETCH(int, threads);
    QFETCH(int, allowedPolls);
    const auto graph = prepared(makeSmallCnn());
    std::atomic<int> polls{0};
    RunContext ctx;
    ctx.isCancelled = [&] { return polls.fetch_add(1) >= allowedPolls; };
    const auto result = exec::Executor(graph, {threads}).run({randomBatch({64, 1, 8, 8}, 1)}, ctx);
    QVERIFY(!result);
    QCOMPARE(result.error().code, Errc::Cancelled);
}

void TestExecutor::reportsProgress()
{
    const auto graph = prepared(makeSmallCnn());
    std::vector<int> permille;
    RunContext ctx;
    ctx.onProgress = [&](const Progress& p) { permille.push_back(p.permille); };
    QVERIFY(exec::Executor(graph, {1}).run({randomBatch({4, 1, 8, 8}, 1)}, ctx).has_value());
    QVERIFY(permille.size() >= 2);
    QCOMPARE(permille.front(), 0);
    QCOMPARE(permille.back(), 1000);
    QVERIFY(std::is_sorted(permille.begin(), permille.end()));
}

void TestExecutor::runAllReturnsEveryValue()
{
    const auto graph = prepared(makeSmallCnn());
    const auto values = exec::Executor(graph, {1}).runAll({randomBatch({3, 1, 8, 8}, 1)});
    QVERIFY(values.has_value());
    QCOMPARE(values->size(), static_cast<size_t>(graph->numValues()));
    for (ValueId v = 0; v < graph->numValues(); ++v) {
        const Value& value = graph->value(v);
        const Tensor& t = (*values)[static_cast<size_t>(v)];
        QVERIFY2(!t.f.empty(), value.name.c_str());
        if (value.isConstant())
            QVERIFY(bitIdentical(t, *value.constant));
        else
            QCOMPARE(t.shape.front(), int64_t{3});
    }
    const Tensor& pooled = (*values)[static_cast<size_t>(*graph->findValue("pool1_out"))];
    QCOMPARE(pooled.shape, (Shape{3, 4, 4, 4}));
}

QTEST_APPLESS_MAIN(TestExecutor)
#include "tst_executor.moc"
