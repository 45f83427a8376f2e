// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "nnb/approx/approximator.h"
#include "training_set.h"

namespace nnb::approx::detail {

/// \returns the kinks (in u) of a target that is piecewise linear on the samples (leaky ReLU,
/// clip, hard sigmoid, ...), located exactly as intersections of the neighbouring linear pieces;
/// an empty list for a linear target; nullopt when the target is not piecewise linear (its
/// second differences are not confined to isolated one- or two-sample clusters).
std::optional<std::vector<double>> detectKinks(const TrainingSet& data);

/// The knot density |f''|^{1/2}: the asymptotically optimal density of breakpoints for a
/// piecewise-linear approximation in the max norm (equidistributing it equalises the local
/// error h²·|f''|/16 over the pieces). Estimated from second differences of the samples.
class CurvatureDensity {
public:
    explicit CurvatureDensity(const TrainingSet& data);
    /// \returns the u below which a fraction \p q ∈ [0, 1] of the density lies.
    double quantile(double q) const;

private:
    const TrainingSet& m_data;
    std::vector<double> m_cumulative; // per sample, normalised to end at 1
};

/// Competing initial parameter vectors (layout of ParameterLayout; output layers still zero)
/// for a width-\p width approximator with \p neuron units: breakpoints at exact kinks or at
/// equidistributed curvature, assigned to units in several ways (see initial_guess.cpp), plus
/// guesses drawn from the density with an RNG seeded by \p seed (2 for Relu, 4 for Ramp).
std::vector<Eigen::VectorXd> initialGuesses(const TrainingSet& data, HiddenNeuron neuron, int width,
                                            std::uint64_t seed);

} // namespace nnb::approx::detail
