// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <string>

namespace nnb::bench {

/// One line describing the machine and build, printed at the top of every benchmark run so
/// figures pasted into BENCHMARKS.md carry their context.
std::string machineDescription();

/// \returns the best seconds per call of \p work over \p runs runs, each calling it repeatedly for
/// at least \p minSeconds (after one warm-up call).
double bestSecondsPerCall(const std::function<void()>& work, int runs = 5, double minSeconds = 0.2);

} // namespace nnb::bench
