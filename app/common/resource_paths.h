// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "nnb/hw/profile.h"
#include "nnb/support/expected.h"

namespace nnb::app {

/// Locates the shipped resources (sample networks, data sample) and profiles for the
/// executables: $NNB_RESOURCE_DIR / $NNB_PROFILE_DIR if set, else the installed
/// share/nnbridge/ folders beside the executable's prefix, else the source tree the build came
/// from. The core never computes locations; the app hands it paths.
std::filesystem::path resourceDir();
std::filesystem::path profileDir();

/// The embedded default job's inputs.
std::filesystem::path defaultModelPath();   ///< resources/models/lenet.onnx
std::filesystem::path defaultDataSampleDir(); ///< resources/data/fashion-mnist-sample
inline constexpr const char* kDefaultProfileId = "prime"; ///< profiles/prime.yaml
std::filesystem::path defaultProfilePath();

/// Loads the profile a user named: a file path, or the id of a shipped profile
/// (profileDir()/<id>.yaml), with "section.key=value" \p overrides applied by hw::loadProfile.
/// An unknown id is an error listing the shipped ids.
[[nodiscard]] Expected<hw::Profile> loadProfileSpec(const std::string& spec, const std::vector<std::string>& overrides = {});

} // namespace nnb::app
