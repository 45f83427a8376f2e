// SPDX-License-Identifier: GPL-3.0-or-later
// The spiking simulator on hand-built networks: one neuron's spike train against a hand
// computation (leak, both resets, regular input coding), the readout at checkpoints, rates
// against the rate model, and determinism across threads and slice sizes.
#include <QtTest>

#include <cmath>
#include <random>

#include "nnb/snn/spiking_network.h"
#include "nnb/snn/spiking_sim.h"

using namespace nnb;

namespace {

/// One input coder (global id 0) → one spiking neuron (id 1) with weight \p w, leak \p leak and
/// threshold \p t.
snn::SpikingNetwork oneNeuron(int32_t w, int32_t leak, int32_t t, hw::ResetMode reset)
{
    snn::SpikingNetwork net;
    net.inputShape = {1};
    net.inputNeurons = 1;
    net.reset = reset;
    net.ticks = 8;
    snn::SpikingLayer l;
    l.name = "neuron";
    l.shape = {1};
    l.firstNeuron = 1;
    l.neurons = 1;
    l.rowStart = {0, 1};
    l.source = {0};
    l.weight = {w};
    l.threshold = {t};
    l.leak = {leak};
    l.sourceLayers = {-1};
    net.layers.push_back(l);
    net.outputNeurons = {1};
    return net;
}

/// The spike train of neuron 0 of layer 0 over \p ticks ticks (runs are deterministic, so the
/// run of t ticks is a prefix of the run of t + 1).
std::vector<int> spikeTrain(const snn::SpikingNetwork& net, float input, int ticks, double initialPotential = 0.0)
{
    const ir::Tensor x = ir::Tensor::fromData({1, 1}, {input});
    std::vector<int> train;
    int64_t previous = 0;
    for (int t = 1; t <= ticks; ++t) {
        snn::SpikingSimOptions o;
        o.ticks = t;
        o.threads = 1;
        o.initialPotential = initialPotential;
        auto run = snn::simulate(net, x, nullptr, o);
        if (!run)
            qFatal("%s", run.error().message.c_str());
        const int64_t count = run->layers[0].spikeCounts[0];
        train.push_back(static_cast<int>(count - previous));
        previous = count;
    }
    return train;
}

/// A random layered network: \p sizes[0] input coders, then fully connected layers; the last is
/// the readout (potential). Weights in [-wMax, wMax], thresholds in [tMin, tMax].
snn::SpikingNetwork randomNetwork(const std::vector<int64_t>& sizes, uint32_t seed, int32_t wMax = 60, int32_t tMin = 64,
                                  int32_t tMax = 400)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> wd(-wMax, wMax), td(tMin, tMax), ld(-8, 8);
    snn::SpikingNetwork net;
    net.inputShape = {sizes[0]};
    net.inputNeurons = sizes[0];
    int64_t first = sizes[0], prevFirst = 0;
    for (size_t l = 1; l < sizes.size(); ++l) {
        snn::SpikingLayer layer;
        layer.name = "layer" + std::to_string(l);
        layer.shape = {sizes[l]};
        layer.firstNeuron = first;
        layer.neurons = sizes[l];
        layer.rowStart = {0};
        for (int64_t j = 0; j < sizes[l]; ++j) {
            for (int64_t i = 0; i < sizes[l - 1]; ++i) {
                layer.source.push_back(static_cast<int32_t>(prevFirst + i));
                layer.weight.push_back(wd(rng));
            }
            layer.rowStart.push_back(static_cast<int64_t>(layer.source.size()));
            layer.threshold.push_back(td(rng));
            layer.leak.push_back(ld(rng));
        }
        layer.sourceLayers = {static_cast<int>(l) - 2};
        layer.spiking = l + 1 < sizes.size();
        net.layers.push_back(std::move(layer));
        prevFirst = first;
        first += sizes[l];
    }
    for (int64_t k = 0; k < sizes.back(); ++k)
        net.outputNeurons.push_back(static_cast<int32_t>(prevFirst + k));
    return net;
}

ir::Tensor randomImages(int64_t n, int64_t inputs, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n * inputs));
    for (float& x : v)
        x = d(rng);
    return ir::Tensor::fromData({n, inputs}, std::move(v));
}

} // namespace

