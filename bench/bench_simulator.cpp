// SPDX-License-Identifier: GPL-3.0-or-later
// The whole bit-accurate simulator (nnb::sim::Simulator) on the shipped MLP: quantised for a
// profile, calibrated on training images, run on batches of 256 test images on 2 threads;
// images/s next to an Eigen float GEMM of the same layer shapes on the same 2 threads (each
// thread multiplies half the batch), and the ratio of multiply-accumulates per second; also the
// same ratio by CPU time (both measured as the process's CPU seconds), which varies less when
// other work shares the machine (the acceptance figure is the wall-clock ratio).
// Usage: nnb_bench_simulator [case-filter [profile-seconds]]: only the cases whose label contains the
// filter; with profile-seconds, each of them is then run for that long more (for perf). With the
// environment variable NNB_BENCH_DIGEST set, each case also prints a digest of every value the
// simulator computes (several batch sizes, thread counts, read kernels and a device model) and
// of its ADC statistics instead of timing it: optimisations of the simulator must leave it unchanged.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <Eigen/Core>
#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/hw/profile_io.h"
#include "nnb/ir/printer.h"
#include "nnb/onnx/import.h"
#include "nnb/sim/network.h"
#include "resource_paths.h"

using namespace nnb;

namespace {

constexpr int64_t kBatch = 256;
constexpr int kThreads = 2;

using Timer = double (*)(const std::function<void()>&, int, double);

/// As bench::bestSecondsPerCall, but the process's CPU time (all threads) per call: on a shared
/// machine the wall time of both measurements depends on what else runs, their CPU time less so.
double bestCpuSecondsPerCall(const std::function<void()>& work, int runs = 5, double minSeconds = 0.2)
{
    work(); // warm-up
    double best = 1e300;
    for (int run = 0; run < runs; ++run) {
        int calls = 0;
        const auto start = std::chrono::steady_clock::now();
        const std::clock_t cpuStart = std::clock();
        do {
            work();
            ++calls;
        } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < minSeconds);
        best = std::min(best, static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC / calls);
    }
    return best;
}

/// Seconds per batch of the MLP's three GEMMs in float, the batch split over kThreads threads,
/// measured with \p timer.
double floatGemmSeconds(const std::vector<std::pair<int, int>>& layers, Timer timer)
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
    return timer(
        [&] {
            std::vector<std::jthread> workers;
            for (int t = 1; t < kThreads; ++t)
                workers.emplace_back(forward, t);
            forward(0);
        },
        5, 0.2);
}

/// The AVX2+FMA float reference (nnb_bench_float_gemm): {seconds, CPU seconds} per batch, or
/// {0, 0} when it cannot run (a CPU without AVX2 and FMA).
std::pair<double, double> vectorFloatGemmSeconds()
{
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return {0.0, 0.0};
    FILE* pipe = popen(NNB_FLOAT_GEMM_PATH, "r");
    if (pipe == nullptr)
        return {0.0, 0.0};
    double wall = 0.0, cpu = 0.0;
    const bool ok = std::fscanf(pipe, "%lf %lf", &wall, &cpu) == 2;
    return pclose(pipe) == 0 && ok ? std::pair{wall, cpu} : std::pair{0.0, 0.0};
}

/// FNV-1a over the bytes of \p data.
uint64_t fnv(uint64_t h, const void* data, size_t bytes)
{
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t k = 0; k < bytes; ++k)
        h = (h ^ p[k]) * 0x100000001B3ull;
    return h;
}

/// A digest of everything \p net's simulator computes on \p images, in several configurations.
uint64_t simulationDigest(const sim::QuantizedNetwork& net, const data::Dataset& images)
{
    uint64_t h = 0xCBF29CE484222325ull;
    struct Config {
        int threads;
        sim::ReadKernel kernel;
        bool device;
    };
    for (const Config& config : {Config{2, sim::ReadKernel::Auto, false}, Config{1, sim::ReadKernel::Portable, false},
                                 Config{2, sim::ReadKernel::Avx2, true}}) {
        sim::SimulatorOptions so;
        so.threads = config.threads;
        so.kernel = config.kernel;
        if (config.device)
            so.device = sim::DeviceModel{0.05, 0.001, 0.001, 7};
        auto simulator = sim::Simulator::create(net, so);
        if (!simulator)
            return 0;
        for (auto [first, count] : {std::pair<int64_t, int64_t>{0, 256}, {256, 1001}, {2000, 3}}) {
            auto values = simulator->executor().runAll({images.batch(first, first + count)});
            if (!values)
                return 0;
            for (const ir::Tensor& t : *values) {
                h = fnv(h, t.f.data(), t.f.size() * sizeof(float));
                h = fnv(h, t.i.data(), t.i.size() * sizeof(int64_t));
            }
        }
        const sim::AdcStats stats = simulator->adcStats();
        h = fnv(h, &stats.conversions, sizeof stats.conversions);
        h = fnv(h, &stats.clipped, sizeof stats.clipped);
    }
    return h;
}

} // namespace

