// SPDX-License-Identifier: GPL-3.0-or-later
// Integer GEMM kernels for the crossbar reads (see int8_gemm.h). The kernels are compiled with
// GCC/Clang target attributes and chosen at run time, so the library still runs on any x86-64
// (and builds elsewhere, where detectIsa() answers None). Loop order: 16-column blocks of B
// outside (one block, kQuads·64 bytes, stays in L1), rows of A inside in blocks of MR rows.
#include "int8_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NNB_SIM_X86_KERNELS 1
#include <immintrin.h>
#endif

namespace nnb::sim::detail {

namespace {

constexpr int64_t kInt16Max = 32767;
constexpr int64_t kInt32Max = 2147483647;

} // namespace

Isa detectIsa(Isa cap)
{
#ifdef NNB_SIM_X86_KERNELS
    __builtin_cpu_init();
    if (cap >= Isa::Avx512Vnni && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vnni"))
        return Isa::Avx512Vnni;
    if (cap >= Isa::Avx2 && __builtin_cpu_supports("avx2"))
        return Isa::Avx2;
#else
    (void)cap;
#endif
    return Isa::None;
}

const char* isaName(Isa isa)
{
    switch (isa) {
    case Isa::None: return "none";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512Vnni: return "avx512-vnni";
    }
    return "?";
}

bool packS8(const int32_t* b, int k, int n, int aMax, Isa isa, PackedS8& out)
{
    out = PackedS8{};
    if (isa == Isa::None || k <= 0 || n <= 0 || aMax < 0 || aMax > 255)
        return false;
    out.k = k;
    out.n = n;
    out.kQuads = (k + 3) / 4;
    out.nBlocks = (n + 15) / 16;

    // Bounds: |every partial sum| <= aMax · Σ_k |b_kj| must fit 32 bits; AVX2 also needs every
    // pair a0·b0 + a1·b1 (one 16-bit lane of one step) below 2^15.
    int64_t maxColumn = 0;
    int64_t maxPair = 0;
    for (int j = 0; j < n; ++j) {
        int64_t column = 0;
        for (int i = 0; i < k; ++i) {
            const int64_t v = b[static_cast<int64_t>(i) * n + j];
            if (v < -128 || v > 127)
                return false;
            column += v < 0 ? -v : v;
            if (i % 2 == 0) {
                const int64_t next = i + 1 < k ? b[static_cast<int64_t>(i + 1) * n + j] : 0;
                maxPair = std::max(maxPair, (v < 0 ? -v : v) + (next < 0 ? -next : next));
            }
        }
        maxColumn = std::max(maxColumn, column);
    }
    const int64_t fullBound = aMax * maxColumn;
    if (fullBound > kInt32Max)
        return false;
    if (isa == Isa::Avx2) {
        const int64_t pairBound = aMax * maxPair;
        if (pairBound > kInt16Max)
            return false;
        out.segmentQuads = fullBound <= kInt16Max
                               ? out.kQuads
                               : static_cast<int>(std::max<int64_t>(1, kInt16Max / std::max<int64_t>(1, pairBound)));
    } else {
        out.segmentQuads = out.kQuads;
    }

    out.data.assign(static_cast<size_t>(out.nBlocks) * static_cast<size_t>(out.kQuads) * 64, 0);
    for (int nb = 0; nb < out.nBlocks; ++nb) {
        for (int q = 0; q < out.kQuads; ++q) {
            int8_t* dst = out.data.data() + (static_cast<size_t>(nb) * static_cast<size_t>(out.kQuads) + q) * 64;
            for (int c = 0; c < 16; ++c) {
                const int j = nb * 16 + c;
                if (j >= n)
                    continue;
                for (int r = 0; r < 4; ++r) {
                    const int i = q * 4 + r;
                    if (i < k)
                        dst[c * 4 + r] = static_cast<int8_t>(b[static_cast<int64_t>(i) * n + j]);
                }
            }
        }
    }
    return true;
}

#ifdef NNB_SIM_X86_KERNELS

namespace {

inline int32_t load4(const uint8_t* p)
{
    int32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// MR rows × 16 columns with AVX2: 8 columns per register, each column's four products of a
/// quad land as two 16-bit pair sums; lanes accumulate for a bounded segment, then widen.
template <int MR>
__attribute__((target("avx2"), always_inline)) inline void microAvx2(const uint8_t* a, int64_t lda, const int8_t* b,
                                                                    int kQuads, int segment, int32_t* c, int64_t ldc)
{
    const __m256i ones = _mm256_set1_epi16(1);
    if (segment >= kQuads) {
        // The whole column sum fits 16-bit lanes (the usual case): widen once, at the end.
        __m256i acc16[MR][2];
        for (int r = 0; r < MR; ++r)
            acc16[r][0] = acc16[r][1] = _mm256_setzero_si256();
        for (int q = 0; q < kQuads; ++q) {
            const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q * 64));
            const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q * 64 + 32));
            for (int r = 0; r < MR; ++r) {
                const __m256i av = _mm256_set1_epi32(load4(a + r * lda + q * 4));
                acc16[r][0] = _mm256_add_epi16(acc16[r][0], _mm256_maddubs_epi16(av, b0));
                acc16[r][1] = _mm256_add_epi16(acc16[r][1], _mm256_maddubs_epi16(av, b1));
            }
        }
        for (int r = 0; r < MR; ++r) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc), _mm256_madd_epi16(acc16[r][0], ones));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc + 8), _mm256_madd_epi16(acc16[r][1], ones));
        }
        return;
    }
    __m256i acc32[MR][2];
    for (int r = 0; r < MR; ++r)
        acc32[r][0] = acc32[r][1] = _mm256_setzero_si256();
    for (int q0 = 0; q0 < kQuads; q0 += segment) {
        const int q1 = std::min(kQuads, q0 + segment);
        __m256i acc16[MR][2];
        for (int r = 0; r < MR; ++r)
            acc16[r][0] = acc16[r][1] = _mm256_setzero_si256();
        for (int q = q0; q < q1; ++q) {
            const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q * 64));
            const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + q * 64 + 32));
            for (int r = 0; r < MR; ++r) {
                const __m256i av = _mm256_set1_epi32(load4(a + r * lda + q * 4));
                acc16[r][0] = _mm256_add_epi16(acc16[r][0], _mm256_maddubs_epi16(av, b0));
                acc16[r][1] = _mm256_add_epi16(acc16[r][1], _mm256_maddubs_epi16(av, b1));
            }
        }
        for (int r = 0; r < MR; ++r) {
            acc32[r][0] = _mm256_add_epi32(acc32[r][0], _mm256_madd_epi16(acc16[r][0], ones));
            acc32[r][1] = _mm256_add_epi32(acc32[r][1], _mm256_madd_epi16(acc16[r][1], ones));
        }
    }
    for (int r = 0; r < MR; ++r) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc), acc32[r][0]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc + 8), acc32[r][1]);
    }
}

