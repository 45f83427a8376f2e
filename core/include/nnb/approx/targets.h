// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

/// Target functions for approximators: the element-wise ops a network may use that neuromorphic
/// hardware lacks. Any callable double(double) is a target; these are the common ones, with the
/// ONNX operator's default parameters.
namespace nnb::approx {

/// A scalar function to approximate. It must be finite on the fitted range.
using TargetFunction = std::function<double(double)>;

namespace targets {

/// \returns 1 / (1 + e^{−x}) (ONNX Sigmoid), computed without overflow for large |x|.
TargetFunction sigmoid();

/// \returns tanh(x) (ONNX Tanh).
TargetFunction tanh();

/// \returns x for x ≥ 0, \p alpha · x otherwise (ONNX LeakyRelu; its default alpha is 0.01).
TargetFunction leakyRelu(double alpha = 0.01);

/// \returns min(max(x, \p lo), \p hi) (ONNX Clip). Requires lo ≤ hi.
TargetFunction clip(double lo, double hi);

/// \returns x / (1 + |x|) (ONNX Softsign; needs no exponential).
TargetFunction softsign();

/// \returns ln(1 + e^{x}) (ONNX Softplus), computed without overflow for large |x|.
TargetFunction softplus();

/// \returns x for x ≥ 0, \p alpha · (e^{x} − 1) otherwise (ONNX Elu).
TargetFunction elu(double alpha = 1.0);

/// \returns max(0, min(1, \p alpha · x + \p beta)) (ONNX HardSigmoid).
TargetFunction hardSigmoid(double alpha = 0.2, double beta = 0.5);

} // namespace targets
} // namespace nnb::approx