class TestSpikingSim : public QObject {
    Q_OBJECT

private slots:
    // V ← V + w·s + L, spike when V ≥ T, written out tick by tick in the comments.
    void handComputedSpikeTrain_data()
    {
        QTest::addColumn<float>("input");
        QTest::addColumn<int>("weight");
        QTest::addColumn<int>("leak");
        QTest::addColumn<int>("threshold");
        QTest::addColumn<bool>("subtract");
        QTest::addColumn<double>("initial");
        QTest::addColumn<std::vector<int>>("train");
        // Input rate 1 (a spike every tick), current 3 − 1 = 2 per tick, T = 5:
        // V = 2, 4, 6→spike→1, 3, 5→spike→0, 2, 4, 6→spike→1.
        QTest::addRow("rate 1, leak -1, subtract") << 1.0f << 3 << -1 << 5 << true << 0.0 << std::vector<int>{0, 0, 1, 0, 1, 0, 0, 1};
        // Same, reset to zero: V = 2, 4, 6→spike→0, 2, 4, 6→spike→0, 2, 4.
        QTest::addRow("rate 1, leak -1, zero") << 1.0f << 3 << -1 << 5 << false << 0.0 << std::vector<int>{0, 0, 1, 0, 0, 1, 0, 0};
        // Input rate 0.5: the regular coder (phase starts at one half) spikes on ticks 1, 3, 5, 7.
        // w = 5, L = −1, T = 4: V = 4→spike→0, −1, 3, 2, 6→spike→2, 1, 5→spike→1, 0.
        QTest::addRow("rate 0.5, leak -1, subtract") << 0.5f << 5 << -1 << 4 << true << 0.0 << std::vector<int>{1, 0, 0, 0, 1, 0, 1, 0};
        // Reset to zero: V = 4→spike→0, −1, 3, 2, 6→spike→0, −1, 3, 2.
        QTest::addRow("rate 0.5, leak -1, zero") << 0.5f << 5 << -1 << 4 << false << 0.0 << std::vector<int>{1, 0, 0, 0, 1, 0, 0, 0};
        // A positive leak fires without input: V = 3, 6→spike→1, 4, 7→spike→2, 5→spike→0, 3, 6→spike→1, 4.
        QTest::addRow("rate 0, leak 3, subtract") << 0.0f << 9 << 3 << 5 << true << 0.0 << std::vector<int>{0, 1, 0, 1, 1, 0, 1, 0};
        // Preset potential floor(0.5·5) = 2: V = 4, 6→spike→1, 3, 5→spike→0, 2, 4, 6→spike→1, 3.
        QTest::addRow("rate 1, leak -1, start at T/2") << 1.0f << 3 << -1 << 5 << true << 0.5 << std::vector<int>{0, 1, 0, 1, 0, 0, 1, 0};
    }
    void handComputedSpikeTrain()
    {
        QFETCH(float, input);
        QFETCH(int, weight);
        QFETCH(int, leak);
        QFETCH(int, threshold);
        QFETCH(bool, subtract);
        QFETCH(double, initial);
        QFETCH(std::vector<int>, train);
        const auto net = oneNeuron(weight, leak, threshold, subtract ? hw::ResetMode::Subtract : hw::ResetMode::Zero);
        QCOMPARE(spikeTrain(net, input, 8, initial), train);
    }

    // Two readout neurons: V0 = 3·(spikes of the neuron above, on ticks 3, 5, 8), V1 = t (leak 1).
    // The arg-max (ties: the lower index) is class 0 on ticks 3, 5, 6, 8.
    void readoutAtCheckpoints()
    {
        auto net = oneNeuron(3, -1, 5, hw::ResetMode::Subtract);
        snn::SpikingLayer out;
        out.name = "readout";
        out.shape = {2};
        out.firstNeuron = 2;
        out.neurons = 2;
        out.rowStart = {0, 1, 1};
        out.source = {1};
        out.weight = {3};
        out.threshold = {1, 1};
        out.leak = {0, 1};
        out.spiking = false;
        out.sourceLayers = {0};
        net.layers.push_back(out);
        net.outputNeurons = {2, 3};
        snn::SpikingSimOptions o;
        o.ticks = 8;
        o.checkpoints = {1, 2, 3, 4, 5, 6, 7, 8};
        const std::vector<uint8_t> labels{0};
        auto run = snn::simulate(net, ir::Tensor::fromData({1, 1}, {1.0f}), &labels, o);
        QVERIFY2(run, run ? "" : run.error().message.c_str());
        QCOMPARE(run->accuracy.size(), size_t{8});
        const std::vector<int64_t> expected{0, 0, 1, 0, 1, 1, 0, 1};
        for (size_t t = 0; t < 8; ++t) {
            QCOMPARE(run->accuracy[t].ticks, static_cast<int>(t + 1));
            QCOMPARE(run->accuracy[t].correct, expected[t]);
        }
        QCOMPARE(run->predictions, std::vector<int32_t>{0});
        QCOMPARE(run->layers[1].spikeCounts, (std::vector<int64_t>{0, 0}));
        QCOMPARE(run->synapticEvents, int64_t{8 + 3}); // 8 input spikes, 3 hidden spikes, fan-out 1
    }

