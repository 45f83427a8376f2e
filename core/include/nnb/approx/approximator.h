// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "nnb/approx/targets.h"
#include "nnb/support/expected.h"
#include "nnb/support/run_context.h"

/// MLP "universal approximators" (Ji et al., ASPLOS 2018, §"graph reform"): a function the
/// hardware lacks (sigmoid, tanh, leaky ReLU, clip, ...) is replaced by a 1 → width → 1 network
/// whose hidden units are the hardware's own neurons. See docs/domain.md §1–2.
namespace nnb::approx {

/// The function of one hidden unit, i.e. the hardware neuron the approximator is built from.
enum class HiddenNeuron {
    /// max(z, 0). A saturating ReLU core saturates at its output range; the fit ignores that
    /// (it works in floating point), and the compiler's value-range tuning rescales later.
    Relu,
    /// clamp(z, 0, 1): the firing-rate model Y = clamp((W·X + L)/T, 0, 1) of a leaky
    /// integrate-and-fire neuron (TianJi SNN mode), with the threshold T folded into the
    /// weights (inWeight = W/T, inBias = L/T).
    Ramp,
};

/// \returns "relu" or "ramp".
const char* toString(HiddenNeuron neuron);

/// \returns the hidden neuron function \p neuron applied to the pre-activation \p z.
double applyHiddenNeuron(HiddenNeuron neuron, double z);

/// Options of fitApproximator. The fit approximates the target on [lo, hi] only: that is the
/// range of the op's input observed with calibration data, and outside it the approximator
/// extrapolates linearly (Relu) or saturates (Ramp).
struct ApproximatorOptions {
    int width = 16;        ///< hidden units (>= 1); each one costs a neuron (crossbar column)
    double lo = -8.0;      ///< lower end of the input range (finite, < hi)
    double hi = 8.0;       ///< upper end of the input range (finite, > lo)
    HiddenNeuron neuron = HiddenNeuron::Relu;
    int samples = 2048;    ///< training points, evenly spaced over [lo, hi] (>= 16)
    int iterations = 300;  ///< training budget: Levenberg–Marquardt iterations (>= 0; 0 = initialisation only)
    std::uint64_t seed = 1; ///< seeds the randomised initial guesses that compete with the deterministic ones
};

/// A trained 1 → width → 1 approximator:
///
///     y(x) = outBias + Σ_j outWeight[j] · neuron(inWeight[j] · x + inBias[j])
///
/// The hidden layer is one core-op of `width` hardware neurons with one input each. The output
/// layer is linear: the compiler folds outWeight/outBias into the weights and bias of whatever
/// consumes y (the consumer's W·y + b becomes W·outWeight·h + W·outBias + b, again one core-op),
/// or, when y must exist as a signal of its own and its range allows (e.g. sigmoid's [0, 1] for a
/// Ramp neuron), realises it with one more hardware neuron. A value type; all vectors have
/// `width` entries.
struct Approximator {
    HiddenNeuron neuron = HiddenNeuron::Relu;
    std::vector<double> inWeight;
    std::vector<double> inBias;
    std::vector<double> outWeight;
    double outBias = 0.0;
    double lo = 0.0; ///< the fitted input range
    double hi = 0.0;
    /// max |y(x) − f(x)| over 10,001 evenly spaced points of [lo, hi] (both ends included). This
    /// grid is denser than, and different from, the training samples.
    double maxAbsError = 0.0;
    /// Root-mean-square error over the same 10,001 points.
    double rmsError = 0.0;

    /// \returns the number of hidden units.
    int width() const { return static_cast<int>(outWeight.size()); }

    /// \returns y(\p x). Defined for every x; outside [lo, hi] it is an extrapolation.
    double evaluate(double x) const;
};

/// Number of points of the dense grid on which Approximator::maxAbsError and rmsError are measured.
inline constexpr int kErrorGridPoints = 10001;

/// Fits an approximator of \p target on [options.lo, options.hi].
///
/// Method: hidden-unit kinks are initialised by equidistributing |f''|^{1/2} (the knot density of
/// the best piecewise-linear approximation in max-norm) or, when the target is itself piecewise
/// linear, at its exact kinks; several ways of assigning kinks to units compete, each with its
/// output layer solved by linear least squares. The best one is refined by at most
/// options.iterations Levenberg–Marquardt iterations on the training samples, first in least
/// squares, then with iteratively reweighted (L^p, p rising) residuals that push the fit towards
/// the minimax one; the output layer is re-solved exactly after every accepted step. The result
/// is the iterate with the smallest maximum training error. Deterministic: the same target,
/// options and seed give a bit-identical result.
///
/// Reports progress through \p ctx and polls its cancellation flag every iteration.
/// \returns the approximator, or Errc::InvalidArgument for unusable options (width < 1,
/// non-finite or empty range, samples < 16, iterations < 0) or a target that is not finite on a
/// sample, or Errc::Cancelled.
[[nodiscard]] Expected<Approximator> fitApproximator(const TargetFunction& target, const ApproximatorOptions& options,
                                                     const RunContext& ctx = {});

/// Measures the error of \p approximator against \p target on kErrorGridPoints evenly spaced
/// points of [approximator.lo, approximator.hi] and stores it in maxAbsError and rmsError.
void measureError(Approximator& approximator, const TargetFunction& target);

} // namespace nnb::approx
