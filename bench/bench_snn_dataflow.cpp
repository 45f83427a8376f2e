// SPDX-License-Identifier: GPL-3.0-or-later
// The whole LCTES'20 flow on a synthetic 100,000-neuron SNN (issue #7): neuron graph, fan-in
// unrolling (reduction tree), greedy fullest-first packing onto 256x256 crossbars, the
// independent validator, the clusters' synchronous dataflow graph and its exact throughput
// (maximum cycle ratio), and run-time admission onto a mesh with a quarter of its tiles taken. Prints the time of every step and the total.
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "nnb/hw/profile_io.h"
#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/partition.h"
#include "nnb/snn/partition_validation.h"
#include "nnb/snn/snn_dataflow.h"
#include "resource_paths.h"

using namespace nnb;
using namespace nnb::snn;

namespace {

double msSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main()
{
    auto profile = hw::loadProfile(app::profileDir() / "tianji.yaml");
    if (!profile) {
        fmt::print(stderr, "{}\n", profile.error().toString());
        return 1;
    }
    const auto total = std::chrono::steady_clock::now();
    auto start = total;
    // 100,000 neurons in 10 layers, fan-in 100..500 from a local window (5 % random), groups of
    // 32 neurons sharing one window as a convolution's channels do, 8 spikes on average.
    SyntheticOptions synthetic;
    synthetic.groupSize = 32;
    auto graph = syntheticNeuronGraph(synthetic);
    if (!graph) {
        fmt::print(stderr, "{}\n", graph.error().toString());
        return 1;
    }
    const double buildMs = msSince(start);

    PartitionOptions options;
    options.rows = profile->crossbar.rows;
    options.cols = profile->crossbar.cols;
    options.unroll = UnrollShape::Tree;
    start = std::chrono::steady_clock::now();
    auto partition = partitionNeurons(*graph, options);
    if (!partition) {
        fmt::print(stderr, "{}\n", partition.error().toString());
        return 1;
    }
    const double partitionMs = msSince(start);
    start = std::chrono::steady_clock::now();
    const bool valid = validateUnrolling(*graph, partition->unrolled).ok() &&
                       validatePartition(partition->unrolled.graph, partition->partition, options.rows, options.cols).ok();
    const double validateMs = msSince(start);

    const TilePlacement placement = designTimePlacement(*partition, *profile);
    auto throughput = clusterThroughput(*partition, placement, *profile);
    if (!throughput) {
        fmt::print(stderr, "{}\n", throughput.error().toString());
        return 1;
    }
    const double flowMs = msSince(total);

    const auto n = static_cast<double>(partition->partition.clusters.size());
    const int side = static_cast<int>(std::ceil(std::sqrt(n / 0.75))) + 1;
    std::vector<bool> occupied(static_cast<size_t>(side) * static_cast<size_t>(side), false);
    for (size_t t = 0; t < occupied.size(); t += 4)
        occupied[t] = true; // every fourth tile taken
    start = std::chrono::steady_clock::now();
    auto admission = admit(*partition, *profile, side, side, occupied);
    const double admitMs = msSince(start);
    if (!admission) {
        fmt::print(stderr, "{}\n", admission.error().toString());
        return 1;
    }

    fmt::print("synthetic conv-like SNN (groups of {} neurons share a window): {} neurons, {} input axons, {} synapses on {}x{} crossbars ({})\n", synthetic.groupSize,
               graph->numNeurons(), graph->numInputs(), graph->numSynapses(), options.rows, options.cols, profile->id);
    fmt::print("  graph build            {:8.1f} ms\n", buildMs);
    fmt::print("  unroll + pack          {:8.1f} ms  ({} intermediates, {} clusters, lower bound {}, ratio {:.3f})\n",
               partitionMs, partition->unrolled.intermediates, partition->partition.clusters.size(),
               partition->lowerBound.bound, n / static_cast<double>(std::max<int64_t>(1, partition->lowerBound.bound)));
    fmt::print("  validator              {:8.1f} ms  ({})\n", validateMs, valid ? "every cluster within limits" : "VIOLATIONS");
    fmt::print("  SDF build              {:8.1f} ms  ({} actors, {} channels, {}x{} mesh)\n", throughput->buildMilliseconds,
               throughput->actors, throughput->channels, placement.width, placement.height);
    fmt::print("  exact throughput       {:8.1f} ms  (period {} ns per tick, {:.0f} inferences/s at {} ticks)\n",
               throughput->analysisMilliseconds, throughput->tickPeriodNs.toString(), throughput->inferencesPerSecond,
               profile->neuron.ticksPerInference);
    fmt::print("  total (build to throughput) {:6.1f} ms\n", flowMs);
    if (admission->admitted)
        fmt::print("run-time admission ({}x{} mesh, every 4th tile taken): bind {:.2f} ms, with analysis {:.1f} ms; "
                   "{:.0f} inferences/s = {:.1f} % of design time\n",
                   side, side, admission->bindMilliseconds, admitMs, admission->throughput.inferencesPerSecond,
                   100.0 * admission->throughput.inferencesPerSecond / throughput->inferencesPerSecond);
    else
        fmt::print("run-time admission refused: {}\n", admission->reason);
    return valid ? 0 : 1;
}
