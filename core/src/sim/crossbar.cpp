// SPDX-License-Identifier: GPL-3.0-or-later
// The crossbar kernel (see crossbar.h and docs/domain.md §6). Layout of the work:
//  - create(): slices the codes once into cell levels, calibrates the ADC steps, decides whether
//    the tile is lossless, and lays the levels out as GEMM operands;
//  - mvm(): per block of samples, one GEMM for all reads (rows: input bit-planes × samples,
//    columns: arrays × columns), then the ADC and the shift-and-add per element in int64.
// Every GEMM here is exact (integer operands whose partial sums stay below 2^24 in float or 2^53
// in double), which is what makes the results independent of Eigen's blocking and of threads.
#include "nnb/sim/crossbar.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <charconv>
#include <exception>
#include <numbers>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "int8_gemm.h"
#include "scratch.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNB_SIM_X86 1 // GCC/Clang target attributes: AVX2 loops chosen at run time
#endif
#include "nnb/support/assert.h"

namespace nnb::sim {

namespace {

template <class T>
using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr int kMaxDimension = 65536;
constexpr int kMaxBits = 16;
constexpr int kMaxAdcBits = 30;
constexpr double kFloatExact = 16777216.0;        // 2^24: floats hold every integer below
constexpr double kDoubleExact = 9007199254740992.0; // 2^53
/// Fixed-point fraction bits of a perturbed conductance (at most; fewer if the sums need it).
constexpr int kMaxConductanceFractionBits = 30;
/// Elements of the largest scratch matrix per block of samples (bounds memory, keeps blocks
/// cache-sized); a block holds at least one sample.
constexpr int64_t kBlockElements = int64_t{1} << 17;

/// The shortest text that reads back as \p v.
std::string formatDouble(double v)
{
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, result.ptr);
}

tl::unexpected<Error> fieldError(const char* field, const std::string& what)
{
    return makeError(Errc::InvalidArgument, std::string(field) + ": " + what);
}

Expected<void> checkRange(const char* field, int value, int lo, int hi, const std::string& hiName = {})
{
    if (value < lo || value > hi) {
        return fieldError(field,
                          "must be in [" + std::to_string(lo) + ", " + (hiName.empty() ? "" : hiName + " = ")
                              + std::to_string(hi) + "], got " + std::to_string(value));
    }
    return {};
}

/// Smallest power of two Δ >= 1 with round(maxRead / Δ) <= qmax (ties round up).
int64_t calibratedStep(int64_t maxRead, int64_t qmax)
{
    int64_t step = 1;
    while (2 * maxRead >= (2 * qmax + 1) * step)
        step *= 2;
    return step;
}

/// Σ_s Σ_t 2^(cellBits·s + dacBits·t): the largest factor the shift-and-add applies to one
/// array's codes, summed over slices and cycles.
double shiftSum(const CrossbarConfig& c)
{
    double sum = 0.0;
    for (int s = 0; s < c.weightSlices(); ++s)
        for (int t = 0; t < c.inputCycles(); ++t)
            sum += std::ldexp(1.0, c.cellBits * s + c.dacBits * t);
    return sum;
}

/// A uniform double in [0, 1) from the top 53 bits of one draw (the same on every platform).
double uniform01(std::mt19937_64& rng)
{
    return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

/// A standard normal deviate by Box–Muller from two draws (u1 in (0, 1], so the log is finite).
double standardNormal(std::mt19937_64& rng)
{
    const double u1 = static_cast<double>((rng() >> 11) + 1) * 0x1.0p-53;
    const double u2 = uniform01(rng);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// CrossbarConfig

CrossbarConfig CrossbarConfig::fromProfile(const hw::Profile& profile)
{
    CrossbarConfig c;
    c.rows = profile.crossbar.rows;
    c.cols = profile.crossbar.cols;
    c.weightBits = profile.weights.bits;
    c.weightSigned = profile.weights.isSigned;
    c.cellBits = profile.weights.encoding == hw::WeightEncoding::BitSliced ? profile.weights.cellBits
                                                                           : profile.weights.bits;
    c.differential = profile.weights.differential;
    c.inputBits = profile.inputCodeBits();
    c.dacBits = std::min(profile.io.dacBits, c.inputBits);
    c.adcBits = profile.io.adcBits;
    c.adcStep = 0.0;
    c.adcMode = AdcMode::Clip;
    return c;
}

int CrossbarConfig::weightSlices() const
{
    const int storedBits = weightSigned && differential ? weightBits - 1 : weightBits;
    return (storedBits + cellBits - 1) / cellBits;
}

int32_t CrossbarConfig::minWeightCode() const
{
    return weightSigned ? -((int32_t{1} << (weightBits - 1)) - 1) : 0;
}

int32_t CrossbarConfig::maxWeightCode() const
{
    return weightSigned ? (int32_t{1} << (weightBits - 1)) - 1 : (int32_t{1} << weightBits) - 1;
}

int32_t CrossbarConfig::weightOffset() const
{
    return weightSigned && !differential ? (int32_t{1} << (weightBits - 1)) - 1 : 0;
}

int64_t CrossbarConfig::fullScale() const
{
    return int64_t{rows} * ((int64_t{1} << dacBits) - 1) * maxCellLevel();
}

int CrossbarConfig::losslessAdcBits() const
{
    const int64_t fs = fullScale();
    int bits = 0;
    while (((int64_t{1} << bits) - 1) < fs)
        ++bits;
    return bits;
}

double CrossbarConfig::effectiveAdcStep() const
{
    if (adcBits == 0)
        return 1.0;
    if (adcStep > 0.0)
        return adcStep;
    return std::max(1.0, std::ldexp(static_cast<double>(fullScale()), -adcBits));
}

Expected<void> CrossbarConfig::validate() const
{
    NNB_RETURN_IF_ERROR(checkRange("rows", rows, 1, kMaxDimension));
    NNB_RETURN_IF_ERROR(checkRange("cols", cols, 1, kMaxDimension));
    NNB_RETURN_IF_ERROR(checkRange("weightBits", weightBits, weightSigned ? 2 : 1, kMaxBits));
    NNB_RETURN_IF_ERROR(checkRange("cellBits", cellBits, 1, kMaxBits));
    if (differential && !weightSigned)
        return fieldError("differential", "needs signed weights (weightSigned), the codes are unsigned");
    NNB_RETURN_IF_ERROR(checkRange("inputBits", inputBits, 1, kMaxBits));
    NNB_RETURN_IF_ERROR(checkRange("dacBits", dacBits, 1, inputBits, "inputBits"));
    NNB_RETURN_IF_ERROR(checkRange("adcBits", adcBits, 0, kMaxAdcBits));
    if (!std::isfinite(adcStep))
        return fieldError("adcStep", "must be finite (<= 0 for the default), got " + formatDouble(adcStep));
    if (adcPerColumn && (adcMode != AdcMode::Scale || adcBits == 0))
        return fieldError("adcPerColumn", "needs a Scale-mode ADC (adcMode Scale, adcBits > 0)");
    if (adcMode == AdcMode::Scale && adcStep > 0.0) {
        return fieldError("adcStep", "must be 0 in Scale mode, where the tile calibrates the step, got "
                                         + formatDouble(adcStep));
    }

    // The recombination is kept in int64 (in units of the output step) and the result in a
    // double: both must stay below 2^53 in the worst case.
    if (adcBits > 0) {
        const double qmax = std::ldexp(1.0, adcBits) - 1.0;
        const double step = adcMode == AdcMode::Scale
                                ? static_cast<double>(calibratedStep(fullScale(), static_cast<int64_t>(qmax)))
                                : effectiveAdcStep();
        const double units = shiftSum(*this) * polarities() * qmax * (adcMode == AdcMode::Scale ? step : 1.0);
        const double magnitude = shiftSum(*this) * polarities() * qmax * step
                                 + static_cast<double>(weightOffset()) * rows * static_cast<double>(maxInputCode());
        if (units >= kDoubleExact || magnitude >= kDoubleExact) {
            return fieldError("adcStep", "with adcBits = " + std::to_string(adcBits) + " and step "
                                             + formatDouble(step)
                                             + " the recombined results can exceed 2^53, beyond exact arithmetic; "
                                               "use fewer adcBits or a step nearer the default");
        }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// DeviceModel

DeviceModel DeviceModel::fromProfile(const hw::Profile& profile, uint64_t seed)
{
    DeviceModel m;
    m.conductanceSigma = profile.device.conductanceVariationSigma;
    m.stuckAtZeroRate = profile.device.stuckAtZeroRate;
    m.stuckAtMaxRate = profile.device.stuckAtMaxRate;
    m.seed = seed;
    return m;
}

Expected<void> DeviceModel::validate() const
{
    if (!(conductanceSigma >= 0.0 && conductanceSigma <= 1.0)) {
        return fieldError("conductanceSigma",
                          "must be in [0, 1] (relative to the level), got " + formatDouble(conductanceSigma));
    }
    if (!(stuckAtZeroRate >= 0.0 && stuckAtZeroRate <= 1.0))
        return fieldError("stuckAtZeroRate", "must be in [0, 1], got " + formatDouble(stuckAtZeroRate));
    if (!(stuckAtMaxRate >= 0.0 && stuckAtMaxRate <= 1.0))
        return fieldError("stuckAtMaxRate", "must be in [0, 1], got " + formatDouble(stuckAtMaxRate));
    if (stuckAtZeroRate + stuckAtMaxRate > 1.0) {
        return fieldError("stuckAtMaxRate", "stuckAtZeroRate + stuckAtMaxRate must be at most 1, got "
                                                + formatDouble(stuckAtZeroRate + stuckAtMaxRate));
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// CrossbarTile

namespace {

/// The ADC of one array in one input cycle.
struct CycleAdc {
    double step = 1.0;      ///< Δ
    int64_t multiplier = 1; ///< Δ / outputStep: 1 in Clip mode, Δ in Scale mode
    int64_t maxRead = 0;    ///< d_t · max_j Σ_i level of the ideal cells (d_t: the cycle's largest digit)
    int stepLog2 = 0;       ///< Scale mode: Δ = 2^stepLog2
    int multiplierLog2 = 0; ///< log2(multiplier)
};

/// One physical array: a weight slice of one polarity, and its ADC per input cycle.
struct ArrayInfo {
    int slice = 0;
    int sign = 1; ///< +1 positive (or only) array, -1 negative array of a differential pair
    /// [t], t < inputCycles() (at most inputBits <= kMaxBits). With adcPerColumn: the largest
    /// step and read over the columns (bounds only).
    std::array<CycleAdc, kMaxBits> cycle;
};

/// How the ADC loop turns a read into a code. All give round-half-up of I / Δ clamped to the top
/// code; all but Divide apply only where reads are exact integers (ideal cells).
enum class AdcKernel {
    Multiply, ///< Clip mode, ideal cells: q = min((I·M + C) >> S, top), M, C, S checked against
              ///< the table for every possible read (so exact), vectorisable
    Table,    ///< Clip mode, ideal cells: a table of q for every possible read 0 .. maxRead
    Shift,    ///< Scale mode, ideal cells: q = (I + Δ/2) >> log2(Δ)
    Divide,   ///< device tiles (fixed-point conductances) and huge reads: round(I / Δ) in double
};

/// Largest read for which Clip mode uses a table (2 bytes per entry).
constexpr int64_t kMaxAdcTable = int64_t{1} << 18;

/// Integer rounding division q = (v·M + C) >> S in 32 bits.
struct MagicDivision {
    uint32_t m = 0;
    uint32_t c = 0;
    int s = 0;
    uint32_t apply(uint32_t v) const { return (v * m + c) >> s; }
};

/// Finds M, C, S with min((v·M + C) >> S, top) == table[v] for every v in [0, table.size()), with
/// v·M + C below 2^32: the exact look-up table as vectorisable arithmetic. Candidates are built
/// around M ≈ 2^S/Δ, C ≈ 2^(S-1) for the largest S that cannot overflow, and each is checked
/// against the whole table. \returns false if none matches (the table is used then).
bool findMagicDivision(const std::vector<uint16_t>& table, double step, uint32_t top, MagicDivision& out)
{
    const uint64_t maxRead = table.size() - 1;
    for (int s = 31; s >= 1; --s) {
        const double ideal = std::ldexp(1.0, s) / step;
        if (ideal < 1.0)
            break;
        const auto m0 = static_cast<uint64_t>(std::llround(ideal));
        const uint64_t c0 = uint64_t{1} << (s - 1);
        if (maxRead * (m0 + 1) + c0 + 4 >= (uint64_t{1} << 32))
            continue; // might overflow 32 bits; try a smaller shift
        for (int64_t dm : {0, 1, -1}) {
            for (int64_t dc : {0, -1, 1, -2, 2}) {
                const int64_t m = static_cast<int64_t>(m0) + dm;
                const int64_t c = static_cast<int64_t>(c0) + dc;
                if (m < 1 || c < 0)
                    continue;
                const MagicDivision candidate{static_cast<uint32_t>(m), static_cast<uint32_t>(c), s};
                bool ok = true;
                for (uint64_t v = 0; v <= maxRead && ok; ++v)
                    ok = std::min(candidate.apply(static_cast<uint32_t>(v)), top) == table[v];
                if (ok) {
                    out = candidate;
                    return true;
                }
            }
        }
        return false; // smaller shifts are only less precise: use the table
    }
    return false;
}

} // namespace

struct CrossbarTile::Impl {
    CrossbarConfig config;
    int rowsUsed = 0;
    int colsUsed = 0;
    int cycles = 1;
    int arrays = 1;
    int32_t offset = 0;
    int64_t qmax = 0; ///< top ADC code (0 without ADC)
    std::vector<int32_t> levels; ///< ideal cell levels, [arrays][rowsUsed][colsUsed]
    std::vector<ArrayInfo> arrayInfo;
    double outputStep = 1.0;
    bool lossless = false;
    bool integerOutput = false;
    bool device = false;
    bool accumulate32 = false; ///< the recombination fits int32 (see adcAndShiftAdd)
    AdcKernel adcKernel = AdcKernel::Divide;
    std::vector<uint16_t> adcTable; ///< AdcKernel::Table: q = adcTable[I] (small enough for L1/L2)
    MagicDivision adcMagic;         ///< AdcKernel::Multiply
    int64_t clipFrom = 0;           ///< Multiply, Table: the smallest read that clips
    /// adcPerColumn: log2 Δ_{a,t,j}, [arrays][cycles][colsUsed] (empty otherwise).
    std::vector<int32_t> columnShift;
    bool columnLossy = false;       ///< adcPerColumn: some column's read can lose information

    // GEMM operands; of each float/double pair exactly one is filled where used.
    RowMajorMatrix<float> codesF; ///< [rowsUsed × colsUsed] the codes (lossless tiles only)
    RowMajorMatrix<double> codesD;
    RowMajorMatrix<float> cellsF; ///< [rowsUsed × arrays·colsUsed] cell levels (lossy/device tiles)
    RowMajorMatrix<double> cellsD;
    double cellScale = 1.0; ///< level units per operand unit: 1, or 2^-F for fixed-point conductances
    /// The integer kernel's ISA and operand (the codes if lossless, else the levels side by side
    /// like cellsF); Isa::None: the Eigen operands above are used instead.
    detail::Isa isa = detail::Isa::None;
    detail::PackedS8 packed;

    template <class Out>
    void run(const int32_t* x, int64_t batch, Out* y, AdcStats* stats) const;
    template <class Out>
    void writeResult(int64_t accumulated, int64_t correction, Out& y) const;
    template <class Scalar, class Out>
    void fastBlock(const RowMajorMatrix<Scalar>& codes, const int32_t* x, int64_t n, Out* y) const;
    template <class Scalar, class Out>
    void slicedBlock(const RowMajorMatrix<Scalar>& cells, const int32_t* x, int64_t n, Out* y, AdcStats& stats) const;
    template <class Out>
    void int8FastBlock(const int32_t* x, int64_t n, Out* y) const;
    template <class Out>
    void int8SlicedBlock(const int32_t* x, int64_t n, Out* y, AdcStats& stats) const;
    template <class Read, class Acc>
    int64_t adcAndShiftAdd(const Read* reads, int64_t stride, int64_t n, Acc* acc) const;
    template <class Read, class Acc>
    __attribute__((always_inline)) inline int64_t adcLoop(const Read* reads, int64_t stride, int64_t n, Acc* acc) const;
#ifdef NNB_SIM_X86
    /// adcLoop compiled for AVX2 (the same integer and IEEE operations, wider vectors).
    template <class Read, class Acc>
    __attribute__((target("avx2"))) int64_t adcLoopAvx2(const Read* reads, int64_t stride, int64_t n, Acc* acc) const
    {
        return adcLoop(reads, stride, n, acc);
    }
#endif
    template <class Read, class Out>
    void convertReads(const Read* reads, int64_t stride, const int32_t* x, int64_t n, Out* y, AdcStats& stats) const;

    int64_t blockSamples() const
    {
        const int64_t width = std::max<int64_t>(rowsUsed, int64_t{arrays} * colsUsed) * (lossless ? 1 : cycles);
        return std::max<int64_t>(1, kBlockElements / std::max<int64_t>(1, width));
    }
};

CrossbarTile::CrossbarTile(std::shared_ptr<const Impl> impl)
    : m_impl(std::move(impl))
{
}

Expected<CrossbarTile> CrossbarTile::create(const CrossbarConfig& config, std::span<const int32_t> weights,
                                            int rowsUsed, int colsUsed, ReadKernel kernel,
                                            std::span<const int64_t> readRanges)
{
    NNB_RETURN_IF_ERROR(config.validate());
    if (!readRanges.empty()) {
        if (config.adcMode != CrossbarConfig::AdcMode::Scale || config.adcBits == 0)
            return makeError(Errc::InvalidArgument, "readRanges: only a Scale-mode ADC takes calibrated read ranges");
        const size_t arrays = static_cast<size_t>(config.weightSlices() * config.polarities());
        const size_t perCycle = arrays * static_cast<size_t>(config.inputCycles());
        const size_t perColumn = perCycle * static_cast<size_t>(std::max(colsUsed, 0));
        if (readRanges.size() != arrays && readRanges.size() != perCycle
            && !(config.adcPerColumn && readRanges.size() == perColumn))
            return makeError(Errc::InvalidArgument, "readRanges: need one per array (" + std::to_string(arrays)
                                                        + ") or one per array and input cycle (" + std::to_string(perCycle)
                                                        + (config.adcPerColumn ? ") or one per array, cycle and column ("
                                                                                     + std::to_string(perColumn)
                                                                               : std::string())
                                                        + "), got " + std::to_string(readRanges.size()));
    }
    NNB_RETURN_IF_ERROR(checkRange("rowsUsed", rowsUsed, 1, config.rows, "rows"));
    NNB_RETURN_IF_ERROR(checkRange("colsUsed", colsUsed, 1, config.cols, "cols"));
    const size_t expected = static_cast<size_t>(rowsUsed) * static_cast<size_t>(colsUsed);
    if (weights.size() != expected) {
        return fieldError("weights", "expected " + std::to_string(expected) + " codes (" + std::to_string(rowsUsed)
                                         + " x " + std::to_string(colsUsed) + "), got "
                                         + std::to_string(weights.size()));
    }
    const int32_t lo = config.minWeightCode();
    const int32_t hi = config.maxWeightCode();
    for (size_t k = 0; k < weights.size(); ++k) {
        if (weights[k] < lo || weights[k] > hi) {
            return fieldError("weights", "code " + std::to_string(weights[k]) + " at row "
                                             + std::to_string(k / static_cast<size_t>(colsUsed)) + ", column "
                                             + std::to_string(k % static_cast<size_t>(colsUsed)) + " is outside the "
                                             + std::to_string(config.weightBits)
                                             + (config.weightSigned ? "-bit signed" : "-bit unsigned") + " range ["
                                             + std::to_string(lo) + ", " + std::to_string(hi) + "]");
        }
    }

    auto impl = std::make_shared<Impl>();
    Impl& im = *impl;
    im.config = config;
    im.rowsUsed = rowsUsed;
    im.colsUsed = colsUsed;
    im.cycles = config.inputCycles();
    const int slices = config.weightSlices();
    const int polarities = config.polarities();
    im.arrays = slices * polarities;
    im.offset = config.weightOffset();
    im.qmax = config.adcBits > 0 ? (int64_t{1} << config.adcBits) - 1 : 0;

    // Slice the codes: differential magnitudes, offset-encoded or plain stored values, cellBits
    // bits per slice from the least significant.
    const size_t cells = expected;
    im.levels.assign(static_cast<size_t>(im.arrays) * cells, 0);
    const int32_t levelMask = static_cast<int32_t>(config.maxCellLevel());
    for (int a = 0; a < im.arrays; ++a) {
        const int slice = a / polarities;
        const bool negative = a % polarities == 1;
        int32_t* level = im.levels.data() + static_cast<size_t>(a) * cells;
        for (size_t k = 0; k < cells; ++k) {
            const int32_t w = weights[k];
            const int32_t stored = config.differential ? std::max(negative ? -w : w, 0) : w + im.offset;
            level[k] = (stored >> (config.cellBits * slice)) & levelMask;
        }
    }

    // ADC steps, per array and input cycle.
    const int64_t dacMax = (int64_t{1} << config.dacBits) - 1;
    im.arrayInfo.resize(static_cast<size_t>(im.arrays));
    int64_t maxRead = 0; // over every array and cycle
    for (int a = 0; a < im.arrays; ++a) {
        ArrayInfo& info = im.arrayInfo[static_cast<size_t>(a)];
        info.slice = a / polarities;
        info.sign = a % polarities == 1 ? -1 : 1;
        const int32_t* level = im.levels.data() + static_cast<size_t>(a) * cells;
        int64_t maxColumn = 0;
        for (int j = 0; j < colsUsed; ++j) {
            int64_t column = 0;
            for (int i = 0; i < rowsUsed; ++i)
                column += level[static_cast<size_t>(i) * static_cast<size_t>(colsUsed) + static_cast<size_t>(j)];
            maxColumn = std::max(maxColumn, column);
        }
        std::vector<int64_t> columnSums;
        if (config.adcPerColumn) {
            columnSums.assign(static_cast<size_t>(colsUsed), 0);
            for (int i = 0; i < rowsUsed; ++i)
                for (int j = 0; j < colsUsed; ++j)
                    columnSums[static_cast<size_t>(j)]
                        += level[static_cast<size_t>(i) * static_cast<size_t>(colsUsed) + static_cast<size_t>(j)];
        }
        for (int t = 0; t < im.cycles; ++t) {
            CycleAdc& adc = info.cycle[static_cast<size_t>(t)];
            // The largest digit cycle t can feed: the top cycle may carry fewer than dacBits bits.
            const int64_t digit = std::min(dacMax, config.maxInputCode() >> (config.dacBits * t));
            adc.maxRead = digit * maxColumn;
            if (config.adcPerColumn) {
                // Δ_{a,t,j}: each column's own bound or range; cycle[t] keeps the largest step.
                const size_t base = (static_cast<size_t>(a) * static_cast<size_t>(im.cycles) + static_cast<size_t>(t))
                                    * static_cast<size_t>(colsUsed);
                im.columnShift.resize(static_cast<size_t>(im.arrays) * static_cast<size_t>(im.cycles)
                                      * static_cast<size_t>(colsUsed));
                int64_t largest = 1;
                for (int j = 0; j < colsUsed; ++j) {
                    const int64_t bound = digit * columnSums[static_cast<size_t>(j)];
                    int64_t range = bound;
                    if (!readRanges.empty()) {
                        const size_t k = readRanges.size() == static_cast<size_t>(im.arrays) ? static_cast<size_t>(a)
                                         : readRanges.size() == static_cast<size_t>(im.arrays * im.cycles)
                                             ? static_cast<size_t>(a) * static_cast<size_t>(im.cycles) + static_cast<size_t>(t)
                                             : base + static_cast<size_t>(j);
                        range = std::clamp<int64_t>(readRanges[k], 0, bound);
                    }
                    const int64_t step = calibratedStep(range, im.qmax);
                    im.columnShift[base + static_cast<size_t>(j)] = std::countr_zero(static_cast<uint64_t>(step));
                    largest = std::max(largest, step);
                    // Lossless only if every column's step is 1 and its reads fit.
                    im.columnLossy = im.columnLossy || step != 1 || bound > im.qmax;
                }
                adc.multiplier = largest;
                adc.step = static_cast<double>(largest);
                adc.stepLog2 = std::countr_zero(static_cast<uint64_t>(largest));
                adc.multiplierLog2 = adc.stepLog2;
                maxRead = std::max(maxRead, adc.maxRead);
                continue;
            }
            maxRead = std::max(maxRead, adc.maxRead);
            if (config.adcBits > 0 && config.adcMode == CrossbarConfig::AdcMode::Scale) {
                // A calibrated range below the weights' bound trades rare clipping for finer steps.
                const size_t k = readRanges.size() == static_cast<size_t>(im.arrays)
                                     ? static_cast<size_t>(a)
                                     : static_cast<size_t>(a) * static_cast<size_t>(im.cycles) + static_cast<size_t>(t);
                const int64_t range = readRanges.empty() ? adc.maxRead : std::clamp<int64_t>(readRanges[k], 0, adc.maxRead);
                adc.multiplier = calibratedStep(range, im.qmax);
                adc.step = static_cast<double>(adc.multiplier);
                adc.stepLog2 = std::countr_zero(static_cast<uint64_t>(adc.multiplier));
                adc.multiplierLog2 = adc.stepLog2;
            } else {
                adc.step = config.effectiveAdcStep();
            }
        }
    }
    im.outputStep = config.adcBits > 0 && config.adcMode == CrossbarConfig::AdcMode::Clip ? config.effectiveAdcStep()
                                                                                         : 1.0;
    im.integerOutput = im.outputStep == std::floor(im.outputStep) && im.outputStep < kDoubleExact;
    {
        // |A| <= Σ_{a,t} 2^(cellBits·s_a + dacBits·t) · qmax · multiplier_{a,t} (per polarity: the
        // positive and negative sums each stay below this bound as well).
        double bound = 0.0;
        bool lossless = true;
        for (const ArrayInfo& info : im.arrayInfo) {
            for (int t = 0; t < im.cycles; ++t) {
                const CycleAdc& adc = info.cycle[static_cast<size_t>(t)];
                bound += std::ldexp(static_cast<double>(im.qmax) * static_cast<double>(adc.multiplier),
                                    config.cellBits * info.slice + config.dacBits * t);
                lossless = lossless && adc.step == 1.0 && adc.maxRead <= im.qmax;
            }
        }
        if (config.adcPerColumn)
            lossless = !im.columnLossy;
        im.accumulate32 = bound < 2147483648.0;
        im.lossless = config.adcBits == 0 || lossless;
    }

    if (!im.lossless) {
        if (config.adcMode == CrossbarConfig::AdcMode::Scale) {
            if (maxRead < (int64_t{1} << 30)) // (I + Δ/2) in int32
                im.adcKernel = AdcKernel::Shift;
        } else if (maxRead < kMaxAdcTable && im.qmax <= 0xffff) {
            // The same arithmetic as the Divide kernel, tabulated for every possible read, and
            // then, if one matches the whole table, as a multiply-and-shift.
            im.adcKernel = AdcKernel::Table;
            const double step = config.effectiveAdcStep();
            im.adcTable.resize(static_cast<size_t>(maxRead) + 1);
            im.clipFrom = maxRead + 1;
            for (int64_t v = maxRead; v >= 0; --v) {
                const double q = std::round(static_cast<double>(v) / step);
                if (q > static_cast<double>(im.qmax))
                    im.clipFrom = v;
                const double code = std::min(q, static_cast<double>(im.qmax));
                im.adcTable[static_cast<size_t>(v)] = static_cast<uint16_t>(code);
            }
            if (findMagicDivision(im.adcTable, step, static_cast<uint32_t>(im.qmax), im.adcMagic)) {
                im.adcKernel = AdcKernel::Multiply;
                im.adcTable = {};
            }
        }
    }

    // The integer kernel if the CPU has one and the operands fit (packS8 checks the bounds).
    const detail::Isa isa = detail::detectIsa(kernel == ReadKernel::Portable ? detail::Isa::None
                                              : kernel == ReadKernel::Avx2   ? detail::Isa::Avx2
                                                                             : detail::Isa::Avx512Vnni);
    if (isa != detail::Isa::None) {
        bool packed = false;
        if (im.lossless) {
            packed = config.maxInputCode() <= 255
                     && detail::packS8(weights.data(), rowsUsed, colsUsed, static_cast<int>(config.maxInputCode()), isa,
                                       im.packed);
        } else if (dacMax <= 255 && config.maxCellLevel() <= 127) {
            std::vector<int32_t> sideBySide(cells * static_cast<size_t>(im.arrays));
            const size_t width = static_cast<size_t>(im.arrays) * static_cast<size_t>(colsUsed);
            for (int a = 0; a < im.arrays; ++a)
                for (size_t i = 0; i < static_cast<size_t>(rowsUsed); ++i)
                    for (size_t j = 0; j < static_cast<size_t>(colsUsed); ++j)
                        sideBySide[i * width + static_cast<size_t>(a) * static_cast<size_t>(colsUsed) + j]
                            = im.levels[static_cast<size_t>(a) * cells + i * static_cast<size_t>(colsUsed) + j];
            packed = detail::packS8(sideBySide.data(), rowsUsed, im.arrays * colsUsed, static_cast<int>(dacMax), isa,
                                    im.packed);
        }
        if (packed)
            im.isa = isa;
        else
            im.packed = detail::PackedS8{};
    }

    if (im.isa != detail::Isa::None) {
        // Operands packed above.
    } else if (im.lossless) {
        // One GEMM of the codes; float is exact while every partial sum stays below 2^24.
        int64_t maxAbs = 0;
        for (int32_t w : weights)
            maxAbs = std::max<int64_t>(maxAbs, w < 0 ? -int64_t{w} : int64_t{w});
        const double bound = static_cast<double>(rowsUsed) * static_cast<double>(config.maxInputCode())
                             * static_cast<double>(maxAbs);
        const Eigen::Map<const RowMajorMatrix<int32_t>> codes(weights.data(), rowsUsed, colsUsed);
        if (bound < kFloatExact)
            im.codesF = codes.cast<float>();
        else
            im.codesD = codes.cast<double>();
    } else {
        // Arrays side by side: column a·colsUsed + j is column j of array a.
        RowMajorMatrix<double> operand(rowsUsed, static_cast<Eigen::Index>(im.arrays) * colsUsed);
        for (int a = 0; a < im.arrays; ++a) {
            const int32_t* level = im.levels.data() + static_cast<size_t>(a) * cells;
            for (int i = 0; i < rowsUsed; ++i)
                for (int j = 0; j < colsUsed; ++j)
                    operand(i, static_cast<Eigen::Index>(a) * colsUsed + j)
                        = level[static_cast<size_t>(i) * static_cast<size_t>(colsUsed) + static_cast<size_t>(j)];
        }
        if (static_cast<double>(maxRead) < kFloatExact)
            im.cellsF = operand.cast<float>();
        else
            im.cellsD = std::move(operand);
    }
    return CrossbarTile(std::move(impl));
}

Expected<CrossbarTile> CrossbarTile::withDeviceModel(const DeviceModel& model) const
{
    NNB_RETURN_IF_ERROR(model.validate());
    auto impl = std::make_shared<Impl>();
    const Impl& ideal = *m_impl;
    Impl& im = *impl;
    // Copy the description, not the operands.
    im.config = ideal.config;
    im.rowsUsed = ideal.rowsUsed;
    im.colsUsed = ideal.colsUsed;
    im.cycles = ideal.cycles;
    im.arrays = ideal.arrays;
    im.offset = ideal.offset;
    im.qmax = ideal.qmax;
    im.levels = ideal.levels;
    im.arrayInfo = ideal.arrayInfo; // the ADC keeps the ideal tile's steps (calibration)
    im.columnShift = ideal.columnShift;
    im.columnLossy = ideal.columnLossy;
    im.outputStep = ideal.outputStep;
    im.accumulate32 = ideal.accumulate32;
    im.lossless = false;
    im.integerOutput = false;
    im.device = true;
    im.adcKernel = AdcKernel::Divide; // reads are fixed-point conductance sums

    // Program every cell once, in the documented order, with a fixed number of draws per cell
    // so that changing a rate or sigma does not shift the other cells' deviates.
    std::mt19937_64 rng(model.seed);
    const size_t cells = static_cast<size_t>(im.rowsUsed) * static_cast<size_t>(im.colsUsed);
    const double maxLevel = static_cast<double>(im.config.maxCellLevel());
    std::vector<double> conductance(im.levels.size());
    for (size_t k = 0; k < conductance.size(); ++k) {
        const double r = uniform01(rng);
        const double z = standardNormal(rng);
        if (r < model.stuckAtZeroRate)
            conductance[k] = 0.0;
        else if (r < model.stuckAtZeroRate + model.stuckAtMaxRate)
            conductance[k] = maxLevel;
        else
            conductance[k] = static_cast<double>(im.levels[k]) * std::max(0.0, 1.0 + model.conductanceSigma * z);
    }

    // Fixed point with F fraction bits, F as large as keeps every read's sum below 2^52 in a
    // double GEMM (so the reads are exact and order-independent).
    double maxColumn = 0.0;
    for (int a = 0; a < im.arrays; ++a) {
        for (int j = 0; j < im.colsUsed; ++j) {
            double column = 0.0;
            for (int i = 0; i < im.rowsUsed; ++i)
                column += conductance[static_cast<size_t>(a) * cells
                                      + static_cast<size_t>(i) * static_cast<size_t>(im.colsUsed)
                                      + static_cast<size_t>(j)];
            maxColumn = std::max(maxColumn, column);
        }
    }
    const double dacMax = std::ldexp(1.0, im.config.dacBits) - 1.0;
    int fractionBits = kMaxConductanceFractionBits;
    while (fractionBits > 0 && dacMax * (std::ldexp(maxColumn, fractionBits) + im.rowsUsed) >= kDoubleExact / 2)
        --fractionBits;
    im.cellScale = std::ldexp(1.0, -fractionBits);
    im.cellsD.resize(im.rowsUsed, static_cast<Eigen::Index>(im.arrays) * im.colsUsed);
    const Eigen::Index cols = im.colsUsed;
    for (int a = 0; a < im.arrays; ++a) {
        const double* g = conductance.data() + static_cast<size_t>(a) * cells;
        for (Eigen::Index i = 0; i < im.rowsUsed; ++i)
            for (Eigen::Index j = 0; j < cols; ++j)
                im.cellsD(i, a * cols + j) = std::round(std::ldexp(g[i * cols + j], fractionBits));
    }
    return CrossbarTile(std::move(impl));
}

const CrossbarConfig& CrossbarTile::config() const { return m_impl->config; }
int CrossbarTile::rowsUsed() const { return m_impl->rowsUsed; }
int CrossbarTile::colsUsed() const { return m_impl->colsUsed; }
int CrossbarTile::arrays() const { return m_impl->arrays; }
double CrossbarTile::outputStep() const { return m_impl->outputStep; }
bool CrossbarTile::isLossless() const { return m_impl->lossless; }
bool CrossbarTile::hasIntegerOutput() const { return !m_impl->device && m_impl->integerOutput; }
bool CrossbarTile::hasDeviceModel() const { return m_impl->device; }

const char* CrossbarTile::readKernelName() const
{
    const Impl& im = *m_impl;
    if (im.isa != detail::Isa::None)
        return detail::isaName(im.isa);
    return im.codesF.size() > 0 || im.cellsF.size() > 0 ? "eigen-float" : "eigen-double";
}

double CrossbarTile::adcStep(int array, int cycle, int column) const
{
    const Impl& im = *m_impl;
    NNB_ASSERT(array >= 0 && array < im.arrays && cycle >= 0 && cycle < im.cycles && column >= 0 && column < im.colsUsed);
    array = std::clamp(array, 0, im.arrays - 1);
    cycle = std::clamp(cycle, 0, im.cycles - 1);
    if (!im.columnShift.empty()) {
        column = std::clamp(column, 0, im.colsUsed - 1);
        const size_t k = (static_cast<size_t>(array) * static_cast<size_t>(im.cycles) + static_cast<size_t>(cycle))
                             * static_cast<size_t>(im.colsUsed)
                         + static_cast<size_t>(column);
        return std::ldexp(1.0, im.columnShift[k]);
    }
    return im.arrayInfo[static_cast<size_t>(array)].cycle[static_cast<size_t>(cycle)].step;
}

Expected<void> CrossbarTile::checkInputs(const int32_t* x, int64_t batch) const
{
    const int64_t maxCode = m_impl->config.maxInputCode();
    const int rows = m_impl->rowsUsed;
    for (int64_t b = 0; b < batch; ++b) {
        for (int i = 0; i < rows; ++i) {
            const int32_t v = x[b * rows + i];
            if (v < 0 || v > maxCode) {
                return fieldError("x", "input code " + std::to_string(v) + " of sample " + std::to_string(b)
                                           + ", row " + std::to_string(i) + " is outside [0, "
                                           + std::to_string(maxCode) + "]");
            }
        }
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// mvm

namespace {

/// Work buffers of the reads, one set per thread and reused by every call: allocating (and
/// zeroing) them per block cost more than the ADC itself. Each is sized by its user.
struct TileScratch {
    std::vector<uint8_t> a;      ///< int8 kernels: input codes or bit-planes
    std::vector<int32_t> c;      ///< int8 kernels: the GEMM's results
    std::vector<int64_t> correction;
    std::vector<int32_t> acc32;
    std::vector<int64_t> acc64;
    std::vector<int32_t> codes;  ///< ADC codes of one row of reads
};

TileScratch& tileScratch()
{
    thread_local TileScratch s;
    return s;
}

using detail::sized;

} // namespace

/// y = outputStep · A − B, exactly (int64) or with one rounding (fma).
template <class Out>
void CrossbarTile::Impl::writeResult(int64_t accumulated, int64_t correction, Out& y) const
{
    if constexpr (std::is_same_v<Out, int64_t>) {
        if (integerOutput)
            y = static_cast<int64_t>(outputStep) * accumulated - correction;
        else
            y = std::llround(std::fma(outputStep, static_cast<double>(accumulated), -static_cast<double>(correction)));
    } else if (integerOutput) {
        // validate() bounds |outputStep·A| and |B| so that the result stays below 2^53: exact.
        y = static_cast<double>(static_cast<int64_t>(outputStep) * accumulated - correction);
    } else {
        y = std::fma(outputStep, static_cast<double>(accumulated), -static_cast<double>(correction));
    }
}

/// Lossless tiles: y = x · W in one exact GEMM.
template <class Scalar, class Out>
void CrossbarTile::Impl::fastBlock(const RowMajorMatrix<Scalar>& codes, const int32_t* x, int64_t n, Out* y) const
{
    const Impl& im = *this;
    const Eigen::Map<const RowMajorMatrix<int32_t>> xs(x, n, im.rowsUsed);
    const RowMajorMatrix<Scalar> product = xs.template cast<Scalar>() * codes;
    const Scalar* p = product.data();
    const int64_t count = n * im.colsUsed;
    for (int64_t k = 0; k < count; ++k)
        y[k] = static_cast<Out>(p[k]); // exact integers
}

/// Everything else: all reads in one exact GEMM, then ADC and shift-and-add per element.
template <class Scalar, class Out>
void CrossbarTile::Impl::slicedBlock(const RowMajorMatrix<Scalar>& cells, const int32_t* x, int64_t n, Out* y,
                                     AdcStats& stats) const
{
    const Impl& im = *this;
    const CrossbarConfig& c = im.config;
    const int rows = im.rowsUsed;
    const int cols = im.colsUsed;
    const int width = im.arrays * cols;
    const int32_t mask = (int32_t{1} << c.dacBits) - 1;

    // Input bit-planes of all samples stacked as rows: row t·n + b is cycle t of sample b.
    RowMajorMatrix<Scalar> planes(static_cast<Eigen::Index>(im.cycles) * n, rows);
    for (int t = 0; t < im.cycles; ++t) {
        const int shift = c.dacBits * t;
        for (int64_t b = 0; b < n; ++b) {
            const int32_t* xb = x + b * rows;
            Scalar* row = planes.data() + (t * n + b) * rows;
            for (int i = 0; i < rows; ++i)
                row[i] = static_cast<Scalar>((xb[i] >> shift) & mask);
        }
    }
    // Every read of every array, cycle and sample in one exact GEMM.
    RowMajorMatrix<Scalar> sums(planes.rows(), width);
    sums.noalias() = planes * cells;
    convertReads(sums.data(), width, x, n, y, stats);
}

/// Lossless tiles with the integer kernel: y = x · W.
template <class Out>
void CrossbarTile::Impl::int8FastBlock(const int32_t* x, int64_t n, Out* y) const
{
    const int rows = rowsUsed;
    const int64_t lda = int64_t{packed.kQuads} * 4;
    const int64_t ldc = int64_t{packed.nBlocks} * 16;
    TileScratch& scratch = tileScratch();
    uint8_t* a = sized(scratch.a, static_cast<size_t>(n * lda));
    for (int64_t b = 0; b < n; ++b) {
        uint8_t* row = a + b * lda;
        const int32_t* xb = x + b * rows;
        for (int i = 0; i < rows; ++i)
            row[i] = static_cast<uint8_t>(xb[i]);
        std::fill(row + rows, row + lda, uint8_t{0});
    }
    int32_t* c = sized(scratch.c, static_cast<size_t>(n * ldc));
    detail::gemmU8S8(isa, a, n, lda, packed, c, ldc);
    for (int64_t b = 0; b < n; ++b)
        for (int j = 0; j < colsUsed; ++j)
            y[b * colsUsed + j] = static_cast<Out>(c[b * ldc + j]);
}

/// Lossy tiles with the integer kernel: uint8 bit-planes times int8 levels.
template <class Out>
void CrossbarTile::Impl::int8SlicedBlock(const int32_t* x, int64_t n, Out* y, AdcStats& stats) const
{
    const int rows = rowsUsed;
    const int64_t lda = int64_t{packed.kQuads} * 4;
    const int64_t ldc = int64_t{packed.nBlocks} * 16;
    const int32_t mask = (int32_t{1} << config.dacBits) - 1;
    TileScratch& scratch = tileScratch();
    uint8_t* planes = sized(scratch.a, static_cast<size_t>(cycles * n * lda));
    for (int t = 0; t < cycles; ++t) {
        const int shift = config.dacBits * t;
        for (int64_t b = 0; b < n; ++b) {
            const int32_t* xb = x + b * rows;
            uint8_t* row = planes + (t * n + b) * lda;
            for (int i = 0; i < rows; ++i)
                row[i] = static_cast<uint8_t>((xb[i] >> shift) & mask);
            std::fill(row + rows, row + lda, uint8_t{0});
        }
    }
    int32_t* sums = sized(scratch.c, static_cast<size_t>(cycles * n * ldc));
    detail::gemmU8S8(isa, planes, cycles * n, lda, packed, sums, ldc);
    convertReads(sums, ldc, x, n, y, stats);
}

/// The ADC and the shift-and-add of reads [cycles·n rows (cycle-major) × arrays·colsUsed] at row
/// stride \p stride, and the offset correction.
template <class Read, class Out>
void CrossbarTile::Impl::convertReads(const Read* reads, int64_t stride, const int32_t* x, int64_t n, Out* y,
                                      AdcStats& stats) const
{
    const Impl& im = *this;
    const CrossbarConfig& c = im.config;
    const int rows = im.rowsUsed;
    const int cols = im.colsUsed;
    const int width = im.arrays * cols;

    // The offset encoding's digital correction offset · Σ_i x_i.
    TileScratch& scratch = tileScratch();
    int64_t* correction = sized(scratch.correction, static_cast<size_t>(n));
    std::fill(correction, correction + n, int64_t{0});
    if (im.offset != 0) {
        for (int64_t b = 0; b < n; ++b) {
            int64_t sum = 0;
            for (int i = 0; i < rows; ++i)
                sum += x[b * rows + i];
            correction[b] = sum * im.offset;
        }
    }

    if (c.adcBits == 0) {
        // A device tile without ADC: the analog sums are added up as they are, in a fixed order
        // per element (so the result does not depend on the batch split).
        std::vector<double> acc(static_cast<size_t>(n * cols), 0.0);
        for (int t = 0; t < im.cycles; ++t) {
            for (int64_t b = 0; b < n; ++b) {
                const Read* row = reads + (t * n + b) * stride;
                double* out = acc.data() + b * cols;
                for (int a = 0; a < im.arrays; ++a) {
                    const ArrayInfo& info = im.arrayInfo[static_cast<size_t>(a)];
                    const double weight = info.sign * std::ldexp(im.cellScale, c.cellBits * info.slice + c.dacBits * t);
                    for (int j = 0; j < cols; ++j)
                        out[j] += weight * static_cast<double>(row[a * cols + j]);
                }
            }
        }
        for (int64_t b = 0; b < n; ++b) {
            for (int j = 0; j < cols; ++j) {
                const double v = acc[static_cast<size_t>(b * cols + j)] - static_cast<double>(correction[b]);
                if constexpr (std::is_same_v<Out, int64_t>)
                    y[b * cols + j] = std::llround(v); // not exact: only reached after a failed assertion
                else
                    y[b * cols + j] = v;
            }
        }
        return;
    }

    // ADC and shift-and-add, exact in integer units of the output step: int32 where the bound
    // allows (it vectorises better), else int64.
    int64_t clipped = 0;
    const auto write = [&](const auto* acc) {
        for (int64_t b = 0; b < n; ++b)
            for (int j = 0; j < cols; ++j)
                writeResult(static_cast<int64_t>(acc[b * cols + j]), correction[b], y[b * cols + j]);
    };
    const auto count = static_cast<size_t>(n * cols);
    if (im.accumulate32) {
        int32_t* acc = sized(scratch.acc32, count);
        std::fill(acc, acc + count, int32_t{0});
        clipped = adcAndShiftAdd(reads, stride, n, acc);
        write(acc);
    } else {
        int64_t* acc = sized(scratch.acc64, count);
        std::fill(acc, acc + count, int64_t{0});
        clipped = adcAndShiftAdd(reads, stride, n, acc);
        write(acc);
    }
    stats.conversions += n * im.cycles * width;
    stats.clipped += clipped;
}

/// acc[b][j] += Σ_{t,a} ±2^(cellBits·s_a + dacBits·t)·(Δ_{a,t} / outputStep)·q; \returns the
/// number of clipped conversions. Two passes per array and row: the codes (a table look-up, a
/// rounding shift or a division), then the shift-and-add, which the compiler vectorises.
template <class Read, class Acc>
int64_t CrossbarTile::Impl::adcAndShiftAdd(const Read* reads, int64_t stride, int64_t n, Acc* acc) const
{
#ifdef NNB_SIM_X86
    if (isa != detail::Isa::None) // the integer kernels imply AVX2
        return adcLoopAvx2(reads, stride, n, acc);
#endif
    return adcLoop(reads, stride, n, acc);
}

template <class Read, class Acc>
int64_t CrossbarTile::Impl::adcLoop(const Read* reads, int64_t stride, int64_t n, Acc* acc) const
{
    const Impl& im = *this;
    const CrossbarConfig& c = im.config;
    const int cols = im.colsUsed;
    int32_t* q = sized(tileScratch().codes, static_cast<size_t>(cols));
    const double qmax = static_cast<double>(im.qmax);
    const int32_t qmax32 = static_cast<int32_t>(im.qmax);
    int64_t clipped = 0;
    for (int t = 0; t < im.cycles; ++t) {
        for (int64_t b = 0; b < n; ++b) {
            const Read* row = reads + (t * n + b) * stride;
            Acc* out = acc + b * cols;
            for (int a = 0; a < im.arrays; ++a) {
                const ArrayInfo& info = im.arrayInfo[static_cast<size_t>(a)];
                const CycleAdc& adc = info.cycle[static_cast<size_t>(t)];
                const Read* read = row + a * cols;
                if (!im.columnShift.empty()) {
                    // Δ_{a,t,j} = 2^k_j per column: a rounding shift (or, on a device tile, a
                    // division by the power of two), then a per-column shift-and-add.
                    const int32_t* k = im.columnShift.data() + (static_cast<size_t>(a) * static_cast<size_t>(im.cycles)
                                                                 + static_cast<size_t>(t))
                                                                    * static_cast<size_t>(cols);
                    int32_t clips = 0;
                    if (im.adcKernel == AdcKernel::Shift) {
                        for (int j = 0; j < cols; ++j) {
                            const int32_t v = (static_cast<int32_t>(read[j]) + ((int32_t{1} << k[j]) >> 1)) >> k[j];
                            clips += v > qmax32;
                            q[j] = std::min(v, qmax32);
                        }
                    } else {
                        for (int j = 0; j < cols; ++j) {
                            double v = std::round(static_cast<double>(read[j]) / std::ldexp(1.0 / im.cellScale, k[j]));
                            if (v > qmax) {
                                v = qmax;
                                ++clips;
                            }
                            q[j] = static_cast<int32_t>(v);
                        }
                    }
                    clipped += clips;
                    const int base = c.cellBits * info.slice + c.dacBits * t;
                    if (info.sign > 0) {
                        for (int j = 0; j < cols; ++j)
                            out[j] += static_cast<Acc>(q[j]) << (base + k[j]);
                    } else {
                        for (int j = 0; j < cols; ++j)
                            out[j] -= static_cast<Acc>(q[j]) << (base + k[j]);
                    }
                    continue;
                }
                switch (im.adcKernel) {
                case AdcKernel::Multiply: {
                    const MagicDivision magic = im.adcMagic;
                    const auto top = static_cast<uint32_t>(im.qmax);
                    const auto clipFrom = static_cast<Read>(im.clipFrom);
                    int32_t clips = 0;
                    for (int j = 0; j < cols; ++j)
                        q[j] = static_cast<int32_t>(std::min(magic.apply(static_cast<uint32_t>(read[j])), top));
                    for (int j = 0; j < cols; ++j)
                        clips += read[j] >= clipFrom;
                    clipped += clips;
                    break;
                }
                case AdcKernel::Table: {
                    const uint16_t* table = im.adcTable.data();
                    const auto clipFrom = static_cast<Read>(im.clipFrom);
                    int32_t clips = 0;
                    for (int j = 0; j < cols; ++j)
                        q[j] = table[static_cast<int64_t>(read[j])]; // reads are exact integers
                    for (int j = 0; j < cols; ++j)
                        clips += read[j] >= clipFrom;
                    clipped += clips;
                    break;
                }
                case AdcKernel::Shift: {
                    const int k = adc.stepLog2;
                    const int32_t half = k > 0 ? int32_t{1} << (k - 1) : 0;
                    int32_t clips = 0;
                    for (int j = 0; j < cols; ++j) {
                        const int32_t v = (static_cast<int32_t>(read[j]) + half) >> k;
                        clips += v > qmax32;
                        q[j] = std::min(v, qmax32);
                    }
                    clipped += clips;
                    break;
                }
                case AdcKernel::Divide: {
                    // I / Δ with I = operand · cellScale; dividing by Δ / cellScale (a power-of-two
                    // rescaling, exact) gives the same correctly rounded quotient.
                    const double step = adc.step / im.cellScale;
                    for (int j = 0; j < cols; ++j) {
                        double v = std::round(static_cast<double>(read[j]) / step);
                        if (v > qmax) {
                            v = qmax;
                            ++clipped;
                        }
                        q[j] = static_cast<int32_t>(v);
                    }
                    break;
                }
                }
                // Δ_{a,t} / outputStep is a power of two, so the whole factor is a shift.
                const int shift = c.cellBits * info.slice + c.dacBits * t + adc.multiplierLog2;
                if (info.sign > 0) {
                    for (int j = 0; j < cols; ++j)
                        out[j] += static_cast<Acc>(q[j]) << shift;
                } else {
                    for (int j = 0; j < cols; ++j)
                        out[j] -= static_cast<Acc>(q[j]) << shift;
                }
            }
        }
    }
    return clipped;
}

template <class Out>
void CrossbarTile::Impl::run(const int32_t* x, int64_t batch, Out* y, AdcStats* stats) const
{
    const Impl& im = *this;
    if constexpr (std::is_same_v<Out, int64_t>)
        NNB_ASSERT(im.integerOutput && !im.device);
    // Precondition: codes in [0, 2^inputBits − 1] (checkInputs reports which one is not).
    {
        const uint32_t outside = ~static_cast<uint32_t>(im.config.maxInputCode());
        uint32_t bits = 0;
        const int64_t count = batch * im.rowsUsed;
        for (int64_t k = 0; k < count; ++k)
            bits |= static_cast<uint32_t>(x[k]);
        NNB_ASSERT((bits & outside) == 0);
    }
    AdcStats local;
    const int64_t block = im.blockSamples();
    for (int64_t b0 = 0; b0 < batch; b0 += block) {
        const int64_t n = std::min(block, batch - b0);
        const int32_t* xb = x + b0 * im.rowsUsed;
        Out* yb = y + b0 * im.colsUsed;
        if (im.isa != detail::Isa::None) {
            if (im.lossless)
                int8FastBlock(xb, n, yb);
            else
                int8SlicedBlock(xb, n, yb, local);
        } else if (im.lossless) {
            if (im.codesF.size() > 0)
                fastBlock(im.codesF, xb, n, yb);
            else
                fastBlock(im.codesD, xb, n, yb);
        } else if (im.cellsF.size() > 0) {
            slicedBlock(im.cellsF, xb, n, yb, local);
        } else {
            slicedBlock(im.cellsD, xb, n, yb, local);
        }
    }
    if (im.lossless && im.config.adcBits > 0)
        local.conversions += batch * im.cycles * im.arrays * im.colsUsed; // none can clip
    if (stats)
        *stats += local;
}

namespace {

template <class Out>
void parallelImpl(const CrossbarTile& tile, const int32_t* x, int64_t batch, Out* y, AdcStats* stats,
                         int threads)
{
    if (threads <= 0)
        threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int64_t parts = std::min<int64_t>(threads, batch);
    if (parts <= 1) {
        tile.mvm(x, batch, y, stats);
        return;
    }
    std::vector<AdcStats> partStats(static_cast<size_t>(parts));
    std::vector<std::exception_ptr> errors(static_cast<size_t>(parts));
    const int rows = tile.rowsUsed();
    const int cols = tile.colsUsed();
    const auto runPart = [&](int64_t p) {
        const int64_t begin = batch * p / parts;
        const int64_t end = batch * (p + 1) / parts;
        try {
            tile.mvm(x + begin * rows, end - begin, y + begin * cols, &partStats[static_cast<size_t>(p)]);
        } catch (...) { // no exception may escape a thread
            errors[static_cast<size_t>(p)] = std::current_exception();
        }
    };
    {
        std::vector<std::jthread> workers;
        workers.reserve(static_cast<size_t>(parts - 1));
        for (int64_t p = 1; p < parts; ++p) {
            try {
                workers.emplace_back(runPart, p);
            } catch (const std::system_error&) {
                runPart(p); // no thread to be had: run the part here
            }
        }
        runPart(0);
    } // joins
    for (const std::exception_ptr& error : errors)
        if (error)
            std::rethrow_exception(error);
    if (stats)
        for (const AdcStats& s : partStats)
            *stats += s;
}

} // namespace

void CrossbarTile::mvm(const int32_t* x, int64_t batch, int64_t* y, AdcStats* stats) const
{
    m_impl->run(x, batch, y, stats);
}

void CrossbarTile::mvm(const int32_t* x, int64_t batch, double* y, AdcStats* stats) const
{
    m_impl->run(x, batch, y, stats);
}

void CrossbarTile::mvmParallel(const int32_t* x, int64_t batch, int64_t* y, AdcStats* stats, int threads) const
{
    parallelImpl(*this, x, batch, y, stats, threads);
}

void CrossbarTile::mvmParallel(const int32_t* x, int64_t batch, double* y, AdcStats* stats, int threads) const
{
    parallelImpl(*this, x, batch, y, stats, threads);
}

} // namespace nnb::sim
