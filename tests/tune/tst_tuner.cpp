// SPDX-License-Identifier: GPL-3.0-or-later
// Unit tests of multi-phase weight tuning (nnb::tune): tuning lowers every layer's error against
// the float targets, the reported errors match an independent reference of the hardware
// semantics, dense and convolution layouts (transB, alpha/beta, groups, strides, pads,
// dilations, MatMul) survive the round trip, the end-to-end pass trains through pooling and
// residual adds, runs are deterministic and cancellable, and on the shipped MLP the quantised
// network agrees more often with the float one after tuning.
#include <QtTest>

#include <chrono>
#include <cmath>
#include <algorithm>
#include <optional>
#include <string>
#include <random>
#include <vector>

#include "graph_builders.h"
#include "nnb/data/dataset.h"
#include "nnb/exec/executor.h"
#include "nnb/onnx/import.h"
#include "nnb/quant/calibrate.h"
#include "nnb/tune/tuner.h"
#include "test_paths.h"

using namespace nnb;

namespace {

/// Uniform values in [0, 1) from the engine's raw output (portable across standard libraries).
ir::Tensor uniformImages(ir::Shape shape, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    ir::Tensor t = ir::Tensor::filled(std::move(shape));
    for (float& v : t.f)
        v = static_cast<float>(static_cast<double>(rng() >> 11) * 0x1.0p-53);
    return t;
}

/// Gemm(16→24, transB) + Relu, then MatMul(24→6) without bias: the two dense layer forms.
ir::Graph denseNet()
{
    test::GraphBuilder b({ir::kDynamicDim, 16});
    b.gemm(16, 24);
    b.unary(ir::OpKind::Relu);
    b.node(ir::OpKind::MatMul, {b.current(), b.constant(test::randomTensor({24, 6}, 99, 0.3f))});
    return b.finish();
}

/// Grouped, dilated, padded Conv + Relu; strided Conv with asymmetric pads + Relu; Flatten; a
/// Gemm with B not transposed, alpha 0.5 and beta 2.
ir::Graph convNet()
{
    test::GraphBuilder b({ir::kDynamicDim, 2, 9, 9});
    b.conv(2, 4, 3, {1, 1}, {2, 2, 2, 2}, /*group=*/2, /*dilations=*/{2, 2});
    b.unary(ir::OpKind::Relu);
    b.conv(4, 6, 3, {2, 2}, {0, 1, 0, 1});
    b.unary(ir::OpKind::Relu);
    b.unary(ir::OpKind::Flatten);
    ir::Attributes gemm;
    gemm.set("alpha", 0.5f);
    gemm.set("beta", 2.0f);
    const ir::ValueId w = b.constant(test::randomTensor({6 * 4 * 5, 5}, 31, 0.2f));
    const ir::ValueId c = b.constant(test::randomTensor({5}, 32, 0.1f));
    b.node(ir::OpKind::Gemm, {b.current(), w, c}, gemm);
    return b.finish();
}

/// Conv + Relu, MaxPool, grouped Conv + Relu, a residual Add of both branches, AveragePool with
/// pads, GlobalAveragePool, Flatten, Gemm, Softmax: every op end-to-end tuning trains through.
ir::Graph residualNet()
{
    test::GraphBuilder b({ir::kDynamicDim, 2, 9, 9});
    b.conv(2, 4, 3, {1, 1}, {1, 1, 1, 1});
    b.unary(ir::OpKind::Relu);
    ir::Attributes maxPool;
    maxPool.set("kernel_shape", std::vector<int64_t>{2, 2});
    maxPool.set("strides", std::vector<int64_t>{2, 2});
    const ir::ValueId pooled = b.unary(ir::OpKind::MaxPool, maxPool);
    b.conv(4, 4, 3, {1, 1}, {1, 1, 1, 1}, /*group=*/2);
    const ir::ValueId branch = b.unary(ir::OpKind::Relu);
    b.node(ir::OpKind::Add, {pooled, branch});
    ir::Attributes averagePool;
    averagePool.set("kernel_shape", std::vector<int64_t>{2, 2});
    averagePool.set("pads", std::vector<int64_t>{1, 1, 0, 0});
    b.unary(ir::OpKind::AveragePool, averagePool);
    b.unary(ir::OpKind::GlobalAveragePool);
    b.unary(ir::OpKind::Flatten);
    b.gemm(4, 5);
    b.unary(ir::OpKind::Softmax);
    return b.finish();
}

/// Labels 0..classes−1 in turn.
std::vector<uint8_t> cyclicLabels(size_t n, int classes)
{
    std::vector<uint8_t> labels(n);
    for (size_t i = 0; i < n; ++i)
        labels[i] = static_cast<uint8_t>(static_cast<int>(i) % classes);
    return labels;
}

tune::HardwareQuant lowPrecision(int bits)
{
    tune::HardwareQuant hw;
    hw.weights.bits = bits;
    hw.inputBits = bits;
    hw.outputBits = bits;
    return hw;
}

std::vector<ir::Tensor> runFloat(const ir::Graph& graph, const ir::Tensor& x)
{
    const exec::Executor executor(std::make_shared<const ir::Graph>(graph));
    auto out = executor.runAll({x});
    return out ? std::move(*out) : std::vector<ir::Tensor>{};
}

/// The MSE of the first layer of denseNet() (Gemm, transB, + Relu) in the hardware semantics,
/// computed from the header's description with plain loops, for the weights in \p net and the
/// targets of \p original.
double referenceFirstLayerMse(const ir::Graph& net, const ir::Graph& original, const tune::HardwareQuant& hw,
                              const ir::Tensor& x)
{
    const ir::Node& gemm = net.node(0);
    const ir::Tensor& b = *net.value(gemm.inputs[1]).constant; // [out, in]
    const ir::Tensor& c = *net.value(gemm.inputs[2]).constant;
    const int64_t out = b.shape[0];
    const int64_t in = b.shape[1];
    const int64_t n = x.shape[0];

    ir::Tensor xq = x;
    const quant::SignalQuant inQ = quant::SignalQuant::fromRange(
        quant::calibrateRange(xq.data(), xq.f.size(), hw.range, hw.inputBits, hw.percentile), hw.inputBits, false);
    quant::fakeQuantize(xq.data(), xq.f.size(), inQ);

    ir::Tensor w = ir::Tensor::filled({in, out}); // the hardware layout [in, out]
    for (int64_t i = 0; i < in; ++i)
        for (int64_t j = 0; j < out; ++j)
            w.f[static_cast<size_t>(i * out + j)] = b.f[static_cast<size_t>(j * in + i)];
    const auto q = quant::quantizeWeights(w, 1, hw.weights);
    if (!q)
        return -1.0;
    const ir::Tensor wq = q->dequantized();

    const ir::Tensor target = runFloat(original, x)[static_cast<size_t>(original.node(1).outputs[0])];
    const quant::SignalQuant outQ = quant::SignalQuant::fromRange(
        quant::calibrateRange(target.data(), target.f.size(), hw.range, hw.outputBits, hw.percentile), hw.outputBits,
        false);
    double sse = 0.0;
    for (int64_t s = 0; s < n; ++s) {
        for (int64_t j = 0; j < out; ++j) {
            double z = c.f[static_cast<size_t>(j)];
            for (int64_t i = 0; i < in; ++i)
                z += static_cast<double>(xq.f[static_cast<size_t>(s * in + i)]) * wq.f[static_cast<size_t>(i * out + j)];
            float y = std::max(static_cast<float>(z), 0.0f);
            quant::fakeQuantize(&y, 1, outQ);
            const double d = y - target.f[static_cast<size_t>(s * out + j)];
            sse += d * d;
        }
    }
    return sse / static_cast<double>(n * out);
}

std::vector<int> argmaxRows(const ir::Tensor& t)
{
    const int64_t classes = t.shape.back();
    std::vector<int> best(static_cast<size_t>(t.shape[0]));
    for (size_t s = 0; s < best.size(); ++s) {
        const float* row = t.data() + static_cast<int64_t>(s) * classes;
        best[s] = static_cast<int>(std::max_element(row, row + classes) - row);
    }
    return best;
}

int agreement(const std::vector<int>& a, const std::vector<int>& b)
{
    int same = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        same += a[i] == b[i];
    return same;
}

std::optional<data::Dataset> fashionMnistTrain()
{
    auto set = data::loadIdx(data::kDebianFashionMnistDir / "train-images-idx3-ubyte.gz",
                             data::kDebianFashionMnistDir / "train-labels-idx1-ubyte.gz");
    return set ? std::optional<data::Dataset>(std::move(*set)) : std::nullopt;
}

} // namespace

