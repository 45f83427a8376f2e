// SPDX-License-Identifier: GPL-3.0-or-later
// Private: one factory per registered pass, defined in the pass's own .cpp file.
#pragma once

#include <memory>

#include "nnb/passes/pass.h"

namespace nnb::passes::detail {

#define NNB_PASS(Enum, Name, Description) std::unique_ptr<Pass> create##Enum##Pass();
#include "nnb/passes/passes.def"

/// Base for the concrete passes: fixes id() from the template argument.
template <PassId Id>
class PassBase : public Pass {
public:
    PassId id() const final { return Id; }
};

} // namespace nnb::passes::detail
