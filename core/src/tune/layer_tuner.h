// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to core/src/tune/: the three tuning phases of one trainable layer (ASPLOS'18 §weight
// tuning) against the original network's activations at its output.

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "nnb/tune/tuner.h"
#include "tune/hardware_layer.h"
#include "tune/progress_meter.h"
#include "tune/trainable_layer.h"

namespace nnb::tune::detail {

/// What one layer is tuned on: its input in the transformed network and its targets.
struct LayerData {
    int64_t samples = 0;
    std::vector<float> inputs; ///< [samples, sampleSize], already quantised by Qin
    Matrix targets;            ///< [samples·rowsPerSample, M]: the original activations, row layout
};

/// \returns the work units (see ProgressMeter) that tuning \p layer on \p samples costs.
double tuningUnits(const LayerShape& shape, int64_t samples, const TuneOptions& options);

/// Tunes one layer: phase 1 (float weights), phase 2 (per-neuron scales), phase 3 (shadow
/// weights through quantisation), keeping the best weights in the hardware semantics.
class LayerTuner {
public:
    /// \p layer supplies the geometry and the starting weights; \p output is the layer's Qout.
    /// Every reference must outlive the tuner.
    LayerTuner(const TrainableLayer& layer, const LayerData& data, Neuron neuron, const quant::SignalQuant& output,
               const HardwareQuant& hw, const TuneOptions& options, std::mt19937_64& rng, ProgressMeter& meter);

    /// Runs the enabled phases. \returns Cancelled when the meter says so, or the error of a
    /// weight quantisation.
    [[nodiscard]] Expected<void> run();

    /// The weights to store: the best seen, as float (shadow) values.
    const Matrix& weight() const { return m_best.weight; }
    const Vector& bias() const { return m_best.bias; }
    /// The MSE figures and steps; layer name and quantisers are left to the caller.
    const LayerTuneReport& report() const { return m_report; }

private:
    struct Candidate {
        Matrix weight;
        Vector bias;
        double mse = 0.0;
    };
    /// Buffers of one half of a mini-batch.
    struct Scratch {
        Matrix columns;
        Matrix z;
        Matrix t;  ///< the block's targets
        Matrix dz; ///< dL/dz
        Matrix dw;
        Matrix dwBlock;
        Vector db;
    };
    /// MSE against the targets of Qout(neuron(columnsᵀ·wᵀ + b)) over all samples.
    double evaluate(const Matrix& w, const Vector& b) const;
    /// evaluate() with w quantised as the hardware stores it.
    Expected<double> evaluateHardware(const Matrix& w, const Vector& b) const;
    /// Keeps (w, b) as the best weights if \p mse beats them.
    void offer(const Matrix& w, const Vector& b, double mse);
    /// Into \p s: dL/dW and dL/db of the MSE over \p samples with weights \p w, the squared
    /// errors weighted by \p gain (2 / elements of the whole batch).
    void accumulateGradient(std::span<const int64_t> samples, const Matrix& w, float gain, Scratch& s) const;
    /// Adam epochs on (m_w, m_b). Phase 1: float weights; leaves the last epoch's. Phase 3:
    /// shadow weights seen through the quantiser; offers every epoch and leaves the best.
    Expected<void> train(int phase);
    /// Phase 2: one scale per neuron for its weights and bias, by a search on the quantised output.
    Expected<void> rescaleNeurons();
    /// \returns a stage label for progress reports.
    std::string stage(int phase, int epoch) const;

    const TrainableLayer& m_layer;
    const LayerShape& m_shape;
    const LayerData& m_data;
    Neuron m_neuron;
    FakeQuant m_output;
    const HardwareQuant& m_hw;
    const TuneOptions& m_options;
    std::mt19937_64& m_rng;
    ProgressMeter& m_meter;

    Matrix m_w; ///< current weights [M, K]
    Vector m_b;
    Candidate m_best;
    LayerTuneReport m_report;
};

} // namespace nnb::tune::detail
