// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <filesystem>

namespace nnb::test {

/// Folder of committed test data (tests/data).
inline std::filesystem::path dataDir() { return NNB_TEST_DATA_DIR; }
/// Folder of the shipped resources (resources/: sample networks and data sample).
inline std::filesystem::path resourceDir() { return NNB_RESOURCE_DIR; }
/// Folder of the shipped hardware profiles.
inline std::filesystem::path profileDir() { return NNB_PROFILE_DIR; }

} // namespace nnb::test
