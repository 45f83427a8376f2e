// SPDX-License-Identifier: GPL-3.0-or-later
#include "segment_model.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Cholesky>
#include <Eigen/QR>

namespace nnb::approx::detail {

SegmentModel::SegmentModel(const TrainingSet& data, HiddenNeuron neuron, int width)
    : m_data(data)
    , m_neuron(neuron)
    , m_layout{width}
{
}

void SegmentModel::setParameters(const Eigen::VectorXd& theta)
{
    m_theta = theta;
    const int width = m_layout.width;
    const int n = m_data.size();
    const bool ramp = m_neuron == HiddenNeuron::Ramp;

    // Each unit's runs, cut where its pre-activation crosses 0 (and 1 for a Ramp).
    m_regions.assign(static_cast<size_t>(width), Regions{});
    m_cuts.assign({0, n});
    for (int j = 0; j < width; ++j) {
        const double a = theta[m_layout.a(j)], b = theta[m_layout.b(j)];
        Regions& r = m_regions[static_cast<size_t>(j)];
        if (a == 0.0) { // constant on the whole range
            if (ramp && b >= 1.0)
                r.satEnd = n;
            else if (b > 0.0)
                r.linEnd = n;
            continue;
        }
        const int c0 = m_data.firstIndexAbove(-b / a); // first sample past z = 0
        m_cuts.push_back(c0);
        if (!ramp) {
            if (a > 0.0)
                r = Regions{c0, n, 0, 0};
            else
                r = Regions{0, c0, 0, 0};
            continue;
        }
        const int c1 = m_data.firstIndexAbove((1.0 - b) / a); // first sample past z = 1
        m_cuts.push_back(c1);
        if (a > 0.0)
            r = Regions{c0, c1, c1, n};
        else
            r = Regions{c1, c0, 0, c1};
    }
    std::sort(m_cuts.begin(), m_cuts.end());
    m_cuts.erase(std::unique(m_cuts.begin(), m_cuts.end()), m_cuts.end());

    const double c = theta[m_layout.c()];
    m_segments.clear();
    for (size_t k = 0; k + 1 < m_cuts.size(); ++k) {
        Segment seg{m_cuts[k], m_cuts[k + 1], c, 0.0};
        for (int j = 0; j < width; ++j) {
            const Regions& r = m_regions[static_cast<size_t>(j)];
            const double w = theta[m_layout.w(j)];
            if (seg.begin >= r.linBegin && seg.begin < r.linEnd) {
                seg.gamma += w * theta[m_layout.b(j)];
                seg.delta += w * theta[m_layout.a(j)];
            } else if (seg.begin >= r.satBegin && seg.begin < r.satEnd) {
                seg.gamma += w;
            }
        }
        m_segments.push_back(seg);
    }

    // Residuals at the kinks inside the range.
    m_kinks.clear();
    const double uFirst = m_data.u(0), uLast = m_data.u(n - 1);
    auto addKink = [&](double t) {
        if (!(t > uFirst && t < uLast))
            return;
        const double f = m_data.targetAt(t);
        if (!std::isfinite(f))
            return;
        double y = c;
        for (int j = 0; j < width; ++j)
            y += theta[m_layout.w(j)] * applyHiddenNeuron(m_neuron, theta[m_layout.a(j)] * t + theta[m_layout.b(j)]);
        m_kinks.push_back({t, y - f});
    };
    for (int j = 0; j < width; ++j) {
        const double a = theta[m_layout.a(j)], b = theta[m_layout.b(j)];
        if (a == 0.0)
            continue;
        addKink(-b / a);
        if (ramp)
            addKink((1.0 - b) / a);
    }
}

LossValue SegmentModel::loss() const
{
    LossValue out;
    for (const Segment& seg : m_segments) {
        for (int i = seg.begin; i < seg.end; ++i) {
            const double r = seg.gamma + seg.delta * m_data.u(i) - m_data.f(i);
            out.weightedSse += m_data.weight(i) * r * r;
            out.maxAbs = std::max(out.maxAbs, std::abs(r));
        }
    }
    for (const KinkPoint& k : m_kinks)
        out.maxAbs = std::max(out.maxAbs, std::abs(k.residual));
    return out;
}

LossValue SegmentModel::powerLoss(int p, double scale) const
{
    LossValue out;
    const double inv = 1.0 / scale;
    for (const Segment& seg : m_segments) {
        for (int i = seg.begin; i < seg.end; ++i) {
            const double r = seg.gamma + seg.delta * m_data.u(i) - m_data.f(i);
            out.weightedSse += powerOfSquare(r * inv, p / 2);
            out.maxAbs = std::max(out.maxAbs, std::abs(r));
        }
    }
    for (const KinkPoint& k : m_kinks) {
        out.weightedSse += powerOfSquare(k.residual * inv, p / 2);
        out.maxAbs = std::max(out.maxAbs, std::abs(k.residual));
    }
    return out;
}

double SegmentModel::kinkPowerSum(int p, double scale) const
{
    double sum = 0.0;
    for (const KinkPoint& k : m_kinks)
        sum += powerOfSquare(k.residual / scale, p / 2);
    return sum;
}

void SegmentModel::residuals(std::vector<double>& out) const
{
    out.resize(static_cast<size_t>(m_data.size()));
    for (const Segment& seg : m_segments)
        for (int i = seg.begin; i < seg.end; ++i)
            out[static_cast<size_t>(i)] = seg.gamma + seg.delta * m_data.u(i) - m_data.f(i);
}

double SegmentModel::gram(const Column& x, const Column& y) const
{
    double sum = 0.0;
    for (int i = 0; i < x.count; ++i) {
        const Piece& p = x.piece[i];
        for (int k = 0; k < y.count; ++k) {
            const Piece& q = y.piece[k];
            const int begin = std::max(p.begin, q.begin), end = std::min(p.end, q.end);
            if (begin >= end)
                continue;
            const TrainingSet::Moments m = m_data.moments(begin, end);
            sum += p.alpha * q.alpha * m.n + (p.alpha * q.beta + p.beta * q.alpha) * m.su + p.beta * q.beta * m.suu;
        }
    }
    return sum;
}

SegmentModel::Column SegmentModel::outputColumn(int j) const
{
    Column col;
    if (j == m_layout.width) {
        col.add(0, m_data.size(), 1.0, 0.0);
        return col;
    }
    const Regions& r = m_regions[static_cast<size_t>(j)];
    col.add(r.linBegin, r.linEnd, m_theta[m_layout.b(j)], m_theta[m_layout.a(j)]);
    col.add(r.satBegin, r.satEnd, 1.0, 0.0);
    return col;
}

void SegmentModel::jacobianRow(double u, Eigen::VectorXd& row) const
{
    row.setZero(m_layout.size());
    row[m_layout.c()] = 1.0;
    for (int j = 0; j < m_layout.width; ++j) {
        const double a = m_theta[m_layout.a(j)], b = m_theta[m_layout.b(j)], w = m_theta[m_layout.w(j)];
        const double z = a * u + b;
        if (z <= 0.0)
            continue;
        if (m_neuron == HiddenNeuron::Ramp && z >= 1.0) {
            row[m_layout.w(j)] = 1.0;
            continue;
        }
        row[m_layout.a(j)] = w * u;
        row[m_layout.b(j)] = w;
        row[m_layout.w(j)] = z;
    }
}

void SegmentModel::normalEquations(Eigen::MatrixXd& jtj, Eigen::VectorXd& jtr, int kinkWeightPower, double kinkScale)
{
    const int width = m_layout.width;
    const int count = m_layout.size();
    const int n = m_data.size();

    // Prefix sums of ω·r and ω·u·r for the gradient.
    m_r0.assign(static_cast<size_t>(n) + 1, 0.0);
    m_r1.assign(static_cast<size_t>(n) + 1, 0.0);
    for (const Segment& seg : m_segments) {
        for (int i = seg.begin; i < seg.end; ++i) {
            const double u = m_data.u(i);
            const double wr = m_data.weight(i) * (seg.gamma + seg.delta * u - m_data.f(i));
            const auto k = static_cast<size_t>(i);
            m_r0[k + 1] = m_r0[k] + wr;
            m_r1[k + 1] = m_r1[k] + wr * u;
        }
    }

    // Gradient: each column's pieces against the prefix sums of ω·r, ω·u·r.
    m_columns.assign(static_cast<size_t>(count), Column{});
    for (int j = 0; j < width; ++j) {
        const Regions& r = m_regions[static_cast<size_t>(j)];
        const double w = m_theta[m_layout.w(j)];
        m_columns[static_cast<size_t>(m_layout.a(j))].add(r.linBegin, r.linEnd, 0.0, w); // w·u
        m_columns[static_cast<size_t>(m_layout.b(j))].add(r.linBegin, r.linEnd, w, 0.0); // w
        m_columns[static_cast<size_t>(m_layout.w(j))] = outputColumn(j);
    }
    m_columns[static_cast<size_t>(m_layout.c())] = outputColumn(width);
    jtr.resize(count);
    for (int p = 0; p < count; ++p) {
        const Column& x = m_columns[static_cast<size_t>(p)];
        double g = 0.0;
        for (int i = 0; i < x.count; ++i) {
            const Piece& piece = x.piece[i];
            const auto b = static_cast<size_t>(piece.begin), e = static_cast<size_t>(piece.end);
            g += piece.alpha * (m_r0[e] - m_r0[b]) + piece.beta * (m_r1[e] - m_r1[b]);
        }
        jtr[p] = g;
    }

    // JᵀJ by unit pairs: the three columns of a unit share its runs, so one set of moments per
    // pair of runs serves a 3×3 block. On its linear run unit j has the columns
    // (α, β) = (0, w) for a_j, (w, 0) for b_j, (b, a) for w_j; on its saturated run only w_j = (1, 0).
    jtj.setZero(count, count);
    auto linCoefficients = [&](int j, double (&alpha)[3], double (&beta)[3]) {
        const double a = m_theta[m_layout.a(j)], b = m_theta[m_layout.b(j)], w = m_theta[m_layout.w(j)];
        alpha[0] = 0.0, beta[0] = w;
        alpha[1] = w, beta[1] = 0.0;
        alpha[2] = b, beta[2] = a;
    };
    auto overlap = [&](int b0, int e0, int b1, int e1, TrainingSet::Moments& m) {
        const int begin = std::max(b0, b1), end = std::min(e0, e1);
        if (begin >= end)
            return false;
        m = m_data.moments(begin, end);
        return true;
    };
    auto put = [&](int p, int q, double v) {
        jtj(p, q) += v;
        if (p != q)
            jtj(q, p) += v;
    };
    auto param = [&](int j, int kind) { return kind == 0 ? m_layout.a(j) : kind == 1 ? m_layout.b(j) : m_layout.w(j); };
    TrainingSet::Moments m{};
    for (int j = 0; j < width; ++j) {
        const Regions& rj = m_regions[static_cast<size_t>(j)];
        double aj[3], bj[3];
        linCoefficients(j, aj, bj);
        for (int k = 0; k <= j; ++k) {
            const Regions& rk = m_regions[static_cast<size_t>(k)];
            double ak[3], bk[3];
            linCoefficients(k, ak, bk);
            if (overlap(rj.linBegin, rj.linEnd, rk.linBegin, rk.linEnd, m)) {
                for (int p = 0; p < 3; ++p)
                    for (int q = 0; q < 3; ++q) {
                        if (j == k && q > p)
                            continue;
                        put(param(j, p), param(k, q),
                            aj[p] * ak[q] * m.n + (aj[p] * bk[q] + bj[p] * ak[q]) * m.su + bj[p] * bk[q] * m.suu);
                    }
            }
            if (overlap(rj.linBegin, rj.linEnd, rk.satBegin, rk.satEnd, m))
                for (int p = 0; p < 3; ++p)
                    put(param(j, p), m_layout.w(k), aj[p] * m.n + bj[p] * m.su);
            if (j != k && overlap(rj.satBegin, rj.satEnd, rk.linBegin, rk.linEnd, m))
                for (int q = 0; q < 3; ++q)
                    put(m_layout.w(j), param(k, q), ak[q] * m.n + bk[q] * m.su);
            if (overlap(rj.satBegin, rj.satEnd, rk.satBegin, rk.satEnd, m))
                put(m_layout.w(j), m_layout.w(k), m.n);
        }
        // With the bias column (1 everywhere).
        if (overlap(rj.linBegin, rj.linEnd, 0, n, m))
            for (int p = 0; p < 3; ++p)
                put(param(j, p), m_layout.c(), aj[p] * m.n + bj[p] * m.su);
        if (overlap(rj.satBegin, rj.satEnd, 0, n, m))
            put(m_layout.w(j), m_layout.c(), m.n);
    }
    jtj(m_layout.c(), m_layout.c()) = m_data.moments(0, n).n;

    if (kinkScale > 0.0) {
        // Kink points as extra weighted rows, added in one rank update.
        Eigen::VectorXd phi;
        m_kinkRows.resize(count, static_cast<Eigen::Index>(m_kinks.size()));
        Eigen::Index used = 0;
        for (const KinkPoint& k : m_kinks) {
            const double weight = powerOfSquare(k.residual / kinkScale, kinkWeightPower / 2);
            if (weight < 1e-12) // negligible next to the samples near the maximum error
                continue;
            jacobianRow(k.u, phi);
            jtr += (weight * k.residual) * phi;
            m_kinkRows.col(used++) = std::sqrt(weight) * phi;
        }
        if (used > 0) {
            jtj.selfadjointView<Eigen::Lower>().rankUpdate(m_kinkRows.leftCols(used));
            jtj.triangularView<Eigen::StrictlyUpper>() = jtj.transpose();
        }
    }
}

void SegmentModel::solveOutputLayer(Eigen::VectorXd& theta, bool accurate) const
{
    const int width = m_layout.width;
    const int cols = width + 1; // w_0..w_{W-1}, c
    Eigen::VectorXd x;
    if (!accurate) {
        // Normal equations G·x = Hᵀ·ω·f, each entry O(1) from the prefix moments.
        std::vector<Column> columns;
        columns.reserve(static_cast<size_t>(cols));
        for (int j = 0; j <= width; ++j)
            columns.push_back(outputColumn(j));
        Eigen::MatrixXd g(cols, cols);
        Eigen::VectorXd rhs(cols);
        for (int p = 0; p < cols; ++p) {
            const Column& col = columns[static_cast<size_t>(p)];
            double sum = 0.0;
            for (int i = 0; i < col.count; ++i) {
                const TrainingSet::Moments m = m_data.moments(col.piece[i].begin, col.piece[i].end);
                sum += col.piece[i].alpha * m.sf + col.piece[i].beta * m.suf;
            }
            rhs[p] = sum;
            for (int q = 0; q <= p; ++q)
                g(p, q) = g(q, p) = gram(col, columns[static_cast<size_t>(q)]);
        }
        // The ridge only decides the weights of collinear or dead units (which would otherwise
        // be arbitrary or huge); it is far below the precision of the data.
        g.diagonal().array() += 1e-12 * std::max(g.diagonal().maxCoeff(), 1e-300);
        const Eigen::LLT<Eigen::MatrixXd> llt(g);
        if (llt.info() == Eigen::Success)
            x = llt.solve(rhs);
    }
    if (accurate || x.size() == 0 || !x.allFinite()) {
        // Least squares on per-segment pseudo-rows: with L·Lᵀ the Cholesky factor of a segment's
        // moment matrix [[Σω, Σωu], [Σωu, Σωu²]], a column α + β·u contributes the rows Lᵀ·(α, β)
        // and the target L⁻¹·(Σωf, Σωuf); the minimiser is the same as over the samples.
        const auto rows = static_cast<Eigen::Index>(2 * m_segments.size());
        Eigen::MatrixXd pseudo = Eigen::MatrixXd::Zero(rows + cols, cols);
        Eigen::VectorXd target = Eigen::VectorXd::Zero(rows + cols);
        for (size_t s = 0; s < m_segments.size(); ++s) {
            const Segment& seg = m_segments[s];
            const TrainingSet::Moments m = m_data.moments(seg.begin, seg.end);
            if (m.n <= 0.0)
                continue;
            const double l11 = std::sqrt(m.n), l21 = m.su / l11;
            const double l22 = std::sqrt(std::max(m.suu - l21 * l21, 0.0));
            const auto r1 = static_cast<Eigen::Index>(2 * s), r2 = r1 + 1;
            target[r1] = m.sf / l11;
            // l22 = 0 for a one-sample segment: its second pseudo-row is zero.
            if (l22 > 1e-9 * l11)
                target[r2] = (m.suf - l21 * target[r1]) / l22;
            for (int j = 0; j <= width; ++j) {
                const Column col = outputColumn(j);
                for (int i = 0; i < col.count; ++i) {
                    const Piece& p = col.piece[i];
                    if (seg.begin >= p.begin && seg.begin < p.end) {
                        pseudo(r1, j) = l11 * p.alpha + l21 * p.beta;
                        pseudo(r2, j) = l22 * p.beta;
                    }
                }
            }
        }
        const double ridge = 1e-9 * std::max(pseudo.topRows(rows).colwise().norm().maxCoeff(), 1e-150);
        pseudo.bottomRows(cols).diagonal().setConstant(ridge);
        x = pseudo.householderQr().solve(target);
    }
    if (!x.allFinite())
        return;
    for (int j = 0; j < width; ++j)
        theta[m_layout.w(j)] = x[j];
    theta[m_layout.c()] = x[width];
}

} // namespace nnb::approx::detail
