// SPDX-License-Identifier: GPL-3.0-or-later
// The simulator's fast paths against the plain arithmetic they replace, bit for bit: the
// executor's Quantize kernel against SignalQuant::quantize/dequantize on awkward values, and
// every CoreOp, Accumulate and Quantize of simulated networks against a reference that programs
// its own CrossbarTiles and applies network.h's integer semantics element by element (single
// and multi-tile core-ops, partial sums, every neuron function, inputs off the quantiser's grid).
#include <QtTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/exec/executor.h"
#include "nnb/hw/profile_io.h"
#include "nnb/ir/shape_inference.h"
#include "nnb/onnx/import.h"
#include "nnb/quant/quantize_node.h"
#include "nnb/sim/network.h"
#include "shipped_profile.h"
#include "test_paths.h"

using namespace nnb;

namespace {

hw::Profile profile(const std::string& id, const std::vector<std::string>& overrides = {})
{
    return test::shippedProfile(id, overrides);
}

bool sameBits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

/// The requantiser and neuron of network.h, written with the standard library's functions.
float referenceOutput(double accScale, int64_t acc, const std::string& activation,
                      const std::optional<quant::SignalQuant>& q)
{
    double y = accScale * static_cast<double>(acc);
    if (activation == "relu")
        y = std::max(y, 0.0);
    else if (activation == "ramp")
        y = std::clamp(y, 0.0, 1.0);
    if (!q)
        return static_cast<float>(y);
    const double lo = q->qmin - q->zeroPoint, hi = q->qmax - q->zeroPoint;
    const auto code = static_cast<int32_t>(std::round(std::clamp(y / static_cast<double>(q->scale), lo, hi)));
    return q->scale * static_cast<float>(code);
}

/// The accumulators [N, outputs] of dense CoreOp \p cq on float input \p x: input codes by
/// quantize(), the weights programmed on tiles of the profile's crossbar (column blocks), the
/// tiles' exact reads summed, the zero-point correction and the bias.
std::vector<int64_t> referenceAccumulators(const sim::QuantizedNetwork& net, const sim::CoreOpQuant& cq,
                                           const ir::Tensor& x)
{
    const ir::Node& node = net.graph->node(cq.node);
    const ir::Tensor& w = *net.graph->value(node.inputs[1]).constant;
    const int64_t rows = w.shape[0], outputs = w.shape[1], n = x.shape[0];
    std::vector<int32_t> codes(x.f.size());
    for (size_t i = 0; i < codes.size(); ++i)
        codes[i] = cq.input.quantize(x.f[i]);
    sim::CrossbarConfig config = sim::CrossbarConfig::fromProfile(net.profile);
    const bool scaled = net.options.adc != sim::AdcRange::FullScale;
    config.adcMode = scaled ? sim::CrossbarConfig::AdcMode::Scale : sim::CrossbarConfig::AdcMode::Clip;
    config.adcStep = net.profile.io.adcBits > 0 && !scaled ? cq.adcStep : 0.0;
    config.adcPerColumn = scaled && net.options.adcPerColumn && net.profile.io.adcBits > 0;
    std::vector<int64_t> acc(static_cast<size_t>(n * outputs), 0);
    for (int64_t c0 = 0; c0 < outputs; c0 += config.cols) {
        const int64_t cols = std::min<int64_t>(config.cols, outputs - c0);
        std::vector<int32_t> block(static_cast<size_t>(rows * cols));
        for (int64_t r = 0; r < rows; ++r)
            for (int64_t c = 0; c < cols; ++c)
                block[static_cast<size_t>(r * cols + c)] = cq.weights.integerWeight(static_cast<size_t>(r * outputs + c0 + c));
        std::vector<int64_t> ranges; // per array and cycle, or per array, cycle and column of this block
        if (scaled && !cq.readRanges.empty()) {
            const std::vector<int64_t>& all = cq.readRanges.front();
            if (config.adcPerColumn) {
                for (size_t k = 0; k < all.size() / static_cast<size_t>(outputs); ++k)
                    ranges.insert(ranges.end(), all.begin() + static_cast<int64_t>(k) * outputs + c0,
                                  all.begin() + static_cast<int64_t>(k) * outputs + c0 + cols);
            } else {
                ranges = all;
            }
        }
        auto tile = sim::CrossbarTile::create(config, block, static_cast<int>(rows), static_cast<int>(cols),
                                              sim::ReadKernel::Auto, ranges);
        if (!tile)
            qFatal("%s", tile.error().message.c_str());
        std::vector<int64_t> y(static_cast<size_t>(n * cols));
        tile->mvm(codes.data(), n, y.data());
        for (int64_t s = 0; s < n; ++s)
            for (int64_t c = 0; c < cols; ++c)
                acc[static_cast<size_t>(s * outputs + c0 + c)] += y[static_cast<size_t>(s * cols + c)];
    }
    for (int64_t o = 0; o < outputs; ++o) {
        int64_t columnSum = 0;
        for (int64_t r = 0; r < rows; ++r)
            columnSum += cq.weights.integerWeight(static_cast<size_t>(r * outputs + o));
        for (int64_t s = 0; s < n; ++s) {
            int64_t& a = acc[static_cast<size_t>(s * outputs + o)];
            a -= static_cast<int64_t>(cq.input.zeroPoint) * columnSum;
            if (!cq.bias.empty())
                a += cq.bias[static_cast<size_t>(o)];
        }
    }
    return acc;
}

/// Checks every CoreOp, Accumulate and Quantize value of \p net simulated on \p input against
/// the reference, bit for bit. \returns the number of values checked.
int checkAgainstReference(const sim::QuantizedNetwork& net, const ir::Tensor& input, int threads)
{
    sim::SimulatorOptions options;
    options.threads = threads;
    auto simulator = sim::Simulator::create(net, options);
    if (!simulator)
        qFatal("%s", simulator.error().message.c_str());
    auto values = simulator->executor().runAll({input});
    if (!values)
        qFatal("%s", values.error().message.c_str());
    const ir::Graph& g = *net.graph;
    int checked = 0;
    for (const sim::CoreOpQuant& cq : net.coreOps) {
        const ir::Node& node = g.node(cq.node);
        const ir::Tensor& x = (*values)[static_cast<size_t>(node.inputs[0])];
        const ir::Tensor& y = (*values)[static_cast<size_t>(node.outputs[0])];
        const std::vector<int64_t> acc = referenceAccumulators(net, cq, x);
        const auto outputs = static_cast<int64_t>(cq.accScale.size());
        if (!cq.output) { // a partial sum
            if (y.dtype != ir::DataType::Int64 || y.i != acc)
                qFatal("partial core-op '%s' differs", node.name.c_str());
        } else {
            const std::string activation = node.attrs.getString("activation", "none");
            for (size_t k = 0; k < acc.size(); ++k) {
                const float expected = referenceOutput(cq.accScale[k % static_cast<size_t>(outputs)], acc[k], activation, cq.output);
                if (!sameBits(y.f[k], expected))
                    qFatal("core-op '%s' element %zu: %a, expected %a", node.name.c_str(), k, static_cast<double>(y.f[k]),
                           static_cast<double>(expected));
            }
        }
        ++checked;
    }
    for (const sim::AccumulateQuant& aq : net.accumulates) {
        const ir::Node& node = g.node(aq.node);
        const ir::Tensor& y = (*values)[static_cast<size_t>(node.outputs[0])];
        std::vector<int64_t> sum(y.f.size(), 0);
        for (ir::ValueId v : node.inputs)
            for (size_t k = 0; k < sum.size(); ++k)
                sum[k] += (*values)[static_cast<size_t>(v)].i[k];
        const std::string activation = node.attrs.getString("activation", "none");
        for (size_t k = 0; k < sum.size(); ++k) {
            const float expected = referenceOutput(aq.accScale[k % aq.accScale.size()], sum[k], activation, aq.output);
            if (!sameBits(y.f[k], expected))
                qFatal("Accumulate '%s' element %zu differs", node.name.c_str(), k);
        }
        ++checked;
    }
    for (const ir::Node& node : g.nodes()) {
        if (node.op != ir::OpKind::Quantize)
            continue;
        const quant::SignalQuant q = *quant::signalQuantOf(node);
        const ir::Tensor& x = (*values)[static_cast<size_t>(node.inputs[0])];
        const ir::Tensor& y = (*values)[static_cast<size_t>(node.outputs[0])];
        for (size_t k = 0; k < x.f.size(); ++k)
            if (!sameBits(y.f[k], q.dequantize(q.quantize(x.f[k]))))
                qFatal("Quantize '%s' element %zu differs", node.name.c_str(), k);
        ++checked;
    }
    return checked;
}

/// A dense layer [N, in] → CoreOp W [in, out] + bias with \p activation, not split by the compiler.
ir::Graph denseLayer(int64_t in, int64_t out, const std::string& activation, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    std::vector<float> w(static_cast<size_t>(in * out)), b(static_cast<size_t>(out));
    for (float& v : w)
        v = normal(rng);
    for (float& v : b)
        v = normal(rng);
    ir::Graph g;
    const ir::ValueId x = g.addInput("input", {ir::kDynamicDim, in});
    const ir::ValueId wv = g.addConstant("W", ir::Tensor::fromData({in, out}, w));
    const ir::ValueId bv = g.addConstant("b", ir::Tensor::fromData({out}, b));
    const ir::ValueId y = g.addValue("y", {ir::kDynamicDim, out});
    ir::Attributes a;
    a.set("kind", std::string("dense"));
    a.set("activation", activation);
    a.set("layer", std::string("fc"));
    a.set("role", std::string("layer"));
    g.addNode("fc", ir::OpKind::CoreOp, {x, wv, bv}, {y}, a);
    g.addOutput(y);
    if (!ir::inferShapes(g))
        qFatal("shape inference failed");
    return g;
}

ir::Tensor randomInput(int64_t n, int64_t in, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 2.0f);
    std::vector<float> data(static_cast<size_t>(n * in));
    for (float& v : data)
        v = uniform(rng);
    return ir::Tensor::fromData({n, in}, data);
}

} // namespace

