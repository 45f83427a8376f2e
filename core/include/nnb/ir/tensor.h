// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nnb::ir {

/// A tensor shape, outermost dimension first. A dimension of kDynamicDim is unknown until run
/// time (in practice the batch dimension of a model's input).
using Shape = std::vector<int64_t>;
inline constexpr int64_t kDynamicDim = -1;

/// \returns the number of elements of \p shape, or -1 if a dimension is dynamic.
int64_t numElements(const Shape& shape);
/// \returns "[N,1,28,28]" with "?" for dynamic dimensions.
std::string shapeToString(const Shape& shape);
/// \returns true if no dimension of \p shape is dynamic.
bool isStatic(const Shape& shape);

/// Element types a Tensor can hold. All arithmetic is float32; Int64 exists only for shape-like
/// operands (Reshape's target shape, Clip bounds given as integers are converted on import).
enum class DataType { Float32, Int64 };

/// A dense, row-major tensor value. Float data lives in \c f, int64 data in \c i; the vector
/// of the other type is empty. Tensors are values: copy them or share them through
/// std::shared_ptr<const Tensor>.
struct Tensor {
    DataType dtype = DataType::Float32;
    Shape shape;
    std::vector<float> f;
    std::vector<int64_t> i;

    /// \returns a float tensor of \p shape filled with \p value. \p shape must be static.
    static Tensor filled(Shape shape, float value = 0.0f);
    /// \returns a float tensor of \p shape owning \p data; data.size() must match the shape.
    static Tensor fromData(Shape shape, std::vector<float> data);
    /// \returns an int64 tensor of \p shape owning \p data.
    static Tensor fromInts(Shape shape, std::vector<int64_t> data);

    int64_t size() const { return numElements(shape); }
    int rank() const { return static_cast<int>(shape.size()); }
    float* data() { return f.data(); }
    const float* data() const { return f.data(); }
};

} // namespace nnb::ir
