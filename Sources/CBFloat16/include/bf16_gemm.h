// bfloat16 matrix multiply with float32 accumulation, for the Tensor target's `--precision bf16`
// (docs/performance.md, "bf16"). Debian's OpenBLAS 0.3.21 has no cblas_sbgemm, so the product
// is computed here with AVX512_BF16's VDPBF16PS.
#ifndef SYNCBENCH_BF16_GEMM_H
#define SYNCBENCH_BF16_GEMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows of A per block of a packed A (see syncbench_bf16_pack_a).
#define SYNCBENCH_BF16_ROW_BLOCK 12

/// 1 when this CPU executes AVX512F, AVX512BW and AVX512_BF16 instructions (and this build
/// contains the kernel: x86-64 only), else 0.
int syncbench_bf16_supported(void);

/// C[m × n] = A[m × k] · op(B), all row-major float32 with leading dimensions lda, ldb, ldc, where
/// op(B) is B (`k × n`) or, with `transpose_b` non-zero, the transpose of B (`n × k`). Every
/// element of A and op(B) is rounded to bfloat16 (round to nearest even) before it is multiplied;
/// products are summed in float32, two k terms at a time (VDPBF16PS). C is overwritten (β = 0).
/// Single-threaded; the caller splits the work. Returns 0, or -1 when the CPU lacks the
/// instructions (C is then untouched) or memory for the packed operands cannot be allocated.
int syncbench_bf16_gemm(
    int m, int n, int k, const float *a, int lda, const float *b, int ldb, int transpose_b, float *c, int ldc);

/// The number of 32-bit elements of A (`m × k`) packed by syncbench_bf16_pack_a: ⌈m / 12⌉ row
/// blocks of 12 · ⌈k / 2⌉ (0 when m or k is not positive).
size_t syncbench_bf16_packed_a_count(int m, int k);

/// Packs the row-major float32 A (`m × k`, leading dimension lda) into `dst`
/// (syncbench_bf16_packed_a_count(m, k) elements) in the kernel's operand layout, every element
/// rounded to bfloat16 as syncbench_bf16_gemm rounds it: row block after row block of
/// SYNCBENCH_BF16_ROW_BLOCK rows (the last one zero-padded), each holding its rows' k pairs
/// (two adjacent bfloat16 per 32-bit element) pair by pair. A matrix's packed form is therefore
/// the concatenation of the packed forms of its blocks of 12 rows. Returns 0, or -1 without
/// AVX512_BF16 (dst is then untouched).
int syncbench_bf16_pack_a(int m, int k, const float *a, int lda, uint32_t *dst);

/// syncbench_bf16_gemm with A packed by syncbench_bf16_pack_a (for the same m and k): the same
/// result, bit for bit, without packing A again in every call.
int syncbench_bf16_gemm_packed(
    int m, int n, int k, const uint32_t *packed_a, const float *b, int ldb, int transpose_b, float *c, int ldc);

#ifdef __cplusplus
}
#endif

#endif