class TestTuner : public QObject {
    Q_OBJECT

private slots:
    void tuningReducesEveryLayersError()
    {
        const ir::Graph net = denseNet();
        const ir::Tensor x = uniformImages({256, 16}, 5);
        const tune::HardwareQuant hw = lowPrecision(3);
        std::vector<int> permille;
        RunContext ctx;
        ctx.onProgress = [&](const Progress& p) { permille.push_back(p.permille); };
        const auto result = tune::tuneNetwork(net, hw, x, nullptr, tune::TuneOptions{}, ctx);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());

        QCOMPARE(result->layers.size(), size_t{2});
        QCOMPARE(result->layers[0].layer, net.node(0).name);
        QCOMPARE(result->layers[1].layer, net.node(2).name);
        for (const tune::LayerTuneReport& r : result->layers) {
            qInfo("%s: MSE %.6g -> %.6g -> %.6g -> %.6g in %d steps", r.layer.c_str(), r.mseBefore, r.mseAfterPhase1,
                  r.mseAfterPhase2, r.mseAfterPhase3, r.steps);
            QVERIFY(r.mseAfterPhase3 < r.mseBefore);
            QVERIFY(r.mseAfterPhase3 <= r.mseAfterPhase1 && r.mseAfterPhase3 <= r.mseAfterPhase2);
            QCOMPARE(r.steps, 2 * 4 * 4); // two Adam phases, 4 epochs of 256/64 batches
        }
        QVERIFY(!permille.empty());
        QCOMPARE(permille.back(), 1000);
        QVERIFY(std::is_sorted(permille.begin(), permille.end()));

