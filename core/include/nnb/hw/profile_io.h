// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/support/expected.h"

namespace nnb::hw {

/// Reads and validates the profile file at \p path (YAML, schema in profiles/README.md).
/// Errors (Errc::InvalidProfile, or Io when unreadable) name the file, the key and its line, and
/// say what is expected: "tianji.yaml: key crossbar.rows (line 9): must be a positive integer,
/// got -3".
[[nodiscard]] Expected<Profile> loadProfile(const std::filesystem::path& path);
/// As loadProfile, with "section.key=value" overrides applied to the file before it is validated
/// (see applyYamlOverrides); errors name the override.
[[nodiscard]] Expected<Profile> loadProfile(const std::filesystem::path& path, const std::vector<std::string>& overrides);

/// As loadProfile, from YAML text; \p sourceName is used in messages.
[[nodiscard]] Expected<Profile> parseProfile(std::string_view yaml, std::string_view sourceName);

/// Checks the cross-field rules of a profile (mesh matches core count, bit widths in range, ...),
/// for profiles built in code or edited in the GUI. \returns InvalidProfile naming the key.
[[nodiscard]] Expected<void> validateProfile(const Profile& profile);

/// \returns \p profile as YAML in the schema loadProfile reads (round-trips exactly).
std::string profileToYaml(const Profile& profile);

} // namespace nnb::hw
