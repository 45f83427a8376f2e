// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nnb/strategy/strategy.h"
#include "nnb/support/expected.h"

namespace nnb::strategy {

/// Reads a strategy file (YAML; every key optional, defaults as in Strategy). Errors
/// (InvalidProfile) name the file, key and line.
[[nodiscard]] Expected<Strategy> loadStrategy(const std::filesystem::path& path);
/// As loadStrategy, with "section.key=value" overrides applied to the file before it is validated
/// (see applyYamlOverrides); errors name the override.
[[nodiscard]] Expected<Strategy> loadStrategy(const std::filesystem::path& path, const std::vector<std::string>& overrides);
/// As loadStrategy, from YAML text.
[[nodiscard]] Expected<Strategy> parseStrategy(std::string_view yaml, std::string_view sourceName);
/// \returns \p strategy as YAML that parseStrategy reads back to the same values.
std::string strategyToYaml(const Strategy& strategy);

} // namespace nnb::strategy
