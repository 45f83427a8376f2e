// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The crossbar kernel of the bit-accurate simulator: one crossbar-sized block of signed integer
// weight codes, stored as bit-sliced cell levels the way the profile says, read with bit-serial
// inputs and an ADC of limited precision, recombined digitally. The semantics are exactly those
// of docs/domain.md §6 ("Reference integer semantics for a crossbar core-op").

#include <cstdint>
#include <memory>
#include <span>

#include "nnb/hw/profile.h"
#include "nnb/support/expected.h"

namespace nnb::sim {

/// The parameters of one crossbar that decide its integer arithmetic. A value type; build it
/// from a profile with fromProfile() or by hand, and check it with validate().
///
/// Storage of a signed weight code w (range [-(2^(weightBits-1)-1), 2^(weightBits-1)-1]):
///  - differential: magnitudes w+ = max(w, 0) and w- = max(-w, 0) on two arrays per slice,
///    weightSlices() = ceil((weightBits-1) / cellBits);
///  - signed, not differential: offset (bias) encoding w + (2^(weightBits-1) - 1) on one array
///    per slice, weightSlices() = ceil(weightBits / cellBits); the offset's contribution
///    offset * sum_i x_i is removed digitally after conversion;
///  - unsigned (range [0, 2^weightBits - 1]): stored as is, ceil(weightBits / cellBits) slices.
/// Slice s holds bits [s*cellBits, (s+1)*cellBits) of the stored value.
struct CrossbarConfig {
    /// What the ADC does with a column sum I of one read.
    enum class AdcMode {
        /// q = clamp(round(I / Δ), 0, 2^adcBits - 1) with Δ = effectiveAdcStep() for every array;
        /// sums beyond the top code saturate (counted in AdcStats::clipped).
        Clip,
        /// The ADC range is scaled per array and input cycle (a calibrated reference, fixed
        /// when the tile is built): Δ_{a,t} is the smallest power of two >= 1 with
        /// round(maxRead_{a,t} / Δ_{a,t}) <= 2^adcBits - 1, where maxRead_{a,t} = d_t *
        /// max_j sum_i level_{a,i,j} and d_t = min(2^dacBits - 1, maxInputCode() >>
        /// (dacBits * t)) is the largest digit cycle t can feed (the top cycle of 8-bit inputs
        /// through a 3-bit DAC carries 2 bits: d = 3). An ideal array never clips; the low bits
        /// are rounded away instead. Powers of two keep the recombination an exact shift: q is
        /// shifted by cellBits*s + dacBits*t + log2(Δ_{a,t}).
        /// Why per cycle: the bit-planes of an input are fed one after another, so the
        /// periphery can switch the ADC's reference (its range) between them as it switches the
        /// shift of the shift-and-add; a small register of arrays x cycles references per
        /// crossbar. The most significant planes of ReLU activations are sparse, so their reads
        /// are small, and a finer Δ there cuts the error that the shift-and-add amplifies most
        /// (by 2^(dacBits*t)). adcStep must be left at 0.
        /// With adcPerColumn, Δ is set per array, cycle and column instead (see there).
        Scale,
    };

