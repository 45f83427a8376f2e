// SPDX-License-Identifier: GPL-3.0-or-later
// The spiking path of `nnbridge compile --snn`: conversion, spiking simulation, clustering,
// dataflow throughput and run-time admission, printed as tables.
#include "snn_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "nnb/eval/classification.h"
#include "nnb/exec/executor.h"
#include "nnb/snn/convert.h"
#include "nnb/snn/neuron_graph.h"
#include "nnb/snn/neuron_spikes.h"
#include "nnb/snn/partition.h"
#include "nnb/snn/partition_validation.h"
#include "nnb/snn/snn_dataflow.h"
#include "nnb/snn/spiking_sim.h"
#include "report_table.h"

namespace nnb::cli {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

/// Deterministic occupancy: about \p fraction of the tiles taken, spread over the mesh.
std::vector<bool> occupancy(int tiles, double fraction)
{
    std::vector<bool> taken(static_cast<size_t>(tiles), false);
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int t = 0; t < tiles; ++t) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        taken[static_cast<size_t>(t)] = static_cast<double>(state >> 11) / 9007199254740992.0 < fraction;
    }
    return taken;
}

} // namespace

Expected<nlohmann::json> runSnnReport(const CompileResult& result, const strategy::Strategy& strategy, const ir::Tensor& calibration,
                            const data::Dataset& test, const SnnReportOptions& options)
{
    const hw::Profile& profile = result.profile;
    if (!profile.isSpiking())
        return makeError(Errc::InvalidArgument, "--snn needs a spiking profile (neuron.model lif or if, e.g. tianji or "
                                                "truenorth); profile '" + profile.id + "' has " +
                                                    hw::toString(profile.neuron.model) + " neurons");
    // 1. Conversion.
    auto start = Clock::now();
    snn::ConvertOptions copts = snn::convertOptionsFor(strategy);
    copts.ticks = options.ticks;
    copts.threads = options.threads;
    copts.activationScales = options.activationScales;
    NNB_TRY(const snn::SpikingNetwork net, addContext(snn::convert(result, calibration, copts), "--snn conversion"));
    fmt::print("\nspiking network for {}: {} neurons, {} synapses, {} ticks, {} reset, {}-bit weights, normalised by {}, "
               "calibrated on {} images ({:.2f} s)\n",
               profile.id, net.totalNeurons(), net.synapses(), net.ticks, hw::toString(net.reset), net.weightBits,
               snn::toString(net.normalization), calibration.shape.empty() ? 0 : calibration.shape[0], msSince(start) / 1000.0);
    for (const auto& d : net.diagnostics)
        fmt::print("{}: {}: {}\n", toString(d.severity), d.where, d.message);
    nlohmann::json json;
    json["network"] = {{"neurons", net.totalNeurons()}, {"synapses", net.synapses()}, {"ticks", net.ticks},
                       {"reset", hw::toString(net.reset)}, {"weight_bits", net.weightBits},
                       {"normalization", snn::toString(net.normalization)}};

    // 2. Spiking simulation: accuracy against ticks, against the float network on the same images.
    const int64_t images = options.images > 0 ? std::min(options.images, test.count) : test.count;
    const exec::Executor reference(result.original);
    eval::ClassificationOptions eopts;
    eopts.limit = images;
    NNB_TRY(const eval::ClassificationResult floatResult, eval::evaluateClassifier(reference, test, eopts));
    snn::SpikingSimOptions sopts;
    sopts.ticks = options.ticks > 0 ? options.ticks : net.ticks;
    sopts.images = images;
    sopts.threads = options.threads;
    for (int t = 8; t < sopts.ticks; t *= 2)
        sopts.checkpoints.push_back(t);
    sopts.checkpoints.push_back(sopts.ticks);
    NNB_TRY(const snn::SpikingRun run, addContext(snn::simulate(net, test, sopts), "--snn simulation"));
    fmt::print("\nspiking accuracy against ticks ({} test images; float {:.2f} %)\n", run.images, floatResult.accuracyPercent());
    ReportTable ticks({"ticks", "top-1 %", "drop"});
    for (const snn::TickAccuracy& a : run.accuracy)
        ticks.addRow({std::to_string(a.ticks), fmt::format("{:.2f}", a.accuracyPercent),
                      fmt::format("{:+.2f}", a.accuracyPercent - floatResult.accuracyPercent())});
    fmt::print("{}", ticks.render());
    json["float_accuracy_percent"] = floatResult.accuracyPercent();
    json["images"] = run.images;
    for (const snn::TickAccuracy& a : run.accuracy)
        json["accuracy"].push_back({{"ticks", a.ticks}, {"accuracy_percent", a.accuracyPercent}});
    ReportTable layers({"layer", "role", "neurons", "spikes/inference", "rate", "|rate - model|", "local"});
    layers.setLeftAligned(0);
    layers.setLeftAligned(1);
    for (size_t i = 0; i < run.layers.size() && i < net.layers.size(); ++i) {
        const snn::LayerActivity& a = run.layers[i];
        layers.addRow({a.name, net.layers[i].role, std::to_string(net.layers[i].neurons),
                       fmt::format("{:.0f}", static_cast<double>(a.totalSpikes) / static_cast<double>(std::max<int64_t>(run.images, 1))),
                       fmt::format("{:.3f}", a.meanRate), fmt::format("{:.4f}", a.rateErrorMeanAbs),
                       fmt::format("{:.4f}", a.localRateErrorMeanAbs)});
    }
    fmt::print("{}simulation {:.2f} s, {} synaptic events\n", layers.render(), run.seconds, run.synapticEvents);
    for (size_t i = 0; i < run.layers.size() && i < net.layers.size(); ++i)
        json["layers"].push_back({{"name", run.layers[i].name},
                                  {"role", net.layers[i].role},
                                  {"neurons", net.layers[i].neurons},
                                  {"spikes_per_inference", static_cast<double>(run.layers[i].totalSpikes) /
                                                               static_cast<double>(std::max<int64_t>(run.images, 1))},
                                  {"mean_rate", run.layers[i].meanRate},
                                  {"rate_model_error", run.layers[i].rateErrorMeanAbs},
                                  {"local_rate_model_error", run.layers[i].localRateErrorMeanAbs}});

    // 3. Neurons -> crossbar clusters, both packings, each checked by the independent validator.
    start = Clock::now();
    NNB_TRY(snn::NeuronGraph graph, addContext(snn::buildNeuronGraph(*result.original), "--snn neuron graph"));
    snn::setNeuronSpikes(graph, net, snn::measuredSpikes(run));
    const double graphMs = msSince(start);
    fmt::print("\nneuron graph of the original network: {} neurons, {} input axons, {} synapses ({:.1f} ms); "
               "spikes per inference from the simulation\n",
               graph.numNeurons(), graph.numInputs(), graph.numSynapses(), graphMs);
    ReportTable clusters({"unrolling", "packing", "clusters", "lower bound", "intermediates", "inter-cluster spikes", "valid",
                          "time ms"});
    clusters.setLeftAligned(0);
    clusters.setLeftAligned(1);
    std::optional<snn::SnnPartition> chosen;
    // The reduction tree (as many neurons as the paper's chain, which packs far better) with
    // both packings, then the paper's chain for comparison; the first row is used below.
    const std::pair<snn::UnrollShape, snn::PackingStrategy> variants[] = {
        {snn::UnrollShape::Tree, snn::PackingStrategy::FullestFirst},
        {snn::UnrollShape::Tree, snn::PackingStrategy::MinTraffic},
        {snn::UnrollShape::Chain, snn::PackingStrategy::FullestFirst}};
    for (const auto& [shape, packing] : variants) {
        snn::PartitionOptions popts;
        popts.rows = profile.crossbar.rows;
        popts.cols = profile.crossbar.cols;
        popts.unroll = shape;
        popts.strategy = packing;
        NNB_TRY(snn::SnnPartition p, addContext(snn::partitionNeurons(graph, popts), "--snn partitioning"));
        const auto check = Clock::now();
        const snn::PartitionValidation unrolling = snn::validateUnrolling(graph, p.unrolled);
        const snn::PartitionValidation packed = snn::validatePartition(p.unrolled.graph, p.partition, popts.rows, popts.cols);
        const double checkMs = msSince(check);
        clusters.addRow({snn::toString(shape), snn::toString(packing), std::to_string(p.partition.clusters.size()), std::to_string(p.lowerBound.bound),
                         std::to_string(p.unrolled.intermediates), fmt::format("{:.0f}", p.traffic.interClusterSpikes),
                         unrolling.ok() && packed.ok() ? "yes" : "NO",
                         fmt::format("{:.1f} + {:.1f} check", p.unrollMilliseconds + p.packMilliseconds, checkMs)});
        json["partitions"].push_back({{"unrolling", snn::toString(shape)},
                                      {"packing", snn::toString(packing)},
                                      {"clusters", p.partition.clusters.size()},
                                      {"lower_bound", p.lowerBound.bound},
                                      {"intermediates", p.unrolled.intermediates},
                                      {"inter_cluster_spikes", p.traffic.interClusterSpikes},
                                      {"valid", unrolling.ok() && packed.ok()}});
        for (const snn::PartitionValidation* v : {&unrolling, &packed})
            for (const snn::Violation& violation : v->violations)
                fmt::print("error: validator: {}\n", violation.message);
        if (!unrolling.ok() || !packed.ok())
            return makeError(Errc::Internal, "a cluster violates the crossbar limits (see the validator's messages above)");
        if (!chosen)
            chosen = std::move(p);
    }
    fmt::print("crossbar clusters of {} inputs x {} neurons\n{}", profile.crossbar.rows, profile.crossbar.cols, clusters.render());

    // 4. Dataflow throughput of the design-time placement (tree unrolling, fullest-first packing).
    const snn::TilePlacement design = snn::designTimePlacement(*chosen, profile);
    snn::DataflowModelOptions dopts;
    dopts.ticks = sopts.ticks;
    NNB_TRY(const snn::SnnThroughput t, addContext(snn::clusterThroughput(*chosen, design, profile, dopts), "--snn dataflow"));
    fmt::print("\nsynchronous dataflow graph: {} actors, {} channels on a {}x{} mesh{}; guaranteed period {} ns per "
               "inference = {:.0f} inferences/s (analysis {:.1f} ms)\ncritical cycle: {}\n",
               t.actors, t.channels, design.width, design.height,
               design.width * design.height > profile.chip.cores ? fmt::format(" (larger than the profile's {} cores)", profile.chip.cores)
                                                                 : std::string(),
               t.periodNs.toString(), t.inferencesPerSecond, t.buildMilliseconds + t.analysisMilliseconds, t.critical);

    json["dataflow"] = {{"actors", t.actors},
                        {"channels", t.channels},
                        {"mesh", {design.width, design.height}},
                        {"period_ns_per_inference", t.periodNs.toString()},
                        {"period_ns_per_tick", t.tickPeriodNs.toString()},
                        {"inferences_per_second", t.inferencesPerSecond},
                        {"critical", t.critical}};

    // 5. Run-time admission onto a mesh that other applications partly occupy.
    const auto n = static_cast<double>(chosen->partition.clusters.size());
    const int side = static_cast<int>(std::ceil(std::sqrt(n / std::max(0.05, 1.0 - options.occupiedFraction)))) + 1;
    const std::vector<bool> occupied = occupancy(side * side, options.occupiedFraction);
    NNB_TRY(const snn::Admission a, snn::admit(*chosen, profile, side, side, occupied, dopts));
    const auto taken = std::count(occupied.begin(), occupied.end(), true);
    json["admission"] = {{"mesh", {side, side}},
                         {"tiles_taken", taken},
                         {"admitted", a.admitted},
                         {"bind_ms", a.bindMilliseconds}};
    if (a.admitted) {
        json["admission"]["inferences_per_second"] = a.throughput.inferencesPerSecond;
        json["admission"]["fraction_of_design_time"] = a.throughput.inferencesPerSecond / t.inferencesPerSecond;
    } else {
        json["admission"]["reason"] = a.reason;
    }
    if (!a.admitted) {
        fmt::print("run-time admission on a {}x{} mesh with {} tiles taken: refused: {}\n", side, side, taken, a.reason);
    } else {
        fmt::print("run-time admission on a {}x{} mesh with {} of {} tiles taken: bound in {:.2f} ms, analysed in {:.1f} ms; "
                   "guaranteed {:.0f} inferences/s = {:.1f} % of the design-time placement's\n",
                   side, side, taken, side * side, a.bindMilliseconds, a.throughput.analysisMilliseconds,
                   a.throughput.inferencesPerSecond, 100.0 * a.throughput.inferencesPerSecond / t.inferencesPerSecond);
    }
    return json;
}

} // namespace nnb::cli
