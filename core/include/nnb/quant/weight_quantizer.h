// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nnb/ir/tensor.h"
#include "nnb/support/expected.h"

namespace nnb::quant {

/// How real weights become the few values the hardware can store.
enum class WeightScheme {
    Uniform,    ///< integers on an even grid: real = scale·(code − zeroPoint)
    KMeans,     ///< a learned codebook of `levels` values per group (Lloyd's algorithm)
    PowerOfTwo, ///< ±2^k·scale and 0 (shift-only multipliers)
    Ternary,    ///< {−α, 0, +α} per group (TWN, Li & Liu 2016)
    Binary,     ///< {−α, +α} per group, α = mean |w|
    ValueSet,   ///< TrueNorth axon types: a per-neuron value for each input row's type
};

/// Which weights share one scale (or codebook).
///
/// Per-crossbar granularity is not a separate mode: the caller splits the weight matrix into
/// crossbar tiles and quantises each tile's tensor on its own with PerTensor.
enum class Granularity {
    PerTensor,        ///< one group: the whole tensor
    PerOutputChannel, ///< one group per index along the output axis (one per output neuron)
};

/// \returns "uniform", "kmeans", "power-of-two", "ternary", "binary" or "value-set".
const char* toString(WeightScheme scheme);
/// \returns "per-tensor" or "per-output-channel".
const char* toString(Granularity granularity);

/// Options of quantizeWeights(). Which fields matter depends on the scheme; the others are ignored.
struct WeightQuantOptions {
    WeightScheme scheme = WeightScheme::Uniform;
    /// Uniform: code width, 1..16 (2..16 when symmetric). PowerOfTwo: 2..6, sign plus
    /// 2^(bits−1) − 1 exponents. ValueSet: width of each signed type value, 2..16.
    int bits = 8;
    bool symmetric = true; ///< Uniform only: symmetric signed codes, else unsigned codes with a zero point
    Granularity granularity = Granularity::PerOutputChannel;
    int levels = 16;           ///< KMeans: codebook size per group, 2..65536
    int axonTypes = 4;         ///< ValueSet: types per input row, 1..256 (TrueNorth: 4)
    int kmeansIterations = 20; ///< KMeans and ValueSet: maximum alternating-minimisation rounds, >= 1
    uint64_t seed = 1;         ///< KMeans: breaks ties between equally good re-seeding candidates
};

/// A quantised weight tensor: integer codes in the tensor's own layout plus what turns each
/// code back into a real value. Produced by quantizeWeights(); a plain value type.
///
/// Decoding, per scheme (g is the element's group, see groupOf()):
/// - Uniform:    real = scale[g]·(code − zeroPoint[g]).
///   Symmetric codes lie in [−(2^(bits−1) − 1), 2^(bits−1) − 1] with zeroPoint 0; asymmetric
///   codes in [0, 2^bits − 1].
/// - KMeans:     real = codebook[g][code]; the codebook is strictly increasing and holds at
///   most `levels` entries (fewer when the group has fewer distinct values). scale is 1.
/// - PowerOfTwo: code 0 is 0; code c ≠ 0 is sign(c)·2^(|c|−1)·scale[g], so scale[g] is the
///   smallest magnitude and |c| ≤ 2^(bits−1) − 1.
/// - Ternary:    real = scale[g]·code, code ∈ {−1, 0, 1} (scale = α).
/// - Binary:     real = scale[g]·code, code ∈ {−1, 1} (scale = α; a zero weight gets +1).
/// - ValueSet:   the code is the type of the element's input row (rowType), and
///   real = codebook[g][code] = scale[g]·typeValues[g][code].
///
/// Every scheme except KMeans also has an integer form, real = scale[g]·integerWeight(i): the
/// signed integer a crossbar or a spiking core multiplies with (see integerWeight()).
/// A group whose weights are all zero gets scale 0 and codes that decode to 0 (KMeans: scale 1
/// and the codebook {0}).
struct QuantizedWeights {
    ir::Shape shape;    ///< the float tensor's shape
    int outputAxis = 1; ///< the axis indexing output channels (1 for dense W [in, out], 0 for conv W [M, C/g, kh, kw])
    WeightScheme scheme = WeightScheme::Uniform;
    Granularity granularity = Granularity::PerTensor;
    int bits = 8; ///< code width (Ternary 2, Binary 1, KMeans ceil(log2(levels)), ValueSet: width of typeValues)

