// SPDX-License-Identifier: GPL-3.0-or-later
// A shipped hardware profile by id, with overrides; a missing or invalid one stops the test.
#pragma once

#include <QtGlobal>

#include <string>
#include <vector>

#include "nnb/hw/profile_io.h"
#include "test_paths.h"

namespace nnb::test {

inline hw::Profile shippedProfile(const std::string& id, const std::vector<std::string>& overrides = {})
{
    auto p = hw::loadProfile(profileDir() / (id + ".yaml"), overrides);
    if (!p)
        qFatal("%s", p.error().message.c_str());
    return *p;
}

} // namespace nnb::test
