// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdlib>

#include "nnb/hw/profile.h"

namespace nnb::mapping {

/// A width x height mesh of cores, numbered row-major: core = y * width + x.
struct Mesh {
    int width = 1;
    int height = 1;

    static Mesh fromProfile(const hw::Profile& profile) { return Mesh{profile.chip.meshWidth, profile.chip.meshHeight}; }
    int cores() const { return width * height; }
    int x(int core) const { return core % width; }
    int y(int core) const { return core / width; }
    /// \returns the XY-routing hop count (Manhattan distance) between two cores.
    int hops(int a, int b) const { return std::abs(x(a) - x(b)) + std::abs(y(a) - y(b)); }
};

} // namespace nnb::mapping
