// SPDX-License-Identifier: GPL-3.0-or-later
#include "training_set.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace nnb::approx::detail {

Expected<TrainingSet> TrainingSet::create(const TargetFunction& target, double lo, double hi, int samples)
{
    TrainingSet set;
    set.m_target = target;
    set.m_mid = 0.5 * (lo + hi);
    set.m_half = 0.5 * (hi - lo);
    const auto n = static_cast<size_t>(samples);
    set.m_u.resize(n);
    set.m_f.resize(n);
    set.m_scale = std::numeric_limits<double>::min();
    const double last = static_cast<double>(samples - 1);
    for (size_t i = 0; i < n; ++i) {
        const double s = static_cast<double>(i) / last;
        // Both ends exact: x_0 = lo, x_{n-1} = hi.
        const double x = i + 1 == n ? hi : lo + (hi - lo) * s;
        set.m_u[i] = i + 1 == n ? 1.0 : -1.0 + 2.0 * s;
        const double y = target(x);
        if (!std::isfinite(y))
            return makeError(Errc::InvalidArgument,
                             "the target function is not finite at x = " + std::to_string(x));
        set.m_f[i] = y;
        set.m_scale = std::max(set.m_scale, std::abs(y));
    }
    set.setUniformWeights();
    return set;
}

void TrainingSet::setWeights(std::vector<double> weights)
{
    m_weight = std::move(weights);
    const size_t n = m_u.size();
    for (auto* p : {&m_p0, &m_p1, &m_p2, &m_pf, &m_puf})
        p->assign(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i) {
        const double w = m_weight[i], u = m_u[i], f = m_f[i];
        m_p0[i + 1] = m_p0[i] + w;
        m_p1[i + 1] = m_p1[i] + w * u;
        m_p2[i + 1] = m_p2[i] + w * u * u;
        m_pf[i + 1] = m_pf[i] + w * f;
        m_puf[i + 1] = m_puf[i] + w * u * f;
    }
}

int TrainingSet::firstIndexAbove(double t) const
{
    const int n = size();
    if (!(t >= m_u.front()))
        return t < m_u.front() ? 0 : n; // NaN sorts last: it splits nothing
    if (t >= m_u.back())
        return n;
    // Guess from the even spacing, then correct for rounding of the grid.
    int i = static_cast<int>(std::floor((t + 1.0) * 0.5 * (n - 1))) + 1;
    i = std::clamp(i, 1, n - 1);
    while (i > 0 && m_u[static_cast<size_t>(i - 1)] > t)
        --i;
    while (i < n && m_u[static_cast<size_t>(i)] <= t)
        ++i;
    return i;
}

double TrainingSet::interpolate(double t) const
{
    const int n = size();
    const int i = std::clamp(firstIndexAbove(t), 1, n - 1);
    const double u0 = m_u[static_cast<size_t>(i - 1)], u1 = m_u[static_cast<size_t>(i)];
    const double s = std::clamp((t - u0) / (u1 - u0), 0.0, 1.0);
    return m_f[static_cast<size_t>(i - 1)] + s * (m_f[static_cast<size_t>(i)] - m_f[static_cast<size_t>(i - 1)]);
}

TrainingSet::Moments TrainingSet::moments(int begin, int end) const
{
    const auto b = static_cast<size_t>(begin), e = static_cast<size_t>(end);
    return {m_p0[e] - m_p0[b], m_p1[e] - m_p1[b], m_p2[e] - m_p2[b], m_pf[e] - m_pf[b], m_puf[e] - m_puf[b]};
}

} // namespace nnb::approx::detail
