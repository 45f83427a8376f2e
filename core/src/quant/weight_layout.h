// SPDX-License-Identifier: GPL-3.0-or-later
// Index arithmetic shared by the weight quantisers: which output channel, input row and group a
// flat (row-major) element index belongs to.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "nnb/ir/tensor.h"
#include "nnb/quant/weight_quantizer.h"

namespace nnb::quant::detail {

/// A row-major tensor seen as [outer, channels, inner] around its output axis. An element's
/// input row is its (outer, inner) position flattened: the input index of a dense W [in, out]
/// (axis 1) and the im2col row of a conv W [M, C/g, kh, kw] (axis 0).
struct AxisLayout {
    size_t outer = 1;
    size_t channels = 1;
    size_t inner = 1;

    /// \returns the layout of \p shape around \p axis; both must be valid (checked by the caller).
    static AxisLayout of(const ir::Shape& shape, int axis)
    {
        AxisLayout layout;
        for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
            const auto extent = static_cast<size_t>(shape[static_cast<size_t>(d)]);
            if (d < axis)
                layout.outer *= extent;
            else if (d == axis)
                layout.channels = extent;
            else
                layout.inner *= extent;
        }
        return layout;
    }

    size_t numElements() const { return outer * channels * inner; }
    size_t numRows() const { return outer * inner; }
    size_t channelOf(size_t index) const { return (index / inner) % channels; }
    size_t rowOf(size_t index) const { return (index / (inner * channels)) * inner + index % inner; }
    size_t indexOf(size_t row, size_t channel) const
    {
        return ((row / inner) * channels + channel) * inner + row % inner;
    }
};

/// The elements of each quantisation group, as flat indices in ascending order (CSR layout).
class GroupIndex {
public:
    GroupIndex(const AxisLayout& layout, Granularity granularity)
        : m_layout(layout)
        , m_perChannel(granularity == Granularity::PerOutputChannel)
    {
        const size_t groups = m_perChannel ? layout.channels : 1;
        const size_t n = layout.numElements();
        m_offsets.assign(groups + 1, 0);
        m_members.resize(n);
        if (!m_perChannel) {
            for (size_t i = 0; i < n; ++i)
                m_members[i] = i;
            m_offsets[1] = n;
            return;
        }
        const size_t rows = layout.numRows();
        for (size_t c = 0; c < groups; ++c) {
            m_offsets[c + 1] = m_offsets[c] + rows;
            for (size_t r = 0; r < rows; ++r)
                m_members[m_offsets[c] + r] = layout.indexOf(r, c);
        }
    }

    size_t numGroups() const { return m_offsets.size() - 1; }
    size_t groupOf(size_t index) const { return m_perChannel ? m_layout.channelOf(index) : 0; }
    std::span<const size_t> members(size_t group) const
    {
        return {m_members.data() + m_offsets[group], m_offsets[group + 1] - m_offsets[group]};
    }
    const AxisLayout& layout() const { return m_layout; }

private:
    AxisLayout m_layout;
    bool m_perChannel;
    std::vector<size_t> m_offsets;
    std::vector<size_t> m_members;
};

} // namespace nnb::quant::detail
