// See include/bf16_gemm.h. Blocking: B is packed once per block of k into panels of NR = 32
// columns, each k pair of a column stored as two adjacent bfloat16 (the operand layout of
// VDPBF16PS); A is packed per MR = 12 rows in the same pair layout, so that one 32-bit broadcast
// gives a row's two k terms (or A comes packed so already: syncbench_bf16_pack_a, for weights
// used in many products). A 12 × 32 tile of C lives in 24 zmm accumulators. Packing A, and B
// when it is transposed, reads eight k pairs of eight rows and transposes them in registers
// (element-by-element stores made packing A cost as much as the products in the small-n layers).
#include "bf16_gemm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define MR SYNCBENCH_BF16_ROW_BLOCK
#define NR 32
#define KC_PAIRS 256
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

int syncbench_bf16_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
}

// Rounds 16 floats to bfloat16 (round to nearest even; NaN stays NaN).
BF16_TARGET static inline __m256i to_bf16(__m512 x) { return (__m256i)_mm512_cvtneps_pbh(x); }

// r[0 … 7], eight rows of eight 32-bit values, transposed in place: r[q] becomes column q.
BF16_TARGET static inline void transpose8(__m256i r[8]) {
    __m256i t[8], u[8];
    for (int j = 0; j < 4; j++) {
        t[2 * j] = _mm256_unpacklo_epi32(r[2 * j], r[2 * j + 1]);
        t[2 * j + 1] = _mm256_unpackhi_epi32(r[2 * j], r[2 * j + 1]);
    }
    for (int j = 0; j < 2; j++) {
        u[4 * j] = _mm256_unpacklo_epi64(t[4 * j], t[4 * j + 2]);
        u[4 * j + 1] = _mm256_unpackhi_epi64(t[4 * j], t[4 * j + 2]);
        u[4 * j + 2] = _mm256_unpacklo_epi64(t[4 * j + 1], t[4 * j + 3]);
        u[4 * j + 3] = _mm256_unpackhi_epi64(t[4 * j + 1], t[4 * j + 3]);
    }
    for (int q = 0; q < 4; q++) {
        r[q] = _mm256_permute2x128_si256(u[q], u[q + 4], 0x20);
        r[q + 4] = _mm256_permute2x128_si256(u[q], u[q + 4], 0x31);
    }
}