    // With a constant input current and reset by subtraction, N ticks give
    // |count/N − clamp((w + L)/T, 0, 1)| ≤ 1/N.
    void rateWithinOneOverT()
    {
        std::mt19937 rng(7);
        std::uniform_int_distribution<int32_t> wd(-127, 127), ld(-60, 60), td(1, 500);
        const int n = 64;
        for (int k = 0; k < 200; ++k) {
            const int32_t w = wd(rng), l = ld(rng), t = td(rng);
            const auto net = oneNeuron(w, l, t, hw::ResetMode::Subtract);
            snn::SpikingSimOptions o;
            o.ticks = n;
            auto run = snn::simulate(net, ir::Tensor::fromData({1, 1}, {1.0f}), nullptr, o);
            QVERIFY(run);
            const double rate = static_cast<double>(run->layers[0].spikeCounts[0]) / n;
            const double model = snn::rateNeuron(static_cast<double>(w + l) / t);
            QVERIFY2(std::fabs(rate - model) <= 1.0 / n + 1e-12,
                     qPrintable(QStringLiteral("w %1 L %2 T %3: rate %4, model %5").arg(w).arg(l).arg(t).arg(rate).arg(model)));
        }
    }

    // A random 24 → 16 → 6 network: per neuron and image, the spike rate is within a few 1/N of
    // the rate model (rateModel(), computed independently of the simulator), on average within 2/N.
    void ratesAgreeWithRateModel()
    {
        const auto net = randomNetwork({24, 16, 6}, 11);
        const ir::Tensor images = randomImages(6, 24, 3);
        auto model = snn::rateModel(net, images);
        QVERIFY(model);
        const int n = 256;
        double sum = 0.0, worst = 0.0;
        int64_t count = 0, intermediate = 0;
        for (float y : model->layerRates[0])
            intermediate += y > 0.05f && y < 0.95f;
        QVERIFY(intermediate >= 24); // a quarter of the 96 neuron-images neither silent nor saturated
        for (int64_t s = 0; s < images.shape[0]; ++s) {
            const ir::Tensor one = ir::Tensor::fromData({1, 24}, std::vector<float>(images.f.begin() + s * 24, images.f.begin() + (s + 1) * 24));
            snn::SpikingSimOptions o;
            o.ticks = n;
            auto run = snn::simulate(net, one, nullptr, o);
            QVERIFY(run);
            for (int64_t j = 0; j < 16; ++j) {
                const double rate = static_cast<double>(run->layers[0].spikeCounts[static_cast<size_t>(j)]) / n;
                const double d = std::fabs(rate - model->layerRates[0][static_cast<size_t>(s * 16 + j)]);
                sum += d;
                worst = std::max(worst, d);
                ++count;
            }
        }
        const double mean = sum / static_cast<double>(count);
        qInfo("rate vs rate model over %lld neuron-images: mean %.5f, worst %.5f (1/N = %.5f)", static_cast<long long>(count),
              mean, worst, 1.0 / n);
        QVERIFY(mean <= 2.0 / n);
        QVERIFY(worst <= 8.0 / n);
        // The simulator's own agreement figure measures the same thing.
        snn::SpikingSimOptions o;
        o.ticks = n;
        auto run = snn::simulate(net, images, nullptr, o);
        QVERIFY(run);
        QVERIFY(std::fabs(run->layers[0].rateErrorMeanAbs - mean) < 1e-9);
        QVERIFY(run->layers[0].localRateErrorMeanAbs <= 2.0 / n);
    }