    int rows = 128; ///< physical rows R (inputs)
    int cols = 128; ///< physical columns (outputs)
    int weightBits = 8;
    bool weightSigned = true;
    int cellBits = 8; ///< bits per cell (levels 0 .. 2^cellBits - 1)
    bool differential = false; ///< signed weights as positive and negative arrays (needs weightSigned)
    int inputBits = 8; ///< unsigned input codes in [0, 2^inputBits - 1]
    int dacBits = 8; ///< bits fed per input cycle (1 .. inputBits)
    int adcBits = 0; ///< 0 = ideal: no ADC, exact integer sums
    /// Δ. <= 0 means the default: the full scale R·(2^dacBits−1)·(2^cellBits−1) divided into
    /// 2^adcBits levels (domain.md §6), but never less than 1, because column sums are
    /// integers and a step below one level could only make a lossless ADC inexact.
    double adcStep = 0.0;
    AdcMode adcMode = AdcMode::Clip;
    /// Scale mode only: one Δ_{a,t,j} per array, input cycle and column, fitted to that
    /// column's own largest read d_t * sum_i level_{a,i,j} (or its calibrated range). Columns
    /// of one array differ a lot (a column of small weights never comes near the array's
    /// largest sum), so this cuts the rounding error where cycle-wise steps cannot: in a
    /// network's first layer, whose pixel inputs fill every bit-plane. Hardware: a periphery
    /// whose ADC takes a per-column reference (a small table of arrays x cycles x columns
    /// reference codes, switched with the column multiplexer, like the per-column gain
    /// calibration of column-parallel ADCs in image sensors) and a per-column shift in the
    /// shift-and-add. An assumption beyond the PRIME paper, which describes the sense
    /// amplifiers' precision but not their references; hence an option.
    bool adcPerColumn = false;

    /// \returns the crossbar of \p profile. BitSliced weights keep the profile's cellBits;
    /// Integer and ValueSet encodings hold a whole weight per cell (cellBits = weights.bits).
    /// A DAC wider than the input feeds it in one cycle (dacBits = min(dacBits, inputBits)).
    /// Signed inputs (io.inputSigned) are the caller's business (offset or two passes):
    /// the crossbar always sees unsigned codes. adcStep = 0, adcMode = Clip.
    static CrossbarConfig fromProfile(const hw::Profile& profile);

    /// Checks every field and their combinations. \returns InvalidArgument naming the field
    /// ("dacBits: must be in [1, inputBits = 4], got 5").
    [[nodiscard]] Expected<void> validate() const;

    int weightSlices() const; ///< arrays per polarity
    int polarities() const { return differential ? 2 : 1; } ///< arrays per slice
    int inputCycles() const { return (inputBits + dacBits - 1) / dacBits; }
    int32_t minWeightCode() const; ///< -(2^(b-1)-1) signed, 0 unsigned
    int32_t maxWeightCode() const; ///< 2^(b-1)-1 signed, 2^b-1 unsigned
    int32_t weightOffset() const; ///< offset encoding's bias, else 0
    int64_t maxInputCode() const { return (int64_t{1} << inputBits) - 1; }
    int64_t maxCellLevel() const { return (int64_t{1} << cellBits) - 1; }
    /// R·(2^dacBits−1)·(2^cellBits−1): the largest column sum of one read.
    int64_t fullScale() const;
    /// ceil(log2(fullScale() + 1)): with at least this many ADC bits (and Δ = 1) no read of
    /// any array can lose information.
    int losslessAdcBits() const;
    /// Δ of Clip mode: adcStep if > 0, else max(1, fullScale() / 2^adcBits); 1 without ADC.
    double effectiveAdcStep() const;
};

/// ADC activity of mvm calls; mvm adds to it, so one object can sum a whole layer or run.
struct AdcStats {
    int64_t conversions = 0; ///< column conversions (per array, input cycle, sample and column)
    int64_t clipped = 0; ///< conversions that saturated at the top code

    AdcStats& operator+=(const AdcStats& other)
    {
        conversions += other.conversions;
        clipped += other.clipped;
        return *this;
    }
    /// \returns clipped / conversions (0 without conversions).
    double clippedFraction() const
    {
        return conversions ? static_cast<double>(clipped) / static_cast<double>(conversions) : 0.0;
    }
};

/// Programming non-idealities of the cells, applied once when a tile is programmed.
struct DeviceModel {
    double conductanceSigma = 0.0; ///< relative sigma: conductance × (1 + ε), ε ~ N(0, σ²)
    double stuckAtZeroRate = 0.0; ///< fraction of cells stuck at level 0
    double stuckAtMaxRate = 0.0; ///< fraction of cells stuck at level 2^cellBits − 1
    uint64_t seed = 0; ///< same seed, same tile: identical perturbation

