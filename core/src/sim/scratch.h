// SPDX-License-Identifier: GPL-3.0-or-later
// Private: thread-local work buffers of the simulator's kernels, reused across calls.
#pragma once

#include <cstddef>
#include <vector>

namespace nnb::sim::detail {

/// \returns \p v's data with room for \p n elements, contents unspecified (the buffer only grows).
template <class T>
T* sized(std::vector<T>& v, size_t n)
{
    if (v.size() < n)
        v.resize(n);
    return v.data();
}

} // namespace nnb::sim::detail
