// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "segment_model.h"
#include "training_set.h"

namespace nnb::approx::detail {

/// Levenberg–Marquardt refinement of one approximator's parameters on the training samples.
///
/// Every step solves (JᵀJ + λ·diag(JᵀJ))·Δ = −Jᵀr over all parameters, hidden and output layer
/// together (Marquardt's scaling), and keeps the step only if the objective fell; λ follows
/// Nielsen's gain-ratio rule. The output layer is solved exactly (linear least squares) only when
/// a start is set up or a unit is re-inserted: re-solving it after every step was tried and
/// converged more slowly. Units that stop contributing on the range (a ReLU whose kink left the
/// range on its inactive side, a Ramp saturated throughout, a second linear unit) are re-inserted
/// with a kink at the largest residual, so the budget is not spent on a network narrower than
/// asked for.
class Refiner {
public:
    /// Starts from \p theta (hidden layer; the output layer is solved here). \p data's weights
    /// must be uniform; the minimax phase changes them.
    Refiner(TrainingSet& data, HiddenNeuron neuron, int width, Eigen::VectorXd theta);

    /// One Levenberg–Marquardt iteration on the current weighting. \returns false when no step
    /// reduced the error (converged or stuck).
    bool step();

    /// One Levenberg–Marquardt iteration on the L^p objective Σ_i |r_i|^p (\p p a power of two >= 4),
    /// which approaches the minimax fit as p grows. Gauss–Newton on ρ_i = |r_i|^{p/2}·sign(r_i)
    /// gives the weighted normal equations with weights |r_i|^{p−2}, and a step 2/p times the
    /// reweighted least-squares one (plain IRLS overshoots by p/2 and diverges for large p).
    /// \returns false when no step reduced the objective.
    bool stepPower(int p);

    /// Replaces units that contribute nothing by units with a kink at the largest residual.
    /// \returns the number of units re-inserted.
    int reviveDeadUnits();

    /// \returns the relative decrease of the objective by the last accepted step.
    double lastRelativeDecrease() const { return m_lastDecrease; }
    /// Resets the damping for a new objective.
    void resetDamping()
    {
        m_lambda = 1e-3;
        m_nu = 2.0;
    }

    const Eigen::VectorXd& parameters() const { return m_theta; }
    /// The objective of the last accepted step: the weighted squared error after step(), the
    /// L^p objective after stepPower().
    double weightedSse() const { return m_current.weightedSse; }
    double maxAbsError() const { return m_current.maxAbs; }
    /// The parameters with the smallest max error (samples and kinks) seen so far, and that error.
    const Eigen::VectorXd& bestParameters() const { return m_best; }
    double bestMaxAbsError() const { return m_bestMax; }

private:
    LossValue settle(Eigen::VectorXd& theta, bool accurate);
    /// Tries θ − stepScale·(JᵀJ + λ·diag JᵀJ)⁻¹·Jᵀr with rising λ until the objective (the
    /// weighted squared error, or with \p p > 0 the L^p objective at \p scale, whose current
    /// value is \p before) falls.
    bool solveDamped(double stepScale, int p = 0, double scale = 1.0, double before = 0.0);
    void noteCandidate();

    TrainingSet& m_data;
    HiddenNeuron m_neuron;
    SegmentModel m_model;
    Eigen::VectorXd m_theta, m_best, m_candidate, m_step, m_jtr;
    Eigen::MatrixXd m_jtj, m_system;
    Eigen::LLT<Eigen::MatrixXd> m_llt;
    std::vector<double> m_residuals, m_weights;
    LossValue m_current;
    double m_bestMax = 0.0;
    double m_lambda = 1e-3;
    double m_lastDecrease = 0.0;
    double m_nu = 2.0;
    static constexpr int kMaxTrials = 8;
};

} // namespace nnb::approx::detail
