// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include <Eigen/Core>

#include "nnb/approx/approximator.h"
#include "training_set.h"

namespace nnb::approx::detail {

/// \returns (q²)^e for e >= 0, by squaring (e − 1 squarings when e is a power of two).
inline double powerOfSquare(double q, int e)
{
    double base = q * q;
    if (e > 0 && (e & (e - 1)) == 0) {
        for (; e > 1; e >>= 1)
            base *= base;
        return base;
    }
    double out = 1.0;
    for (; e > 0; e >>= 1) {
        if (e & 1)
            out *= base;
        base *= base;
    }
    return out;
}

/// Parameter vector layout of a width-W approximator in the normalised coordinate u:
/// θ = [a_0..a_{W−1}, b_0..b_{W−1}, w_0..w_{W−1}, c], y(u) = c + Σ_j w_j · neuron(a_j·u + b_j).
struct ParameterLayout {
    int width;
    int a(int j) const { return j; }
    int b(int j) const { return width + j; }
    int w(int j) const { return 2 * width + j; }
    int c() const { return 3 * width; }
    int size() const { return 3 * width + 1; }
};

/// Squared and maximum error of a parameter vector.
struct LossValue {
    double weightedSse = 0.0; ///< Σ ω_i r_i² over the samples
    double maxAbs = 0.0;      ///< max |r| (unweighted) over the samples and the kinks
};

/// The approximator as a piecewise-linear function on the training samples.
///
/// Each hidden unit is zero, linear (a·u + b) or saturated (Ramp: 1) on three runs of
/// consecutive samples separated by its kinks. So every column of the Jacobian, ∂y/∂θ_p, is
/// α + β·u on at most two runs of samples (∂y/∂a_j = w_j·u and ∂y/∂b_j = w_j where unit j is
/// linear; ∂y/∂w_j = a_j·u + b_j there and 1 where it saturates; ∂y/∂c = 1), and an entry of
/// JᵀJ is a sum of α·α'·Σω + (α·β' + β·α')·Σωu + β·β'·Σωu² over intersections of runs. With
/// the moments kept as prefix sums (TrainingSet), each entry costs O(1): the normal equations
/// cost O(parameters²), independent of the number of samples.
///
/// The error of a piecewise-linear fit peaks at its kinks, which mostly fall between samples; a
/// minimax fit on the samples alone learns to hide its peaks there. So the model also evaluates
/// the residual at every kink inside the range (calling the target there) and includes those
/// points in maxAbs, in powerLoss and, on request, in the normal equations.
class SegmentModel {
public:
    SegmentModel(const TrainingSet& data, HiddenNeuron neuron, int width);

    const ParameterLayout& layout() const { return m_layout; }

    /// Splits the samples at the kinks of \p theta and computes the line of y on each segment.
    void setParameters(const Eigen::VectorXd& theta);

    /// \returns the weighted squared error and the max error of the current parameters.
    LossValue loss() const;
    /// \returns Σ_i (|r_i| / \p scale)^\p p (p even, >= 2) over the samples and the kinks in
    /// weightedSse, ignoring the sample weights, and the max error: the L^p objective of the
    /// minimax phase.
    LossValue powerLoss(int p, double scale) const;
    /// \returns Σ_k (|r_k| / \p scale)^\p p over the kinks only.
    double kinkPowerSum(int p, double scale) const;
    /// \returns max |r| over the samples and kinks of the current parameters.
    double maxAbsResidual() const { return loss().maxAbs; }
    /// Writes the residuals y_i − f_i of the current parameters at the samples.
    void residuals(std::vector<double>& out) const;

    /// Gauss–Newton normal equations over all parameters: \p jtj (full symmetric) and \p jtr,
    /// over the weighted samples and, when \p kinkScale > 0, the kink points weighted by
    /// (|r_k| / \p kinkScale)^\p kinkWeightPower (even), as Refiner::stepPower weights samples.
    void normalEquations(Eigen::MatrixXd& jtj, Eigen::VectorXd& jtr, int kinkWeightPower = 0,
                         double kinkScale = 0.0);

    /// Solves the linear output layer (w, c) by weighted least squares for the current hidden
    /// layer and writes it into \p theta. \p accurate: by Householder QR on per-segment
    /// pseudo-rows (for exact fits of piecewise-linear targets, where normal equations would
    /// square the condition number); otherwise by the O(width²) normal equations. A tiny ridge
    /// keeps collinear or dead units' weights small. Call setParameters(theta) afterwards.
    void solveOutputLayer(Eigen::VectorXd& theta, bool accurate) const;

private:
    /// α + β·u on samples [begin, end).
    struct Piece {
        int begin = 0, end = 0;
        double alpha = 0.0, beta = 0.0;
    };
    /// A Jacobian column: at most two pieces, zero elsewhere.
    struct Column {
        Piece piece[2];
        int count = 0;
        void add(int begin, int end, double alpha, double beta)
        {
            if (begin < end)
                piece[count++] = Piece{begin, end, alpha, beta};
        }
    };
    /// Where a unit is linear and where it saturates (sample index ranges; empty if begin >= end).
    struct Regions {
        int linBegin = 0, linEnd = 0, satBegin = 0, satEnd = 0;
    };
    struct Segment {
        int begin, end;
        double gamma, delta; // y = gamma + delta·u on the segment
    };
    struct KinkPoint {
        double u, residual;
    };

    double gram(const Column& x, const Column& y) const;
    Column outputColumn(int j) const; // ∂y/∂w_j (j == width: ∂y/∂c)
    void jacobianRow(double u, Eigen::VectorXd& row) const;

    const TrainingSet& m_data;
    HiddenNeuron m_neuron;
    ParameterLayout m_layout;
    Eigen::VectorXd m_theta;
    std::vector<Regions> m_regions;
    std::vector<Segment> m_segments;
    std::vector<KinkPoint> m_kinks;
    // Scratch.
    std::vector<int> m_cuts;
    std::vector<Column> m_columns;
    std::vector<double> m_r0, m_r1; // prefix sums of ω·r and ω·u·r
    Eigen::MatrixXd m_kinkRows;
};

} // namespace nnb::approx::detail
