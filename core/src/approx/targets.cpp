// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/approx/targets.h"

#include <algorithm>
#include <cmath>

namespace nnb::approx::targets {

TargetFunction sigmoid()
{
    return [](double x) {
        // Evaluate through e^{−|x|} so neither branch overflows.
        const double e = std::exp(-std::abs(x));
        return x >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    };
}

TargetFunction tanh()
{
    return [](double x) { return std::tanh(x); };
}

TargetFunction leakyRelu(double alpha)
{
    return [alpha](double x) { return x >= 0.0 ? x : alpha * x; };
}

TargetFunction clip(double lo, double hi)
{
    return [lo, hi](double x) { return std::min(std::max(x, lo), hi); };
}

TargetFunction softsign()
{
    return [](double x) { return x / (1.0 + std::abs(x)); };
}

TargetFunction softplus()
{
    // ln(1 + e^x) = max(x, 0) + ln(1 + e^{−|x|}).
    return [](double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); };
}

TargetFunction elu(double alpha)
{
    return [alpha](double x) { return x >= 0.0 ? x : alpha * std::expm1(x); };
}

TargetFunction hardSigmoid(double alpha, double beta)
{
    return [alpha, beta](double x) { return std::clamp(alpha * x + beta, 0.0, 1.0); };
}

} // namespace nnb::approx::targets
