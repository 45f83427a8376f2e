// SPDX-License-Identifier: GPL-3.0-or-later
// SNN partitioning (issue #7): a synthetic 100,000-neuron layered SNN on 256x256 crossbars (graph
// build, fan-in unrolling, both packers, the validator; clusters against the lower bound;
// inter-cluster spikes), and the shipped networks on tianji with spike counts estimated from
// their float activations on the data sample.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/data/dataset.h"
#include "nnb/exec/executor.h"
#include "nnb/hw/profile_io.h"
#include "nnb/onnx/import.h"
#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/partition.h"
#include "nnb/snn/partition_validation.h"
#include "resource_paths.h"

using namespace nnb;
using namespace nnb::snn;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string boundText(const ClusterLowerBound& b)
{
    return fmt::format("{} (n {}, in {}, priv {})", b.bound, b.byNeurons, b.byInputs, b.byPrivateInputs);
}

struct Row {
    std::string label;
    double buildS = 0.0;
    SnnPartition result;
    double validateS = 0.0;
    bool valid = false;
};

/// Unrolls, packs, bounds and validates \p graph; \returns false (after printing) on an error.
bool partitionAndValidate(const NeuronGraph& graph, const PartitionOptions& options, Row& row)
{
    auto r = partitionNeurons(graph, options);
    if (!r) {
        fmt::print(stderr, "{}\n", r.error().toString());
        return false;
    }
    row.result = std::move(*r);
    const auto start = std::chrono::steady_clock::now();
    const PartitionValidation unrolling = validateUnrolling(graph, row.result.unrolled);
    const PartitionValidation clusters =
        validatePartition(row.result.unrolled.graph, row.result.partition, options.rows, options.cols);
    row.validateS = secondsSince(start);
    row.valid = unrolling.ok() && clusters.ok();
    if (!row.valid)
        fmt::print(stderr, "INVALID: {}\n",
                   !unrolling.ok() ? unrolling.violations.front().message : clusters.violations.front().message);
    return true;
}

int synthetic()
{
    fmt::print("\n## Synthetic 100,000-neuron SNN on 256x256 crossbars\n\n"
               "10 layers of 10,000 neurons after 1,024 inputs, fan-in uniform in [100, 500]; 'local': 95% of\n"
               "each neuron's fan-in a contiguous window of the previous layer at its relative position, 5%\n"
               "uniformly random; 'conv-like': as 'local', with groups of 32 consecutive neurons sharing one\n"
               "receptive field (the output channels at one position of a convolution); 'random': all of the\n"
               "fan-in random. Spikes per inference uniform in [0, 16]. Bounded candidate search (64 open\n"
               "clusters) unless 'unbounded'. Times in seconds; 'total' = unroll + pack + validate\n"
               "(the graph build is the workload, not partitioning).\n\n"
               "| graph | synapses | build s | unroll | packer | intermediates | unroll s | pack s | validate s | "
               "total s | clusters | lower bound | clusters / bound | inter-cluster spikes | host spikes | valid |\n"
               "|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|\n");
    struct Workload {
        const char* name;
        double randomFraction;
        int32_t groupSize;
        bool unbounded; ///< also run the unbounded search (slow on workloads with many clusters)
    };
    for (const Workload& wl : {Workload{"conv-like", 0.05, 32, true}, Workload{"local", 0.05, 1, true},
                               Workload{"random", 1.0, 1, false}}) {
        const double randomFraction = wl.randomFraction;
        SyntheticOptions so;
        so.groupSize = wl.groupSize;
        so.inputs = 1024;
        so.neurons = 100000;
        so.layers = 10;
        so.minFanIn = 100;
        so.maxFanIn = 500;
        so.randomFraction = randomFraction;
        so.meanSpikes = 8.0;
        const auto start = std::chrono::steady_clock::now();
        auto graph = syntheticNeuronGraph(so);
        const double buildS = secondsSince(start);
        if (!graph) {
            fmt::print(stderr, "{}\n", graph.error().toString());
            return 1;
        }
        struct Config {
            UnrollShape shape;
            PackingStrategy strategy;
            int32_t open;
        };
        std::vector<Config> configs;
        for (const UnrollShape shape : {UnrollShape::Chain, UnrollShape::Tree})
            for (const PackingStrategy strategy : {PackingStrategy::FullestFirst, PackingStrategy::MinTraffic})
                configs.push_back({shape, strategy, 64});
        if (wl.unbounded)
            configs.push_back({UnrollShape::Tree, PackingStrategy::FullestFirst, 0}); // unbounded search
        for (const Config& c : configs) {
            {
                const UnrollShape shape = c.shape;
                const PackingStrategy strategy = c.strategy;
                PartitionOptions o;
                o.unroll = shape;
                o.strategy = strategy;
                o.maxOpenClusters = c.open;
                Row row;
                if (!partitionAndValidate(*graph, o, row))
                    return 1;
                const SnnPartition& r = row.result;
                const double total = (r.unrollMilliseconds + r.packMilliseconds) / 1000.0 + row.validateS;
                const auto clusters = static_cast<int64_t>(r.partition.clusters.size());
                fmt::print("| {} | {} | {:.2f} | {} | {} | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {} | {} | {:.2f} | "
                           "{:.0f} | {:.0f} | {} |\n",
                           wl.name, graph->numSynapses(), buildS, toString(shape),
                           std::string(toString(strategy)) + (c.open == 0 ? " (unbounded)" : ""), r.unrolled.intermediates, r.unrollMilliseconds / 1000.0,
                           r.packMilliseconds / 1000.0, row.validateS, total, clusters, boundText(r.lowerBound),
                           static_cast<double>(clusters) / static_cast<double>(std::max<int64_t>(1, r.lowerBound.bound)),
                           r.traffic.interClusterSpikes, r.traffic.hostInputSpikes, row.valid ? "yes" : "NO");
            }
        }
    }
    return 0;
}

