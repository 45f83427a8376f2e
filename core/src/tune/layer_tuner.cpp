// SPDX-License-Identifier: GPL-3.0-or-later
#include "tune/layer_tuner.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <string>

#include "tune/shadow_quantizer.h"
#include "tune/training.h"

namespace nnb::tune::detail {

double tuningUnits(const LayerShape& shape, int64_t samples, const TuneOptions& options)
{
    const int passes = (options.phase1 ? options.epochs : 0) + (options.phase2 ? 1 : 0) + (options.phase3 ? options.epochs : 0);
    return macsPerSample(shape) * static_cast<double>(samples) * passes;
}

LayerTuner::LayerTuner(const TrainableLayer& layer, const LayerData& data, Neuron neuron, const quant::SignalQuant& output,
                       const HardwareQuant& hw, const TuneOptions& options, std::mt19937_64& rng, ProgressMeter& meter)
    : m_layer(layer)
    , m_shape(layer.shape)
    , m_data(data)
    , m_neuron(neuron)
    , m_output(output)
    , m_hw(hw)
    , m_options(options)
    , m_rng(rng)
    , m_meter(meter)
{
}

Expected<void> LayerTuner::run()
{
    m_w = m_layer.weight;
    m_b = m_layer.bias;
    NNB_TRY(m_report.mseBefore, evaluateHardware(m_w, m_b));
    m_best = Candidate{m_w, m_b, m_report.mseBefore};

    // Every phase's result competes in the hardware semantics; phase 3 also checks each epoch.
    m_report.mseAfterPhase1 = m_report.mseBefore;
    if (m_options.phase1) {
        NNB_RETURN_IF_ERROR(train(/*phase=*/1));
        NNB_TRY(m_report.mseAfterPhase1, evaluateHardware(m_w, m_b));
        offer(m_w, m_b, m_report.mseAfterPhase1);
    }
    m_report.mseAfterPhase2 = m_report.mseAfterPhase1;
    if (m_options.phase2) {
        NNB_RETURN_IF_ERROR(rescaleNeurons());
        NNB_TRY(m_report.mseAfterPhase2, evaluateHardware(m_w, m_b));
        offer(m_w, m_b, m_report.mseAfterPhase2);
    }
    if (m_options.phase3) {
        // Rounding tuning refines whichever weights quantise best so far: phase 1's float
        // optimum can quantise worse than the original weights.
        m_w = m_best.weight;
        m_b = m_best.bias;
        NNB_RETURN_IF_ERROR(train(/*phase=*/3));
    }
    m_report.mseAfterPhase3 = m_best.mse;
    return {};
}

double LayerTuner::evaluate(const Matrix& w, const Vector& b) const
{
    const int64_t rows = m_shape.rowsPerSample;
    const int64_t size = blockSamples(m_shape);
    const int64_t blocks = (m_data.samples + size - 1) / size;
    std::vector<double> sse(static_cast<size_t>(blocks)); // summed in block order: deterministic
    inHalves(macsPerSample(m_shape) * static_cast<double>(m_data.samples), [&](int half) {
        std::vector<int64_t> samples;
        Matrix columns;
        Matrix y;
        for (int64_t block = half; block < blocks; block += 2) {
            const int64_t begin = block * size;
            samples.resize(static_cast<size_t>(std::min(size, m_data.samples - begin)));
            std::iota(samples.begin(), samples.end(), begin);
            hardwareRows(m_shape, m_neuron, m_output, m_data.inputs.data(), samples, w, b, columns, y);
            sse[static_cast<size_t>(block)] =
                (y - m_data.targets.middleRows(begin * rows, y.rows())).cast<double>().squaredNorm();
        }
    });
    return std::accumulate(sse.begin(), sse.end(), 0.0) / static_cast<double>(m_data.targets.size());
}

Expected<double> LayerTuner::evaluateHardware(const Matrix& w, const Vector& b) const
{
    NNB_TRY(const Matrix wq, quantizedWeights(m_shape, w, m_hw.weights));
    return evaluate(wq, b);
}

void LayerTuner::offer(const Matrix& w, const Vector& b, double mse)
{
    if (mse < m_best.mse)
        m_best = Candidate{w, b, mse};
}

void LayerTuner::accumulateGradient(std::span<const int64_t> samples, const Matrix& w, float gain, Scratch& s) const
{
    s.dw.setZero(w.rows(), w.cols());
    s.db.setZero(w.rows());
    const int64_t sampleOut = m_shape.rowsPerSample * m_shape.outputs;
    const auto size = static_cast<size_t>(blockSamples(m_shape));
    for (size_t begin = 0; begin < samples.size(); begin += size) {
        const std::span<const int64_t> block = samples.subspan(begin, std::min(size, samples.size() - begin));
        m_shape.gatherPatches(m_data.inputs.data(), block, s.columns);
        m_shape.forward(s.columns, w, m_b, s.z);
        // dL/dz of L = mean (Qout(f(z)) − t)²: the straight-through estimator passes the
        // gradient through Qout's rounding where Qout does not clip.
        s.t.resize(s.z.rows(), s.z.cols());
        for (size_t i = 0; i < block.size(); ++i)
            std::copy_n(m_data.targets.data() + block[i] * sampleOut, sampleOut,
                        s.t.data() + static_cast<int64_t>(i) * sampleOut);
        s.dz = s.z;
        applyNeuron(m_neuron, s.dz.data(), s.dz.size());
        m_output.apply(s.dz.data(), s.dz.size());
        s.dz = gain * (s.dz - s.t);
        m_output.passGradient(m_neuron, s.z.data(), s.dz.data(), s.dz.size());
        // Phase 3: dL/dW of the shadow weights is dL/dQw(W) (straight-through).
        m_shape.weightGradient(s.columns, s.dz, s.dwBlock);
        s.dw += s.dwBlock;
        s.db += s.dz.colwise().sum().transpose();
    }
}

Expected<void> LayerTuner::train(int phase)
{
    const bool quantized = phase == 3;
    const int64_t n = m_data.samples;
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), int64_t{0});
    Adam adam(m_w.rows(), m_w.cols(), m_options.learningRate);
    ShadowQuantizer quantizer(m_shape, m_hw.weights);
    std::array<Scratch, 2> halves;
    Matrix dw;
    Vector db;
    const double unitsPerSample = macsPerSample(m_shape);
    for (int epoch = 0; epoch < m_options.epochs; ++epoch) {
        shuffle(order, m_rng);
        if (quantized)
            NNB_RETURN_IF_ERROR(quantizer.refresh(m_w));
        for (int64_t begin = 0; begin < n; begin += m_options.batchSize) {
            const int64_t count = std::min<int64_t>(m_options.batchSize, n - begin);
            if (!m_meter.advance(unitsPerSample * static_cast<double>(count), [&] { return stage(phase, epoch); }))
                return makeError(Errc::Cancelled, "tuning cancelled");
            const Matrix* w = &m_w;
            if (quantized) {
                NNB_TRY(w, quantizer.project(m_w));
            }
            const std::span<const int64_t> batch(order.data() + begin, static_cast<size_t>(count));
            const float gain = 2.0f / static_cast<float>(count * m_shape.rowsPerSample * m_shape.outputs);
            const size_t first = static_cast<size_t>(count + 1) / 2;
            inHalves(2.0 * macsPerSample(m_shape) * static_cast<double>(count), [&](int half) {
                accumulateGradient(half == 0 ? batch.first(first) : batch.subspan(first), *w, gain,
                                   halves[static_cast<size_t>(half)]);
            });
            dw = halves[0].dw + halves[1].dw;
            db = halves[0].db + halves[1].db;
            adam.step(m_w, dw, m_layer.hasBias() ? &m_b : nullptr, db);
            ++m_report.steps;
        }
        if (quantized) { // keep the best epoch in the hardware semantics
            NNB_TRY(const double mse, evaluateHardware(m_w, m_b));
            offer(m_w, m_b, mse);
        }
    }
    if (quantized) {
        m_w = m_best.weight;
        m_b = m_best.bias;
    }
    return {};
}

