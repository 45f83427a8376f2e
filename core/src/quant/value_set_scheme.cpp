// SPDX-License-Identifier: GPL-3.0-or-later
// ValueSet weight quantisation for TrueNorth-style cores. An axon type is a property of an
// input line, shared by all neurons of the core; each neuron holds one signed integer weight
// per type. So the fit is a joint one: every input row r gets a type t(r), every group (output
// neuron) g holds values v_g[t], and w[r, j] ≈ v_{g(j)}[t(r)].
//
// This is k-means on the rows (each row a vector over the output channels) whose centroids are
// constrained to the representable values. It alternates
//   values:     v_g[t] = mean of group g's weights in rows of type t, rounded to a bits-wide
//               signed integer times a per-group scale max_t |v_g[t]| / (2^(bits−1) − 1);
//   assignment: t(r) = the type whose values are nearest to row r (squared error);
// from a farthest-first choice of prototype rows, and keeps the best round (rounding makes the
// error not strictly monotone).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "quant/rounding.h"
#include "quant/weight_schemes.h"

namespace nnb::quant::detail {
namespace {

class ValueSetFit {
public:
    ValueSetFit(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options)
        : m_rows(groups.layout().numRows())
        , m_cols(groups.layout().channels)
        , m_types(static_cast<size_t>(options.axonTypes))
        , m_groups(groups.numGroups())
        , m_qmax(symmetricMax(options.bits))
        , m_matrix(m_rows * m_cols)
    {
        // Gather W as a dense rows × cols matrix, whatever the tensor's output axis.
        const AxisLayout& layout = groups.layout();
        for (size_t r = 0; r < m_rows; ++r)
            for (size_t j = 0; j < m_cols; ++j)
                m_matrix[r * m_cols + j] = w[layout.indexOf(r, j)];
    }

    /// A set of per-group type values together with the row types that best fit them.
    struct Solution {
        std::vector<int32_t> rowType;   ///< per row
        std::vector<float> scale;       ///< per group
        std::vector<int32_t> values;    ///< per group × type, signed integers
        double sse = std::numeric_limits<double>::infinity();
    };

    Solution run(int iterations)
    {
        std::vector<int32_t> rowType;
        std::vector<double> rowError;
        initialAssignment(rowType, rowError);

        Solution best;
        Solution current;
        std::vector<float> table; // type × col: the real value of each type for each column
        for (int it = 0; it < iterations; ++it) {
            reseedEmptyTypes(rowType, rowError);
            current.rowType = rowType;
            fitValues(current, table);
            std::vector<int32_t> nextType;
            current.sse = assignRows(table, nextType, rowError);
            const bool converged = nextType == rowType;
            current.rowType = nextType;
            if (current.sse < best.sse)
                best = current;
            if (converged)
                break;
            rowType = std::move(nextType);
        }
        return best;
    }

    size_t groupOfColumn(size_t j) const { return m_groups == 1 ? 0 : j; }

private:
    double rowDistance(size_t a, const float* b) const
    {
        double d = 0.0;
        const float* row = &m_matrix[a * m_cols];
        for (size_t j = 0; j < m_cols; ++j) {
            const double e = static_cast<double>(row[j]) - static_cast<double>(b[j]);
            d += e * e;
        }
        return d;
    }

    /// Farthest-first traversal (Gonzalez 1985): the row of largest norm, then repeatedly the
    /// row farthest from all prototypes chosen so far. Deterministic (ties take the lowest row)
    /// and it never picks two identical rows, so rows built from at most axonTypes distinct
    /// patterns are separated exactly.
    void initialAssignment(std::vector<int32_t>& rowType, std::vector<double>& rowError) const
    {
        rowType.assign(m_rows, 0);
        rowError.assign(m_rows, 0.0);
        if (m_rows == 0)
            return;
        const std::vector<float> zero(m_cols, 0.0f);
        size_t first = 0;
        double firstNorm = -1.0;
        for (size_t r = 0; r < m_rows; ++r) {
            const double norm = rowDistance(r, zero.data());
            if (norm > firstNorm) {
                firstNorm = norm;
                first = r;
            }
        }
        for (size_t r = 0; r < m_rows; ++r)
            rowError[r] = rowDistance(r, &m_matrix[first * m_cols]);
        for (size_t t = 1; t < m_types; ++t) {
            const auto next = static_cast<size_t>(std::max_element(rowError.begin(), rowError.end()) - rowError.begin());
            if (rowError[next] == 0.0)
                break; // fewer distinct rows than types
            for (size_t r = 0; r < m_rows; ++r) {
                const double d = rowDistance(r, &m_matrix[next * m_cols]);
                if (d < rowError[r]) {
                    rowError[r] = d;
                    rowType[r] = static_cast<int32_t>(t);
                }
            }
        }
    }

