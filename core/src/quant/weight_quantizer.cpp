// SPDX-License-Identifier: GPL-3.0-or-later
// quantizeWeights(): input and option validation, dispatch to the scheme (weight_schemes.h),
// error statistics, and decoding of QuantizedWeights.
#include "nnb/quant/weight_quantizer.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "nnb/support/assert.h"
#include "quant/weight_layout.h"
#include "quant/weight_schemes.h"

namespace nnb::quant {

const char* toString(WeightScheme scheme)
{
    switch (scheme) {
    case WeightScheme::Uniform:
        return "uniform";
    case WeightScheme::KMeans:
        return "kmeans";
    case WeightScheme::PowerOfTwo:
        return "power-of-two";
    case WeightScheme::Ternary:
        return "ternary";
    case WeightScheme::Binary:
        return "binary";
    case WeightScheme::ValueSet:
        return "value-set";
    }
    return "unknown";
}

const char* toString(Granularity granularity)
{
    switch (granularity) {
    case Granularity::PerTensor:
        return "per-tensor";
    case Granularity::PerOutputChannel:
        return "per-output-channel";
    }
    return "unknown";
}

namespace {

tl::unexpected<Error> invalid(const std::string& message) { return makeError(Errc::InvalidArgument, message); }

std::string rangeMessage(const char* option, WeightScheme scheme, int lo, int hi, int64_t got)
{
    return std::string(option) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] for " +
           toString(scheme) + " weight quantisation (got " + std::to_string(got) + ")";
}

Expected<void> validateOptions(const WeightQuantOptions& o)
{
    const auto checkRange = [&](const char* option, int64_t value, int lo, int hi) -> Expected<void> {
        if (value < lo || value > hi)
            return invalid(rangeMessage(option, o.scheme, lo, hi, value));
        return {};
    };
    if (o.granularity != Granularity::PerTensor && o.granularity != Granularity::PerOutputChannel)
        return invalid("granularity is not a known value");
    switch (o.scheme) {
    case WeightScheme::Uniform:
        return checkRange("bits", o.bits, o.symmetric ? 2 : 1, 16);
    case WeightScheme::KMeans:
        NNB_RETURN_IF_ERROR(checkRange("levels", o.levels, 2, 65536));
        return checkRange("kmeansIterations", o.kmeansIterations, 1, 100000);
    case WeightScheme::PowerOfTwo:
        // |code| − 1 is a shift amount: 6 bits give 31 exponents, the most whose integer form
        // 2^(|code|−1) still fits int32 (and whose smallest level stays a normal float).
        return checkRange("bits", o.bits, 2, 6);
    case WeightScheme::Ternary:
    case WeightScheme::Binary:
        return {};
    case WeightScheme::ValueSet:
        NNB_RETURN_IF_ERROR(checkRange("bits", o.bits, 2, 16));
        NNB_RETURN_IF_ERROR(checkRange("axonTypes", o.axonTypes, 1, 256));
        return checkRange("kmeansIterations", o.kmeansIterations, 1, 100000);
    }
    return invalid("scheme is not a known value");
}

Expected<void> validateTensor(const ir::Tensor& weights, int outputAxis)
{
    if (weights.dtype != ir::DataType::Float32)
        return invalid("weights must be a float tensor");
    if (!ir::isStatic(weights.shape))
        return invalid("weights must have a static shape (got " + ir::shapeToString(weights.shape) + ")");
    if (weights.shape.empty())
        return invalid("weights must have rank >= 1");
    if (outputAxis < 0 || outputAxis >= weights.rank())
        return invalid("outputAxis " + std::to_string(outputAxis) + " is outside the weights' rank " +
                       std::to_string(weights.rank()));
    const int64_t n = ir::numElements(weights.shape);
    if (static_cast<int64_t>(weights.f.size()) != n)
        return invalid("weights hold " + std::to_string(weights.f.size()) + " values but their shape " +
                       ir::shapeToString(weights.shape) + " has " + std::to_string(n));
    const auto bad = std::find_if(weights.f.begin(), weights.f.end(), [](float v) { return !std::isfinite(v); });
    if (bad != weights.f.end())
        return invalid("weights hold a non-finite value at index " +
                       std::to_string(std::distance(weights.f.begin(), bad)));
    return {};
}

/// Decodes element \p index of group \p group (see the table in weight_quantizer.h).
float decode(const QuantizedWeights& q, size_t index, size_t group)
{
    const int32_t code = q.codes[index];
    switch (q.scheme) {
    case WeightScheme::KMeans:
    case WeightScheme::ValueSet:
        return q.codebook[group][static_cast<size_t>(code)];
    case WeightScheme::PowerOfTwo:
        if (code == 0)
            return 0.0f;
        return (code < 0 ? -q.scale[group] : q.scale[group]) * std::ldexp(1.0f, std::abs(code) - 1);
    case WeightScheme::Uniform:
    case WeightScheme::Ternary:
    case WeightScheme::Binary:
        break;
    }
    return q.scale[group] * static_cast<float>(code - q.zeroPoint[group]);
}

} // namespace

