import COpenBLAS

/// Single-precision general matrix multiply, `C = alpha * op(A) * op(B) + beta * C`, row-major.
///
/// The only place in SyncBench that calls BLAS; every convolution and linear layer of the
/// networks ends up here. Matrices are dense and row-major with leading dimension equal to their
/// column count.
///
/// The corresponding C function is `cblas_sgemm`.
public enum GEMM {
    /// Whether a matrix operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none
        case transposed

        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// Computes `C = alpha * op(A) * op(B) + beta * C` where `op(A)` is `m x k`, `op(B)` is `k x n`
    /// and `C` is `m x n`.
    ///
    /// - Precondition: the buffers hold at least `m*k`, `k*n` and `m*n` elements.
    public static func multiply(
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafeBufferPointer<Float>, transposeA: Transpose = .none,
        b: UnsafeBufferPointer<Float>, transposeB: Transpose = .none,
        beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must be non-negative: m=\(m) n=\(n) k=\(k)")
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "GEMM operand too small")
        guard m > 0, n > 0 else { return }
        let lda = transposeA == .none ? k : m
        let ldb = transposeB == .none ? n : k
        cblas_sgemm(
            CblasRowMajor, transposeA.cblas, transposeB.cblas,
            Int32(m), Int32(n), Int32(k),
            alpha, a.baseAddress, Int32(max(lda, 1)),
            b.baseAddress, Int32(max(ldb, 1)),
            beta, c.baseAddress, Int32(n))
    }

    /// Convenience over arrays: returns `op(A) * op(B)` as a new `m x n` row-major array.
    public static func product(
        _ a: [Float], _ b: [Float], m: Int, n: Int, k: Int,
        transposeA: Transpose = .none, transposeB: Transpose = .none
    ) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    multiply(m: m, n: n, k: k, a: pa, transposeA: transposeA, b: pb, transposeB: transposeB, c: pc)
                }
            }
        }
        return c
    }
}
