import CBFloat16
import COpenBLAS

#if canImport(Glibc)
    import Glibc
#endif

/// Single-precision general matrix multiply, `C = alpha * op(A) * op(B) + beta * C`, row-major.
///
/// The only place in SyncBench that calls BLAS or the bf16 kernel; every convolution and linear
/// layer of the networks ends up here. Matrices are dense and row-major with leading dimension equal to their
/// column count.
///
/// Threading: the Tensor module does its own multi-threading (``Parallel``), so OpenBLAS is set to
/// one thread the first time this type is used; `multiply` splits large products by columns over
/// the cores itself, and the layers call the serial form from inside their own parallel loops.
///
/// The corresponding C functions are `cblas_sgemm` (``Precision/fp32``) and
/// `syncbench_bf16_gemm` (``Precision/bf16``, the `CBFloat16` target).
public enum GEMM {
    /// Whether a matrix operand is used as stored or transposed.
    public enum Transpose: Sendable {
        case none
        case transposed

        var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
    }

    /// Products with fewer multiply-adds than this run on the calling thread only.
    static let parallelThreshold = 1 << 21

    /// Computes `C = alpha * op(A) * op(B) + beta * C` where `op(A)` is `m x k`, `op(B)` is `k x n`
    /// and `C` is `m x n`, using every core for large products.
    ///
    /// - Precondition: the buffers hold at least `m*k`, `k*n` and `m*n` elements.
    public static func multiply(
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafeBufferPointer<Float>, transposeA: Transpose = .none,
        b: UnsafeBufferPointer<Float>, transposeB: Transpose = .none,
        beta: Float = 0,
        c: UnsafeMutableBufferPointer<Float>,
        precision: Precision = .fp32
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "GEMM sizes must be non-negative: m=\(m) n=\(n) k=\(k)")
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "GEMM operand too small")
        guard m > 0, n > 0 else { return }
        let workers = Parallel.workerCount
        let lda = transposeA == .none ? k : m
        let ldb = transposeB == .none ? n : k
        guard let pa = a.baseAddress, let pb = b.baseAddress, let pc = c.baseAddress else { return }
        if workers == 1 || m * n * k < parallelThreshold || n < 16 * workers {
            serial(
                m: m, n: n, k: k, alpha: alpha, a: pa, lda: lda, transposeA: transposeA,
                b: pb, ldb: ldb, transposeB: transposeB, beta: beta, c: pc, ldc: n, precision: precision)
            return
        }
        // Split the columns of C (and of op(B)) into one block per worker, multiples of 16 wide.
        let block = ((n + workers - 1) / workers + 15) / 16 * 16
        let blocks = (n + block - 1) / block
        Parallel.forEach(blocks) { j in
            let n0 = j * block, width = min(block, n - n0)
            let bOffset = transposeB == .none ? n0 : n0 * k
            serial(
                m: m, n: width, k: k, alpha: alpha, a: pa, lda: lda, transposeA: transposeA,
                b: pb + bOffset, ldb: ldb, transposeB: transposeB, beta: beta, c: pc + n0, ldc: n, precision: precision)
        }
    }

    /// `C = alpha * op(A) * op(B) + beta * C` on the calling thread, with explicit leading
    /// dimensions (row strides) so that blocks of larger matrices can be addressed.
    ///
    /// The corresponding C function is `cblas_sgemm`.
    static func serial(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, transposeA: Transpose = .none,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Transpose = .none,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, precision: Precision = .fp32
    ) {
        guard m > 0, n > 0 else { return }
        if precision == .bf16 {
            precondition(alpha == 1 && beta == 0 && transposeA == .none, "the bf16 GEMM computes C = A · op(B) only")
            // -1: no AVX512_BF16 (callers check Precision.isSupported first) or no memory for the packed operands.
            let status = syncbench_bf16_gemm(
                Int32(m), Int32(n), Int32(k), a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), transposeB == .none ? 0 : 1, c,
                Int32(max(ldc, 1)))
            precondition(status == 0, "bf16 GEMM failed (\(Precision.bf16.isSupported ? "out of memory" : "this CPU has no AVX512_BF16"))")
            return
        }
        _ = blasConfigured
        cblas_sgemm(
            CblasRowMajor, transposeA.cblas, transposeB.cblas,
            Int32(m), Int32(n), Int32(k),
            alpha, a, Int32(max(lda, 1)),
            b, Int32(max(ldb, 1)),
            beta, c, Int32(max(ldc, 1)))
    }

    /// Rows of `A` per block of a bf16-packed `A` (``packBF16(m:k:a:lda:into:)``).
    static let bf16RowBlock = Int(SYNCBENCH_BF16_ROW_BLOCK)

    /// The number of 32-bit elements `A` (`m × k`) takes packed for the bf16 kernel: two bytes per
    /// element, rows in blocks of ``bf16RowBlock`` (the last one padded), k in pairs.
    static func bf16PackedCount(m: Int, k: Int) -> Int {
        Int(syncbench_bf16_packed_a_count(Int32(m), Int32(k)))
    }

    /// Packs the row-major `A` (`m × k`, row stride `lda`) for ``serialPackedBF16(m:n:k:packedA:b:ldb:transposeB:c:ldc:)``,
    /// rounded to bfloat16 as ``Precision/bf16`` rounds it, into ``bf16PackedCount(m:k:)`` elements
    /// at `packed`. The packed form of `A` is the packed forms of its blocks of ``bf16RowBlock``
    /// rows one after another, so a caller may pack a matrix block by block.
    ///
    /// The corresponding C function is `syncbench_bf16_pack_a`.
    static func packBF16(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int, into packed: UnsafeMutablePointer<UInt32>) {
        guard m > 0, k > 0 else { return }
        // -1: no AVX512_BF16 (callers check Precision.isSupported first).
        let status = syncbench_bf16_pack_a(Int32(m), Int32(k), a, Int32(max(lda, 1)), packed)
        precondition(status == 0, "bf16 packing needs AVX512_BF16, which this CPU lacks")
    }

    /// `C = A · op(B)` in ``Precision/bf16`` on the calling thread with `A` packed by
    /// ``packBF16(m:k:a:lda:into:)``: the same bits as ``serial(m:n:k:alpha:a:lda:transposeA:b:ldb:transposeB:beta:c:ldc:precision:)``
    /// with the unpacked `A`, without packing it again.
    ///
    /// The corresponding C function is `syncbench_bf16_gemm_packed`.
    static func serialPackedBF16(
        m: Int, n: Int, k: Int, packedA: UnsafePointer<UInt32>, b: UnsafePointer<Float>, ldb: Int,
        transposeB: Transpose = .none, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        let status = syncbench_bf16_gemm_packed(
            Int32(m), Int32(n), Int32(k), packedA, b, Int32(max(ldb, 1)), transposeB == .none ? 0 : 1, c, Int32(max(ldc, 1)))
        precondition(status == 0, "bf16 GEMM failed (\(Precision.bf16.isSupported ? "out of memory" : "this CPU has no AVX512_BF16"))")
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

    /// The number of threads OpenBLAS itself uses (1 once this module has configured it).
    ///
    /// The corresponding C function is `openblas_get_num_threads`.
    public static var libraryThreads: Int {
        _ = blasConfigured
        return Int(openblas_get_num_threads())
    }

    /// Configures OpenBLAS single-threaded now and ends the worker threads it started when it was
    /// loaded, which SyncBench never uses. Those threads wait for work by spinning
    /// (`sched_yield`) for about 0.1 s before they sleep: a `perf` timeline of a cold `eval` showed
    /// one of them taking a whole core from the start of the command, beside the file digests
    /// (docs/performance.md, "Cache lines ahead"). Returns whether the threads were ended
    /// (false where the library has no `blas_thread_shutdown_`, which OpenBLAS exports for
    /// `fork`; its threads then merely sleep after their spin). Should OpenBLAS need threads
    /// again, it starts them again; results never depend on it.
    @discardableResult
    public static func stopLibraryThreads() -> Bool {
        _ = blasConfigured
        guard let shutdown = blasThreadShutdown else { return false }
        return shutdown() == 0
    }

    private typealias ThreadShutdown = @convention(c) () -> Int32
    private static let blasThreadShutdown: ThreadShutdown? = {
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return nil }
        return unsafeBitCast(symbol, to: ThreadShutdown.self)
    }()
}

/// Runs once, before the first `cblas_sgemm`: OpenBLAS single-threaded, because parallelism is
/// ours (nested OpenBLAS threads inside our workers would oversubscribe the cores).
///
/// The corresponding C function is `openblas_set_num_threads`.
private let blasConfigured: Void = openblas_set_num_threads(1)