/// Spikes per inference of every layer of \p g, estimated from the float network's activations
/// on \p images images of the data sample: T × mean(max(0, a)) / the layer's 99.9th percentile of
/// max(0, a), clipped to T (rate coding with percentile normalisation); inputs T × pixel.
/// \returns false when the data sample or the executor is unavailable (spikes stay 1).
bool estimateSpikes(const ir::Graph& network, NeuronGraph& g, int ticks, int images)
{
    auto data = data::loadFashionMnistTest(app::defaultDataSampleDir());
    if (!data)
        return false;
    const exec::Executor executor(std::make_shared<const ir::Graph>(network));
    auto values = executor.runAll({data->batch(0, std::min<int64_t>(images, data->count))});
    if (!values)
        return false;
    for (int32_t l = 0; l < static_cast<int32_t>(g.layers().size()); ++l) {
        const NeuronLayer& layer = g.layers()[static_cast<size_t>(l)];
        if (layer.value == ir::kNoValue || layer.count <= 0)
            continue;
        const ir::Tensor& t = (*values)[static_cast<size_t>(layer.value)];
        const auto n = static_cast<int64_t>(t.f.size()) / layer.count;
        std::vector<float> all;
        all.reserve(t.f.size());
        for (const float v : t.f)
            all.push_back(std::max(0.0f, v));
        std::vector<float> sorted = all;
        const auto k = static_cast<size_t>(0.999 * static_cast<double>(sorted.size() - 1));
        std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
        const bool isInput = g.isInput(layer.first);
        const float scale = isInput ? 1.0f : std::max(sorted[k], 1e-6f);
        std::vector<float> spikes(static_cast<size_t>(layer.count), 0.0f);
        for (int64_t s = 0; s < n; ++s)
            for (int32_t e = 0; e < layer.count; ++e)
                spikes[static_cast<size_t>(e)] += all[static_cast<size_t>(s * layer.count + e)];
        for (float& x : spikes)
            x = std::min(static_cast<float>(ticks), static_cast<float>(ticks) * x / static_cast<float>(n) / scale);
        if (!g.setLayerSpikeCounts(l, spikes))
            return false;
    }
    return true;
}

int shipped()
{
    auto profile = hw::loadProfile(app::profileDir() / "tianji.yaml");
    if (!profile) {
        fmt::print(stderr, "{}\n", profile.error().toString());
        return 1;
    }
    const int ticks = profile->neuron.ticksPerInference;
    fmt::print("\n## Shipped networks on tianji ({}x{} crossbars, T = {} ticks)\n\n"
               "Spikes per inference estimated from the float activations of 100 sample images (rate coding\n"
               "with 99.9th-percentile normalisation; the spiking simulator's counts replace them through\n"
               "NeuronGraph::setLayerSpikeCounts). Pooling as neurons unless 'folded'. Unbounded candidate\n"
               "search (every cluster stays a candidate).\n\n"
               "| network | neurons | synapses | unroll | packer | intermediates | clusters | lower bound | "
               "inter-cluster spikes | host spikes | ms (unroll + pack + validate) | valid |\n"
               "|---|---:|---:|---|---|---:|---:|---|---:|---:|---:|---|\n",
               profile->crossbar.rows, profile->crossbar.cols, ticks);
    for (const char* name : {"mlp", "lenet"}) {
        auto model = onnx::importModel(app::resourceDir() / "models" / (std::string(name) + ".onnx"));
        if (!model) {
            fmt::print(stderr, "{}\n", model.error().toString());
            return 1;
        }
        for (const PoolingMode pooling : {PoolingMode::Neurons, PoolingMode::Fold}) {
            if (pooling == PoolingMode::Fold && std::string(name) == "mlp")
                continue;
            NeuronGraphOptions go;
            go.pooling = pooling;
            auto graph = buildNeuronGraph(model->graph, go);
            if (!graph) {
                fmt::print(stderr, "{}\n", graph.error().toString());
                return 1;
            }
            const bool measured = estimateSpikes(model->graph, *graph, ticks, 100);
            for (const UnrollShape shape : {UnrollShape::Chain, UnrollShape::Tree}) {
                for (const PackingStrategy strategy : {PackingStrategy::FullestFirst, PackingStrategy::MinTraffic}) {
                    PartitionOptions o;
                    o.rows = profile->crossbar.rows;
                    o.cols = profile->crossbar.cols;
                    o.unroll = shape;
                    o.strategy = strategy;
                    o.maxOpenClusters = 0;
                    Row row;
                    if (!partitionAndValidate(*graph, o, row))
                        return 1;
                    const SnnPartition& r = row.result;
                    fmt::print("| {}{}{} | {} | {} | {} | {} | {} | {} | {} | {:.0f} | {:.0f} | {:.1f} | {} |\n", name,
                               pooling == PoolingMode::Fold ? " (folded)" : "", measured ? "" : " (spikes 1)",
                               graph->numNeurons(), graph->numSynapses(), toString(shape), toString(strategy),
                               r.unrolled.intermediates, r.partition.clusters.size(), boundText(r.lowerBound),
                               r.traffic.interClusterSpikes, r.traffic.hostInputSpikes,
                               r.unrollMilliseconds + r.packMilliseconds + 1000.0 * row.validateS,
                               row.valid ? "yes" : "NO");
                }
            }
        }
    }
    return 0;
}

} // namespace

int main()
{
    fmt::print("# nnbridge SNN partitioning benchmark\n\n{}\n", bench::machineDescription());
    if (const int rc = synthetic(); rc != 0)
        return rc;
    return shipped();
}
