// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Network-level quantisation of a compiled core-op graph and the bit-accurate simulator that
// runs it (docs/domain.md §6 for one core-op; this file for the whole graph).
//
// Signals. Values joined by routing (Slice, Select, Concat, Flatten, Reshape, Transpose) form
// one signal and share one quantiser, so every crossbar sees one scale per input. A signal is
// quantised where it is produced: after a graph input, a neuron (a CoreOp with a neuron function
// or an Accumulate), a linear CoreOp read out of the chip, or a host op. Its codes are unsigned
// with a zero point (asymmetric), calibrated on the compiled float network's activations; a
// signal read by a crossbar has the profile's input bits, any other the neuron's output bits.
// Partial sums read only by an Accumulate stay exact integers (digital accumulation). The host
// computes in float: a host op's output that no crossbar reads (a final Softmax) is not quantised,
// and MergeCopies decodes re-encoded outputs exactly (a core-op with "copies" = k gets bias
// offsets (i − (k−1)/2)/k of its output step per copy i, so the decoded mean lies on
// SignalQuant::refined(k)).
// A structural CoreOp with integer weights (the ReLU max-tree) keeps its input's quantiser, so
// max pooling stays exact in integers.
//
// Weights. Each CoreOp's weights are quantised per output channel (or as the strategy says);
// the partial core-ops of one Accumulate are quantised together so their sums share a scale.
// Per tensor means per layer: the tiles of one layer (same "layer" attribute and role) are
// quantised as one tensor; per crossbar, each tile (row-split partials jointly) on its own.
// Structural integer weights (identity, ±1) are stored as they are.
//
// Integer semantics of one CoreOp, per output j (what Simulator computes):
//   acc_j  = crossbar result Σ_i q_i·w_ij over the tiles of the core-op (bit slices, bit-serial
//            DAC, ADC with step Δ, shift-and-add; CrossbarTile), rounded to an integer, minus
//            z_in·Σ_i w_ij (the input's zero point, removed digitally), plus the integer bias
//            b_j = round(bias_j / (s_in·s_w,j));
//   partial core-ops hand acc_j to their Accumulate, which adds them as integers;
//   y_j    = s_in·s_w,j·acc_j in double, then the neuron function (relu or ramp);
//   code_j = clamp(round(y_j / s_out) + z_out, 0, qmax): a per-neuron requantiser with a
//            53-bit multiplier; qmax = 2^bits − 1, or on a spiking profile the ticks per
//            inference T (a signal is its spike count 0..T, hw::Profile::rateCodeMax).
// The ADC step Δ is an integer (so acc is exact): one full-scale step for all arrays (rounded
// up, Clip mode), or per array, input cycle and column (per array and cycle without
// QuantizeOptions::adcPerColumn) a power of two (Scale mode) fitted to the largest read the
// weights allow there or, by default, to a percentile of the reads the calibration images
// produce there.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnb/exec/executor.h"
#include "nnb/hw/profile.h"
#include "nnb/ir/graph.h"
#include "nnb/quant/calibrate.h"
#include "nnb/quant/signal_quantizer.h"
#include "nnb/quant/weight_quantizer.h"
#include "nnb/sim/crossbar.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

