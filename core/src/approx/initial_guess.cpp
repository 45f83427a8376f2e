// SPDX-License-Identifier: GPL-3.0-or-later
#include "initial_guess.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "segment_model.h"

namespace nnb::approx::detail {
namespace {

// Units whose second kink must lie outside [−1, 1] put it here (u), so that they act on the
// whole range as a ReLU (one kink inside) or as a linear function (no kink inside).
constexpr double kOutside = 3.0;
// Random guesses of each kind; the seed only matters through these.
constexpr int kRandomGuesses = 2;

double uniform01(std::mt19937_64& rng)
{
    // 53 random bits; unlike std::uniform_real_distribution this is the same on every platform.
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// Adds breakpoints at the middle of the widest gap of [−1, kinks..., 1] until there are \p count.
std::vector<double> padKinks(std::vector<double> kinks, int count)
{
    std::sort(kinks.begin(), kinks.end());
    while (static_cast<int>(kinks.size()) < count) {
        double bestGap = -1.0, bestMid = 0.0;
        double prev = -1.0;
        for (size_t k = 0; k <= kinks.size(); ++k) {
            const double next = k < kinks.size() ? kinks[k] : 1.0;
            if (next - prev > bestGap) {
                bestGap = next - prev;
                bestMid = 0.5 * (prev + next);
            }
            prev = next;
        }
        kinks.insert(std::upper_bound(kinks.begin(), kinks.end(), bestMid), bestMid);
    }
    return kinks;
}

/// Index of the piece of [−1, t_0, ..., t_{K−1}, 1] over which f varies least: units left of it
/// face left, the others right. A ReLU network without a linear unit has slope 0 on exactly
/// that piece, so it should be where f is flattest.
int pivotPiece(const TrainingSet& data, const std::vector<double>& kinks)
{
    int best = 0;
    double bestVariation = 0.0;
    double prevF = data.interpolate(-1.0);
    for (size_t k = 0; k <= kinks.size(); ++k) {
        const double f = data.interpolate(k < kinks.size() ? kinks[k] : 1.0);
        const double variation = std::abs(f - prevF);
        if (k == 0 || variation < bestVariation) {
            bestVariation = variation;
            best = static_cast<int>(k);
        }
        prevF = f;
    }
    return best;
}

class GuessBuilder {
public:
    GuessBuilder(HiddenNeuron neuron, int width)
        : m_neuron(neuron)
        , m_layout{width}
        , m_theta(Eigen::VectorXd::Zero(m_layout.size()))
    {
    }

    /// A Relu unit with its kink at \p t, active to the right (or left) of it.
    void reluUnit(double t, bool facingRight)
    {
        const double s = facingRight ? 1.0 : -1.0;
        setUnit(s, -s * t);
    }
    /// A Ramp unit rising from 0 at \p p to 1 at \p q.
    void rampUnit(double p, double q)
    {
        q = std::max(q, p + 1e-9);
        const double a = 1.0 / (q - p);
        setUnit(a, -p * a);
    }
    /// A unit whose one kink at \p t is inside the range (a ReLU there, for either neuron).
    void halfUnit(double t, bool facingRight)
    {
        if (m_neuron == HiddenNeuron::Relu)
            reluUnit(t, facingRight);
        else if (facingRight)
            rampUnit(t, kOutside);
        else
            rampUnit(-kOutside, t);
    }
    /// A unit that is linear on the whole range.
    void linearUnit()
    {
        if (m_neuron == HiddenNeuron::Relu)
            reluUnit(-kOutside, /*facingRight=*/true);
        else
            rampUnit(-kOutside, kOutside);
    }

    bool full() const { return m_next == m_layout.width; }
    Eigen::VectorXd take()
    {
        // Units not placed (only when the caller ran out of breakpoints) become linear ones;
        // the output layer gives them weight ~0 when they are redundant.
        while (!full())
            linearUnit();
        m_next = 0;
        Eigen::VectorXd out = m_theta;
        m_theta.setZero();
        return out;
    }

private:
    void setUnit(double a, double b)
    {
        if (full())
            return;
        m_theta[m_layout.a(m_next)] = a;
        m_theta[m_layout.b(m_next)] = b;
        ++m_next;
    }

    HiddenNeuron m_neuron;
    ParameterLayout m_layout;
    Eigen::VectorXd m_theta;
    int m_next = 0;
};

void addPivoted(GuessBuilder& g, const TrainingSet& data, const std::vector<double>& kinks)
{
    const int pivot = pivotPiece(data, kinks);
    for (size_t k = 0; k < kinks.size(); ++k)
        g.halfUnit(kinks[k], /*facingRight=*/static_cast<int>(k) >= pivot);
}

} // namespace

std::optional<std::vector<double>> detectKinks(const TrainingSet& data)
{
    const int n = data.size();
    // Rounding of the grid and of f makes second differences of a linear piece ~1e-15 · |f|.
    const double tol = 1e-11 * data.scale();
    std::vector<double> kinks;
    int i = 1;
    while (i < n - 1) {
        const double d2 = data.f(i - 1) - 2.0 * data.f(i) + data.f(i + 1);
        if (std::abs(d2) <= tol) {
            ++i;
            continue;
        }
        // A cluster of non-zero second differences: one sample (kink on that sample) or two
        // (kink between them). Anything longer is curvature, not a kink.
        const int a = i;
        int b = i;
        while (b + 1 < n - 1 && std::abs(data.f(b) - 2.0 * data.f(b + 1) + data.f(b + 2)) > tol)
            ++b;
        if (b - a > 1)
            return std::nullopt;
        // The piece left of the kink runs through samples a−1, a; the right one through b, b+1.
        const double sl = (data.f(a) - data.f(a - 1)) / (data.u(a) - data.u(a - 1));
        const double sr = (data.f(b + 1) - data.f(b)) / (data.u(b + 1) - data.u(b));
        if (std::abs(sl - sr) <= 1e-9 * (std::abs(sl) + std::abs(sr)))
            return std::nullopt; // a step, not a kink
        const double t = (data.f(b) - data.f(a) + sl * data.u(a) - sr * data.u(b)) / (sl - sr);
        if (!(t >= data.u(a - 1) && t <= data.u(b + 1)))
            return std::nullopt;
        kinks.push_back(t);
        i = b + 1;
    }
    return kinks;
}

CurvatureDensity::CurvatureDensity(const TrainingSet& data)
    : m_data(data)
{
    const int n = data.size();
    std::vector<double> rho(static_cast<size_t>(n), 0.0);
    double maxRho = 0.0;
    for (int i = 1; i < n - 1; ++i) {
        rho[static_cast<size_t>(i)] = std::sqrt(std::abs(data.f(i - 1) - 2.0 * data.f(i) + data.f(i + 1)));
        maxRho = std::max(maxRho, rho[static_cast<size_t>(i)]);
    }
    rho.front() = rho[1];
    rho.back() = rho[static_cast<size_t>(n - 2)];
    // A small floor spreads breakpoints over flat stretches too (and makes a linear target's
    // density uniform) instead of leaving the inverse CDF undefined there.
    const double floor = maxRho > 0.0 ? 1e-3 * maxRho : 1.0;
    m_cumulative.assign(static_cast<size_t>(n), 0.0);
    for (int i = 1; i < n; ++i) {
        const auto k = static_cast<size_t>(i);
        m_cumulative[k] = m_cumulative[k - 1] + 0.5 * (rho[k - 1] + rho[k]) + floor;
    }
    const double total = m_cumulative.back();
    for (double& c : m_cumulative)
        c /= total;
}

double CurvatureDensity::quantile(double q) const
{
    q = std::clamp(q, 0.0, 1.0);
    const auto it = std::lower_bound(m_cumulative.begin(), m_cumulative.end(), q);
    if (it == m_cumulative.begin())
        return -1.0;
    if (it == m_cumulative.end())
        return 1.0;
    const auto i = static_cast<int>(it - m_cumulative.begin());
    const double c0 = m_cumulative[static_cast<size_t>(i - 1)], c1 = *it;
    const double s = c1 > c0 ? (q - c0) / (c1 - c0) : 0.5;
    return m_data.u(i - 1) + s * (m_data.u(i) - m_data.u(i - 1));
}

std::vector<Eigen::VectorXd> initialGuesses(const TrainingSet& data, HiddenNeuron neuron, int width,
                                            std::uint64_t seed)
{
    const std::optional<std::vector<double>> exact = detectKinks(data);
    const CurvatureDensity density(data);
    // `count` breakpoints: the target's own kinks when it is piecewise linear with few enough,
    // otherwise equidistributed curvature (count + 1 pieces of equal density).
    auto breakpoints = [&](int count) {
        if (exact && static_cast<int>(exact->size()) <= count)
            return padKinks(*exact, count);
        std::vector<double> kinks;
        for (int k = 1; k <= count; ++k)
            kinks.push_back(density.quantile(static_cast<double>(k) / (count + 1)));
        return kinks;
    };
    std::mt19937_64 rng(seed);
    auto randomBreakpoints = [&](int count) {
        std::vector<double> kinks;
        for (int k = 0; k < count; ++k)
            kinks.push_back(density.quantile(uniform01(rng)));
        std::sort(kinks.begin(), kinks.end());
        return kinks;
    };

    std::vector<Eigen::VectorXd> guesses;
    GuessBuilder g(neuron, width);
    // 1. One kink per unit, facing away from the flattest piece (a Ramp unit then saturates
    //    outside the range and acts as a ReLU).
    addPivoted(g, data, breakpoints(width));
    guesses.push_back(g.take());
    // 2. One linear unit plus width − 1 kinks facing right: any continuous piecewise-linear
    //    function with those kinks is then exactly representable.
    if (width >= 2) {
        g.linearUnit();
        for (double t : breakpoints(width - 1))
            g.halfUnit(t, /*facingRight=*/true);
        guesses.push_back(g.take());
    }
    if (neuron == HiddenNeuron::Ramp) {
        // A Ramp unit has two kinks. 3. Nested pairs (t_k, t_{2W−1−k}): the units' rising
        //    stretches are concentric, which suits S-shaped targets with flat tails (sigmoid,
        //    tanh, clip). 4. Staggered pairs (t_k, t_{k+W}): overlapping stretches of equal
        //    breakpoint count, for targets whose slope does not return to zero.
        const std::vector<double> kinks = breakpoints(2 * width);
        for (int k = 0; k < width; ++k)
            g.rampUnit(kinks[static_cast<size_t>(k)], kinks[static_cast<size_t>(2 * width - 1 - k)]);
        guesses.push_back(g.take());
        for (int k = 0; k < width; ++k)
            g.rampUnit(kinks[static_cast<size_t>(k)], kinks[static_cast<size_t>(k + width)]);
        guesses.push_back(g.take());
        // 5. Random nested pairs drawn from the density.
        for (int repeat = 0; repeat < kRandomGuesses; ++repeat) {
            const std::vector<double> random = randomBreakpoints(2 * width);
            for (int k = 0; k < width; ++k)
                g.rampUnit(random[static_cast<size_t>(k)], random[static_cast<size_t>(2 * width - 1 - k)]);
            guesses.push_back(g.take());
        }
    }
    // 6. Random pivoted kinks drawn from the density.
    for (int repeat = 0; repeat < kRandomGuesses; ++repeat) {
        addPivoted(g, data, randomBreakpoints(width));
        guesses.push_back(g.take());
    }
    return guesses;
}

} // namespace nnb::approx::detail