size_t QuantizedWeights::numGroups() const
{
    return granularity == Granularity::PerTensor ? 1 : detail::AxisLayout::of(shape, outputAxis).channels;
}

size_t QuantizedWeights::groupOf(size_t index) const
{
    return granularity == Granularity::PerTensor ? 0 : detail::AxisLayout::of(shape, outputAxis).channelOf(index);
}

size_t QuantizedWeights::rowOf(size_t index) const { return detail::AxisLayout::of(shape, outputAxis).rowOf(index); }

size_t QuantizedWeights::numRows() const { return detail::AxisLayout::of(shape, outputAxis).numRows(); }

int32_t QuantizedWeights::integerWeight(size_t index) const
{
    NNB_ASSERT(hasIntegerForm());
    const int32_t code = codes[index];
    switch (scheme) {
    case WeightScheme::Uniform:
        return code - zeroPoint[groupOf(index)];
    case WeightScheme::PowerOfTwo:
        return code == 0 ? 0 : (code < 0 ? -1 : 1) * (int32_t{1} << (std::abs(code) - 1));
    case WeightScheme::ValueSet:
        return typeValues[groupOf(index)][static_cast<size_t>(code)];
    case WeightScheme::Ternary:
    case WeightScheme::Binary:
    case WeightScheme::KMeans:
        break;
    }
    return code;
}

float QuantizedWeights::dequantize(size_t index) const { return decode(*this, index, groupOf(index)); }

ir::Tensor QuantizedWeights::dequantized() const
{
    const detail::AxisLayout layout = detail::AxisLayout::of(shape, outputAxis);
    const bool perChannel = granularity == Granularity::PerOutputChannel;
    std::vector<float> values(codes.size());
    for (size_t i = 0; i < values.size(); ++i)
        values[i] = decode(*this, i, perChannel ? layout.channelOf(i) : 0);
    return ir::Tensor::fromData(shape, std::move(values));
}

Expected<QuantizedWeights> quantizeWeights(const ir::Tensor& weights, int outputAxis,
                                           const WeightQuantOptions& options)
{
    NNB_RETURN_IF_ERROR(validateOptions(options));
    NNB_RETURN_IF_ERROR(validateTensor(weights, outputAxis));

    QuantizedWeights out;
    out.shape = weights.shape;
    out.outputAxis = outputAxis;
    out.scheme = options.scheme;
    out.granularity = options.granularity;
    out.codes.assign(weights.f.size(), 0);

    const detail::GroupIndex groups(detail::AxisLayout::of(weights.shape, outputAxis), options.granularity);
    const std::span<const float> w(weights.f);
    switch (options.scheme) {
    case WeightScheme::Uniform:
        detail::quantizeUniform(w, groups, options, out);
        break;
    case WeightScheme::KMeans:
        detail::quantizeKMeans(w, groups, options, out);
        break;
    case WeightScheme::PowerOfTwo:
        detail::quantizePowerOfTwo(w, groups, options, out);
        break;
    case WeightScheme::Ternary:
        detail::quantizeTernary(w, groups, out);
        break;
    case WeightScheme::Binary:
        detail::quantizeBinary(w, groups, out);
        break;
    case WeightScheme::ValueSet:
        detail::quantizeValueSet(w, groups, options, out);
        break;
    }

    double sumSq = 0.0;
    double maxAbs = 0.0;
    for (size_t g = 0; g < groups.numGroups(); ++g) {
        for (const size_t i : groups.members(g)) {
            const double e = std::abs(static_cast<double>(decode(out, i, g)) - static_cast<double>(w[i]));
            sumSq += e * e;
            maxAbs = std::max(maxAbs, e);
        }
    }
    out.mse = w.empty() ? 0.0 : sumSq / static_cast<double>(w.size());
    out.maxAbsError = maxAbs;
    return out;
}

} // namespace nnb::quant