namespace nnb::sim {

/// How the ADC step Δ of each tile is chosen.
enum class AdcRange {
    FullScale,  ///< one Δ = fullScale / 2^adcBits (the crossbar's worst case), rounded up to an integer
    Weights,    ///< per array, input cycle (and column), the power of two that fits the largest read its weights allow (never clips)
    Calibrated, ///< per array, input cycle (and column), the power of two that fits a percentile of the calibration reads
};
const char* toString(AdcRange range);

/// Which parts of the hardware's arithmetic a quantised network applies (the stages of the
/// per-layer error report).
struct QuantizeStages {
    bool io = true;      ///< quantise signals at every crossbar boundary ("signals" is a Qt macro)
    bool weights = true; ///< quantise weights (and biases into the accumulator's units)
};

/// Options of quantizeNetwork(): the strategy's quantisation choices.
struct QuantizeOptions {
    /// Scheme and granularity; bits 0 means the profile's weight bits. ValueSet is chosen for
    /// value-set profiles (TrueNorth) whatever is set here.
    quant::WeightQuantOptions weights;
    /// With weights.granularity PerTensor: false shares one scale over every tile of a layer
    /// (true per-tensor); true gives each crossbar tile its own (the row-split tiles of one
    /// neuron share theirs, so partial sums add as integers).
    bool perCrossbar = false;
    quant::RangeMethod signalRange = quant::RangeMethod::Percentile;
    double percentile = 99.99;
    AdcRange adc = AdcRange::Calibrated;
    /// Calibrated: the percentile of each array's reads in each input cycle (and column) its
    /// range covers (100: the largest).
    double adcPercentile = 100.0;
    /// Weights and Calibrated: one ADC step per array, input cycle and column (true) instead
    /// of per array and cycle (CrossbarConfig::adcPerColumn: assumes a periphery with a
    /// per-column ADC reference and shift). On by default: with PRIME's 6-bit ADC, 8-bit I/O
    /// and 256x256 arrays, per-cycle steps alone leave the shipped MLP 0.46 points below float
    /// on the 10,000 test images (its first layer reads dense pixel bit-planes), per-column
    /// steps 0.01 (LeNet: 0.20 and none).
    bool adcPerColumn = true;
    QuantizeStages stages;
    /// Signal quantisers fixed by the caller (tuning calibrated them), by the name of a value of
    /// the signal; a signed one is used as the unsigned quantiser of the same grid.
    std::map<std::string, quant::SignalQuant> signalOverrides;
};

/// What one CoreOp computes in integers (see the file comment).
struct CoreOpQuant {
    ir::NodeId node = ir::kNoNode;    ///< in QuantizedNetwork::graph
    quant::SignalQuant input;         ///< the crossbar's input codes
    std::optional<quant::SignalQuant> output; ///< absent for partial sums (read by an Accumulate)
    quant::QuantizedWeights weights;  ///< integer form, in the CoreOp's weight layout
    std::vector<int64_t> bias;        ///< per output, in accumulator units (empty: none)
    std::vector<double> accScale;     ///< per output: s_in·s_w,j, the real value of one accumulator unit
    double adcStep = 1.0;             ///< FullScale: Δ of every tile (1 without ADC)
    /// Calibrated: per group, per array and input cycle (array-major), the read the ADC range
    /// covers; with QuantizeOptions::adcPerColumn per array, cycle and column of the group
    /// (colsPerGroup columns, column-minor).
    std::vector<std::vector<int64_t>> readRanges;
    bool structural = false;
};

/// What one Accumulate computes: the sum of its partials' accumulators, then as a CoreOp.
struct AccumulateQuant {
    ir::NodeId node = ir::kNoNode;
    quant::SignalQuant output;
    std::vector<double> accScale; ///< shared by every partial (quantised together)
};

/// A compiled network with every quantiser fixed: a float graph that applies them (Quantize
/// nodes at signal boundaries, dequantised weights: the "fake-quantised" network that the float
/// executor runs) plus the integer parameters the bit-accurate Simulator needs.
struct QuantizedNetwork {
    /// The compiled graph with Quantize nodes; each Quantize output keeps the name of the value
    /// it quantises (the raw value is renamed "<name>.raw"), so layers compare by name.
    std::shared_ptr<const ir::Graph> graph;
    hw::Profile profile;
    QuantizeOptions options;
    std::vector<CoreOpQuant> coreOps;
    std::vector<AccumulateQuant> accumulates;
    /// False when a weight scheme has no integer form (k-means): the float graph still applies
    /// it, but the Simulator refuses the network.
    bool simulatable = true;
    Diagnostics diagnostics;

    /// \returns the CoreOpQuant of node \p id, or nullptr.
    const CoreOpQuant* coreOp(ir::NodeId id) const;
};

/// Quantises \p compiled (the output of nnb::compile) for \p profile: calibrates every signal's
/// range and the ADC steps on \p calibration (one input tensor, batch first) and quantises the
/// weights. \returns InvalidArgument for options the profile cannot hold (a weight code range
/// wider than the crossbar's), with the node named.
[[nodiscard]] Expected<QuantizedNetwork> quantizeNetwork(const ir::Graph& compiled, const hw::Profile& profile,
                                                         const QuantizeOptions& options, const ir::Tensor& calibration,
                                                         const RunContext& ctx = {});

/// Options of the Simulator.
struct SimulatorOptions {
    int threads = 0; ///< batch chunks run in parallel (0: hardware concurrency)
    /// Programming non-idealities; every tile draws its own seed from device->seed.
    std::optional<DeviceModel> device;
    ReadKernel kernel = ReadKernel::Auto;
};

/// The bit-accurate simulator: runs a QuantizedNetwork with crossbar tiles (bit slices,
/// bit-serial DAC, ADC, shift-and-add) and integer accumulation, everything else (routing, host
/// ops, Quantize) as the float executor does. Immutable and thread-safe once built.
class Simulator {
public:
    /// Programs every tile. \returns InvalidArgument when the network is not simulatable or a
    /// core-op does not fit the crossbar (naming it).
    [[nodiscard]] static Expected<Simulator> create(const QuantizedNetwork& network, const SimulatorOptions& options = {});

    /// The executor that runs the simulation (for evaluateClassifier and runAll).
    const exec::Executor& executor() const { return *m_executor; }
    /// ADC activity so far, summed over every run (thread-safe).
    AdcStats adcStats() const;
    /// Crossbar tiles programmed.
    int64_t tiles() const;

private:
    Simulator() = default;
    struct State;
    std::shared_ptr<State> m_state;
    std::shared_ptr<const exec::Executor> m_executor;
};

} // namespace nnb::sim
