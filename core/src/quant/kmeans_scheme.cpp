// SPDX-License-Identifier: GPL-3.0-or-later
// KMeans weight quantisation: a codebook of at most `levels` values per group, fitted by Lloyd's
// algorithm in one dimension.
//
// In 1-D every cluster of a nearest-centroid assignment is a contiguous run of the sorted values,
// so one iteration is a binary search per centroid boundary plus a mean from prefix sums:
// O(levels·log n) after one O(n log n) sort, instead of O(n·levels). Quantising a 784×256 matrix
// is dominated by the sort.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <vector>

#include "quant/weight_schemes.h"

namespace nnb::quant::detail {
namespace {

/// Lloyd's algorithm on one group's sorted values.
class Lloyd1d {
public:
    Lloyd1d(const std::vector<float>& sorted, std::mt19937_64& rng)
        : m_sorted(sorted)
        , m_rng(rng)
        , m_prefix(sorted.size() + 1, 0.0)
    {
        for (size_t i = 0; i < sorted.size(); ++i)
            m_prefix[i + 1] = m_prefix[i] + static_cast<double>(sorted[i]);
    }

    /// How the centroids start.
    enum class Init {
        Quantiles, ///< at the quantiles (k + ½)/levels: levels follow the density
        Linear,    ///< evenly spaced over [min, max]: levels also cover the sparse tails
    };

    /// \returns up to \p levels strictly increasing centroids. Requires more distinct values
    /// than \p levels (otherwise the distinct values themselves are the optimum).
    std::vector<double> run(size_t levels, int iterations, Init init)
    {
        const size_t n = m_sorted.size();
        std::vector<double> centroids;
        centroids.reserve(levels);
        const double lo = m_sorted.front();
        const double hi = m_sorted.back();
        for (size_t k = 0; k < levels; ++k) {
            const double q = (static_cast<double>(k) + 0.5) / static_cast<double>(levels);
            if (init == Init::Linear) {
                centroids.push_back(lo + q * (hi - lo));
            } else {
                const auto at = std::min(n - 1, static_cast<size_t>(q * static_cast<double>(n)));
                centroids.push_back(m_sorted[at]);
            }
        }
        // Heavily repeated values (pruned zeros) make several quantiles coincide; the duplicates
        // are re-seeded.
        centroids.erase(std::unique(centroids.begin(), centroids.end()), centroids.end());
        fillByReseeding(centroids, levels);

        std::vector<size_t> splits;
        std::vector<size_t> previous;
        for (int it = 0; it < iterations; ++it) {
            assign(centroids, splits);
            if (splits == previous)
                break; // converged: the update would reproduce the same centroids
            // Update: each non-empty cluster's mean. Clusters are disjoint runs of sorted values
            // and equal values never straddle a boundary, so the means stay strictly increasing.
            std::vector<double> next;
            next.reserve(centroids.size());
            for (size_t k = 0; k + 1 < splits.size(); ++k) {
                if (splits[k + 1] > splits[k])
                    next.push_back((m_prefix[splits[k + 1]] - m_prefix[splits[k]]) /
                                   static_cast<double>(splits[k + 1] - splits[k]));
            }
            centroids = std::move(next);
            fillByReseeding(centroids, levels);
            previous = splits;
        }
        return centroids;
    }

    /// \returns the sum of squared distances of the values to their nearest centroid.
    double sse(const std::vector<double>& centroids) const
    {
        std::vector<size_t> splits;
        assign(centroids, splits);
        double total = 0.0;
        for (size_t k = 0; k + 1 < splits.size(); ++k) {
            const double c = centroids[k];
            for (size_t i = splits[k]; i < splits[k + 1]; ++i) {
                const double e = static_cast<double>(m_sorted[i]) - c;
                total += e * e;
            }
        }
        return total;
    }

private:
    /// Cluster k is m_sorted[splits[k], splits[k+1]). A value on a boundary goes to the lower cluster.
    void assign(const std::vector<double>& centroids, std::vector<size_t>& splits) const
    {
        splits.assign(centroids.size() + 1, 0);
        splits.back() = m_sorted.size();
        for (size_t k = 0; k + 1 < centroids.size(); ++k) {
            const double boundary = 0.5 * (centroids[k] + centroids[k + 1]);
            splits[k + 1] = static_cast<size_t>(
                std::upper_bound(m_sorted.begin(), m_sorted.end(), boundary,
                                 [](double b, float v) { return b < static_cast<double>(v); }) -
                m_sorted.begin());
        }
    }

    /// Adds centroids until there are \p levels of them or every value coincides with one.
    /// Each new centroid goes to the value farthest from its nearest centroid (the point with
    /// the largest error); the seeded generator picks among equally far values.
    void fillByReseeding(std::vector<double>& centroids, size_t levels)
    {
        while (centroids.size() < levels) {
            const double value = farthestValue(centroids);
            if (std::isnan(value))
                return;
            centroids.insert(std::lower_bound(centroids.begin(), centroids.end(), value), value);
        }
    }