class TestSimulator : public QObject {
    Q_OBJECT

private slots:
    // The executor's Quantize kernel is a vectorisable rewrite of dequantize(quantize(x)).
    void quantizeKernelMatchesSignalQuant()
    {
        std::vector<quant::SignalQuant> quantizers;
        quantizers.push_back(quant::SignalQuant::fromRange({0.0, 1.0}, 6, false));
        quantizers.push_back(quant::SignalQuant::fromRange({-37.1, 38.2}, 6, false)); // zero point 31
        quantizers.push_back(quant::SignalQuant::fromRange({-0.5, 1.4921875}, 8, false));
        quantizers.push_back(quant::SignalQuant::fromRange({-3.0, 2.0}, 8, true));
        quantizers.push_back(quant::SignalQuant::fromRange({0.0, 0.3}, 12, false));
        std::mt19937 rng(5);
        for (const quant::SignalQuant& q : quantizers) {
            std::vector<float> xs{0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::denorm_min(),
                                  std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 1e10f, -1e10f};
            for (int32_t k = q.qmin - q.zeroPoint - 3; k <= q.qmax - q.zeroPoint + 3; ++k)
                for (double d : {-0.5, -0.25, 0.0, 0.25, 0.5}) {
                    const float v = static_cast<float>((k + d) * static_cast<double>(q.scale));
                    for (float u : {v, std::nextafter(v, 1e30f), std::nextafter(v, -1e30f)})
                        xs.push_back(u);
                }
            std::uniform_real_distribution<float> wide(-100.0f, 100.0f);
            for (int i = 0; i < 10000; ++i)
                xs.push_back(wide(rng));

            ir::Graph g;
            const ir::ValueId x = g.addInput("x", {ir::kDynamicDim});
            const ir::ValueId y = g.addValue("y", {ir::kDynamicDim});
            g.addNode("q", ir::OpKind::Quantize, {x}, {y}, quant::quantizeAttributes(q, "l"));
            g.addOutput(y);
            QVERIFY(ir::inferShapes(g));
            const exec::Executor executor(std::make_shared<const ir::Graph>(std::move(g)), {.threads = 1, .kernels = {}});
            auto out = executor.run({ir::Tensor::fromData({static_cast<int64_t>(xs.size())}, xs)});
            QVERIFY2(out, out ? "" : out.error().message.c_str());
            for (size_t i = 0; i < xs.size(); ++i)
                QVERIFY2(sameBits(out->front().f[i], q.dequantize(q.quantize(xs[i]))),
                         qPrintable(QStringLiteral("x = %1").arg(static_cast<double>(xs[i]), 0, 'g', 17)));
        }
    }

