// SPDX-License-Identifier: GPL-3.0-or-later
// Crossbar kernel of the bit-accurate simulator (nnb::sim::CrossbarTile) on the shipped MLP's
// layer shapes (784x256 split into 256-row tiles, 256x128, 128x10) at batch 256, with seeded
// random integer weights and inputs: images/s of the bit-accurate path for the prime profile
// (and variants) next to an Eigen float GEMM of the same shapes, and the ratio of logical
// MACs/s (simulator / float GEMM). Usage: nnb_bench_crossbar [profile-dir]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <fmt/format.h>

#include "bench_util.h"
#include "nnb/hw/profile_io.h"
#include "nnb/sim/crossbar.h"
#include "resource_paths.h"

using namespace nnb;
using namespace nnb::sim;

namespace {

constexpr int64_t kBatch = 256;

struct LayerShape {
    int in;
    int out;
};
constexpr LayerShape kLayers[] = {{784, 256}, {256, 128}, {128, 10}};

int64_t macsPerImage()
{
    int64_t macs = 0;
    for (const LayerShape& l : kLayers)
        macs += int64_t{l.in} * l.out;
    return macs;
}

/// One layer on crossbars: tiles[r][c] holds rows [r·R, ...) and columns [c·C, ...); the inputs
/// are pre-split per row block (contiguous [batch × rowsUsed]); row-split partial sums are added
/// digitally.
struct TiledLayer {
    LayerShape shape;
    std::vector<std::vector<CrossbarTile>> tiles;
    std::vector<std::vector<int32_t>> inputBlocks;
    std::vector<int32_t> weights; ///< [in × out]
    std::vector<int32_t> input; ///< [batch × in]
};

std::vector<int32_t> randomCodes(size_t n, int lo, int hi, uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> dist(lo, hi);
    std::vector<int32_t> v(n);
    for (int32_t& e : v)
        e = dist(rng);
    return v;
}

Expected<std::vector<TiledLayer>> buildNetwork(const CrossbarConfig& config, const DeviceModel* device,
                                               ReadKernel kernel)
{
    std::vector<TiledLayer> layers;
    uint64_t seed = 1;
    for (const LayerShape& shape : kLayers) {
        TiledLayer layer;
        layer.shape = shape;
        layer.weights = randomCodes(static_cast<size_t>(shape.in) * static_cast<size_t>(shape.out),
            config.minWeightCode(), config.maxWeightCode(), seed++);
        layer.input = randomCodes(static_cast<size_t>(kBatch) * static_cast<size_t>(shape.in), 0,
            static_cast<int>(config.maxInputCode()), seed++);
        for (int r0 = 0; r0 < shape.in; r0 += config.rows) {
            const int rows = std::min(config.rows, shape.in - r0);
            std::vector<int32_t> block(static_cast<size_t>(kBatch) * static_cast<size_t>(rows));
            for (int64_t b = 0; b < kBatch; ++b)
                for (int i = 0; i < rows; ++i)
                    block[static_cast<size_t>(b * rows + i)] = layer.input[static_cast<size_t>(b * shape.in + r0 + i)];
            layer.inputBlocks.push_back(std::move(block));
            std::vector<CrossbarTile> rowTiles;
            for (int c0 = 0; c0 < shape.out; c0 += config.cols) {
                const int cols = std::min(config.cols, shape.out - c0);
                std::vector<int32_t> w(static_cast<size_t>(rows) * static_cast<size_t>(cols));
                for (int i = 0; i < rows; ++i)
                    for (int j = 0; j < cols; ++j)
                        w[static_cast<size_t>(i * cols + j)]
                            = layer.weights[static_cast<size_t>((r0 + i) * shape.out + c0 + j)];
                NNB_TRY(CrossbarTile tile, CrossbarTile::create(config, w, rows, cols, kernel));
                if (device) {
                    NNB_TRY(CrossbarTile perturbed, tile.withDeviceModel(*device));
                    tile = std::move(perturbed);
                }
                rowTiles.push_back(std::move(tile));
            }
            layer.tiles.push_back(std::move(rowTiles));
        }
        layers.push_back(std::move(layer));
    }
    return layers;
}

/// Runs every layer once; \p out receives each layer's [batch × out] results.
void runNetwork(
    const std::vector<TiledLayer>& layers, int threads, std::vector<std::vector<double>>& out, AdcStats& stats)
{
    out.resize(layers.size());
    std::vector<double> partial;
    for (size_t l = 0; l < layers.size(); ++l) {
        const TiledLayer& layer = layers[l];
        std::vector<double>& y = out[l];
        y.assign(static_cast<size_t>(kBatch) * static_cast<size_t>(layer.shape.out), 0.0);
        for (size_t r = 0; r < layer.tiles.size(); ++r) {
            int c0 = 0;
            for (const CrossbarTile& tile : layer.tiles[r]) {
                partial.resize(static_cast<size_t>(kBatch) * static_cast<size_t>(tile.colsUsed()));
                if (threads == 1)
                    tile.mvm(layer.inputBlocks[r].data(), kBatch, partial.data(), &stats);
                else
                    tile.mvmParallel(layer.inputBlocks[r].data(), kBatch, partial.data(), &stats, threads);
                for (int64_t b = 0; b < kBatch; ++b)
                    for (int j = 0; j < tile.colsUsed(); ++j)
                        y[static_cast<size_t>(b * layer.shape.out + c0 + j)]
                            += partial[static_cast<size_t>(b * tile.colsUsed() + j)];
                c0 += tile.colsUsed();
            }
        }
    }
}

/// Best of \p runs timings (seconds) of \p work, each run repeating it until 0.2 s have passed.
/// RMS of (simulated − exact integer product) relative to the RMS of the exact product, over
/// all layers.
double relativeRmsError(const std::vector<TiledLayer>& layers, const std::vector<std::vector<double>>& out)
{
    double error = 0.0, norm = 0.0;
    for (size_t l = 0; l < layers.size(); ++l) {
        const TiledLayer& layer = layers[l];
        for (int64_t b = 0; b < kBatch; ++b) {
            for (int j = 0; j < layer.shape.out; ++j) {
                int64_t exact = 0;
                for (int i = 0; i < layer.shape.in; ++i)
                    exact += int64_t{layer.input[static_cast<size_t>(b * layer.shape.in + i)]}
                        * layer.weights[static_cast<size_t>(i * layer.shape.out + j)];
                const double d = out[l][static_cast<size_t>(b * layer.shape.out + j)] - static_cast<double>(exact);
                error += d * d;
                norm += static_cast<double>(exact) * static_cast<double>(exact);
            }
        }
    }
    return std::sqrt(error / norm);
}

} // namespace

