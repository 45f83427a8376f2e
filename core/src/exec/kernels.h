// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private interface between the executor's scheduler (executor.cpp) and its op kernels
// (kernels_*.cpp). Not installed; nothing outside core/src/exec/ includes it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nnb/ir/graph.h"
#include "nnb/support/expected.h"

namespace nnb::exec::detail {

/// Rows of the left operand that one Eigen product computes in Gemm and MatMul.
///
/// Why fixed blocks: Eigen chooses its product kernel from the operand sizes (a
/// coefficient-based product when rows + cols + depth < 20, GEMV for a single row, blocked GEBP
/// otherwise) and those kernels sum in different orders. Computing the rows in blocks anchored at
/// row 0, and splitting batches across threads only at multiples of the block (kBatchGranule),
/// gives every row the same kernel on the same operands in a split run as in a single-threaded
/// one, so multi-threaded results are bit-identical. 32 rows keep the cost of re-packing the
/// right operand per block to a few percent.
inline constexpr int64_t kGemmRowBlock = 32;

/// Batches are split across threads only at multiples of this many samples (see kGemmRowBlock).
inline constexpr int64_t kBatchGranule = kGemmRowBlock;

/// One node's invocation. The scheduler sets the shape of every output from shape inference;
/// the kernel sets the element type, allocates the data (allocateFloat) and fills it.
struct KernelCall {
    const ir::Node& node;
    /// One entry per input slot; nullptr for an absent optional input.
    const std::vector<const ir::Tensor*>& inputs;
    /// One entry per output slot (also for absent optional outputs, which kernels may fill
    /// anyway; the scheduler drops them).
    std::vector<ir::Tensor>& outputs;
    /// Polled by kernels with long per-sample loops; true makes them return Cancelled.
    const std::function<bool()>* stop = nullptr;

    /// \returns input slot \p slot, or nullptr when it is absent.
    const ir::Tensor* input(size_t slot) const
    {
        return slot < inputs.size() ? inputs[slot] : nullptr;
    }
    bool stopRequested() const { return stop != nullptr && *stop && (*stop)(); }
};

/// Runs the kernel of call.node.op. Kernels trust nothing: they re-check the element types and
/// the operand shapes they index with, and fail with InvalidArgument, UnsupportedOp or Internal
/// instead of reading out of bounds.
[[nodiscard]] Expected<void> runKernel(const KernelCall& call);

// Kernels by family; the dispatcher in kernels.cpp maps every OpKind to one of them.
// kernels_linear.cpp
[[nodiscard]] Expected<void> runGemm(const KernelCall& call);
[[nodiscard]] Expected<void> runMatMul(const KernelCall& call);
[[nodiscard]] Expected<void> runConv(const KernelCall& call);
// kernels_elementwise.cpp
/// Add, Sub, Mul, Div.
[[nodiscard]] Expected<void> runBinary(const KernelCall& call);
/// Relu, LeakyRelu, Sigmoid, Tanh.
[[nodiscard]] Expected<void> runActivation(const KernelCall& call);
[[nodiscard]] Expected<void> runClip(const KernelCall& call);
[[nodiscard]] Expected<void> runSoftmax(const KernelCall& call);
[[nodiscard]] Expected<void> runBatchNormalization(const KernelCall& call);
// kernels_pool.cpp
/// MaxPool, AveragePool.
[[nodiscard]] Expected<void> runPool(const KernelCall& call);
[[nodiscard]] Expected<void> runGlobalAveragePool(const KernelCall& call);
// kernels_shape.cpp
/// Identity, Dropout, Flatten, Reshape.
[[nodiscard]] Expected<void> runCopy(const KernelCall& call);
[[nodiscard]] Expected<void> runTranspose(const KernelCall& call);
[[nodiscard]] Expected<void> runConcat(const KernelCall& call);
/// The internal Slice and Select (feature routing).
[[nodiscard]] Expected<void> runSlice(const KernelCall& call);
[[nodiscard]] Expected<void> runSelect(const KernelCall& call);
// The compiler-internal ops of internal_ops.def: CoreOp in kernels_linear.cpp, Accumulate in
// kernels_elementwise.cpp.
[[nodiscard]] Expected<void> runCoreOp(const KernelCall& call);
[[nodiscard]] Expected<void> runAccumulate(const KernelCall& call);
/// Internal Quantize (fake quantisation of a signal), in kernels_elementwise.cpp.
[[nodiscard]] Expected<void> runQuantize(const KernelCall& call);
[[nodiscard]] Expected<void> runMergeCopies(const KernelCall& call);

// ---- helpers shared by the kernels (kernels.cpp)

/// \returns input \p slot if it is present and float32, else an error naming \p what
/// (the ONNX input name, "X", "B", ...).
[[nodiscard]] Expected<const ir::Tensor*> floatInput(
    const KernelCall& call, size_t slot, std::string_view what);
/// Makes \p t a float32 tensor of its (already set) shape and \returns its data. Contents are
/// zero-initialised.
float* allocateFloat(ir::Tensor& t);
/// \returns the product of shape[begin, end).
int64_t dimProduct(const ir::Shape& shape, size_t begin, size_t end);
/// \returns \p axis in [0, rank), or [0, rank] when \p inclusive (Flatten, coerced Softmax);
/// ONNX counts negative axes from the back (axis + rank). Out of range is InvalidArgument.
[[nodiscard]] Expected<int64_t> normalizeAxis(
    int64_t axis, int64_t rank, std::string_view what, bool inclusive = false);
/// Applies a hardware neuron function in place: "none", "relu" (max(z, 0)) or "ramp"
/// (clamp(z, 0, 1), the rate model of an integrate-and-fire neuron); see internal_ops.def.
[[nodiscard]] Expected<void> applyNeuronFunction(const std::string& name, std::vector<float>& data);
/// Checks that the output slot \p slot has shape \p expected; shape inference computes it, and
/// the kernel re-derives it, so a mismatch is a bug in one of them (Internal).
[[nodiscard]] Expected<void> expectOutputShape(
    const KernelCall& call, size_t slot, const ir::Shape& expected);

} // namespace nnb::exec::detail
