// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>

namespace nnb::bench {

/// One line describing the machine and build, printed at the top of every benchmark run so
/// figures pasted into BENCHMARKS.md carry their context.
std::string machineDescription();

} // namespace nnb::bench