    /// Gives every empty type the worst-fitting row (ties: the lowest row) whose type keeps at
    /// least one other row, as k-means does with an emptied cluster. A no-op when all rows fit
    /// exactly.
    void reseedEmptyTypes(std::vector<int32_t>& rowType, std::vector<double>& rowError) const
    {
        std::vector<size_t> count(m_types, 0);
        for (const int32_t t : rowType)
            ++count[static_cast<size_t>(t)];
        for (size_t t = 0; t < m_types; ++t) {
            if (count[t] > 0)
                continue;
            size_t worst = m_rows;
            for (size_t r = 0; r < m_rows; ++r) {
                if (count[static_cast<size_t>(rowType[r])] > 1 && rowError[r] > 0.0 &&
                    (worst == m_rows || rowError[r] > rowError[worst]))
                    worst = r;
            }
            if (worst == m_rows)
                return;
            --count[static_cast<size_t>(rowType[worst])];
            ++count[t];
            rowType[worst] = static_cast<int32_t>(t);
            rowError[worst] = 0.0;
        }
    }

    /// Sets \p s's scale and values to the quantised per-type means of its row types, and
    /// \p table to their real values per column.
    void fitValues(Solution& s, std::vector<float>& table) const
    {
        std::vector<double> sum(m_groups * m_types, 0.0);
        std::vector<size_t> count(m_groups * m_types, 0);
        for (size_t r = 0; r < m_rows; ++r) {
            const auto t = static_cast<size_t>(s.rowType[r]);
            for (size_t j = 0; j < m_cols; ++j) {
                const size_t k = groupOfColumn(j) * m_types + t;
                sum[k] += static_cast<double>(m_matrix[r * m_cols + j]);
                ++count[k];
            }
        }
        s.scale.assign(m_groups, 0.0f);
        s.values.assign(m_groups * m_types, 0);
        std::vector<double> mean(m_types);
        for (size_t g = 0; g < m_groups; ++g) {
            double maxAbs = 0.0;
            for (size_t t = 0; t < m_types; ++t) {
                const size_t k = g * m_types + t;
                mean[t] = count[k] > 0 ? sum[k] / static_cast<double>(count[k]) : 0.0;
                maxAbs = std::max(maxAbs, std::abs(mean[t]));
            }
            if (maxAbs == 0.0)
                continue;
            s.scale[g] = static_cast<float>(maxAbs / m_qmax);
            for (size_t t = 0; t < m_types; ++t)
                s.values[g * m_types + t] = roundClamp(mean[t] * m_qmax / maxAbs, -m_qmax, m_qmax);
        }
        table.assign(m_types * m_cols, 0.0f);
        for (size_t t = 0; t < m_types; ++t) {
            for (size_t j = 0; j < m_cols; ++j) {
                const size_t g = groupOfColumn(j);
                table[t * m_cols + j] = s.scale[g] * static_cast<float>(s.values[g * m_types + t]);
            }
        }
    }

    /// \returns the total squared error; sets each row's nearest type (ties: the lower type)
    /// and its error.
    double assignRows(const std::vector<float>& table, std::vector<int32_t>& rowType,
                      std::vector<double>& rowError) const
    {
        rowType.assign(m_rows, 0);
        rowError.assign(m_rows, 0.0);
        double sse = 0.0;
        for (size_t r = 0; r < m_rows; ++r) {
            double best = std::numeric_limits<double>::infinity();
            for (size_t t = 0; t < m_types; ++t) {
                const double d = rowDistance(r, &table[t * m_cols]);
                if (d < best) {
                    best = d;
                    rowType[r] = static_cast<int32_t>(t);
                }
            }
            rowError[r] = best;
            sse += best;
        }
        return sse;
    }

    size_t m_rows;
    size_t m_cols;
    size_t m_types;
    size_t m_groups;
    int32_t m_qmax;
    std::vector<float> m_matrix; ///< rows × cols
};

} // namespace

void quantizeValueSet(std::span<const float> w, const GroupIndex& groups, const WeightQuantOptions& options,
                      QuantizedWeights& out)
{
    const auto types = static_cast<size_t>(options.axonTypes);
    out.bits = options.bits;
    out.minCode = 0;
    out.maxCode = options.axonTypes - 1;
    out.zeroPoint.assign(groups.numGroups(), 0);

    ValueSetFit fit(w, groups, options);
    ValueSetFit::Solution s = fit.run(options.kmeansIterations);
    const AxisLayout& layout = groups.layout();
    if (s.rowType.size() != layout.numRows()) { // no rows or no columns: nothing was fitted
        s.rowType.assign(layout.numRows(), 0);
        s.scale.assign(groups.numGroups(), 0.0f);
        s.values.assign(groups.numGroups() * types, 0);
    }

    out.scale = s.scale;
    out.rowType = s.rowType;
    out.typeValues.assign(groups.numGroups(), std::vector<int32_t>(types, 0));
    out.codebook.assign(groups.numGroups(), std::vector<float>(types, 0.0f));
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        for (size_t t = 0; t < types; ++t) {
            out.typeValues[g][t] = s.values[g * types + t];
            out.codebook[g][t] = out.scale[g] * static_cast<float>(out.typeValues[g][t]);
        }
    }
    for (size_t r = 0; r < layout.numRows(); ++r)
        for (size_t j = 0; j < layout.channels; ++j)
            out.codes[layout.indexOf(r, j)] = out.rowType[r];
}

} // namespace nnb::quant::detail
