import Testing

@testable import Tensor

#if canImport(Glibc)
    import Glibc
#endif

@Suite("GEMM (OpenBLAS sgemm)")
struct GEMMTests {
    @Test("2x3 times 3x2 matches the hand-computed product")
    func smallProduct() {
        // [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]] = [[58,64],[139,154]]
        let c = GEMM.product([1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12], m: 2, n: 2, k: 3)
        #expect(c == [58, 64, 139, 154])
    }

    @Test("transposed operands agree with a naive triple loop on random matrices")
    func transposesAgreeWithNaiveLoop() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 40) % 17) / 4 - 2
        }
        let m = 7, n = 5, k = 9
        let a = (0..<(k * m)).map { _ in next() }  // stored k x m, used transposed
        let b = (0..<(n * k)).map { _ in next() }  // stored n x k, used transposed
        let c = GEMM.product(a, b, m: m, n: n, k: k, transposeA: .transposed, transposeB: .transposed)
        for i in 0..<m {
            for j in 0..<n {
                var expected: Float = 0
                for p in 0..<k { expected += a[p * m + i] * b[j * k + p] }
                // Inputs are multiples of 1/4 with |x| <= 2: every partial sum is exact in float32.
                #expect(c[i * n + j] == expected)
            }
        }
    }

    @Test("OpenBLAS's own threads stopped: it stays single-threaded, a product afterwards is the same bits, and stopping again is harmless")
    func libraryThreadsStopped() {
        let (m, n, k) = (96, 370, 60)
        let a = randomScalars(m * k, seed: 51), b = randomScalars(k * n, seed: 52)
        let before = GEMM.product(a, b, m: m, n: n, k: k)
        // Debian's pthread OpenBLAS exports the shutdown it registers for fork; a build without a
        // thread server may not, and then nothing is stopped.
        let exported = dlsym(nil, "blas_thread_shutdown_") != nil
        #expect(GEMM.stopLibraryThreads() == exported)
        #expect(GEMM.libraryThreads == 1)
        #expect(GEMM.product(a, b, m: m, n: n, k: k).map(\.bitPattern) == before.map(\.bitPattern))
        #expect(GEMM.stopLibraryThreads() == exported)
        #expect(GEMM.product(a, b, m: m, n: n, k: k).map(\.bitPattern) == before.map(\.bitPattern))
    }
}