int main(int argc, char** argv)
{
    const std::string filter = argc > 1 ? argv[1] : "";
    const double profileSeconds = argc > 2 ? std::atof(argv[2]) : 0.0;
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
    // The machine's float GEMM rate: the faster of this build's Eigen (baseline x86-64) and an
    // AVX2+FMA build of the same GEMMs, which the simulator's own kernels are matched against.
    const double baseline = floatGemmSeconds(layers, bench::bestSecondsPerCall);
    const double baselineCpu = floatGemmSeconds(layers, bestCpuSecondsPerCall);
    const auto [vector, vectorCpu] = vectorFloatGemmSeconds();
    const bool useVector = vector > 0.0 && vector < baseline;
    const double gemm = useVector ? vector : baseline;
    const double gemmCpu = useVector ? vectorCpu : baselineCpu;
    const double gemmMacs = static_cast<double>(macs * kBatch) / gemm;
    fmt::print("Shipped MLP (784-256-128-10, {} MACs per image), batch {}, {} threads. Float reference: Eigen float GEMMs "
               "of the same shapes, {:.0f} images/s, {:.2f} GMAC/s ({}; baseline x86-64 Eigen {:.0f} images/s, "
               "AVX2+FMA Eigen {}).\n\n",
               macs, kBatch, kThreads, kBatch / gemm, gemmMacs * 1e-9, useVector ? "AVX2+FMA build" : "baseline build",
               kBatch / baseline, vector > 0.0 ? fmt::format("{:.0f} images/s", kBatch / vector) : std::string("not available"));
    fmt::print("| profile and overrides | ADC | reads per MAC | images/s | GMAC/s | ratio to float GEMM | ratio by CPU time |\n"
               "|---|---|---:|---:|---:|---:|---:|\n");

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
        if (std::string(c.label).find(filter) == std::string::npos)
            continue;
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
        if (std::getenv("NNB_BENCH_DIGEST") != nullptr) {
            fmt::print("digest of '{}': MLP {:016x}", c.label, simulationDigest(*net, *test));
            // LeNet for the convolution paths.
            auto lenet = onnx::importModel(app::resourceDir() / "models" / "lenet.onnx");
            if (!lenet)
                return 1;
            auto lenetCompiled = compile(lenet->graph, *profile, {}, options);
            if (!lenetCompiled)
                return 1;
            auto lenetNet = sim::quantizeNetwork(*lenetCompiled->compiled, *profile, {}, calibration);
            fmt::print(", LeNet {:016x}\n", lenetNet ? simulationDigest(*lenetNet, *test) : 0);
            continue;
        }
        if (profileSeconds > 0.0) {
            if (std::getenv("NNB_BENCH_DUMP") != nullptr)
                fmt::print("{}\nbatch split over threads: {}\n", ir::printGraph(*net->graph),
                           simulator->executor().splitsBatch());

            const auto start = std::chrono::steady_clock::now();
            while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < profileSeconds)
                (void)simulator->executor().run({batch});
        }
        const auto work = [&] { (void)simulator->executor().run({batch}); };
        const double seconds = bench::bestSecondsPerCall(work);
        const double cpuSeconds = bestCpuSecondsPerCall(work);
        const sim::CrossbarConfig cfg = sim::CrossbarConfig::fromProfile(*profile);
        const int reads = profile->io.adcBits > 0 ? cfg.weightSlices() * cfg.polarities() * cfg.inputCycles() : 1;
        const double rate = static_cast<double>(macs * kBatch) / seconds;
        fmt::print("| {} | {} | {} | {:.0f} | {:.2f} | {:.3f} | {:.3f} |\n", c.label,
                   profile->io.adcBits > 0 ? fmt::format("{}-bit", profile->io.adcBits) : std::string("none"), reads,
                   kBatch / seconds, rate * 1e-9, rate / gemmMacs, gemmCpu / cpuSeconds);
    }
    fmt::print("\nreads per MAC: array reads per logical multiply-accumulate (bit slices x polarities x input cycles); "
               "without an ADC a tile computes x.W in one exact GEMM.\n");
    return 0;
}
