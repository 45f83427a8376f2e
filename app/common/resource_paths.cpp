// SPDX-License-Identifier: GPL-3.0-or-later
#include "resource_paths.h"

#include "nnb/hw/profile_io.h"

#include <cstdlib>
#include <system_error>

namespace nnb::app {
namespace {

std::filesystem::path executableDir()
{
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path{} : self.parent_path();
}

std::filesystem::path locate(const char* envVar, const char* installedName, const char* sourceDir)
{
    if (const char* env = std::getenv(envVar); env && *env)
        return env;
    std::error_code ec;
    const auto installed = executableDir() / ".." / "share" / "nnbridge" / installedName;
    if (std::filesystem::is_directory(installed, ec))
        return std::filesystem::weakly_canonical(installed, ec);
    return sourceDir;
}

} // namespace

std::filesystem::path resourceDir() { return locate("NNB_RESOURCE_DIR", "resources", NNB_SOURCE_RESOURCE_DIR); }
std::filesystem::path profileDir() { return locate("NNB_PROFILE_DIR", "profiles", NNB_SOURCE_PROFILE_DIR); }
std::filesystem::path defaultModelPath() { return resourceDir() / "models" / "lenet.onnx"; }
std::filesystem::path defaultDataSampleDir() { return resourceDir() / "data" / "fashion-mnist-sample"; }
std::filesystem::path defaultProfilePath() { return profileDir() / (std::string(kDefaultProfileId) + ".yaml"); }

Expected<hw::Profile> loadProfileSpec(const std::string& spec, const std::vector<std::string>& overrides)
{
    std::error_code ec;
    if (std::filesystem::is_regular_file(spec, ec))
        return hw::loadProfile(spec, overrides);
    const auto shipped = profileDir() / (spec + ".yaml");
    if (std::filesystem::is_regular_file(shipped, ec))
        return hw::loadProfile(shipped, overrides);
    std::string known;
    for (const auto& entry : std::filesystem::directory_iterator(profileDir(), ec))
        if (entry.path().extension() == ".yaml")
            known += (known.empty() ? "" : ", ") + entry.path().stem().string();
    return makeError(Errc::InvalidArgument, "no profile '" + spec + "': give a file or one of: " + known);
}

} // namespace nnb::app
