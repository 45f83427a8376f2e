// SPDX-License-Identifier: GPL-3.0-or-later
// The time-stepped spiking simulator (nnb/snn/spiking_sim.h).
//
// Layout: one slice of B images is simulated at once; every per-neuron quantity is a row of B
// int32 values (neuron-major, image-minor; rows padded to a multiple of kChunk with silent
// images), so a synapse adds its weight to a whole row of potentials held in registers. A spike
// is stored as a mask (0 or −1) so that the add is `v += w & mask` (exact, vectorisable without
// an integer multiply). A per-neuron "any image spiked" flag skips silent sources.
#include "nnb/snn/spiking_sim.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

namespace nnb::snn {
namespace {

constexpr uint32_t kPhaseOne = 1u << 16; ///< the input coder's threshold (16-bit rate resolution)
/// Images per inner block: a slice's rows are padded to a multiple of it, and the block's
/// potentials stay in registers while a neuron's synapses are added.
constexpr size_t kChunk = 16;

// The hot loop, also compiled for AVX2 where GCC can dispatch at run time (integer arithmetic:
// both versions give identical results).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define NNB_SNN_TARGET_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define NNB_SNN_TARGET_CLONES
#endif

/// One tick of \p layer for a slice whose rows hold \p stride images (a multiple of kChunk):
/// integrates this tick's source spikes and the leak, then fires and resets.
NNB_SNN_TARGET_CLONES void tickLayer(const SpikingLayer& layer, size_t stride, bool subtract, int32_t* mask,
                                     uint8_t* any, int32_t* v, int32_t* counts)
{
    const int64_t* rowStart = layer.rowStart.data();
    const int32_t* source = layer.source.data();
    const int32_t* weight = layer.weight.data();
    for (int64_t j = 0; j < layer.neurons; ++j) {
        const size_t gid = static_cast<size_t>(layer.firstNeuron + j);
        int32_t* vj = v + gid * stride;
        const int32_t leak = layer.leak[static_cast<size_t>(j)];
        for (size_t c = 0; c < stride; c += kChunk) {
            int32_t acc[kChunk];
            for (size_t q = 0; q < kChunk; ++q)
                acc[q] = vj[c + q] + leak;
            for (int64_t k = rowStart[j]; k < rowStart[j + 1]; ++k) {
                const size_t src = static_cast<size_t>(source[k]);
                if (!any[src])
                    continue;
                const int32_t wt = weight[k];
                const int32_t* m = mask + src * stride + c;
                for (size_t q = 0; q < kChunk; ++q)
                    acc[q] += wt & m[q];
            }
            for (size_t q = 0; q < kChunk; ++q)
                vj[c + q] = acc[q];
        }
        if (!layer.spiking)
            continue;
        const int32_t t = layer.threshold[static_cast<size_t>(j)];
        int32_t* m = mask + gid * stride;
        int32_t* cnt = counts + gid * stride;
        int32_t fired = 0;
        for (size_t b = 0; b < stride; ++b) {
            const int32_t s = -static_cast<int32_t>(vj[b] >= t);
            vj[b] = subtract ? vj[b] - (t & s) : vj[b] & ~s;
            m[b] = s;
            cnt[b] -= s;
            fired |= s;
        }
        any[gid] = fired != 0;
    }
}

uint64_t mix(uint64_t z)
{
    // splitmix64's finaliser (Steele, Lea, Flood 2014).
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// Everything one slice produces besides the per-neuron totals.
struct SliceResult {
    std::vector<int64_t> correct;   ///< per checkpoint
    std::vector<double> errorSums;  ///< per layer: global, local
};

/// Per-thread buffers and totals.
struct Worker {
    std::vector<int32_t> mask, v, counts;
    std::vector<uint8_t> any;
    std::vector<uint32_t> phase, inc;
    size_t stride = 0; ///< images per row: the slice's count rounded up to kChunk
    std::vector<int64_t> totals; ///< spikes per global neuron, summed over this worker's images
    std::vector<double> rateG, rateL;
};

class Run {
public:
    Run(const SpikingNetwork& net, const ir::Tensor& images, const std::vector<uint8_t>* labels,
        const SpikingSimOptions& options, int ticks, std::vector<int> checkpoints)
        : m_net(net), m_images(images), m_labels(labels), m_options(options), m_ticks(ticks),
          m_checkpoints(std::move(checkpoints)), m_total(net.totalNeurons())
    {
    }

    /// Simulates images [begin, end) with \p w's buffers. \returns false when cancelled.
    bool slice(Worker& w, int64_t begin, int64_t end, SliceResult& result, std::vector<int32_t>& predictions,
               const RunContext& ctx) const;

private:
    void predict(const Worker& w, size_t B, int64_t begin, std::vector<int32_t>& out) const;
    void rateAgreement(Worker& w, size_t B, int64_t begin, SliceResult& result) const;

    const SpikingNetwork& m_net;
    const ir::Tensor& m_images;
    const std::vector<uint8_t>* m_labels;
    const SpikingSimOptions& m_options;
    int m_ticks;
    std::vector<int> m_checkpoints;
    int64_t m_total;
};

void Run::predict(const Worker& w, size_t B, int64_t begin, std::vector<int32_t>& out) const
{
    for (size_t b = 0; b < B; ++b) {
        int32_t best = 0;
        double bestScore = -std::numeric_limits<double>::infinity();
        int64_t bestCount = -1;
        for (size_t k = 0; k < m_net.outputNeurons.size(); ++k) {
            const int64_t gid = m_net.outputNeurons[k];
            const SpikingLayer& layer = m_net.layers[static_cast<size_t>(m_net.layerOf(gid))];
            const double t = layer.threshold[static_cast<size_t>(gid - layer.firstNeuron)];
            const double potential = w.v[static_cast<size_t>(gid) * w.stride + b] / t;
            const int64_t count = m_net.readout == OutputReadout::SpikeCount ? w.counts[static_cast<size_t>(gid) * w.stride + b] : 0;
            if (count > bestCount || (count == bestCount && potential > bestScore)) {
                best = static_cast<int32_t>(k);
                bestScore = potential;
                bestCount = count;
            }
        }
        out[static_cast<size_t>(begin) + b] = best;
    }
}

void Run::rateAgreement(Worker& w, size_t B, int64_t begin, SliceResult& result) const
{
    const double n = m_ticks;
    const int64_t inputs = m_net.inputNeurons;
    w.rateG.assign(static_cast<size_t>(m_total), 0.0);
    w.rateL.assign(static_cast<size_t>(m_total), 0.0);
    for (size_t b = 0; b < B; ++b) {
        const float* x = m_images.f.data() + (begin + static_cast<int64_t>(b)) * inputs;
        for (int64_t i = 0; i < inputs; ++i) {
            w.rateG[static_cast<size_t>(i)] = rateNeuron(x[i] / m_net.inputScale);
            w.rateL[static_cast<size_t>(i)] = w.counts[static_cast<size_t>(i) * w.stride + b] / n;
        }
        if (m_net.hasBiasSource) {
            w.rateG[static_cast<size_t>(m_net.biasNeuron())] = 1.0;
            w.rateL[static_cast<size_t>(m_net.biasNeuron())] = 1.0;
        }
        for (size_t l = 0; l < m_net.layers.size(); ++l) {
            const SpikingLayer& layer = m_net.layers[l];
            double eG = 0.0, eL = 0.0;
            for (int64_t j = 0; j < layer.neurons; ++j) {
                double zG = layer.leak[static_cast<size_t>(j)], zL = zG;
                for (int64_t k = layer.rowStart[static_cast<size_t>(j)]; k < layer.rowStart[static_cast<size_t>(j) + 1]; ++k) {
                    const size_t src = static_cast<size_t>(layer.source[static_cast<size_t>(k)]);
                    zG += layer.weight[static_cast<size_t>(k)] * w.rateG[src];
                    zL += layer.weight[static_cast<size_t>(k)] * w.rateL[src];
                }
                const double t = layer.threshold[static_cast<size_t>(j)];
                const size_t gid = static_cast<size_t>(layer.firstNeuron + j);
                double measured = 0.0;
                if (layer.spiking) {
                    zG = rateNeuron(zG / t);
                    zL = rateNeuron(zL / t);
                    measured = w.counts[gid * w.stride + b] / n;
                } else {
                    zG /= t;
                    zL /= t;
                    measured = w.v[gid * w.stride + b] / (n * t);
                }
                eG += std::fabs(measured - zG);
                eL += std::fabs(measured - zL);
                w.rateG[gid] = zG;
                w.rateL[gid] = measured;
            }
            result.errorSums[2 * l] += eG;
            result.errorSums[2 * l + 1] += eL;
        }
    }
}

bool Run::slice(Worker& w, int64_t begin, int64_t end, SliceResult& result, std::vector<int32_t>& predictions,
                const RunContext& ctx) const
{
    const size_t B = static_cast<size_t>(end - begin);
    const size_t S = (B + kChunk - 1) / kChunk * kChunk; // padded images have rate 0 and are not counted
    w.stride = S;
    const size_t total = static_cast<size_t>(m_total);
    const int64_t inputs = m_net.inputNeurons;
    w.mask.assign(total * S, 0);
    w.v.assign(total * S, 0);
    if (m_options.initialPotential > 0.0)
        for (const SpikingLayer& layer : m_net.layers)
            if (layer.spiking)
                for (int64_t j = 0; j < layer.neurons; ++j)
                    std::fill_n(w.v.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(layer.firstNeuron + j) * S), S,
                                static_cast<int32_t>(std::floor(m_options.initialPotential * layer.threshold[static_cast<size_t>(j)])));
    w.counts.assign(total * S, 0);
    w.any.assign(total, 0);
    w.phase.assign(static_cast<size_t>(inputs) * S, kPhaseOne / 2);
    w.inc.assign(static_cast<size_t>(inputs) * S, 0);
    for (size_t b = 0; b < B; ++b) {
        const float* x = m_images.f.data() + (begin + static_cast<int64_t>(b)) * inputs;
        for (int64_t i = 0; i < inputs; ++i)
            w.inc[static_cast<size_t>(i) * S + b]
                = static_cast<uint32_t>(std::lround(rateNeuron(x[i] / m_net.inputScale) * kPhaseOne));
    }
    if (m_net.hasBiasSource) {
        const size_t bias = static_cast<size_t>(m_net.biasNeuron());
        std::fill_n(w.mask.begin() + static_cast<std::ptrdiff_t>(bias * S), S, -1);
        w.any[bias] = 1;
    }
    result.correct.assign(m_checkpoints.size(), 0);
    result.errorSums.assign(2 * m_net.layers.size(), 0.0);
    size_t nextCheckpoint = 0;
    const bool subtract = m_net.reset == hw::ResetMode::Subtract;

    for (int tick = 1; tick <= m_ticks; ++tick) {
        if (ctx.cancelled())
            return false;
        // Input coders.
        for (int64_t i = 0; i < inputs; ++i) {
            int32_t* m = w.mask.data() + static_cast<size_t>(i) * S;
            int32_t* c = w.counts.data() + static_cast<size_t>(i) * S;
            uint32_t* ph = w.phase.data() + static_cast<size_t>(i) * S;
            const uint32_t* in = w.inc.data() + static_cast<size_t>(i) * S;
            int32_t any = 0;
            if (m_options.coding == InputCoding::Regular) {
                for (size_t b = 0; b < S; ++b) {
                    const uint32_t p = ph[b] + in[b];
                    const int32_t s = -static_cast<int32_t>(p >= kPhaseOne);
                    ph[b] = p - (kPhaseOne & static_cast<uint32_t>(s));
                    m[b] = s;
                    c[b] -= s;
                    any |= s;
                }
            } else {
                for (size_t b = 0; b < S; ++b) {
                    const uint64_t key = m_options.seed ^ mix(static_cast<uint64_t>(begin) + b)
                                         ^ mix((static_cast<uint64_t>(tick) << 32) ^ static_cast<uint64_t>(i));
                    const uint32_t u = static_cast<uint32_t>(mix(key) >> 48);
                    const int32_t s = -static_cast<int32_t>(u < in[b]);
                    m[b] = s;
                    c[b] -= s;
                    any |= s;
                }
            }
            w.any[static_cast<size_t>(i)] = any != 0;
        }
        // Layers, in order: spikes reach the next layer within the tick.
        for (const SpikingLayer& layer : m_net.layers)
            tickLayer(layer, S, subtract, w.mask.data(), w.any.data(), w.v.data(), w.counts.data());
        while (nextCheckpoint < m_checkpoints.size() && m_checkpoints[nextCheckpoint] == tick) {
            predict(w, B, begin, predictions);
            if (m_labels != nullptr)
                for (size_t b = 0; b < B; ++b)
                    result.correct[nextCheckpoint] += predictions[static_cast<size_t>(begin) + b]
                                                      == (*m_labels)[static_cast<size_t>(begin) + b];
            ++nextCheckpoint;
        }
    }
    for (size_t gid = 0; gid < total; ++gid) {
        int64_t sum = 0;
        for (size_t b = 0; b < B; ++b)
            sum += w.counts[gid * S + b];
        w.totals[gid] += sum;
    }
    if (m_options.rateAgreement)
        rateAgreement(w, B, begin, result);
    return true;
}

} // namespace

const char* toString(InputCoding coding) { return coding == InputCoding::Regular ? "regular" : "bernoulli"; }

Expected<SpikingRun> simulate(const SpikingNetwork& net, const ir::Tensor& images, const std::vector<uint8_t>* labels,
                              const SpikingSimOptions& options, const RunContext& ctx)
{
    const auto started = std::chrono::steady_clock::now();
    if (images.dtype != ir::DataType::Float32 || images.rank() < 1 || images.shape[0] < 0
        || images.size() != images.shape[0] * net.inputNeurons)
        return makeError(Errc::InvalidArgument, "the images do not match the spiking network's input");
    int64_t count = images.shape[0];
    if (options.images > 0)
        count = std::min(count, options.images);
    if (labels != nullptr && static_cast<int64_t>(labels->size()) < count)
        return makeError(Errc::InvalidArgument, "fewer labels than images");
    const int ticks = options.ticks > 0 ? options.ticks : net.ticks;
    if (ticks < 1 || options.sliceSize < 1 || options.threads < 0)
        return makeError(Errc::InvalidArgument, "ticks and slice size must be >= 1, threads >= 0");
    if (!(options.initialPotential >= 0.0 && options.initialPotential < 1.0))
        return makeError(Errc::InvalidArgument, "the initial potential must lie in [0, 1) of the threshold");
    if (net.outputNeurons.empty())
        return makeError(Errc::InvalidArgument, "the spiking network has no output neurons");
    // Potentials stay within int32: |V| <= T + ticks·(Σ|w| + |L|).
    for (const SpikingLayer& layer : net.layers) {
        for (int64_t j = 0; j < layer.neurons; ++j) {
            double drive = std::abs(static_cast<double>(layer.leak[static_cast<size_t>(j)]));
            for (int64_t k = layer.rowStart[static_cast<size_t>(j)]; k < layer.rowStart[static_cast<size_t>(j) + 1]; ++k)
                drive += std::abs(static_cast<double>(layer.weight[static_cast<size_t>(k)]));
            if (layer.threshold[static_cast<size_t>(j)] + drive * ticks > std::numeric_limits<int32_t>::max())
                return makeError(Errc::InvalidArgument, "a potential of layer '" + layer.name + "' could overflow 32 bits within "
                                                            + std::to_string(ticks) + " ticks");
        }
    }
    std::vector<int> checkpoints;
    for (int c : options.checkpoints)
        if (c >= 1 && c <= ticks)
            checkpoints.push_back(c);
    if (checkpoints.empty() || checkpoints.back() != ticks)
        checkpoints.push_back(ticks);
    std::sort(checkpoints.begin(), checkpoints.end());
    checkpoints.erase(std::unique(checkpoints.begin(), checkpoints.end()), checkpoints.end());

    const int64_t sliceSize = options.sliceSize;
    const int64_t slices = (count + sliceSize - 1) / sliceSize;
    int threads = options.threads > 0 ? options.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, slices)));

    const Run run(net, images, labels, options, ticks, checkpoints);
    SpikingRun out;
    out.ticks = ticks;
    out.images = count;
    out.predictions.assign(static_cast<size_t>(count), 0);
    std::vector<SliceResult> results(static_cast<size_t>(slices));
    std::vector<Worker> workers(static_cast<size_t>(threads));
    std::atomic<int64_t> next{0}, done{0};
    std::atomic<bool> cancelled{false};
    std::atomic<int64_t> lastReportMs{0};
    const auto body = [&](Worker& w) {
        w.totals.assign(static_cast<size_t>(net.totalNeurons()), 0);
        for (int64_t s = next++; s < slices && !cancelled; s = next++) {
            const int64_t begin = s * sliceSize, end = std::min(count, begin + sliceSize);
            if (!run.slice(w, begin, end, results[static_cast<size_t>(s)], out.predictions, ctx)) {
                cancelled = true;
                return;
            }
            const int64_t finished = ++done;
            const int64_t nowMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - started).count();
            int64_t last = lastReportMs.load();
            if ((nowMs - last >= 50 || finished == slices) && lastReportMs.compare_exchange_strong(last, nowMs))
                ctx.report(static_cast<int>(1000 * finished / slices),
                           "spiking simulation: " + std::to_string(finished) + "/" + std::to_string(slices) + " slices");
        }
    };
    if (threads == 1) {
        body(workers[0]);
    } else {
        std::vector<std::jthread> pool;
        for (int t = 0; t < threads; ++t)
            pool.emplace_back([&, t] { body(workers[static_cast<size_t>(t)]); });
    }
    if (cancelled)
        return makeError(Errc::Cancelled, "spiking simulation cancelled");

    // Reduce: integers in any order, floating-point sums in slice order.
    std::vector<int64_t> totals(static_cast<size_t>(net.totalNeurons()), 0);
    for (const Worker& w : workers)
        for (size_t k = 0; k < w.totals.size(); ++k)
            totals[k] += w.totals[k];
    if (labels != nullptr) {
        for (size_t c = 0; c < checkpoints.size(); ++c) {
            TickAccuracy a;
            a.ticks = checkpoints[c];
            a.total = count;
            for (const SliceResult& r : results)
                a.correct += r.correct[c];
            a.accuracyPercent = count > 0 ? 100.0 * static_cast<double>(a.correct) / static_cast<double>(count) : 0.0;
            out.accuracy.push_back(a);
        }
    }
    out.inputSpikeCounts.assign(totals.begin(), totals.begin() + static_cast<std::ptrdiff_t>(net.inputNeurons));
    std::vector<int64_t> fanOut(totals.size(), 0);
    for (const SpikingLayer& layer : net.layers)
        for (int32_t src : layer.source)
            ++fanOut[static_cast<size_t>(src)];
    for (size_t k = 0; k < totals.size(); ++k)
        out.synapticEvents += totals[k] * fanOut[k];
    if (net.hasBiasSource)
        out.synapticEvents += count * ticks * fanOut[static_cast<size_t>(net.biasNeuron())];
    for (size_t l = 0; l < net.layers.size(); ++l) {
        const SpikingLayer& layer = net.layers[l];
        LayerActivity a;
        a.name = layer.name;
        const auto first = totals.begin() + static_cast<std::ptrdiff_t>(layer.firstNeuron);
        a.spikeCounts.assign(first, first + static_cast<std::ptrdiff_t>(layer.neurons));
        for (int64_t c : a.spikeCounts)
            a.totalSpikes += c;
        const double samples = static_cast<double>(count) * static_cast<double>(layer.neurons);
        if (samples > 0) {
            a.meanRate = static_cast<double>(a.totalSpikes) / (samples * ticks);
            double g = 0.0, loc = 0.0;
            for (const SliceResult& r : results) {
                g += r.errorSums[2 * l];
                loc += r.errorSums[2 * l + 1];
            }
            a.rateErrorMeanAbs = options.rateAgreement ? g / samples : 0.0;
            a.localRateErrorMeanAbs = options.rateAgreement ? loc / samples : 0.0;
        }
        out.layers.push_back(std::move(a));
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
}

Expected<SpikingRun> simulate(const SpikingNetwork& net, const data::Dataset& data, const SpikingSimOptions& options,
                              const RunContext& ctx)
{
    const int64_t n = options.images > 0 ? std::min(options.images, data.count) : data.count;
    const ir::Tensor images = data.batch(0, n);
    return simulate(net, images, &data.labels, options, ctx);
}

} // namespace nnb::snn