    // The shipped MLP compiled for small crossbars (partial sums, column blocks, 16-row tails)
    // on several profiles and ADC modes, an odd batch split over threads.
    void shippedMlpMatchesReference()
    {
        auto model = onnx::importModel(test::resourceDir() / "models" / "mlp.onnx");
        QVERIFY(model);
        auto testSet = data::loadFashionMnistTest(test::resourceDir() / "data" / "fashion-mnist-sample");
        QVERIFY(testSet);
        const ir::Tensor calibration = testSet->batch(0, 64);
        const ir::Tensor input = testSet->batch(64, 64 + 37);
        struct Case {
            const char* profile;
            std::vector<std::string> overrides;
            sim::AdcRange adc;
        };
        const std::vector<Case> cases{
            {"prime", {}, sim::AdcRange::Calibrated},
            {"prime", {"crossbar.rows=96", "crossbar.cols=80"}, sim::AdcRange::FullScale},
            {"prime", {"signals.adc_bits=0"}, sim::AdcRange::Weights},
            {"generic", {}, sim::AdcRange::Calibrated},
            {"isaac-like", {"crossbar.rows=64", "crossbar.cols=64"}, sim::AdcRange::Weights},
        };
        for (const Case& c : cases) {
            const hw::Profile p = profile(c.profile, c.overrides);
            CompileOptions options;
            options.calibrationInputs = {calibration};
            auto compiled = compile(model->graph, p, {}, options);
            QVERIFY2(compiled, compiled ? "" : compiled.error().message.c_str());
            sim::QuantizeOptions o;
            o.adc = c.adc;
            auto net = sim::quantizeNetwork(*compiled->compiled, p, o, calibration);
            QVERIFY2(net, net ? "" : net.error().message.c_str());
            QVERIFY(checkAgainstReference(*net, input, 2) >= 6);
            QVERIFY(checkAgainstReference(*net, testSet->batch(0, 1), 1) >= 6);
        }
    }

