// bfloat16 matrix multiply with float32 accumulation, for the Tensor target's `--precision bf16`
// (docs/performance.md, "bf16"). Debian's OpenBLAS 0.3.21 has no cblas_sbgemm, so the product
// is computed here with AVX512_BF16's VDPBF16PS.
#ifndef SYNCBENCH_BF16_GEMM_H
#define SYNCBENCH_BF16_GEMM_H

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif

#endif
