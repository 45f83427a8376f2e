// SPDX-License-Identifier: GPL-3.0-or-later
// Mapping onto the chip (issue #5): hop traffic of the three placers and the pipelined against the
// non-pipelined throughput of the shipped networks, and the placement time of a synthetic
// 4,096-tile network on a 64x64 mesh.
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/compile.h"
#include "nnb/hw/profile_io.h"
#include "nnb/map/mapping.h"
#include "nnb/onnx/import.h"
#include "resource_paths.h"

using namespace nnb;
using namespace nnb::mapping;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The shipped profile, with its mesh enlarged to the smallest near-square one that holds
/// \p tiles when it is too small (stated in the output).
Expected<hw::Profile> profileFor(const std::string& id, int tiles, std::string& note)
{
    NNB_TRY(hw::Profile p, hw::loadProfile(app::profileDir() / (id + ".yaml")));
    if (tiles <= p.chip.cores)
        return p;
    const int width = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(tiles))));
    const int height = (tiles + width - 1) / width;
    note = fmt::format("{}x{} mesh (shipped {}x{})", width, height, p.chip.meshWidth, p.chip.meshHeight);
    return hw::loadProfile(app::profileDir() / (id + ".yaml"),
                           {"chip.cores=" + std::to_string(width * height), "chip.mesh_width=" + std::to_string(width),
                            "chip.mesh_height=" + std::to_string(height)});
}

int shippedNetworks()
{
    fmt::print("\n## Shipped networks (anneal: seed 1, default moves)\n\n"
               "| network | profile | mesh | tiles | hop traffic sequential | greedy | anneal | anneal / sequential | "
               "anneal s | not pipelined inf/s | pipelined inf/s | speedup | bottleneck |\n"
               "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (const char* name : {"mlp", "lenet"}) {
        auto model = onnx::importModel(app::resourceDir() / "models" / (std::string(name) + ".onnx"));
        if (!model) {
            fmt::print(stderr, "{}\n", model.error().toString());
            return 1;
        }
        for (const char* id : {"tianji", "prime", "isaac-like", "truenorth"}) {
            auto shipped = hw::loadProfile(app::profileDir() / (std::string(id) + ".yaml"));
            if (!shipped) {
                fmt::print(stderr, "{}\n", shipped.error().toString());
                return 1;
            }
            auto first = compile(model->graph, *shipped, strategy::Strategy{});
            if (!first) {
                fmt::print(stderr, "{}\n", first.error().toString());
                return 1;
            }
            std::string note = fmt::format("{}x{}", shipped->chip.meshWidth, shipped->chip.meshHeight);
            auto profile = profileFor(id, first->resources.coreOps, note);
            if (!profile) {
                fmt::print(stderr, "{}\n", profile.error().toString());
                return 1;
            }
            auto compiled = compile(model->graph, *profile, strategy::Strategy{});
            if (!compiled) {
                fmt::print(stderr, "{}\n", compiled.error().toString());
                return 1;
            }
            std::vector<MappingResult> results;
            for (Placer placer : {Placer::Sequential, Placer::Greedy, Placer::Anneal}) {
                MapOptions o;
                o.placement.placer = placer;
                auto r = mapNetwork(*compiled, o);
                if (!r || !r->feasible) {
                    fmt::print(stderr, "{} on {}: {}\n", name, id, r ? r->diagnostics.back().message : r.error().toString());
                    return 1;
                }
                results.push_back(std::move(*r));
            }
            const MappingResult& a = results[2];
            const std::string unit = std::string("hop-") + toString(a.unit) + "s";
            fmt::print("| {} | {} | {} | {} | {:.4g} {} | {:.4g} | {:.4g} | {:.3f} | {:.3f} | {:.4g} | {:.4g} | {:.2f}x | {} |\n",
                       name, id, note, a.tilesNeeded, results[0].hopTraffic, unit, results[1].hopTraffic, a.hopTraffic,
                       results[0].hopTraffic > 0 ? a.hopTraffic / results[0].hopTraffic : 1.0, a.placement.seconds,
                       a.schedule.sequentialThroughput, a.schedule.pipelinedThroughput, a.schedule.speedup, a.schedule.bottleneck);
        }
    }
    return 0;
}

/// 16 layers of 256 tiles; each tile sends to the 5 tiles around the same index of the next
/// layer (a convolution-like fan-out), 64..255 values per edge.
TileGraph syntheticNetwork(const hw::Profile& profile)
{
    constexpr int layers = 16;
    constexpr int width = 256;
    TileGraph g;
    g.bitsPerValue = profile.io.outputBits;
    for (int l = 0; l < layers; ++l)
        g.layers.push_back("layer" + std::to_string(l));
    g.tiles.resize(layers * width);
    for (int l = 0; l < layers; ++l) {
        for (int j = 0; j < width; ++j) {
            Tile& t = g.tiles[static_cast<size_t>(l * width + j)];
            t.name = fmt::format("l{}.t{}", l, j);
            t.layer = l;
            t.rowsUsed = 128;
            t.colsUsed = 128;
            t.weights = 128 * 128;
            t.utilizationPercent = 100;
        }
    }
    for (int l = 0; l + 1 < layers; ++l)
        for (int j = 0; j < width; ++j)
            for (int d = -2; d <= 2; ++d) {
                const int k = (j + d + width) % width;
                const double values = 64 + (j * 37 + k * 11 + l * 5) % 192;
                g.edges.push_back(g.makeEdge(l * width + j, (l + 1) * width + k, values));
            }
    return g;
}

int syntheticPlacement()
{
    auto profile = hw::loadProfile(app::profileDir() / "generic.yaml",
                                   {"chip.cores=4096", "chip.mesh_width=64", "chip.mesh_height=64"});
    if (!profile) {
        fmt::print(stderr, "{}\n", profile.error().toString());
        return 1;
    }
    const TileGraph g = syntheticNetwork(*profile);
    fmt::print("\n## Synthetic network: {} tiles, {} edges, on a 64x64 mesh (generic profile)\n\n"
               "| placer | hop-bytes | / sequential | placement s | whole mapTiles s | moves tried | accepted |\n"
               "|---|---:|---:|---:|---:|---:|---:|\n",
               g.numTiles(), g.edges.size());
    double sequential = 0;
    for (Placer placer : {Placer::Sequential, Placer::Greedy, Placer::Anneal}) {
        MapOptions o;
        o.placement.placer = placer;
        const auto start = std::chrono::steady_clock::now();
        auto r = mapTiles(g, *profile, o);
        const double whole = secondsSince(start);
        if (!r || !r->feasible) {
            fmt::print(stderr, "synthetic: {}\n", r ? "does not fit" : r.error().toString());
            return 1;
        }
        if (placer == Placer::Sequential)
            sequential = r->hopTraffic;
        fmt::print("| {} | {:.4g} | {:.3f} | {:.3f} | {:.3f} | {} | {} |\n", toString(placer), r->hopTraffic,
                   r->hopTraffic / sequential, r->placement.seconds, whole, r->placement.movesTried, r->placement.movesAccepted);
        if (r->placement.stoppedByTimeLimit)
            fmt::print("(annealing stopped at its time limit)\n");
    }
    return 0;
}

} // namespace

int main()
{
    fmt::print("# nnb_bench_map: {}\n", bench::machineDescription());
    if (const int rc = shippedNetworks())
        return rc;
    return syntheticPlacement();
}
