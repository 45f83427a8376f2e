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
    /// (it works in floating point), but it scales every unit so that its activation peaks at
    /// exactly 1 on [lo, hi] (the output weight compensates): with the output range normalised
    /// to [0, 1], no unit saturates on the fitted range. Value-range tuning rescales later.
    Relu,
    /// clamp(z, 0, 1): the firing-rate model Y = clamp((W·X + L)/T, 0, 1) of a leaky
    /// integrate-and-fire neuron (TianJi SNN mode), with the threshold T folded into the
    /// weights (inWeight = W/T, inBias = L/T); any T > 0 realises it with W = inWeight·T and
    /// L = inBias·T, since the rate model is invariant to a common scale of W, L and T.
    Ramp,
};

/// \returns "relu" or "ramp".
const char* toString(HiddenNeuron neuron);

/// \returns the hidden neuron function \p neuron applied to the pre-activation \p z.
double applyHiddenNeuron(HiddenNeuron neuron, double z);

/// Widest approximator fitApproximator accepts: wider than any crossbar's column count, and the
/// refinement's cost grows as width³.
inline constexpr int kMaxApproximatorWidth = 1024;
/// Fewest and most training samples fitApproximator accepts.
inline constexpr int kMinApproximatorSamples = 16;
inline constexpr int kMaxApproximatorSamples = 1 << 24;

/// Options of fitApproximator. The fit approximates the target on [lo, hi] only: that is the
/// range of the op's input observed with calibration data, and outside it the approximator
/// extrapolates linearly (Relu) or saturates (Ramp).
struct ApproximatorOptions {
    int width = 16;         ///< hidden units, 1..kMaxApproximatorWidth; each costs a neuron (crossbar column)
    double lo = -8.0;       ///< lower end of the input range (finite, < hi)
    double hi = 8.0;        ///< upper end of the input range (finite, > lo)
    HiddenNeuron neuron = HiddenNeuron::Relu;
    int samples = 2048;     ///< training points, evenly spaced over [lo, hi] (both ends included)
    int iterations = 300;   ///< training budget: Levenberg–Marquardt iterations (>= 0; 0 = initial guess only)
    std::uint64_t seed = 1; ///< seeds the random initial guesses that compete with the deterministic ones
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
/// Method (the network is a continuous piecewise-linear function, so this is free-knot
/// piecewise-linear approximation with the kinks tied to units):
/// 1. Initial guesses: hidden-unit kinks at quantiles of |f''|^{1/2} (the asymptotically optimal
///    knot density for the max norm) or, when the target is itself piecewise linear (leaky ReLU,
///    clip, hard sigmoid), at its kinks located exactly; they are assigned to units in several
///    ways (one-sided ReLU-like units, a linear unit plus kinks, nested or staggered Ramp
///    pairs), and a few more are drawn at random from the density (seeded by options.seed).
///    Each guess gets its output layer by linear least squares; a guess that is already exact
///    is returned as it is (piecewise-linear targets with enough units: leaky ReLU with 2 Relu
///    or 2 Ramp units, clip with 2 Relu units or 1 Ramp unit).
/// 2. Refinement within options.iterations Levenberg–Marquardt iterations over all parameters:
///    a few least-squares iterations per guess, then the guesses, best first, are refined while
///    the budget lasts: least squares, then Gauss–Newton on Σ|r_i|^p with p doubling from 4 to
///    1024, which approaches the minimax (max-abs-error) fit. The residuals at the network's
///    kinks, which lie between samples, count as samples too, since the error of a
///    piecewise-linear fit peaks at its kinks.
/// 3. The result is the iterate with the smallest maximum error on the samples and kinks.
/// Deterministic: the same target, options and seed give a bit-identical result (with the same
/// build). The cost depends on options.samples only through O(samples) work per iteration
/// (sums over samples come from prefix sums); a width-32 fit takes a few tens of milliseconds.
///
/// Reports progress through \p ctx and polls its cancellation flag every iteration.
/// \returns the approximator; Errc::InvalidArgument for unusable options (width outside
/// [1, kMaxApproximatorWidth], a non-finite or empty range, samples outside
/// [kMinApproximatorSamples, kMaxApproximatorSamples], iterations < 0), an empty target or a
/// target that is not finite on a sample; Errc::Cancelled when \p ctx cancelled.
[[nodiscard]] Expected<Approximator> fitApproximator(const TargetFunction& target, const ApproximatorOptions& options,
                                                     const RunContext& ctx = {});

/// Measures the error of \p approximator against \p target on kErrorGridPoints evenly spaced
/// points of [approximator.lo, approximator.hi] and stores it in maxAbsError and rmsError.
void measureError(Approximator& approximator, const TargetFunction& target);

} // namespace nnb::approx
