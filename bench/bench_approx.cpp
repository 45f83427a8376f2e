// SPDX-License-Identifier: GPL-3.0-or-later
// Universal-approximator fits (nnb::approx) on [-8, 8] with the default options: max and RMS
// error on the 10,001-point grid and fit time, per target, hidden neuron and width; then the
// smallest width that reaches max |error| < 0.01. Fit time is wall-clock; the CPU time next to
// it is the one to trust on a busy machine (a fit is single-threaded).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/approx/approximator.h"

using namespace nnb;
using namespace nnb::approx;

namespace {

struct Target {
    const char* name;
    TargetFunction f;
};

} // namespace

int main()
{
    fmt::print("# nnb_bench_approx: {}\n", bench::machineDescription());
    const Target targetList[] = {{"sigmoid", targets::sigmoid()}, {"tanh", targets::tanh()}};
    const HiddenNeuron neurons[] = {HiddenNeuron::Ramp, HiddenNeuron::Relu};
    const ApproximatorOptions defaults;
    fmt::print("Range [{}, {}], {} samples, {} iterations, seed {}; times are the best of 5 runs.\n\n", defaults.lo,
               defaults.hi, defaults.samples, defaults.iterations, defaults.seed);

    fmt::print("| function | neuron | width | max abs error | RMS error | fit time (ms) | CPU time (ms) |\n"
               "|---|---|---:|---:|---:|---:|---:|\n");
    for (const Target& target : targetList) {
        for (HiddenNeuron neuron : neurons) {
            for (int width : {2, 4, 8, 12, 16, 24, 32}) {
                ApproximatorOptions options;
                options.width = width;
                options.neuron = neuron;
                double bestMs = 1e300, bestCpuMs = 1e300;
                Expected<Approximator> fit = makeError(Errc::Internal, "not run");
                for (int run = 0; run < 5; ++run) {
                    const auto start = std::chrono::steady_clock::now();
                    const std::clock_t cpuStart = std::clock();
                    fit = fitApproximator(target.f, options);
                    const double cpuMs = 1000.0 * static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
                    const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
                    bestMs = std::min(bestMs, elapsed.count());
                    bestCpuMs = std::min(bestCpuMs, cpuMs);
                }
                if (!fit) {
                    fmt::print(stderr, "{}\n", fit.error().toString());
                    return 1;
                }
                fmt::print("| {} | {} | {} | {:.2e} | {:.2e} | {:.1f} | {:.1f} |\n", target.name, toString(neuron), width,
                           fit->maxAbsError, fit->rmsError, bestMs, bestCpuMs);
            }
        }
    }

    fmt::print("\n| function | neuron | smallest width with max abs error < 0.01 | its max abs error |\n"
               "|---|---|---:|---:|\n");
    for (const Target& target : targetList) {
        for (HiddenNeuron neuron : neurons) {
            for (int width = 1; width <= 32; ++width) {
                ApproximatorOptions options;
                options.width = width;
                options.neuron = neuron;
                const auto fit = fitApproximator(target.f, options);
                if (fit && fit->maxAbsError < 0.01) {
                    fmt::print("| {} | {} | {} | {:.2e} |\n", target.name, toString(neuron), width, fit->maxAbsError);
                    break;
                }
            }
        }
    }
    return 0;
}