/// MR rows × NB·16 columns with AVX-512 VNNI: one register per row and block, four products per
/// 32-bit lane. \p b points at NB consecutive packed blocks (kQuads·64 bytes each).
template <int MR, int NB>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void microVnni(const uint8_t* a, int64_t lda, const int8_t* b,
                                                                      int kQuads, int32_t* c, int64_t ldc)
{
    __m512i acc[MR][NB];
    for (int r = 0; r < MR; ++r)
        for (int h = 0; h < NB; ++h)
            acc[r][h] = _mm512_setzero_si512();
    const int64_t blockBytes = int64_t{kQuads} * 64;
    for (int q = 0; q < kQuads; ++q) {
        __m512i bv[NB];
        for (int h = 0; h < NB; ++h)
            bv[h] = _mm512_loadu_si512(b + h * blockBytes + q * 64);
        for (int r = 0; r < MR; ++r) {
            const __m512i av = _mm512_set1_epi32(load4(a + r * lda + q * 4));
            for (int h = 0; h < NB; ++h)
                acc[r][h] = _mm512_dpbusd_epi32(acc[r][h], av, bv[h]);
        }
    }
    for (int r = 0; r < MR; ++r)
        for (int h = 0; h < NB; ++h)
            _mm512_storeu_si512(c + r * ldc + h * 16, acc[r][h]);
}

template <int MR>
__attribute__((target("avx2"))) void rowsAvx2(const uint8_t* a, int64_t m, int64_t lda, const int8_t* block, const PackedS8& b, int32_t* c,
              int64_t ldc)
{
    int64_t i = 0;
    for (; i + MR <= m; i += MR)
        microAvx2<MR>(a + i * lda, lda, block, b.kQuads, b.segmentQuads, c + i * ldc, ldc);
    switch (m - i) {
    case 3: microAvx2<3>(a + i * lda, lda, block, b.kQuads, b.segmentQuads, c + i * ldc, ldc); break;
    case 2: microAvx2<2>(a + i * lda, lda, block, b.kQuads, b.segmentQuads, c + i * ldc, ldc); break;
    case 1: microAvx2<1>(a + i * lda, lda, block, b.kQuads, b.segmentQuads, c + i * ldc, ldc); break;
    default: break;
    }
}

template <int MR, int NB>
void rowsVnni(const uint8_t* a, int64_t m, int64_t lda, const int8_t* block, const PackedS8& b, int32_t* c,
              int64_t ldc)
{
    int64_t i = 0;
    for (; i + MR <= m; i += MR)
        microVnni<MR, NB>(a + i * lda, lda, block, b.kQuads, c + i * ldc, ldc);
    for (; i < m; ++i)
        microVnni<1, NB>(a + i * lda, lda, block, b.kQuads, c + i * ldc, ldc);
}

} // namespace

void gemmU8S8(Isa isa, const uint8_t* a, int64_t m, int64_t lda, const PackedS8& b, int32_t* c, int64_t ldc)
{
    int nb = 0;
    const auto blockAt = [&](int index) {
        return b.data.data() + static_cast<size_t>(index) * static_cast<size_t>(b.kQuads) * 64;
    };
    if (isa == Isa::Avx512Vnni) {
        // Two blocks (32 columns) at a time: 16 accumulators, half the broadcasts per product.
        for (; nb + 2 <= b.nBlocks; nb += 2)
            rowsVnni<8, 2>(a, m, lda, blockAt(nb), b, c + nb * 16, ldc);
        for (; nb < b.nBlocks; ++nb)
            rowsVnni<8, 1>(a, m, lda, blockAt(nb), b, c + nb * 16, ldc);
        return;
    }
    for (; nb < b.nBlocks; ++nb)
        rowsAvx2<4>(a, m, lda, blockAt(nb), b, c + nb * 16, ldc);
}

#else

void gemmU8S8(Isa, const uint8_t*, int64_t, int64_t, const PackedS8&, int32_t*, int64_t)
{
    std::abort(); // detectIsa() never offers a kernel here
}

#endif

} // namespace nnb::sim::detail