// Panel of op(B): rows k0 … k0 + krows − 1, columns n0 … n0 + ncols − 1 (ncols ≤ NR), as
// `pairs × NR` 32-bit pairs (row 2p in the low half, 2p + 1 in the high half), zero-padded.
BF16_TARGET static void pack_b(const float *b, int ldb, int transpose_b, int k0, int krows, int n0, int ncols, uint16_t *dst) {
    const int pairs = (krows + 1) / 2;
    if (!transpose_b) {
        // Interleave two rows of 16 columns: indices 0,16,1,17,… of [row 2p | row 2p + 1].
        const __m512i interleave = _mm512_set_epi16(
            31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        for (int p = 0; p < pairs; p++) {
            const int second = 2 * p + 1 < krows;
            const float *r0 = b + (size_t)(k0 + 2 * p) * ldb + n0;
            const float *r1 = second ? r0 + ldb : r0;  // never a row past B's last
            for (int h = 0; h < NR / 16; h++) {
                int valid = ncols - 16 * h;
                valid = valid < 0 ? 0 : (valid > 16 ? 16 : valid);
                const __mmask16 mask = (__mmask16)((1u << valid) - 1u);
                const __m512 x0 = _mm512_maskz_loadu_ps(mask, r0 + 16 * h);
                const __m512 x1 = second ? _mm512_maskz_loadu_ps(mask, r1 + 16 * h) : _mm512_setzero_ps();
                __m512i both = _mm512_inserti64x4(_mm512_castsi256_si512(to_bf16(x0)), to_bf16(x1), 1);
                _mm512_storeu_si512(dst + (size_t)p * 2 * NR + 32 * h, _mm512_permutexvar_epi16(interleave, both));
            }
        }
    } else {
        // op(B)[kk][j] = B[j][kk]: each column is a row of B, its k pairs adjacent already; eight
        // pairs of eight columns at a time, rounded and transposed in registers.
        uint32_t *out = (uint32_t *)dst;
        for (int p0 = 0; p0 < pairs; p0 += 8) {
            const int count = pairs - p0 < 8 ? pairs - p0 : 8;
            const int floats = 2 * count > krows - 2 * p0 ? krows - 2 * p0 : 2 * count;
            const __mmask16 mask = (__mmask16)((1u << floats) - 1u);
            for (int j0 = 0; j0 < NR; j0 += 8) {
                __m256i columns[8];
                for (int j = 0; j < 8; j++) {
                    columns[j] = j0 + j < ncols ? to_bf16(_mm512_maskz_loadu_ps(mask, b + (size_t)(n0 + j0 + j) * ldb + k0 + 2 * p0))
                                                : _mm256_setzero_si256();
                }
                transpose8(columns);
                for (int q = 0; q < count; q++) _mm256_storeu_si256((__m256i *)(out + (size_t)(p0 + q) * NR + j0), columns[q]);
            }
        }
    }
}

// Rows i0 … i0 + mrows − 1 (mrows ≤ MR), k0 … k0 + kcols − 1 of A as `pairs × MR` 32-bit pairs
// (zero past mrows): eight pairs of each row at a time, rounded, and transposed in registers.
BF16_TARGET static void pack_a(const float *a, int lda, int i0, int mrows, int k0, int kcols, uint32_t *dst) {
    const int pairs = (kcols + 1) / 2;
    for (int p0 = 0; p0 < pairs; p0 += 8) {
        const int count = pairs - p0 < 8 ? pairs - p0 : 8;
        const int floats = 2 * count > kcols - 2 * p0 ? kcols - 2 * p0 : 2 * count;
        const __mmask16 mask = (__mmask16)((1u << floats) - 1u);
        __m256i low[8], high[8];  // rows 0 … 7, and rows 8 … 11 (then zeros)
        for (int i = 0; i < 8; i++) {
            low[i] = i < mrows ? to_bf16(_mm512_maskz_loadu_ps(mask, a + (size_t)(i0 + i) * lda + k0 + 2 * p0)) : _mm256_setzero_si256();
            high[i] = i < 4 && 8 + i < mrows ? to_bf16(_mm512_maskz_loadu_ps(mask, a + (size_t)(i0 + 8 + i) * lda + k0 + 2 * p0))
                                             : _mm256_setzero_si256();
        }
        transpose8(low);
        transpose8(high);
        for (int q = 0; q < count; q++) {
            uint32_t *out = dst + (size_t)(p0 + q) * MR;
            _mm256_storeu_si256((__m256i *)out, low[q]);
            _mm_storeu_si128((__m128i *)(out + 8), _mm256_castsi256_si128(high[q]));
        }
    }
}

// The MR × NR tile at c (row stride ldc) = (accumulate ? c : 0) + Σ_p a_p ⊗ b_p.
BF16_TARGET static void tile(int pairs, const uint32_t *ap, const uint16_t *bp, float *c, int ldc, int accumulate) {
    __m512 acc[MR][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (int p = 0; p < pairs; p++) {
        const __m512bh b0 = (__m512bh)_mm512_loadu_si512(bp + (size_t)p * 2 * NR);
        const __m512bh b1 = (__m512bh)_mm512_loadu_si512(bp + (size_t)p * 2 * NR + 32);
        const uint32_t *row = ap + (size_t)p * MR;
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            const __m512bh ai = (__m512bh)_mm512_set1_epi32((int)row[i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
        }
    }
    for (int i = 0; i < MR; i++) {
        float *ci = c + (size_t)i * ldc;
        if (accumulate) {
            acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(ci));
            acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(ci + 16));
        }
        _mm512_storeu_ps(ci, acc[i][0]);
        _mm512_storeu_ps(ci + 16, acc[i][1]);
    }
}

// Pairs of k terms a packed row block holds: one per two k, the odd last k paired with zero.
static inline size_t packed_pairs(int k) { return ((size_t)k + 1) / 2; }

size_t syncbench_bf16_packed_a_count(int m, int k) {
    if (m <= 0 || k <= 0) return 0;
    return ((size_t)m + MR - 1) / MR * MR * packed_pairs(k);
}

// C = A · op(B) with A either packed already (`packed_a`, see syncbench_bf16_pack_a) or packed
// here per row block into `ap` from the float `a`.
BF16_TARGET static void multiply(
    int m, int n, int k, const float *a, int lda, const uint32_t *packed_a, const float *b, int ldb, int transpose_b, float *c,
    int ldc, uint16_t *bp, uint32_t *ap) {
    const int panels = (n + NR - 1) / NR;
    const size_t block_pairs = packed_pairs(k);  // of one row block of a packed A
    float edge[MR * NR] = {0};  // its rows and columns past a partial tile are added to, never read back
    for (int k0 = 0; k0 < k; k0 += 2 * KC_PAIRS) {
        const int kc = k - k0 < 2 * KC_PAIRS ? k - k0 : 2 * KC_PAIRS;
        const int pairs = (kc + 1) / 2;
        const int accumulate = k0 > 0;
        for (int jp = 0; jp < panels; jp++) {
            const int n0 = jp * NR;
            pack_b(b, ldb, transpose_b, k0, kc, n0, n - n0 < NR ? n - n0 : NR, bp + (size_t)jp * pairs * 2 * NR);
        }
        for (int i0 = 0; i0 < m; i0 += MR) {
            const int mc = m - i0 < MR ? m - i0 : MR;
            const uint32_t *panel;
            if (packed_a) {
                panel = packed_a + ((size_t)i0 / MR * block_pairs + (size_t)k0 / 2) * MR;
            } else {
                pack_a(a, lda, i0, mc, k0, kc, ap);
                panel = ap;
            }
            for (int jp = 0; jp < panels; jp++) {
                const int n0 = jp * NR, nc = n - n0 < NR ? n - n0 : NR;
                float *target = c + (size_t)i0 * ldc + n0;
                if (mc == MR && nc == NR) {
                    tile(pairs, panel, bp + (size_t)jp * pairs * 2 * NR, target, ldc, accumulate);
                    continue;
                }
                // A partial tile goes through a full-size buffer.
                if (accumulate)
                    for (int i = 0; i < mc; i++) memcpy(edge + i * NR, target + (size_t)i * ldc, (size_t)nc * sizeof(float));
                tile(pairs, panel, bp + (size_t)jp * pairs * 2 * NR, edge, NR, accumulate);
                for (int i = 0; i < mc; i++) memcpy(target + (size_t)i * ldc, edge + i * NR, (size_t)nc * sizeof(float));
            }
        }
    }
}

int syncbench_bf16_pack_a(int m, int k, const float *a, int lda, uint32_t *dst) {
    if (!syncbench_bf16_supported()) return -1;
    if (m <= 0 || k <= 0) return 0;
    const size_t block_pairs = packed_pairs(k);
    for (int i0 = 0; i0 < m; i0 += MR) {
        const int mc = m - i0 < MR ? m - i0 : MR;
        for (int k0 = 0; k0 < k; k0 += 2 * KC_PAIRS) {
            const int kc = k - k0 < 2 * KC_PAIRS ? k - k0 : 2 * KC_PAIRS;
            pack_a(a, lda, i0, mc, k0, kc, dst + ((size_t)i0 / MR * block_pairs + (size_t)k0 / 2) * MR);
        }
    }
    return 0;
}

// The product with A packed (`packed_a`) or as floats (`a`).
static int gemm(
    int m, int n, int k, const float *a, int lda, const uint32_t *packed_a, const float *b, int ldb, int transpose_b, float *c,
    int ldc) {
    if (!syncbench_bf16_supported()) return -1;
    if (m <= 0 || n <= 0) return 0;
    if (k <= 0) {
        for (int i = 0; i < m; i++) memset(c + (size_t)i * ldc, 0, (size_t)n * sizeof(float));
        return 0;
    }
    const int panels = (n + NR - 1) / NR;
    const int pairs = (k < 2 * KC_PAIRS ? k + 1 : 2 * KC_PAIRS) / 2;
    uint16_t *bp = malloc((size_t)panels * pairs * 2 * NR * sizeof(uint16_t));
    uint32_t *ap = packed_a ? NULL : malloc((size_t)pairs * MR * sizeof(uint32_t));
    if (!bp || (!packed_a && !ap)) {
        free(bp);
        free(ap);
        return -1;
    }
    multiply(m, n, k, a, lda, packed_a, b, ldb, transpose_b, c, ldc, bp, ap);
    free(bp);
    free(ap);
    return 0;
}

int syncbench_bf16_gemm(
    int m, int n, int k, const float *a, int lda, const float *b, int ldb, int transpose_b, float *c, int ldc) {
    return gemm(m, n, k, a, lda, NULL, b, ldb, transpose_b, c, ldc);
}

int syncbench_bf16_gemm_packed(
    int m, int n, int k, const uint32_t *packed_a, const float *b, int ldb, int transpose_b, float *c, int ldc) {
    return gemm(m, n, k, NULL, 0, packed_a, b, ldb, transpose_b, c, ldc);
}

#else

int syncbench_bf16_supported(void) { return 0; }

size_t syncbench_bf16_packed_a_count(int m, int k) {
    if (m <= 0 || k <= 0) return 0;
    return ((size_t)m + SYNCBENCH_BF16_ROW_BLOCK - 1) / SYNCBENCH_BF16_ROW_BLOCK * SYNCBENCH_BF16_ROW_BLOCK * (((size_t)k + 1) / 2);
}

int syncbench_bf16_pack_a(int m, int k, const float *a, int lda, uint32_t *dst) {
    (void)m, (void)k, (void)a, (void)lda, (void)dst;
    return -1;
}

int syncbench_bf16_gemm_packed(
    int m, int n, int k, const uint32_t *packed_a, const float *b, int ldb, int transpose_b, float *c, int ldc) {
    (void)m, (void)n, (void)k, (void)packed_a, (void)b, (void)ldb, (void)transpose_b, (void)c, (void)ldc;
    return -1;
}

int syncbench_bf16_gemm(
    int m, int n, int k, const float *a, int lda, const float *b, int ldb, int transpose_b, float *c, int ldc) {
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)ldb, (void)transpose_b, (void)c, (void)ldc;
    return -1;
}

#endif