Expected<void> LayerTuner::rescaleNeurons()
{
    // Scaling neuron j's weights and bias by s scales its pre-activation z_j by s exactly when
    // the weights are quantised per output channel (the scale follows max |w|; the codes stay),
    // and approximately otherwise. So one quantised forward pass gives z, and each s_j is a 1-D
    // search of Σ (Qout(f(s·z_j)) − t_j)² on a subsample of rows, cheap for any layer.
    NNB_TRY(const Matrix wq, quantizedWeights(m_shape, m_w, m_hw.weights));
    const int64_t m = m_shape.outputs;
    const int64_t rows = m_shape.rowsPerSample;
    const int64_t totalRows = m_data.samples * rows;
    const int64_t maxRows = std::max<int64_t>(1024, (int64_t{1} << 18) / m);
    const int64_t stride = (totalRows + maxRows - 1) / maxRows;
    const int64_t kept = (totalRows + stride - 1) / stride;
    Matrix zs(kept, m);
    Matrix ts(kept, m);
    if (!m_meter.advance(macsPerSample(m_shape) * static_cast<double>(m_data.samples), [&] { return stage(2, 0); }))
        return makeError(Errc::Cancelled, "tuning cancelled");
    const int64_t size = blockSamples(m_shape);
    const int64_t blocks = (m_data.samples + size - 1) / size;
    inHalves(macsPerSample(m_shape) * static_cast<double>(m_data.samples), [&](int half) {
        std::vector<int64_t> samples;
        Matrix columns;
        Matrix z;
        for (int64_t block = half; block < blocks; block += 2) {
            const int64_t begin = block * size;
            samples.resize(static_cast<size_t>(std::min(size, m_data.samples - begin)));
            std::iota(samples.begin(), samples.end(), begin);
            m_shape.gatherPatches(m_data.inputs.data(), samples, columns);
            m_shape.forward(columns, wq, m_b, z);
            for (int64_t r = (stride - (begin * rows) % stride) % stride; r < z.rows(); r += stride) {
                const int64_t global = begin * rows + r;
                zs.row(global / stride) = z.row(r);
                ts.row(global / stride) = m_data.targets.row(global);
            }
        }
    });

    // 31 scales tried, each a pass of a few operations over a neuron's kept values.
    constexpr double kSearchCostPerValue = 31.0 * 4.0;
    std::vector<float> scales(static_cast<size_t>(m), 1.0f);
    inHalves(kSearchCostPerValue * static_cast<double>(kept * m), [&](int half) {
        Eigen::ArrayXf zj;
        Eigen::ArrayXf tj;
        Eigen::ArrayXf y;
        for (int64_t j = half; j < m; j += 2) {
            zj = zs.col(j);
            tj = ts.col(j);
            const auto error = [&](float s) {
                y = s * zj;
                applyNeuron(m_neuron, y.data(), y.size());
                m_output.apply(y.data(), y.size());
                return (y - tj).cast<double>().square().sum();
            };
            // A geometric grid over [1/2, 2] (steps of 2^(1/8)), then eight times finer around
            // its best; s = 1 competes, so a neuron is only rescaled when that helps.
            float& best = scales[static_cast<size_t>(j)];
            double bestError = error(1.0f);
            const auto tryScale = [&](float s) {
                const double e = error(s);
                if (e < bestError) {
                    bestError = e;
                    best = s;
                }
            };
            for (int e = -8; e <= 8; ++e)
                if (e != 0)
                    tryScale(std::exp2(static_cast<float>(e) / 8.0f));
            const float coarse = best;
            for (int d = -7; d <= 7; ++d)
                if (d != 0)
                    tryScale(coarse * std::exp2(static_cast<float>(d) / 64.0f));
        }
    });
    for (int64_t j = 0; j < m; ++j) {
        m_w.row(j) *= scales[static_cast<size_t>(j)];
        m_b[j] *= scales[static_cast<size_t>(j)];
    }
    return {};
}

std::string LayerTuner::stage(int phase, int epoch) const
{
    std::string s = "tuning " + m_layer.name + " phase " + std::to_string(phase);
    if (phase != 2)
        s += " epoch " + std::to_string(epoch + 1) + "/" + std::to_string(m_options.epochs);
    return s;
}

} // namespace nnb::tune::detail
