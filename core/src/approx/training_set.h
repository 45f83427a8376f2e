// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include "nnb/approx/approximator.h"

namespace nnb::approx::detail {

/// The training samples of a fit: n evenly spaced points of [lo, hi], the target's values there,
/// a weight per point, and prefix sums of the weighted moments that let SegmentModel sum any
/// quantity that is linear in x over a run of samples in O(1).
///
/// All fitting happens in the normalised coordinate u = (x − mid) / half ∈ [−1, 1]
/// (mid = (lo + hi) / 2, half = (hi − lo) / 2), which keeps the Levenberg–Marquardt system well
/// scaled whatever the range; mid() and half() convert.
class TrainingSet {
public:
    /// Samples \p target. \returns Errc::InvalidArgument when it is not finite on a sample.
    static Expected<TrainingSet> create(const TargetFunction& target, double lo, double hi, int samples);

    int size() const { return static_cast<int>(m_u.size()); }
    double u(int i) const { return m_u[static_cast<size_t>(i)]; }
    double f(int i) const { return m_f[static_cast<size_t>(i)]; }
    double weight(int i) const { return m_weight[static_cast<size_t>(i)]; }

    double mid() const { return m_mid; }
    double half() const { return m_half; }
    /// \returns max |f| over the samples (at least the smallest normal double).
    double scale() const { return m_scale; }

    /// Sets every weight to 1.
    void setUniformWeights() { setWeights(std::vector<double>(m_u.size(), 1.0)); }
    /// Replaces the weights (one per sample, >= 0) and recomputes the prefix moments.
    void setWeights(std::vector<double> weights);

    /// \returns the index of the first sample with u > \p t (0 .. size()).
    int firstIndexAbove(double t) const;
    /// \returns the target evaluated at \p u (not only on a sample).
    double targetAt(double u) const { return m_target(m_mid + m_half * u); }
    /// \returns f linearly interpolated at \p t (clamped to [−1, 1]).
    double interpolate(double t) const;

    /// Weighted moments Σω, Σωu, Σωu², Σωf, Σωuf over samples [begin, end).
    struct Moments {
        double n, su, suu, sf, suf;
    };
    Moments moments(int begin, int end) const;

private:
    TargetFunction m_target;
    std::vector<double> m_u, m_f, m_weight;
    // Prefix sums, size() + 1 entries each.
    std::vector<double> m_p0, m_p1, m_p2, m_pf, m_puf;
    double m_mid = 0.0, m_half = 1.0, m_scale = 1.0;
};

} // namespace nnb::approx::detail
