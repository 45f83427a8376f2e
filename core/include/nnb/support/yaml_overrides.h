// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nnb/support/expected.h"

namespace nnb {

/// Applies "dotted.key=value" assignments to a YAML document (creating maps as needed; the value
/// is parsed as YAML, so "8", "true" and "[1, 2]" keep their types) and \returns the new
/// document. The caller's parser then validates the keys and values as for a file, so a
/// misspelt key is reported like one in a file. \returns InvalidArgument for an assignment
/// without '=' or an empty key, naming it.
[[nodiscard]] Expected<std::string> applyYamlOverrides(std::string_view yaml, const std::vector<std::string>& assignments);

} // namespace nnb