    /// \returns the profile's device spec with \p seed.
    static DeviceModel fromProfile(const hw::Profile& profile, uint64_t seed);
    /// \returns InvalidArgument naming the field for a negative or non-finite sigma, a rate
    /// outside [0, 1] or rates summing above 1.
    [[nodiscard]] Expected<void> validate() const;
};

/// How a tile computes its reads. Every choice gives bit-identical results; the non-default
/// ones exist to test the kernels against each other and to compare their speed.
enum class ReadKernel {
    Auto,     ///< the fastest available: AVX-512 VNNI, else AVX2 integer kernels, else Eigen
    Avx2,     ///< integer kernels of at most AVX2 (Eigen where the CPU lacks AVX2)
    Portable, ///< Eigen float/double GEMMs only
};

/// One crossbar programmed with a block of weight codes. Immutable after creation; copies share
/// the programmed state, and every member function is const and thread-safe.
///
/// Results. The int64_t overloads of mvm return exact integers and need hasIntegerOutput()
/// (an ideal tile with no ADC, or an integer Δ, or Scale mode). The double overloads always
/// work: the recombination is accumulated exactly as integers A (in units of outputStep())
/// and B (the offset correction), and y = outputStep()·A − B is formed with one fused
/// multiply-add, so y is the exact result whenever that is representable in a double: always
/// for an integer Δ (validate() keeps |y| < 2^53), and for a Δ with f fractional binary digits
/// whenever |y| < 2^(53−f) (the shipped profiles' default steps: 420, and 1.5 for isaac-like);
/// otherwise y is the correctly rounded value.
///
/// Speed. A tile whose ADC cannot lose information (isLossless()) computes x·W with one GEMM.
/// Otherwise each block of samples is read with one GEMM: the input bit-planes of all samples
/// are stacked as rows (cycles × samples) and the arrays of all slices and polarities side by
/// side as columns. The GEMM is an exact 8-bit integer kernel (AVX-512 VNNI or AVX2, chosen at
/// run time) when the operands fit 8 bits and the sums 32 bits (for AVX2 also 16-bit lanes per
/// bounded segment), else an Eigen float GEMM when every partial sum stays below 2^24 (where
/// floats hold integers exactly), else a double GEMM. Then every element goes through the ADC
/// (Clip mode: a multiply-and-shift checked at creation against a table of every possible read,
/// or that table; Scale mode: a rounding shift; device tiles: a division) and the shift-and-add
/// in int32 or int64, whichever the configuration's bound allows. All GEMMs are exact, so
/// results do not depend on the kernel, blocking, batch splits or threads. Callers that want
/// threads split the batch (mvmParallel does so; it starts threads per call, so it pays off
/// for large batches, and small tiles are better parallelised across tiles or layers).
class CrossbarTile {
public:
    /// Programs a tile with \p weights, a row-major [rowsUsed × colsUsed] block of signed
    /// integer codes (rowsUsed <= config.rows, colsUsed <= config.cols; unused rows and columns
    /// are left unprogrammed). \returns InvalidArgument for an invalid config, a size mismatch
    /// or a code outside the config's weight range (naming the first offending element).
    /// \p readRanges (Scale mode only): the largest read each array and input cycle is
    /// calibrated for, e.g. observed on calibration data, either one per (array, cycle), array-
    /// major (arrays slice-major, positive before negative; then cycles from the least
    /// significant), or one per array for all its cycles. The step Δ_{a,t} is then the smallest
    /// power of two that maps it into the ADC range (never above the weights' bound for that
    /// cycle), and larger reads clip. Empty: the weights' bound, so nothing clips. With
    /// adcPerColumn: one per (array, cycle, column) of the used columns, array-major, then
    /// cycle, then column (or one per array or per (array, cycle) as above, for every column).
    [[nodiscard]] static Expected<CrossbarTile> create(const CrossbarConfig& config, std::span<const int32_t> weights,
                                                       int rowsUsed, int colsUsed,
                                                       ReadKernel kernel = ReadKernel::Auto,
                                                       std::span<const int64_t> readRanges = {});

