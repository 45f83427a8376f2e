// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The internal Quantize node (internal_ops.def) carries a SignalQuant in its attributes; these
// two functions are the only place that knows the attribute names.

#include <string>

#include "nnb/ir/graph.h"
#include "nnb/quant/signal_quantizer.h"
#include "nnb/support/expected.h"

namespace nnb::quant {

/// \returns the attributes of a Quantize node applying \p q at a boundary of \p layer.
ir::Attributes quantizeAttributes(const SignalQuant& q, const std::string& layer);

/// \returns the SignalQuant of a Quantize node, or InvalidArgument naming the attribute when it
/// is missing or inconsistent (scale not finite and positive, qmin > qmax, zero point outside
/// [qmin, qmax], bits outside 1..24).
[[nodiscard]] Expected<SignalQuant> signalQuantOf(const ir::Node& node);

} // namespace nnb::quant
