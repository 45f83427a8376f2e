// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Private to the simulator: an exact integer GEMM of unsigned 8-bit rows (input bit-planes or
// input codes) by signed 8-bit columns (cell levels or weight codes) with 32-bit results,
// vectorised for AVX2 or AVX-512 VNNI and chosen at run time. The crossbar's operands are tiny
// integers, so this does 4-8 times the multiply-adds per instruction of a float GEMM and is
// still exact: every product and partial sum is bounded up front (see packS8).

#include <cstdint>
#include <vector>

namespace nnb::sim::detail {

/// Instruction sets of the kernels, in increasing preference.
enum class Isa {
    None,       ///< no integer kernel: callers use Eigen
    Avx2,       ///< vpmaddubsw into 16-bit lanes, widened to 32 bits per bounded segment
    Avx512Vnni, ///< vpdpbusd: four products summed straight into 32-bit lanes
};

/// \returns the best instruction set of this CPU, capped at \p cap.
Isa detectIsa(Isa cap);
const char* isaName(Isa isa);

/// The right operand B [k × n] packed for the kernels: blocks of 16 columns, and within a block,
/// for each group of 4 consecutive rows ("quad"), 16 columns × 4 bytes (64 bytes).
struct PackedS8 {
    int k = 0;
    int n = 0;
    int kQuads = 0;        ///< ceil(k / 4); the left operand's rows must hold kQuads·4 bytes
    int nBlocks = 0;       ///< ceil(n / 16); results fill nBlocks·16 columns
    int segmentQuads = 0;  ///< Avx2: quads accumulated in 16-bit lanes before widening
    std::vector<int8_t> data; ///< [nBlocks][kQuads][16][4], zero padded
};

/// Packs row-major \p b [k × n] (values in [-128, 127]) for a left operand whose entries are at
/// most \p aMax (<= 255). \returns false (and leaves \p out unusable) when a result could leave
/// the exact range of the kernels: 32-bit sums, or for AVX2 a pair of products above 2^15 − 1.
bool packS8(const int32_t* b, int k, int n, int aMax, Isa isa, PackedS8& out);

/// c[i][j] = Σ_k a[i][k]·b[k][j] for i < m and j < nBlocks·16 (row stride \p ldc); \p a holds m
/// rows of kQuads·4 bytes (zero padded beyond k) at stride \p lda. \p isa must not exceed what
/// packS8 was given and what the CPU supports.
void gemmU8S8(Isa isa, const uint8_t* a, int64_t m, int64_t lda, const PackedS8& b, int32_t* c, int64_t ldc);

} // namespace nnb::sim::detail
