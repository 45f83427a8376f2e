// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/approx/approximator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "initial_guess.h"
#include "refiner.h"
#include "segment_model.h"
#include "training_set.h"

namespace nnb::approx {
namespace {

using detail::TrainingSet;

Expected<void> validate(const ApproximatorOptions& o)
{
    if (o.width < 1 || o.width > kMaxApproximatorWidth)
        return makeError(Errc::InvalidArgument, "approximator width must be in [1, " +
                                                    std::to_string(kMaxApproximatorWidth) + "], not " +
                                                    std::to_string(o.width));
    if (!std::isfinite(o.lo) || !std::isfinite(o.hi) || !(o.lo < o.hi))
        return makeError(Errc::InvalidArgument, "approximator range [" + std::to_string(o.lo) + ", " +
                                                    std::to_string(o.hi) + "] must be finite and non-empty");
    if (!std::isfinite(o.hi - o.lo))
        return makeError(Errc::InvalidArgument, "approximator range is too wide");
    if (o.samples < kMinApproximatorSamples || o.samples > kMaxApproximatorSamples)
        return makeError(Errc::InvalidArgument, "approximator training samples must be in [" +
                                                    std::to_string(kMinApproximatorSamples) + ", " +
                                                    std::to_string(kMaxApproximatorSamples) + "], not " +
                                                    std::to_string(o.samples));
    if (o.iterations < 0)
        return makeError(Errc::InvalidArgument,
                         "approximator iterations must not be negative, not " + std::to_string(o.iterations));
    if (o.neuron != HiddenNeuron::Relu && o.neuron != HiddenNeuron::Ramp)
        return makeError(Errc::InvalidArgument, "unknown hidden neuron kind");
    return {};
}

/// Counts Levenberg–Marquardt iterations against the training budget, reports progress and
/// polls for cancellation once per iteration.
class Budget {
public:
    Budget(int total, const RunContext& ctx)
        : m_total(total)
        , m_reportEvery(std::max(1, total / 20))
        , m_ctx(ctx)
    {
    }
    int remaining() const { return m_total - m_used; }
    int used() const { return m_used; }

    /// Takes one iteration. \returns Errc::Cancelled if the caller cancelled.
    Expected<void> take()
    {
        if (m_ctx.cancelled())
            return makeError(Errc::Cancelled, "approximator fit cancelled");
        if (m_used % m_reportEvery == 0)
            m_ctx.report(50 + 900 * m_used / std::max(m_total, 1), "fitting approximator: iteration " +
                                                                       std::to_string(m_used) + "/" +
                                                                       std::to_string(m_total));
        ++m_used;
        return {};
    }

private:
    int m_total;
    int m_used = 0;
    int m_reportEvery;
    const RunContext& m_ctx;
};

/// Refines one start within \p cap iterations: least squares until it converges (at most a third
/// of the cap), with dead units re-inserted, then the L^p continuation p = 4, 8, ..., 1024 towards
/// the minimax fit that maxAbsError measures (stepPower). Each stage ends when it stops improving
/// the max error noticeably; its unused share goes to the later stages.
Expected<void> polish(detail::Refiner& r, Budget& budget, int cap)
{
    constexpr int kPowers[] = {4, 8, 16, 32, 64, 128, 256, 512, 1024};
    constexpr int kStages = static_cast<int>(std::size(kPowers));
    constexpr double kStageTolerance = 1e-4; // relative improvement of the max error per iteration
    const int end = budget.used() + std::min(cap, budget.remaining());

    const int lsEnd = budget.used() + (end - budget.used()) / 3;
    int sinceRevive = 0;
    while (budget.used() < lsEnd) {
        NNB_RETURN_IF_ERROR(budget.take());
        if (!r.step() && r.reviveDeadUnits() == 0)
            break;
        if (++sinceRevive == 10) {
            sinceRevive = 0;
            r.reviveDeadUnits();
        }
    }
    for (int stage = 0; stage < kStages; ++stage) {
        const int stageEnd = budget.used() + (end - budget.used()) / (kStages - stage);
        r.resetDamping();
        while (budget.used() < stageEnd) {
            NNB_RETURN_IF_ERROR(budget.take());
            const bool ok = r.stepPower(kPowers[stage]);
            // Σ|r_i|^p ≈ k·max^p, so a relative decrease d of it is ≈ d/p of the max error.
            if (!ok || r.lastRelativeDecrease() < kPowers[stage] * kStageTolerance)
                break;
        }
    }
    return {};
}

/// Spends the training budget (Levenberg–Marquardt iterations) on the initial guesses:
/// 1. exploration: every guess gets a few least-squares iterations (guesses that look alike with
///    only their output layer solved often differ after refinement);
/// 2. the guesses, best least-squares error first, are polished one after another while the
///    budget lasts (each may take half of what is left; most converge well before).
/// \returns the parameters with the smallest maximum sample error seen.
Expected<Eigen::VectorXd> refine(TrainingSet& data, HiddenNeuron neuron, int width,
                                 std::vector<Eigen::VectorXd> guesses, int iterations, const RunContext& ctx)
{
    constexpr int kMinPolish = 20; // iterations worth starting another polish with
    Budget budget(iterations, ctx);
    const double exactTolerance = 1e-10 * data.scale();
    const int guessCount = static_cast<int>(guesses.size());
    const int explore = std::min(10, iterations / (4 * guessCount));

    struct Start {
        Eigen::VectorXd theta;
        double sse;
    };
    std::vector<Start> starts;
    for (Eigen::VectorXd& guess : guesses) {
        detail::Refiner r(data, neuron, width, std::move(guess));
        // A piecewise-linear target whose kinks were found exactly is represented exactly: stop
        // before any step can slide a kink within a gap between samples.
        if (r.maxAbsError() <= exactTolerance)
            return r.parameters();
        for (int k = 0; k < explore; ++k) {
            NNB_RETURN_IF_ERROR(budget.take());
            if (!r.step())
                break;
        }
        if (r.maxAbsError() <= exactTolerance)
            return r.parameters();
        if (std::isfinite(r.weightedSse()))
            starts.push_back({r.parameters(), r.weightedSse()});
    }
    if (starts.empty())
        return makeError(Errc::Internal, "approximator initialisation produced no finite guess");
    std::stable_sort(starts.begin(), starts.end(), [](const Start& x, const Start& y) { return x.sse < y.sse; });

    Eigen::VectorXd best;
    double bestMax = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < starts.size(); ++k) {
        if (k > 0 && budget.remaining() < kMinPolish)
            break;
        data.setUniformWeights(); // the previous polish reweighted the samples
        detail::Refiner r(data, neuron, width, std::move(starts[k].theta));
        NNB_RETURN_IF_ERROR(polish(r, budget, std::max(budget.remaining() / 2, kMinPolish)));
        if (r.bestMaxAbsError() < bestMax) {
            bestMax = r.bestMaxAbsError();
            best = r.bestParameters();
        }
    }
    return best;
}

} // namespace

