// SPDX-License-Identifier: GPL-3.0-or-later
#include "nnb/ir/tensor.h"

#include "nnb/support/assert.h"

namespace nnb::ir {

int64_t numElements(const Shape& shape)
{
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0)
            return -1;
        n *= d;
    }
    return n;
}

bool isStatic(const Shape& shape)
{
    for (int64_t d : shape)
        if (d < 0)
            return false;
    return true;
}

std::string shapeToString(const Shape& shape)
{
    std::string out = "[";
    for (size_t k = 0; k < shape.size(); ++k) {
        if (k)
            out += ',';
        out += shape[k] < 0 ? std::string("?") : std::to_string(shape[k]);
    }
    out += ']';
    return out;
}

Tensor Tensor::filled(Shape shape, float value)
{
    NNB_ASSERT(isStatic(shape));
    Tensor t;
    t.shape = std::move(shape);
    t.f.assign(static_cast<size_t>(numElements(t.shape)), value);
    return t;
}

Tensor Tensor::fromData(Shape shape, std::vector<float> data)
{
    NNB_ASSERT(numElements(shape) == static_cast<int64_t>(data.size()));
    Tensor t;
    t.shape = std::move(shape);
    t.f = std::move(data);
    return t;
}

Tensor Tensor::fromInts(Shape shape, std::vector<int64_t> data)
{
    NNB_ASSERT(numElements(shape) == static_cast<int64_t>(data.size()));
    Tensor t;
    t.dtype = DataType::Int64;
    t.shape = std::move(shape);
    t.i = std::move(data);
    return t;
}

} // namespace nnb::ir