    /// \returns the value farthest from its nearest centroid, or NaN if all values are centroids.
    /// The farthest value is the smallest or largest value, or lies next to the midpoint of two
    /// neighbouring centroids, so only those candidates are examined.
    double farthestValue(const std::vector<double>& centroids)
    {
        std::vector<double> candidates{m_sorted.front(), m_sorted.back()};
        for (size_t k = 0; k + 1 < centroids.size(); ++k) {
            const double mid = 0.5 * (centroids[k] + centroids[k + 1]);
            const auto above = std::upper_bound(m_sorted.begin(), m_sorted.end(), mid,
                                                [](double b, float v) { return b < static_cast<double>(v); });
            if (above != m_sorted.end())
                candidates.push_back(*above);
            if (above != m_sorted.begin())
                candidates.push_back(*(above - 1));
        }
        const auto distance = [&](double v) {
            const auto it = std::lower_bound(centroids.begin(), centroids.end(), v);
            double d = std::numeric_limits<double>::infinity();
            if (it != centroids.end())
                d = *it - v;
            if (it != centroids.begin())
                d = std::min(d, v - *(it - 1));
            return d;
        };
        double best = 0.0;
        std::vector<double> ties;
        for (const double v : candidates) {
            const double d = distance(v);
            if (d > best) {
                best = d;
                ties.assign(1, v);
            } else if (d == best && d > 0.0 && std::find(ties.begin(), ties.end(), v) == ties.end()) {
                ties.push_back(v);
            }
        }
        if (ties.empty())
            return std::numeric_limits<double>::quiet_NaN();
        return ties.size() == 1 ? ties.front() : ties[m_rng() % ties.size()];
    }

    const std::vector<float>& m_sorted;
    std::mt19937_64& m_rng;
    std::vector<double> m_prefix; ///< m_prefix[i] = sum of the i smallest values
};

/// Sets the codes of \p members to their nearest codebook entry (a tie goes to the smaller
/// entry, as in Lloyd1d::assign), then drops unused entries.
void encodeGroup(std::span<const float> w, std::span<const size_t> members, std::vector<float>& codebook,
                 std::vector<int32_t>& codes)
{
    codebook.erase(std::unique(codebook.begin(), codebook.end()), codebook.end());
    std::vector<double> boundaries;
    for (size_t k = 0; k + 1 < codebook.size(); ++k)
        boundaries.push_back(0.5 * (static_cast<double>(codebook[k]) + static_cast<double>(codebook[k + 1])));
    std::vector<size_t> used(codebook.size(), 0);
    for (const size_t i : members) {
        const auto code = static_cast<size_t>(
            std::lower_bound(boundaries.begin(), boundaries.end(), static_cast<double>(w[i])) - boundaries.begin());
        codes[i] = static_cast<int32_t>(code);
        ++used[code];
    }
    if (std::find(used.begin(), used.end(), size_t{0}) == used.end())
        return;
    // Rare: the last update moved a centroid so that no value is nearest to it. Compact.
    std::vector<int32_t> remap(codebook.size(), 0);
    std::vector<float> kept;
    for (size_t k = 0; k < codebook.size(); ++k) {
        remap[k] = static_cast<int32_t>(kept.size());
        if (used[k] > 0)
            kept.push_back(codebook[k]);
    }
    for (const size_t i : members)
        codes[i] = remap[static_cast<size_t>(codes[i])];
    codebook = std::move(kept);
}

} // namespace

void quantizeKMeans(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                    QuantizedWeights& out)
{
    const auto levels = static_cast<size_t>(options.levels);
    out.bits = static_cast<int>(std::ceil(std::log2(static_cast<double>(levels))));
    out.minCode = 0;
    out.maxCode = options.levels - 1;
    out.scale.assign(groups.numGroups(), 1.0f);
    out.zeroPoint.assign(groups.numGroups(), 0);
    out.codebook.assign(groups.numGroups(), {});

    std::mt19937_64 rng(options.seed);
    std::vector<float> sorted;
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        const auto members = groups.members(g);
        if (members.empty())
            continue;
        sorted.resize(members.size());
        std::transform(members.begin(), members.end(), sorted.begin(), [&](size_t i) { return w[i]; });
        std::sort(sorted.begin(), sorted.end());

        std::vector<float>& codebook = out.codebook[g];
        std::unique_copy(sorted.begin(), sorted.end(), std::back_inserter(codebook));
        if (codebook.size() > levels) {
            // More distinct values than levels: fit. (Otherwise the distinct values are exact.)
            // Lloyd's algorithm only finds a local optimum, and which one depends on the start:
            // quantiles crowd the levels where the weights are dense, which can starve the tails
            // (bell-shaped weights), while an even spread (the linear initialisation that Deep
            // Compression, Han et al. 2016, found best) can waste levels on empty ranges. Run
            // both and keep the lower error; a tie keeps the quantile start.
            Lloyd1d lloyd(sorted, rng);
            std::vector<double> centroids = lloyd.run(levels, options.kmeansIterations, Lloyd1d::Init::Quantiles);
            std::vector<double> linear = lloyd.run(levels, options.kmeansIterations, Lloyd1d::Init::Linear);
            if (lloyd.sse(linear) < lloyd.sse(centroids))
                centroids = std::move(linear);
            codebook.resize(centroids.size());
            // Narrowing to float keeps the order but may merge neighbours; encodeGroup dedupes.
            std::transform(centroids.begin(), centroids.end(), codebook.begin(),
                           [](double c) { return static_cast<float>(c); });
        }
        encodeGroup(w, members, codebook, out.codes);
    }
}

} // namespace nnb::quant::detail