        // Same structure and names; the weights changed.
        const ir::Graph& tuned = *result->tuned;
        QCOMPARE(tuned.numNodes(), net.numNodes());
        QCOMPARE(tuned.numValues(), net.numValues());
        for (ir::NodeId n = 0; n < net.numNodes(); ++n) {
            QCOMPARE(tuned.node(n).name, net.node(n).name);
            QCOMPARE(tuned.node(n).inputs, net.node(n).inputs);
        }
        const ir::ValueId w0 = net.node(0).inputs[1];
        QCOMPARE(tuned.value(w0).constant->shape, net.value(w0).constant->shape);
        QVERIFY(tuned.value(w0).constant->f != net.value(w0).constant->f);

        // The reported figures are the hardware semantics the header describes.
        const double before = referenceFirstLayerMse(net, net, hw, x);
        const double after = referenceFirstLayerMse(tuned, net, hw, x);
        QVERIFY(std::abs(before - result->layers[0].mseBefore) <= 1e-3 * before);
        QVERIFY(std::abs(after - result->layers[0].mseAfterPhase3) <= 1e-3 * after);
    }

    void convolutionsMatchFloatAtHighPrecision()
    {
        // With 16-bit weights and signals the hardware semantics is the float network up to
        // rounding; any layout slip in im2col, groups, strides, pads or dilations shows.
        const ir::Graph net = convNet();
        const ir::Tensor x = uniformImages({40, 2, 9, 9}, 8);
        tune::HardwareQuant hw = lowPrecision(16);
        hw.range = quant::RangeMethod::Max;
        const auto quantized = tune::runFakeQuantized(net, hw, x, x);
        QVERIFY2(quantized.has_value(), quantized ? "" : quantized.error().toString().c_str());
        const ir::Tensor reference = runFloat(net, x)[static_cast<size_t>(net.outputs()[0])];
        QCOMPARE(quantized->shape, reference.shape);
        float maxAbs = 0.0f;
        float maxDiff = 0.0f;
        for (size_t i = 0; i < reference.f.size(); ++i) {
            maxAbs = std::max(maxAbs, std::abs(reference.f[i]));
            maxDiff = std::max(maxDiff, std::abs(reference.f[i] - quantized->f[i]));
        }
        QVERIFY(maxAbs > 0.1f);
        QVERIFY2(maxDiff <= 1e-3f * maxAbs, qPrintable(QString::number(maxDiff)));

        // At 2 bits the same network is visibly worse: the comparison can fail.
        const auto coarse = tune::runFakeQuantized(net, lowPrecision(2), x, x);
        QVERIFY(coarse.has_value());
        float coarseDiff = 0.0f;
        for (size_t i = 0; i < reference.f.size(); ++i)
            coarseDiff = std::max(coarseDiff, std::abs(reference.f[i] - coarse->f[i]));
        QVERIFY(coarseDiff > 10.0f * maxDiff);
    }

    void convolutionTuningReducesError()
    {
        const ir::Graph net = convNet();
        const ir::Tensor x = uniformImages({128, 2, 9, 9}, 9);
        tune::TuneOptions options;
        options.batchSize = 16;
        const auto result = tune::tuneNetwork(net, lowPrecision(3), x, nullptr, options);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        QCOMPARE(result->layers.size(), size_t{3});
        for (const tune::LayerTuneReport& r : result->layers) {
            qInfo("%s: MSE %.6g -> %.6g -> %.6g -> %.6g", r.layer.c_str(), r.mseBefore, r.mseAfterPhase1,
                  r.mseAfterPhase2, r.mseAfterPhase3);
            QVERIFY(r.mseAfterPhase3 < r.mseBefore);
        }
        QCOMPARE(result->layers[0].outputQuant.isSigned, false); // after a fused Relu
        QCOMPARE(result->layers[2].outputQuant.isSigned, true);  // logits
    }

    void disabledPhasesKeepTheWeights()
    {
        // Nothing to tune: every layout (transB 0/1, alpha, beta, conv, MatMul) is stored back
        // exactly, and every figure equals the starting one.
        tune::TuneOptions off;
        off.phase1 = off.phase2 = off.phase3 = false;
        for (const ir::Graph& net : {denseNet(), convNet()}) {
            const ir::Tensor x = uniformImages(net.node(0).op == ir::OpKind::Conv ? ir::Shape{8, 2, 9, 9} : ir::Shape{8, 16}, 3);
            const auto result = tune::tuneNetwork(net, lowPrecision(4), x, nullptr, off);
            QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
            for (const tune::LayerTuneReport& r : result->layers) {
                QCOMPARE(r.mseAfterPhase3, r.mseBefore);
                QCOMPARE(r.steps, 0);
            }
            for (ir::ValueId v = 0; v < net.numValues(); ++v)
                if (net.value(v).isConstant())
                    QCOMPARE(result->tuned->value(v).constant->f, net.value(v).constant->f);
        }
    }

    void endToEndTrainsThroughPoolingAndResiduals()
    {
        const ir::Graph net = residualNet();
        const ir::Tensor x = uniformImages({96, 2, 9, 9}, 12);
        const std::vector<uint8_t> labels = cyclicLabels(96, 5);
        tune::TuneOptions options;
        options.epochs = 1;
        options.batchSize = 16;
        options.endToEnd = true;
        options.endToEndEpochs = 4;
        options.learningRate = 3e-3;
        const auto result = tune::tuneNetwork(net, lowPrecision(6), x, &labels, options);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        QVERIFY(result->endToEnd.has_value());
        const tune::EndToEndReport& e2e = *result->endToEnd;
        qInfo("cross-entropy %.4f -> %.4f, accuracy %.3f -> %.3f", e2e.crossEntropyBefore, e2e.crossEntropyAfter,
              e2e.accuracyBefore, e2e.accuracyAfter);
        QCOMPARE(e2e.steps, 4 * 96 / 16);
        QVERIFY(e2e.crossEntropyAfter < e2e.crossEntropyBefore);
    }

    void endToEndNeedsLabelsAndKnownOps()
    {
        tune::TuneOptions options;
        options.endToEnd = true;
        const ir::Tensor x = uniformImages({8, 16}, 2);
        const auto noLabels = tune::tuneNetwork(denseNet(), lowPrecision(4), x, nullptr, options);
        QVERIFY(!noLabels.has_value());
        QCOMPARE(noLabels.error().code, Errc::InvalidArgument);

        test::GraphBuilder b({ir::kDynamicDim, 16});
        b.gemm(16, 8);
        b.unary(ir::OpKind::Sigmoid); // no hardware neuron, no gradient here
        b.gemm(8, 4);
        const std::vector<uint8_t> labels = cyclicLabels(8, 4);
        const auto sigmoid = tune::tuneNetwork(b.finish(), lowPrecision(4), x, &labels, options);
        QVERIFY(!sigmoid.has_value());
        QCOMPARE(sigmoid.error().code, Errc::UnsupportedOp);
        QVERIFY(sigmoid.error().message.find("Sigmoid") != std::string::npos);
    }

    void sameSeedSameWeights()
    {
        // Layer-wise phases, end-to-end pass and the two worker threads: bit-identical reruns.
        const ir::Graph net = convNet();
        const ir::Tensor x = uniformImages({64, 2, 9, 9}, 4);
        const std::vector<uint8_t> labels = cyclicLabels(64, 5);
        tune::TuneOptions options;
        options.batchSize = 8;
        options.endToEnd = true;
        const auto weights = [&](uint64_t seed) {
            options.seed = seed;
            const auto result = tune::tuneNetwork(net, lowPrecision(3), x, &labels, options);
            std::vector<std::vector<float>> constants;
            if (result)
                for (const ir::Value& v : result->tuned->values())
                    if (v.isConstant())
                        constants.push_back(v.constant->f);
            return constants;
        };
        const auto first = weights(7);
        QVERIFY(!first.empty());
        QVERIFY(first == weights(7)); // bit-identical
        QVERIFY(first != weights(8)); // the seed matters
    }

    void cancellationIsQuick()
    {
        const ir::Graph net = denseNet();
        const ir::Tensor x = uniformImages({256, 16}, 6);
        tune::TuneOptions options;
        options.epochs = 100000; // hours, unless the cancel is honoured
        int polls = 0;
        const RunContext ctx{nullptr, [&] { return ++polls > 20; }};
        const auto start = std::chrono::steady_clock::now();
        const auto result = tune::tuneNetwork(net, lowPrecision(3), x, nullptr, options, ctx);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        QVERIFY(!result.has_value());
        QCOMPARE(result.error().code, Errc::Cancelled);
        QVERIFY(elapsed < std::chrono::seconds(1));
    }

    void refusesWhatItCannotTune()
    {
        const ir::Tensor x = uniformImages({8, 16}, 1);
        {
            test::GraphBuilder b({ir::kDynamicDim, 3, 6, 6});
            b.conv(3, 4, 3, {1, 1}, {0, 0, 0, 0});
            b.batchNorm(4);
            const auto result = tune::tuneNetwork(b.finish(), lowPrecision(4), uniformImages({4, 3, 6, 6}, 2), nullptr, {});
            QVERIFY(!result.has_value());
            QCOMPARE(result.error().code, Errc::UnsupportedOp);
            QVERIFY(result.error().message.find("fold-batchnorm") != std::string::npos);
        }
        tune::TuneOptions badBatch;
        badBatch.batchSize = 0;
        const auto batch = tune::tuneNetwork(denseNet(), lowPrecision(4), x, nullptr, badBatch);
        QVERIFY(!batch.has_value());
        QCOMPARE(batch.error().code, Errc::InvalidArgument);

        tune::HardwareQuant badWeights = lowPrecision(4);
        badWeights.weights.bits = 99;
        const auto weights = tune::tuneNetwork(denseNet(), badWeights, x, nullptr, {});
        QVERIFY(!weights.has_value());
        QCOMPARE(weights.error().code, Errc::InvalidArgument);

        const auto wrongShape = tune::runFakeQuantized(denseNet(), lowPrecision(4), uniformImages({8, 15}, 1), x);
        QVERIFY(!wrongShape.has_value());
        QCOMPARE(wrongShape.error().code, Errc::InvalidArgument);
    }

    // Spiking profiles: the tuner's quantisers are the rate model's grid (spike counts 0..T),
    // with the ramp neuron clamp(z, 0, 1), and the kept weights are never worse on it.
    void spikingTuningUsesTheRateGrid()
    {
        const ir::Graph net = denseNet();
        const ir::Tensor x = uniformImages({256, 16}, 5);
        tune::HardwareQuant hw = lowPrecision(7);
        hw.weights.bits = 8;
        hw.rateCodeMax = 64;
        hw.rampNeuron = true;
        tune::TuneOptions options;
        options.epochs = 2;
        const auto result = tune::tuneNetwork(net, hw, x, nullptr, options);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        QCOMPARE(result->layers.size(), size_t{2});
        for (const tune::LayerTuneReport& r : result->layers) {
            QCOMPARE(r.inputQuant.qmax, 64);
            QCOMPARE(r.outputQuant.qmax, 64);
            QVERIFY2(r.mseAfterPhase3 <= r.mseBefore, r.layer.c_str());
        }
        // 127 codes instead of 64 would halve the step: a different, finer grid.
        QCOMPARE(result->layers.front().inputQuant.scale,
                 quant::SignalQuant::fromRangeCodes(quant::calibrateRange(x.data(), x.f.size(), hw.range, 7, hw.percentile), 64, false).scale);
    }

    void shippedMlpAgreesMoreAfterTuning()
    {
        const auto train = fashionMnistTrain();
        if (!train)
            QSKIP("Debian's dataset-fashion-mnist is not installed");
        auto model = onnx::importModel(test::resourceDir() / "models" / "mlp.onnx");
        QVERIFY2(model.has_value(), model ? "" : model.error().toString().c_str());
        const ir::Graph& mlp = model->graph;
        const ir::Tensor tuning = train->batch(0, 512);
        const ir::Tensor test = train->batch(512, 1024);
        const std::vector<uint8_t> labels(train->labels.begin(), train->labels.begin() + 512);
        const tune::HardwareQuant hw = lowPrecision(4);
        // The layer-wise phases lower every layer's MSE, but with 4-bit logits (seven positive
        // levels) that does not make the top class agree more often: MSE-optimal logits tie
        // more. The end-to-end pass trains the classification itself.
        tune::TuneOptions options;
        options.endToEnd = true;

        const auto result = tune::tuneNetwork(mlp, hw, tuning, &labels, options);
        QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
        for (const tune::LayerTuneReport& r : result->layers) {
            qInfo("%s: MSE %.6g -> %.6g -> %.6g -> %.6g", r.layer.c_str(), r.mseBefore, r.mseAfterPhase1,
                  r.mseAfterPhase2, r.mseAfterPhase3);
            QVERIFY(r.mseAfterPhase3 < r.mseBefore);
        }
        QVERIFY(result->endToEnd.has_value());
        const tune::EndToEndReport& e2e = *result->endToEnd;
        qInfo("end-to-end: cross-entropy %.4f -> %.4f, accuracy %.3f -> %.3f in %d steps", e2e.crossEntropyBefore,
              e2e.crossEntropyAfter, e2e.accuracyBefore, e2e.accuracyAfter, e2e.steps);
        QVERIFY(e2e.crossEntropyAfter < e2e.crossEntropyBefore);

        const std::vector<int> reference = argmaxRows(runFloat(mlp, test)[static_cast<size_t>(mlp.outputs()[0])]);
        const auto before = tune::runFakeQuantized(mlp, hw, tuning, test);
        const auto after = tune::runFakeQuantized(*result->tuned, hw, tuning, test);
        QVERIFY(before.has_value() && after.has_value());
        const int agreeBefore = agreement(reference, argmaxRows(*before));
        const int agreeAfter = agreement(reference, argmaxRows(*after));
        qInfo("top-1 agreement with the float MLP on 512 other images: %d before, %d after tuning (%.0f ms)",
              agreeBefore, agreeAfter, result->milliseconds);
        QVERIFY(agreeAfter > agreeBefore);
    }

    void timingOfShippedNetworks()
    {
        // Not a check: measures the speed target (Release, 2,048 images, default options).
        if (!qEnvironmentVariableIsSet("NNB_TUNE_TIMING"))
            QSKIP("set NNB_TUNE_TIMING=1 to time tuning of the shipped networks");
        const auto train = fashionMnistTrain();
        if (!train)
            QSKIP("Debian's dataset-fashion-mnist is not installed");
        const ir::Tensor images = train->batch(0, 2048);
        for (const char* name : {"mlp", "lenet"}) {
            auto model = onnx::importModel(test::resourceDir() / "models" / (std::string(name) + ".onnx"));
            QVERIFY(model.has_value());
            for (int bits : {8, 4}) {
                const auto result = tune::tuneNetwork(model->graph, lowPrecision(bits), images, nullptr, tune::TuneOptions{});
                QVERIFY2(result.has_value(), result ? "" : result.error().toString().c_str());
                qInfo("%s, %d-bit weights and I/O: %.0f ms", name, bits, result->milliseconds);
                for (const tune::LayerTuneReport& r : result->layers)
                    qInfo("  %s: MSE %.6g -> %.6g -> %.6g -> %.6g", r.layer.c_str(), r.mseBefore, r.mseAfterPhase1,
                          r.mseAfterPhase2, r.mseAfterPhase3);
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestTuner)
#include "tst_tuner.moc"
