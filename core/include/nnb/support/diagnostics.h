// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <string>
#include <vector>

namespace nnb {

/// How serious a finding is. Infeasibility is a result, not an error: a layer that does not fit
/// or a lossy conversion is recorded as a Diagnostic and shown, not thrown.
enum class Severity { Info, Warning, Error };

/// One finding of a compile stage, for the report, the CLI table and the GUI's problems dock.
struct Diagnostic {
    Severity severity = Severity::Info;
    std::string where;   ///< the layer, node or key concerned ("/0/Conv", "crossbar.rows")
    std::string message; ///< one sentence: what happened and what to change
};

using Diagnostics = std::vector<Diagnostic>;

const char* toString(Severity severity);

} // namespace nnb