    /// \returns a copy of this tile programmed through \p model: every cell of every array
    /// (slices, polarities; in that order, then rows, then columns) draws a uniform number and
    /// a normal deviate from std::mt19937_64(seed) (Box–Muller, our own, so the sequence is the
    /// same with any standard library; only a last-bit difference of the C library's log or cos
    /// that happens to cross a fixed-point rounding boundary could tell two apart); stuck cells take level 0 or
    /// 2^cellBits − 1, the others conductance = level × max(0, 1 + σ·z). Reads are then analog sums of these
    /// conductances converted by the ADC, whose step (Scale mode: its calibration) stays that of the ideal tile. The
    /// conductances are held in fixed point (2^-30 of a level, or coarser only if a read could otherwise reach 2^52),
    /// so every read is summed exactly and results do not depend on blocking or threads. Always starts from the ideal
    /// cells, so calling it on a perturbed tile re-programs it. \returns InvalidArgument for an invalid model.
    [[nodiscard]] Expected<CrossbarTile> withDeviceModel(const DeviceModel& model) const;

    const CrossbarConfig& config() const;
    int rowsUsed() const;
    int colsUsed() const;
    /// Arrays read per input cycle: weightSlices() × polarities().
    int arrays() const;
    /// Δ of array \p array (slice-major, positive before negative) in input cycle \p cycle:
    /// Clip mode's common step, or Scale mode's calibrated power of two; 1 without ADC.
    /// With CrossbarConfig::adcPerColumn, the step of column \p column (of the used columns).
    double adcStep(int array, int cycle = 0, int column = 0) const;
    /// The unit of the integer recombination: Δ in Clip mode, 1 otherwise.
    double outputStep() const;
    /// True when no read can lose information (no ADC, or Δ = 1 and no array can exceed the
    /// top code) on an ideal tile: results equal x·W exactly and take the one-GEMM fast path.
    bool isLossless() const;
    /// True when the int64_t overloads of mvm are exact (ideal tile with an integer outputStep()).
    bool hasIntegerOutput() const;
    bool hasDeviceModel() const;
    /// The GEMM behind the reads: "avx512-vnni", "avx2", "eigen-float" or "eigen-double".
    const char* readKernelName() const;

    /// \returns InvalidArgument unless every one of \p batch × rowsUsed() codes in \p x lies in
    /// [0, 2^inputBits − 1]. mvm requires this and only asserts it.
    [[nodiscard]] Expected<void> checkInputs(const int32_t* x, int64_t batch) const;

    /// y[batch × colsUsed] = the hardware's result of x[batch × rowsUsed] · W (row-major), exact
    /// integers; requires hasIntegerOutput() (asserted; otherwise the nearest integer). Adds the
    /// ADC activity to \p stats if given.
    void mvm(const int32_t* x, int64_t batch, int64_t* y, AdcStats* stats = nullptr) const;
    /// As above with real results: exact for ideal tiles (see the class comment); with a device
    /// model, the ADC codes are exact and only a no-ADC (adcBits = 0) sum is rounded.
    void mvm(const int32_t* x, int64_t batch, double* y, AdcStats* stats = nullptr) const;

    /// As mvm, with the batch split into \p threads contiguous parts run on std::jthreads
    /// (threads <= 0: hardware concurrency). Bit-identical to mvm for every thread count.
    void mvmParallel(const int32_t* x, int64_t batch, int64_t* y, AdcStats* stats, int threads) const;
    void mvmParallel(const int32_t* x, int64_t batch, double* y, AdcStats* stats, int threads) const;

private:
    struct Impl;
    explicit CrossbarTile(std::shared_ptr<const Impl> impl);
    std::shared_ptr<const Impl> m_impl;
};

} // namespace nnb::sim
