// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace nnb::widgets {

/// How serious a message shown in the log or the Problems view is.
enum class Severity { Info, Warning, Error };

} // namespace nnb::widgets
