// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/support/diagnostics.h"

namespace nnb {

const char* toString(Severity severity)
{
    switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
    }
    return "?";
}

} // namespace nnb
