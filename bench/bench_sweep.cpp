// SPDX-License-Identifier: GPL-3.0-or-later
// Parameter sweep throughput (acceptance: 100 configurations of the shipped MLP, without tuning,
// in under 30 s on 2 cores): weight bits x crossbar size x output bits on PRIME, every point
// compiled, quantised, simulated bit accurately on the shipped 1,000 test images and costed.
//   nnb_bench_sweep [threads=2] [test images=1000]
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/data/dataset.h"
#include "nnb/sweep/sweep.h"
#include "resource_paths.h"

using namespace nnb;
using namespace nnb::sweep;

namespace {

struct Spread {
    double mean = 0, median = 0, max = 0;
};

Spread spread(std::vector<double> v)
{
    Spread s;
    if (v.empty())
        return s;
    std::sort(v.begin(), v.end());
    s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    s.median = v[v.size() / 2];
    s.max = v.back();
    return s;
}

int run(int threads, int64_t images)
{
    fmt::print("# nnb_bench_sweep: {}\n", bench::machineDescription());
    SweepSpec spec;
    spec.name = "bench";
    spec.source = "bench_sweep";
    spec.model = app::resourceDir() / "models" / "mlp.onnx";
    spec.profile = "prime";
    spec.profilePath = app::profileDir() / "prime.yaml";
    spec.profileOverrides = {"weights.cell_bits=2", "signals.input_bits=8"};
    spec.parameters = {
        Parameter{"weight bits", {"weights.bits"}, {"2", "4", "6", "8"}, -1},
        Parameter{"crossbar", {"crossbar.rows", "crossbar.cols"}, {"64", "96", "128", "192", "256"}, -1},
        Parameter{"output bits", {"signals.output_bits", "neuron.output_bits"}, {"4", "5", "6", "7", "8"}, -1},
    };
    spec.testImages = images;
    spec.calibrationImages = 128;
    spec.tune = false;

    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpuStart = std::clock();
    auto test = data::loadFashionMnistTest(app::defaultDataSampleDir());
    auto train = data::loadFashionMnistTrain(data::kDebianFashionMnistDir);
    const bool haveTrain = train.has_value();
    if (!test) {
        fmt::print(stderr, "{}\n", test.error().toString());
        return 1;
    }
    auto prepared = prepareSweep(spec, *test, haveTrain ? std::move(*train) : *test);
    if (!prepared) {
        fmt::print(stderr, "{}\n", prepared.error().toString());
        return 1;
    }
    const double prepareSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto result = runSweep(**prepared, SweepOptions{threads});
    if (!result) {
        fmt::print(stderr, "{}\n", result.error().toString());
        return 1;
    }
    const double totalSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Process CPU time over all threads: on a shared machine, wall time / CPU time shows the contention.
    const double cpuSeconds = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;

    const auto& points = result->points;
    std::vector<double> total, compile, quantize, simulate, map;
    for (const PointResult& p : points) {
        total.push_back(p.timings.totalMs);
        compile.push_back(p.timings.compileMs);
        quantize.push_back(p.timings.quantizeMs);
        simulate.push_back(p.timings.simulateMs);
        map.push_back(p.timings.mapMs);
    }
    const auto feasible = std::count_if(points.begin(), points.end(), [](const PointResult& p) { return p.feasible; });
    fmt::print("Shipped MLP on prime (cell_bits 2, 8-bit inputs): weight bits {{2,4,6,8}} x crossbar {{64,96,128,192,256}} x "
               "output bits {{4..8}} = {} points, no tuning; {} test images per point (bit-accurate), calibration {} images of {}; "
               "greedy placement.\n\n",
               points.size(), result->testImages, spec.calibrationImages,
               haveTrain ? "the Fashion-MNIST training split" : "the shipped sample");
    fmt::print("| threads | points | feasible | preparation s | sweep s | total s | points/s | process CPU s | target < 30 s |\n");
    fmt::print("|---:|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
    fmt::print("| {} | {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {} |\n\n", result->threads, points.size(), feasible,
               prepareSeconds, result->seconds, totalSeconds, static_cast<double>(points.size()) / result->seconds, cpuSeconds,
               totalSeconds < 30.0 ? "met" : "MISSED");
    fmt::print("| per point (ms, one thread each) | mean | median | max |\n|---|---:|---:|---:|\n");
    for (const auto& [name, v] : std::vector<std::pair<const char*, std::vector<double>*>>{
             {"compile", &compile}, {"quantise", &quantize}, {"simulate", &simulate}, {"map", &map}, {"total", &total}}) {
        const Spread s = spread(*v);
        fmt::print("| {} | {:.1f} | {:.1f} | {:.1f} |\n", name, s.mean, s.median, s.max);
    }
    const auto front = paretoFront(points, Metric::Crossbars, Metric::ErrorPercent);
    fmt::print("\nfloat accuracy {:.2f} %; Pareto front (crossbars vs error) {} points:", result->floatAccuracyPercent,
               front.size());
    for (size_t i : front)
        fmt::print(" [{}: {} crossbars, {:.1f} %]", points[i].point.label, points[i].crossbars,
                   points[i].accuracyPercent.value_or(0));
    fmt::print("\n");
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int64_t images = argc > 2 ? std::atoll(argv[2]) : 1000;
    return run(threads, images);
}
