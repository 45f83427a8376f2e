// SPDX-License-Identifier: GPL-3.0-or-later
// The whole bit-accurate simulator (nnb::sim::Simulator) on the shipped MLP: quantised for a
// profile, calibrated on training images, run on batches of 256 test images on 2 threads;
// images/s next to an Eigen float GEMM of the same layer shapes on the same 2 threads (each
// thread multiplies half the batch), and the ratio of multiply-accumulates per second.
// Usage: nnb_bench_simulator
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include <Eigen/Core>
#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/hw/profile_io.h"
#include "nnb/onnx/import.h"
#include "nnb/sim/network.h"
#include "resource_paths.h"

using namespace nnb;

namespace {

constexpr int64_t kBatch = 256;
constexpr int kThreads = 2;

/// Seconds per batch of the MLP's three GEMMs in float, the batch split over kThreads threads.
double floatGemmSeconds(const std::vector<std::pair<int, int>>& layers)
{
    using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    std::vector<Mat> weights;
    for (auto [in, out] : layers)
        weights.push_back(Mat::Random(in, out));
    const int64_t half = kBatch / kThreads;
    std::vector<Mat> inputs(kThreads, Mat::Random(half, layers.front().first));
    const auto forward = [&](int t) {
        Mat x = inputs[static_cast<size_t>(t)];
        for (const Mat& w : weights)
            x = (x * w).cwiseMax(0.0f);
        volatile float sink = x(0, 0);
        (void)sink;
    };
    return bench::bestSecondsPerCall([&] {
        std::vector<std::jthread> workers;
        for (int t = 1; t < kThreads; ++t)
            workers.emplace_back(forward, t);
        forward(0);
    });
}

} // namespace

int main()
{
    fmt::print("# nnb_bench_simulator: {}\n", bench::machineDescription());
    auto model = onnx::importModel(app::resourceDir() / "models" / "mlp.onnx");
    auto train = data::loadFashionMnistTrain(data::kDebianFashionMnistDir);
    auto test = data::loadFashionMnistTest(data::kDebianFashionMnistDir);
    if (!model || !train || !test) {
        fmt::print(stderr, "needs the shipped MLP and Debian's dataset-fashion-mnist\n");
        return 1;
    }
    const std::vector<std::pair<int, int>> layers{{784, 256}, {256, 128}, {128, 10}};
    int64_t macs = 0;
    for (auto [in, out] : layers)
        macs += int64_t{in} * out;
    const double gemm = floatGemmSeconds(layers);
    const double gemmMacs = static_cast<double>(macs * kBatch) / gemm;
    fmt::print("Shipped MLP (784-256-128-10, {} MACs per image), batch {}, {} threads. Float reference: Eigen float GEMMs "
               "of the same shapes, {:.0f} images/s, {:.2f} GMAC/s.\n\n",
               macs, kBatch, kThreads, kBatch / gemm, gemmMacs * 1e-9);
    fmt::print("| profile and overrides | ADC | reads per MAC | images/s | GMAC/s | ratio to float GEMM |\n|---|---|---:|---:|---:|---:|\n");

    const ir::Tensor calibration = train->batch(0, 256);
    const ir::Tensor batch = test->batch(0, kBatch);
    struct Case {
        const char* label;
        const char* profile;
        std::vector<std::string> overrides;
    };
    const std::vector<Case> cases{
        {"prime (6-bit I/O, 3-bit DAC, 4-bit cells, 6-bit ADC)", "prime", {}},
        {"prime with 8-bit I/O", "prime", {"signals.input_bits=8", "signals.output_bits=8", "neuron.output_bits=8"}},
        {"prime, lossless (no ADC)", "prime", {"signals.adc_bits=0"}},
        {"isaac-like (2-bit cells, 8-bit ADC)", "isaac-like", {}},
        {"generic (8-bit digital)", "generic", {}},
    };
    for (const Case& c : cases) {
        auto profile = hw::loadProfile(app::profileDir() / (std::string(c.profile) + ".yaml"), c.overrides);
        if (!profile) {
            fmt::print(stderr, "{}\n", profile.error().message);
            return 1;
        }
        CompileOptions options;
        options.calibrationInputs = {calibration};
        auto compiled = compile(model->graph, *profile, {}, options);
        if (!compiled)
            return 1;
        auto net = sim::quantizeNetwork(*compiled->compiled, *profile, {}, calibration);
        if (!net)
            return 1;
        sim::SimulatorOptions so;
        so.threads = kThreads;
        auto simulator = sim::Simulator::create(*net, so);
        if (!simulator) {
            fmt::print(stderr, "{}\n", simulator.error().message);
            return 1;
        }
        const double seconds = bench::bestSecondsPerCall([&] { (void)simulator->executor().run({batch}); });
        const sim::CrossbarConfig cfg = sim::CrossbarConfig::fromProfile(*profile);
        const int reads = profile->io.adcBits > 0 ? cfg.weightSlices() * cfg.polarities() * cfg.inputCycles() : 1;
        const double rate = static_cast<double>(macs * kBatch) / seconds;
        fmt::print("| {} | {} | {} | {:.0f} | {:.2f} | {:.3f} |\n", c.label,
                   profile->io.adcBits > 0 ? fmt::format("{}-bit", profile->io.adcBits) : std::string("none"), reads,
                   kBatch / seconds, rate * 1e-9, rate / gemmMacs);
    }
    fmt::print("\nreads per MAC: array reads per logical multiply-accumulate (bit slices x polarities x input cycles); "
               "without an ADC a tile computes x.W in one exact GEMM.\n");
    return 0;
}