    // Identical results for 1, 2 and 3 threads; integer results identical for any slice size;
    // Bernoulli coding depends on the image index only.
    void deterministicAcrossThreads_data()
    {
        QTest::addColumn<int>("coding");
        QTest::addRow("regular") << static_cast<int>(snn::InputCoding::Regular);
        QTest::addRow("bernoulli") << static_cast<int>(snn::InputCoding::Bernoulli);
    }
    void deterministicAcrossThreads()
    {
        QFETCH(int, coding);
        const auto net = randomNetwork({30, 20, 12, 5}, 5);
        const ir::Tensor images = randomImages(70, 30, 9);
        std::vector<uint8_t> labels(70);
        for (size_t k = 0; k < labels.size(); ++k)
            labels[k] = static_cast<uint8_t>(k % 5);
        const auto runWith = [&](int threads, int slice) {
            snn::SpikingSimOptions o;
            o.ticks = 40;
            o.checkpoints = {8, 16, 32};
            o.threads = threads;
            o.sliceSize = slice;
            o.coding = static_cast<snn::InputCoding>(coding);
            auto run = snn::simulate(net, images, &labels, o);
            if (!run)
                qFatal("%s", run.error().message.c_str());
            return *run;
        };
        const snn::SpikingRun a = runWith(1, 8), b = runWith(2, 8), c = runWith(3, 8), d = runWith(2, 32);
        for (const snn::SpikingRun* r : {&b, &c, &d}) {
            QCOMPARE(r->predictions, a.predictions);
            QCOMPARE(r->inputSpikeCounts, a.inputSpikeCounts);
            QCOMPARE(r->synapticEvents, a.synapticEvents);
            QCOMPARE(r->accuracy.size(), size_t{4});
            for (size_t k = 0; k < a.accuracy.size(); ++k)
                QCOMPARE(r->accuracy[k].correct, a.accuracy[k].correct);
            for (size_t l = 0; l < a.layers.size(); ++l)
                QCOMPARE(r->layers[l].spikeCounts, a.layers[l].spikeCounts);
        }
        for (const snn::SpikingRun* r : {&b, &c}) // same slices: even the floating-point sums agree
            for (size_t l = 0; l < a.layers.size(); ++l) {
                QCOMPARE(r->layers[l].rateErrorMeanAbs, a.layers[l].rateErrorMeanAbs);
                QCOMPARE(r->layers[l].localRateErrorMeanAbs, a.layers[l].localRateErrorMeanAbs);
            }
        QVERIFY(a.layers[0].totalSpikes > 0);
    }

    void rejectsBadArguments()
    {
        const auto net = oneNeuron(3, -1, 5, hw::ResetMode::Subtract);
        QVERIFY(!snn::simulate(net, ir::Tensor::fromData({1, 2}, {0.5f, 0.5f}), nullptr));
        snn::SpikingSimOptions o;
        o.sliceSize = 0;
        QVERIFY(!snn::simulate(net, ir::Tensor::fromData({1, 1}, {0.5f}), nullptr, o));
        o = {};
        o.initialPotential = 1.0;
        QVERIFY(!snn::simulate(net, ir::Tensor::fromData({1, 1}, {0.5f}), nullptr, o));
        // |V| could exceed 32 bits: 127 per tick for 2^25 ticks.
        const auto big = oneNeuron(127, 0, 1 << 30, hw::ResetMode::Subtract);
        o = {};
        o.ticks = 1 << 25;
        auto run = snn::simulate(big, ir::Tensor::fromData({1, 1}, {0.5f}), nullptr, o);
        QVERIFY(!run);
        QCOMPARE(run.error().code, Errc::InvalidArgument);
        // Cancellation.
        RunContext ctx;
        ctx.isCancelled = [] { return true; };
        auto cancelled = snn::simulate(net, ir::Tensor::fromData({1, 1}, {0.5f}), nullptr, {}, ctx);
        QVERIFY(!cancelled);
        QCOMPARE(cancelled.error().code, Errc::Cancelled);
    }
};

QTEST_APPLESS_MAIN(TestSpikingSim)
#include "tst_spiking_sim.moc"
