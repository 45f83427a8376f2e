// SPDX-License-Identifier: GPL-3.0-or-later
#include "tune/shadow_quantizer.h"

#include <algorithm>

namespace nnb::tune::detail {
namespace {

/// \returns the value of the strictly increasing \p book closest to \p x.
float nearest(const std::vector<float>& book, float x)
{
    const auto hi = std::lower_bound(book.begin(), book.end(), x);
    if (hi == book.begin())
        return *hi;
    if (hi == book.end())
        return book.back();
    return x - *(hi - 1) <= *hi - x ? *(hi - 1) : *hi;
}

} // namespace

Expected<void> ShadowQuantizer::refresh(const Matrix& w)
{
    NNB_TRY(quant::QuantizedWeights q, quantizeLayerWeights(m_shape, w, m_options));
    m_q = dequantizedMatrix(m_shape, q);
    m_perTensor = q.granularity == quant::Granularity::PerTensor;
    m_codebook = std::move(q.codebook);
    m_grid.clear();
    if (q.scheme == quant::WeightScheme::Uniform) {
        // A group's codes on [minCode, maxCode] decoding to scale·(code − zeroPoint) are a
        // SignalQuant's; an all-zero group (scale 0) keeps its zeros.
        for (size_t g = 0; g < q.scale.size(); ++g) {
            quant::SignalQuant grid;
            grid.scale = q.scale[g] > 0.0f ? q.scale[g] : 1.0f;
            grid.zeroPoint = q.zeroPoint[g];
            grid.qmin = q.scale[g] > 0.0f ? q.minCode : q.zeroPoint[g];
            grid.qmax = q.scale[g] > 0.0f ? q.maxCode : q.zeroPoint[g];
            m_grid.emplace_back(grid);
        }
    }
    return {};
}

Expected<const Matrix*> ShadowQuantizer::project(const Matrix& w)
{
    switch (m_options.scheme) {
    case quant::WeightScheme::Uniform:
        m_q = w;
        for (Eigen::Index m = 0; m < w.rows(); ++m)
            m_grid[m_perTensor ? 0 : static_cast<size_t>(m)].apply(m_q.row(m).data(), w.cols());
        break;
    case quant::WeightScheme::KMeans:
        for (Eigen::Index m = 0; m < w.rows(); ++m) {
            const std::vector<float>& book = m_codebook[m_perTensor ? 0 : static_cast<size_t>(m)];
            for (Eigen::Index k = 0; k < w.cols(); ++k)
                m_q(m, k) = nearest(book, w(m, k));
        }
        break;
    case quant::WeightScheme::ValueSet:
        break;
    default: {
        NNB_TRY(m_q, quantizedWeights(m_shape, w, m_options));
    }
    }
    return &m_q;
}

} // namespace nnb::tune::detail
