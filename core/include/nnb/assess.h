// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What a transformation costs in accuracy: the compiled network run stage by stage (float
// core-ops, quantised signals, quantised weights, the bit-accurate crossbar simulation, device
// Monte Carlo) on labelled test images, with the error at every layer of the original network.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/eval/layer_error.h"
#include "nnb/sim/crossbar.h"
#include "nnb/sim/network.h"
#include "nnb/support/diagnostics.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"
#include "nnb/tune/tuner.h"

namespace nnb {

/// Options of assess().
struct AssessOptions {
    int64_t testImages = 0;   ///< test images evaluated (0: all)
    int64_t layerImages = 256; ///< test images the per-layer errors are measured on
    int monteCarloRuns = 0;   ///< device-variation runs of the bit-accurate simulation (0: none)
    uint64_t seed = 1;        ///< first Monte Carlo seed; run r uses seed + r
    int threads = 0;          ///< 0: hardware concurrency
};

/// One stage of the transformation, measured.
struct StageReport {
    std::string stage; ///< "float", "reform", "io-quant", "weight-quant", "bit-accurate", "tuned"
    std::string description;
    double accuracyPercent = 0.0;
    int64_t correct = 0;
    int64_t total = 0;
    int64_t agreeing = 0; ///< predictions equal to the float network's
    double seconds = 0.0; ///< inference time over the test images
    std::vector<eval::LayerError> layers;
};

/// Spread of the bit-accurate accuracy over device-variation runs.
struct MonteCarloReport {
    std::vector<double> accuracyPercent; ///< per run
    double mean = 0.0;
    double stddev = 0.0; ///< sample standard deviation (0 for one run)
    double min = 0.0;
    double max = 0.0;
    double sigma = 0.0, stuckAtZero = 0.0, stuckAtMax = 0.0; ///< the device model used
};

/// Per core-op quantisation figures for the report.
struct CoreOpQuantSummary {
    std::string name;
    std::string layer;
    int inputBits = 0;
    float inputScale = 0.0f;
    int32_t inputZeroPoint = 0;
    int outputBits = 0; ///< 0: a partial sum
    double adcStep = 1.0;
    double weightMse = 0.0;
};

struct Assessment {
    std::vector<StageReport> stages; ///< in order; stage "float" first
    std::optional<MonteCarloReport> monteCarlo;
    std::vector<CoreOpQuantSummary> coreOps;
    sim::AdcStats adc; ///< of the ideal bit-accurate run
    std::string adcMode; ///< "clip" (the simulator's ADC saturates), with the step policy
    int64_t tiles = 0;
    Diagnostics diagnostics;
    double seconds = 0.0;
    double quantizeSeconds = 0.0; ///< calibrating and quantising the final network (part of the transformation)
    int64_t layerImages = 0;      ///< test images the per-layer errors were measured on

    /// \returns the stage called \p name, or nullptr.
    const StageReport* stage(const std::string& name) const;
};

/// The quantiser options a strategy asks for.
sim::QuantizeOptions quantizeOptionsFor(const strategy::Strategy& strategy);

/// The hardware semantics layer-wise tuning emulates for \p profile and \p strategy (the same
/// weight scheme, bits and signal calibration quantizeNetwork() applies).
tune::HardwareQuant hardwareQuantFor(const hw::Profile& profile, const strategy::Strategy& strategy);

/// A tuned network, compiled again.
struct TunedCompile {
    CompileResult compiled;   ///< the tuned network compiled with the same profile, strategy and options
    tune::TuneResult tuning;
};

/// Fine-tunes \p compiled's original network (tune::tuneNetwork: layer-wise phases, then an
/// end-to-end pass on \p labels when the strategy asks for one and labels are given) on
/// \p images, and compiles the tuned network with \p options.
[[nodiscard]] Expected<TunedCompile> tuneAndRecompile(const CompileResult& compiled, const ir::Tensor& images,
                                                      const std::vector<uint8_t>* labels, const CompileOptions& options,
                                                      const RunContext& ctx = {});

/// Runs \p compiled (and, when given, \p tuned: the compile of the tuned network, quantised with
/// the signal quantisers its tuning calibrated) stage by stage on \p test, with signals, weights and ADC steps calibrated on \p calibration (training
/// images, batch first). Progress names the stage; cancellation returns Errc::Cancelled.
[[nodiscard]] Expected<Assessment> assess(const CompileResult& compiled, const data::Dataset& test,
                                          const ir::Tensor& calibration, const AssessOptions& options,
                                          const TunedCompile* tuned = nullptr, const RunContext& ctx = {});

} // namespace nnb