int main(int argc, char** argv)
{
    fmt::print("# nnb_bench_crossbar: {}\n", bench::machineDescription());
    const std::filesystem::path profileDir = argc > 1 ? std::filesystem::path(argv[1]) : app::profileDir();
    const auto profile = hw::loadProfile(profileDir / "prime.yaml");
    if (!profile) {
        fmt::print(stderr, "{}\n", profile.error().toString());
        return 1;
    }
    const CrossbarConfig prime = CrossbarConfig::fromProfile(*profile);
    const int64_t macs = macsPerImage();
    fmt::print("MLP layers 784x256 (4 row tiles of <= {} rows), 256x128, 128x10; batch {}; {} logical MACs per "
               "image; seeded uniform random codes (weights over the full {}-bit range, {}-bit inputs). "
               "Best of 5 runs of >= 0.2 s; threads = 1 unless stated.\n\n",
        prime.rows, kBatch, macs, prime.weightBits, prime.inputBits);

    // Eigen float GEMM of the same shapes (the float executor's kernel), row-major like it.
    using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    std::vector<Matrix> xs, ws, ys;
    for (const LayerShape& l : kLayers) {
        xs.push_back(Matrix::Random(kBatch, l.in));
        ws.push_back(Matrix::Random(l.in, l.out));
        ys.push_back(Matrix(kBatch, l.out));
    }
    const double floatSeconds = bench::bestSecondsPerCall([&] {
        for (size_t l = 0; l < xs.size(); ++l)
            ys[l].noalias() = xs[l] * ws[l];
    });
    const double floatMacsPerSecond = static_cast<double>(macs * kBatch) / floatSeconds;

    struct Case {
        std::string name;
        CrossbarConfig config;
        bool device = false;
        int threads = 1;
        ReadKernel kernel = ReadKernel::Auto;
    };
    CrossbarConfig scale = prime;
    scale.adcMode = CrossbarConfig::AdcMode::Scale;
    CrossbarConfig ideal = prime;
    ideal.adcBits = 0;
    const std::vector<Case> cases = {
        {"prime (6-bit ADC, default step)", prime},
        {"prime, AVX2 at most", prime, false, 1, ReadKernel::Avx2},
        {"prime, Eigen reads only", prime, false, 1, ReadKernel::Portable},
        {"prime, Scale-mode ADC", scale},
        {"prime + device model (profile's sigma, stuck rates)", prime, true},
        {"prime, 2 threads (mvmParallel)", prime, false, 2},
        {"ideal ADC (adcBits = 0, fast path)", ideal},
        {"ideal ADC, Eigen only", ideal, false, 1, ReadKernel::Portable},
        {"ideal ADC, 2 threads", ideal, false, 2},
    };
    const DeviceModel device = DeviceModel::fromProfile(*profile, 2024);

    fmt::print("| configuration | read kernel | reads per MAC | images/s | logical GMAC/s | ratio to float GEMM | "
               "clipped | relative RMS error |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Case& c : cases) {
        auto network = buildNetwork(c.config, c.device ? &device : nullptr, c.kernel);
        if (!network) {
            fmt::print(stderr, "{}: {}\n", c.name, network.error().toString());
            return 1;
        }
        std::vector<std::vector<double>> out;
        AdcStats stats;
        runNetwork(*network, c.threads, out, stats);
        const double error = relativeRmsError(*network, out);
        const double seconds = bench::bestSecondsPerCall([&] {
            AdcStats ignored;
            runNetwork(*network, c.threads, out, ignored);
        });
        const double imagesPerSecond = static_cast<double>(kBatch) / seconds;
        const double macsPerSecond = imagesPerSecond * static_cast<double>(macs);
        const int reads = c.config.weightSlices() * c.config.polarities() * c.config.inputCycles();
        fmt::print("| {} | {} | {} | {:.0f} | {:.2f} | {:.3f} | {:.2f}% | {:.2e} |\n", c.name,
                   network->front().tiles.front().front().readKernelName(),
            c.config.adcBits > 0 || c.device ? reads : 1, imagesPerSecond, macsPerSecond * 1e-9,
            macsPerSecond / floatMacsPerSecond, 100.0 * stats.clippedFraction(), error);
    }
    fmt::print("| Eigen float GEMM (reference) | eigen-float | 1 | {:.0f} | {:.2f} | 1.000 | | |\n",
        static_cast<double>(kBatch) / floatSeconds, floatMacsPerSecond * 1e-9);
    fmt::print("\nreads per MAC: array reads (slices x polarities x input cycles) the hardware performs per "
               "logical MAC; the ideal ADC computes x.W in one GEMM. relative RMS error: of the simulated "
               "layer outputs against the exact integer product.\n");
    return 0;
}
