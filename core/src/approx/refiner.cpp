// SPDX-License-Identifier: GPL-3.0-or-later
#include "refiner.h"

#include <algorithm>
#include <cmath>

namespace nnb::approx::detail {
namespace {

constexpr double kOutside = 3.0; // u of a kink placed outside the range [−1, 1]

} // namespace

Refiner::Refiner(TrainingSet& data, HiddenNeuron neuron, int width, Eigen::VectorXd theta)
    : m_data(data)
    , m_neuron(neuron)
    , m_model(data, neuron, width)
    , m_theta(std::move(theta))
{
    const int n = m_model.layout().size();
    m_jtj.resize(n, n);
    m_system.resize(n, n);
    m_current = settle(m_theta, /*accurate=*/true);
    m_best = m_theta;
    m_bestMax = m_current.maxAbs;
}

LossValue Refiner::settle(Eigen::VectorXd& theta, bool accurate)
{
    m_model.setParameters(theta);
    m_model.solveOutputLayer(theta, accurate);
    m_model.setParameters(theta);
    return m_model.loss();
}

void Refiner::noteCandidate()
{
    if (m_current.maxAbs < m_bestMax) {
        m_bestMax = m_current.maxAbs;
        m_best = m_theta;
    }
}

bool Refiner::step()
{
    m_model.normalEquations(m_jtj, m_jtr);
    return solveDamped(1.0);
}

bool Refiner::solveDamped(double stepScale, int p, double scale, double before)
{
    const double diagMax = std::max(m_jtj.diagonal().maxCoeff(), 1e-300);
    if (p == 0)
        before = m_current.weightedSse;
    // The Gauss–Newton model of the objective, F(θ + Δ) ≈ F + κ1·gᵀΔ + κ2·ΔᵀHΔ with g = Jᵀωr and
    // H = JᵀωJ, predicts a decrease of −(κ1·gᵀΔ + κ2·ΔᵀHΔ). F = Σω·r² has κ1 = 2, κ2 = 1;
    // F = Σ(|r| / R)^p (weights ω = (|r| / R)^{p−2}) has κ1 = p / R², κ2 = p² / (4R²).
    const double k1 = p > 0 ? p / (scale * scale) : 2.0;
    const double k2 = p > 0 ? 0.25 * p * p / (scale * scale) : 1.0;
    for (int trial = 0; trial < kMaxTrials; ++trial) {
        m_system = m_jtj;
        for (Eigen::Index i = 0; i < m_system.rows(); ++i)
            m_system(i, i) += m_lambda * std::max(m_jtj(i, i), 1e-12 * diagMax);
        m_llt.compute(m_system);
        if (m_llt.info() == Eigen::Success) {
            m_step = -stepScale * m_llt.solve(m_jtr);
            m_candidate = m_theta + m_step;
            m_model.setParameters(m_candidate);
            const LossValue next = p > 0 ? m_model.powerLoss(p, scale) : m_model.loss();
            if (next.weightedSse < before) {
                // Nielsen's damping update from the gain ratio (actual / predicted decrease).
                const double predicted = -(k1 * m_jtr.dot(m_step) + k2 * m_step.dot(m_jtj * m_step));
                const double gain = predicted > 0.0 ? (before - next.weightedSse) / predicted : 1.0;
                m_lambda = std::max(m_lambda * std::max(1.0 / 3.0, 1.0 - std::pow(2.0 * gain - 1.0, 3)), 1e-12);
                m_nu = 2.0;
                m_lastDecrease = 1.0 - next.weightedSse / before;
                m_theta.swap(m_candidate);
                m_current = next; // with p > 0, weightedSse holds the L^p objective
                noteCandidate();
                return true;
            }
        }
        m_lambda = std::min(m_lambda * m_nu, 1e12);
        m_nu = std::min(m_nu * 2.0, 64.0);
    }
    m_model.setParameters(m_theta); // the trials left the model at a rejected candidate
    return false;
}

bool Refiner::stepPower(int p)
{
    // Weights (|r_i| / R)^{p−2} with R the current max error (samples and kinks), which keeps
    // them in [0, 1] for any p; the objective Σ(|r_i| / R)^p is then Σ weight_i·(r_i / R)²
    // plus the kinks' terms.
    const double rMax = m_current.maxAbs;
    if (rMax == 0.0)
        return false;
    m_model.residuals(m_residuals);
    m_weights.resize(m_residuals.size());
    double before = m_model.kinkPowerSum(p, rMax);
    for (size_t i = 0; i < m_residuals.size(); ++i) {
        const double q = m_residuals[i] / rMax;
        m_weights[i] = powerOfSquare(q, p / 2 - 1);
        before += m_weights[i] * q * q;
    }
    m_data.setWeights(m_weights);
    m_model.setParameters(m_theta);
    m_model.normalEquations(m_jtj, m_jtr, p - 2, rMax);
    return solveDamped(2.0 / p, p, rMax, before);
}

int Refiner::reviveDeadUnits()
{
    const ParameterLayout& L = m_model.layout();
    const double negligible = 1e-9 * m_data.scale();
    bool haveLinear = false;
    std::vector<int> dead;
    for (int j = 0; j < L.width; ++j) {
        const double a = m_theta[L.a(j)], b = m_theta[L.b(j)], w = m_theta[L.w(j)];
        const double z0 = b - a, z1 = b + a; // pre-activation at u = −1 and u = 1
        const double zMin = std::min(z0, z1), zMax = std::max(z0, z1);
        const double hMin = applyHiddenNeuron(m_neuron, zMin), hMax = applyHiddenNeuron(m_neuron, zMax);
        const bool constant = hMax - hMin <= 0.0 || std::abs(w) * (hMax - hMin) <= negligible;
        const bool linear = zMin >= 0.0 && (m_neuron == HiddenNeuron::Relu || zMax <= 1.0);
        if (constant || (linear && haveLinear))
            dead.push_back(j);
        else if (linear)
            haveLinear = true;
    }
    for (int j : dead) {
        m_model.residuals(m_residuals);
        size_t worst = 0;
        for (size_t i = 1; i < m_residuals.size(); ++i)
            if (std::abs(m_residuals[i]) > std::abs(m_residuals[worst]))
                worst = i;
        const double t = m_data.u(static_cast<int>(worst));
        // Face the nearer end of the range, so the new unit changes as little of the fit as
        // possible; a Ramp puts its second kink outside the range on that side.
        const bool right = t > 0.0;
        double a = right ? 1.0 : -1.0;
        double b = -a * t;
        if (m_neuron == HiddenNeuron::Ramp) {
            const double p = right ? t : -kOutside, q = right ? kOutside : t;
            a = 1.0 / (q - p);
            b = -p * a;
        }
        m_theta[L.a(j)] = a;
        m_theta[L.b(j)] = b;
        m_theta[L.w(j)] = 0.0;
        m_current = settle(m_theta, /*accurate=*/false);
    }
    if (!dead.empty()) {
        noteCandidate();
        m_lambda = std::max(m_lambda, 1e-3);
    }
    return static_cast<int>(dead.size());
}

} // namespace nnb::approx::detail
