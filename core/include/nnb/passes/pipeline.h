// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

#include "nnb/passes/pass.h"

namespace nnb::passes {

/// The default compile pipeline, in order, with the reason for each position in pipeline.cpp.
std::vector<PassId> defaultPipeline();

} // namespace nnb::passes