const char* toString(HiddenNeuron neuron)
{
    switch (neuron) {
    case HiddenNeuron::Relu: return "relu";
    case HiddenNeuron::Ramp: return "ramp";
    }
    return "unknown";
}

double applyHiddenNeuron(HiddenNeuron neuron, double z)
{
    return neuron == HiddenNeuron::Ramp ? std::clamp(z, 0.0, 1.0) : std::max(z, 0.0);
}

double Approximator::evaluate(double x) const
{
    double y = outBias;
    for (size_t j = 0; j < outWeight.size(); ++j)
        y += outWeight[j] * applyHiddenNeuron(neuron, inWeight[j] * x + inBias[j]);
    return y;
}

void measureError(Approximator& approximator, const TargetFunction& target)
{
    double maxAbs = 0.0, sumSq = 0.0;
    const double span = approximator.hi - approximator.lo;
    for (int k = 0; k < kErrorGridPoints; ++k) {
        const double x = k + 1 == kErrorGridPoints
            ? approximator.hi
            : approximator.lo + span * static_cast<double>(k) / (kErrorGridPoints - 1);
        const double e = approximator.evaluate(x) - target(x);
        maxAbs = std::max(maxAbs, std::abs(e));
        sumSq += e * e;
    }
    approximator.maxAbsError = maxAbs;
    approximator.rmsError = std::sqrt(sumSq / kErrorGridPoints);
}

Expected<Approximator> fitApproximator(const TargetFunction& target, const ApproximatorOptions& options,
                                       const RunContext& ctx)
{
    NNB_RETURN_IF_ERROR(validate(options));
    if (!target)
        return makeError(Errc::InvalidArgument, "approximator target function is empty");
    ctx.report(0, "fitting approximator: sampling the target");
    NNB_TRY(TrainingSet data, TrainingSet::create(target, options.lo, options.hi, options.samples));
    if (ctx.cancelled())
        return makeError(Errc::Cancelled, "approximator fit cancelled");

    NNB_TRY(const Eigen::VectorXd theta,
            refine(data, options.neuron, options.width,
                   detail::initialGuesses(data, options.neuron, options.width, options.seed), options.iterations, ctx));

    // Back from u = (x − mid) / half to x: a·u + b = (a / half)·x + (b − a·mid / half).
    const detail::ParameterLayout layout{options.width};
    Approximator out;
    out.neuron = options.neuron;
    out.lo = options.lo;
    out.hi = options.hi;
    for (int j = 0; j < options.width; ++j) {
        double a = theta[layout.a(j)], b = theta[layout.b(j)], w = theta[layout.w(j)];
        if (options.neuron == HiddenNeuron::Relu) {
            // relu(s·z)·w/s = relu(z)·w for s > 0: scale so the unit peaks at exactly 1 on the
            // range (at u = ±1), the output range of a saturating ReLU normalised to [0, 1].
            const double peak = std::max({a + b, b - a, 0.0});
            if (peak > 0.0) {
                a /= peak;
                b /= peak;
                w *= peak;
            }
        }
        out.inWeight.push_back(a / data.half());
        out.inBias.push_back(b - a * data.mid() / data.half());
        out.outWeight.push_back(w);
    }
    out.outBias = theta[layout.c()];
    measureError(out, target);
    ctx.report(1000, "fitting approximator: done");
    return out;
}

} // namespace nnb::approx