    std::vector<int32_t> codes;                ///< one per element, same row-major layout as the tensor
    std::vector<float> scale;                  ///< one per group
    std::vector<int32_t> zeroPoint;            ///< one per group (non-zero only for asymmetric Uniform)
    std::vector<std::vector<float>> codebook;  ///< KMeans and ValueSet: per group, the real value of each code
    std::vector<std::vector<int32_t>> typeValues; ///< ValueSet: per group, the signed integer value of each type
    std::vector<int32_t> rowType; ///< ValueSet: the axon type of each input row (row = element index without the output axis)
    int32_t minCode = 0; ///< the smallest code the scheme can produce
    int32_t maxCode = 0; ///< the largest code the scheme can produce

    double mse = 0.0;         ///< mean squared error of the dequantised weights against the float weights
    double maxAbsError = 0.0; ///< largest absolute error of one dequantised weight

    /// \returns the number of groups: 1 for PerTensor, else the size of the output axis.
    size_t numGroups() const;
    /// \returns the group of element \p index: 0 for PerTensor, else its output channel.
    size_t groupOf(size_t index) const;
    /// \returns the input row of element \p index: its position among all elements of the same
    /// output channel (the im2col row of a conv weight, the input of a dense weight).
    size_t rowOf(size_t index) const;
    /// \returns the number of input rows: the element count divided by the output axis size.
    size_t numRows() const;

    /// \returns true unless the scheme is KMeans, whose codebook values share no integer grid.
    bool hasIntegerForm() const { return scheme != WeightScheme::KMeans; }
    /// \returns the signed integer the hardware multiplies with for element \p index, such that
    /// dequantize(index) == scale[groupOf(index)]·integerWeight(index): code − zeroPoint (Uniform),
    /// ±2^(|code|−1) (PowerOfTwo), the code (Ternary, Binary), typeValues[g][code] (ValueSet).
    /// Must not be called when hasIntegerForm() is false.
    int32_t integerWeight(size_t index) const;

    /// \returns the real value of element \p index.
    float dequantize(size_t index) const;
    /// \returns a float tensor of \c shape holding every element's real value.
    ir::Tensor dequantized() const;
};

/// Quantises a float weight tensor.
///
/// \p outputAxis names the axis of output channels: 1 for dense core-op weights W [in, out],
/// 0 for convolution weights W [M, C/g, kh, kw]. With Granularity::PerOutputChannel every index
/// along that axis is quantised on its own. Rounding is to nearest, halves away from zero.
///
/// Algorithms: Uniform scales max |w| (symmetric) or [min(w, 0), max(w, 0)] (asymmetric) onto
/// the code range. KMeans runs Lloyd's algorithm on each group's sorted values twice, initialised
/// at the quantiles (k + ½)/levels and evenly over [min, max], and keeps the lower error; an
/// emptied cluster is re-seeded at the value farthest from its centroid. PowerOfTwo anchors the largest exponent at max |w| and rounds each weight to the
/// nearest level. Ternary uses the threshold Δ = 0.7·mean |w| and α = mean |w| over |w| > Δ.
/// Binary uses α = mean |w|. ValueSet alternates between assigning each input row the axon type
/// whose values fit it best and setting each group's per-type values to the mean of its
/// weights of that type, rounded to `bits`-wide signed integers times a per-group scale
/// max |value| / (2^(bits−1) − 1); it starts from a farthest-first choice of row prototypes and
/// keeps the best round. All of it is deterministic for given options.
///
/// \returns the quantised weights, or Errc::InvalidArgument naming the offending option or
/// input (a non-float or dynamic tensor, a data size that does not match the shape, a
/// non-finite weight, an output axis outside the rank, an option out of range).
[[nodiscard]] Expected<QuantizedWeights> quantizeWeights(const ir::Tensor& weights, int outputAxis,
                                                         const WeightQuantOptions& options);

} // namespace nnb::quant