    // Core-ops wider than the crossbar (several tiles), every neuron function; and with the
    // Quantize in front removed, inputs off the grid take quantize() itself.
    void wideCoreOpsAndOffGridInputs()
    {
        for (const std::string activation : {"relu", "ramp", "none"}) {
            for (const bool offGrid : {false, true}) {
                const ir::Graph g = denseLayer(40, 300, activation, 11);
                const ir::Tensor calibration = randomInput(32, 40, 1);
                const hw::Profile p = profile("prime");
                auto net = sim::quantizeNetwork(g, p, {}, calibration);
                QVERIFY2(net, net ? "" : net.error().message.c_str());
                if (offGrid) {
                    auto raw = std::make_shared<ir::Graph>(*net->graph);
                    bool removed = false;
                    for (ir::NodeId id = 0; id < raw->numNodes(); ++id)
                        if (ir::Node& node = raw->node(id);
                            node.op == ir::OpKind::Quantize && raw->value(node.inputs[0]).producer == ir::kNoNode) {
                            node.op = ir::OpKind::Identity;
                            node.attrs = {};
                            removed = true;
                        }
                    QVERIFY(removed);
                    net->graph = raw;
                }
                QVERIFY(checkAgainstReference(*net, randomInput(29, 40, 2), 2) >= 1);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestSimulator)
#include "tst_simulator.moc"
