// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "nnb/compile.h"
#include "nnb/data/dataset.h"
#include "nnb/ir/tensor.h"
#include "nnb/strategy/strategy.h"
#include "nnb/support/expected.h"

#include <nlohmann/json.hpp>

namespace nnb::cli {

/// Options of the spiking path of `nnbridge compile --snn`.
struct SnnReportOptions {
    int ticks = 0;                    ///< simulated ticks (0: the profile's ticks per inference)
    int64_t images = 0;               ///< test images simulated (0: all)
    double occupiedFraction = 0.25;   ///< tiles already taken in the run-time admission example
    int threads = 0;
    /// The tuning's activation scales (snn::tuningActivationScales) when the network was tuned.
    std::map<std::string, double> activationScales;
};

/// The spiking path after a compile for an integrate-and-fire profile: ANN->SNN conversion
/// (normalised on \p calibration), the spiking simulation on \p test with accuracy against
/// ticks and rate-model agreement per layer, the neuron graph weighted by the measured spikes,
/// crossbar clustering with the validator and the lower bound (both packing strategies), the
/// clusters' synchronous dataflow graph and its guaranteed throughput, and run-time admission
/// onto a partly occupied mesh against the design-time placement. Prints tables to stdout and
/// \returns the same figures as JSON (the compile report's "snn" object); InvalidArgument when
/// the profile does not spike; the stages' own errors otherwise.
[[nodiscard]] Expected<nlohmann::json> runSnnReport(const CompileResult& result, const strategy::Strategy& strategy,
                                          const ir::Tensor& calibration, const data::Dataset& test,
                                          const SnnReportOptions& options);

} // namespace nnb::cli
