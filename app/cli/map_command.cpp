// SPDX-License-Identifier: GPL-3.0-or-later
// `nnbridge map`: compile a network, place its tiles on the profile's core mesh, route and cost
// it, and print per-layer latency and energy with the pipelined and non-pipelined throughput.
#include <fmt/format.h>

#include "commands.h"
#include "nnb/compile.h"
#include "nnb/hw/profile_io.h"
#include "nnb/map/mapping.h"
#include "nnb/onnx/import.h"
#include "report_json.h"
#include "report_table.h"
#include "resource_paths.h"

namespace nnb::cli {
namespace {

std::string fixed(double v, int decimals = 1) { return fmt::format("{:.{}f}", v, decimals); }
std::string general(double v) { return fmt::format("{:.4g}", v); }

void printMapping(const mapping::MappingResult& r)
{
    const std::string unit = mapping::toString(r.unit);
    mapping::CostBreakdown energy;
    ReportTable table({"layer", "cores", "latency ns", "energy pJ", "crossbar pJ", "ADC/DAC pJ", "digital pJ", "NoC pJ",
                       "spikes pJ", unit + "s out"});
    table.setLeftAligned(0);
    int cores = 0;
    for (const mapping::LayerMapping& l : r.layers) {
        cores += l.cores;
        table.addRow({l.layer, std::to_string(l.cores), r.feasible ? fixed(l.latencyNs.total()) : "",
                      r.feasible ? fixed(l.energyPj.total()) : "", r.feasible ? fixed(l.energyPj.crossbar) : "",
                      r.feasible ? fixed(l.energyPj.adcDac) : "", r.feasible ? fixed(l.energyPj.digital) : "",
                      r.feasible ? fixed(l.energyPj.noc) : "", r.feasible ? fixed(l.energyPj.spikes) : "",
                      r.feasible ? general(l.trafficOut) : ""});
    }
    if (r.feasible)
        table.addRow({"total", std::to_string(cores), fixed(r.latencyNs.total()), fixed(r.energyPj.total()),
                      fixed(r.energyPj.crossbar), fixed(r.energyPj.adcDac), fixed(r.energyPj.digital), fixed(r.energyPj.noc),
                      fixed(r.energyPj.spikes), general(r.totalTraffic)});
    else
        table.addRow({"total", std::to_string(cores)});
    fmt::print("{}", table.render());
    if (r.feasible) {
        const auto& s = r.schedule;
        const auto& lat = r.latencyNs;
        fmt::print("layer latency: its slowest tile plus its slowest outgoing transfer; total: the critical path\n");
        fmt::print("critical path {} ns = crossbar {} + ADC/DAC {} + digital {} + NoC {} + spikes {}\n", fixed(lat.total()),
                   fixed(lat.crossbar), fixed(lat.adcDac), fixed(lat.digital), fixed(lat.noc), fixed(lat.spikes));
        fmt::print("traffic {} {}s per inference; hop-{}s {} (sequential placement {}, ratio {:.3f}); max link load {} {}s "
                   "(busy {} ns per inference)\n",
                   general(r.totalTraffic), unit, unit, general(r.hopTraffic), general(r.sequentialHopTraffic),
                   r.sequentialHopTraffic > 0 ? r.hopTraffic / r.sequentialHopTraffic : 1.0, general(r.maxLinkTraffic), unit,
                   fixed(r.maxLinkBusyNs));
        fmt::print("not pipelined: latency {} ns, throughput {} inferences/s\n", fixed(s.sequentialLatencyNs),
                   general(s.sequentialThroughput));
        fmt::print("pipelined:     latency {} ns, interval {} ns (bottleneck: {}), throughput {} inferences/s, speedup {:.2f}x\n",
                   fixed(s.pipelinedLatencyNs), fixed(s.initiationIntervalNs), s.bottleneck, general(s.pipelinedThroughput),
                   s.speedup);
        fmt::print("placement {}: {} of {} cores used, {} moves tried, {} accepted, {:.3f} s\n", mapping::toString(r.placer),
                   r.tilesNeeded, r.coresAvailable, r.placement.movesTried, r.placement.movesAccepted, r.placement.seconds);
    }
    for (const auto& d : r.diagnostics)
        fmt::print("{}: {}: {}\n", toString(d.severity), d.where, d.message);
}

} // namespace

Expected<void> runMap(const MapCommandOptions& options)
{
    const auto placer = mapping::parsePlacer(options.placer);
    if (!placer)
        return makeError(Errc::InvalidArgument, "unknown placer '" + options.placer + "': use sequential, greedy or anneal");
    NNB_TRY(const auto model, onnx::importModel(options.model));
    NNB_TRY(const auto profile, app::loadProfileSpec(options.profile, options.profileOverrides));
    fmt::print("map {} onto {} ({}x{} mesh, {} cores), placer {}, seed {}\n\n", model.source, profile.id,
               profile.chip.meshWidth, profile.chip.meshHeight, profile.chip.cores, options.placer, options.seed);
    NNB_TRY(const auto compiled, compile(model.graph, profile, strategy::Strategy{}));
    for (const auto& d : compiled.diagnostics)
        if (d.severity == Severity::Error)
            fmt::print("compile {}: {}: {}\n", toString(d.severity), d.where, d.message);

    mapping::MapOptions mapOptions;
    mapOptions.placement.placer = *placer;
    mapOptions.placement.seed = options.seed;
    mapOptions.placement.annealMoves = options.annealMoves;
    mapOptions.placement.timeLimitSeconds = options.timeLimitSeconds;
    NNB_TRY(const auto result, mapping::mapNetwork(compiled, mapOptions));
    printMapping(result);
    if (!options.reportPath.empty()) {
        NNB_RETURN_IF_ERROR(app::writeJsonAtomically(options.reportPath, app::mappingToJson(result, model.source)));
        fmt::print("report {}\n", options.reportPath.string());
    }
    if (!result.feasible)
        return makeError(Errc::InvalidArgument, "the network does not fit profile '" + profile.id + "' (" +
                                                    std::to_string(result.tilesNeeded) + " tiles, " +
                                                    std::to_string(result.coresAvailable) + " cores)");
    return {};
}

} // namespace nnb::cli
