import Foundation
import Testing

@testable import Tensor

// `--precision bf16`: the GEMM kernel of the CBFloat16 target and the layers that use it.
//
// Tolerances. bfloat16 keeps 8 significant bits: rounding to nearest even moves a value by at most
// u = 2⁻⁹ of it, so a product of two rounded operands is off by at most (2u + u²)·|a·b| ≈ 3.9e-3·|a·b|;
// the products of two bf16 values are exact in float32 and are summed in float32. So:
// - the kernel against the exact sum of the *rounded* operands: only float32 summation error,
//   held to k · 2⁻²⁴ · Σ|a·b| (the classic bound for a sum of k terms);
// - a direct (im2col, pointwise) convolution against the exact double one: 3.9e-3 · Σ|w·x| plus the
//   float32 layer tolerance of LayerTests (1e-5);
// - Winograd convolutions round the *transformed* operands (the 6×6 input tile through Bᵀ, whose
//   rows sum to up to 10 in absolute value; the products through Aᵀ, up to 18), so their error
//   follows the magnitude of the whole tile, not of the output's own 3×3 window, and has no bound
//   relative to Σ|w·x| alone. Measured on these cases: at most 0.075 · Σ|w·x| with 3 or more input
//   channels, 0.23 with one (a forced Winograd: the automatic choice uses im2col below 8 channels).
//   Held to 0.3: wiring faults (an operand transposed, a k pair lost, fp32 left on) give errors of
//   order 1 or none at all, and the kernel's rounding is checked exactly above.
@Suite(
    "bf16 precision: bfloat16 operands, float32 sums", .enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512_BF16: the bf16 kernel cannot run here"))
struct BFloat16Tests {
    /// `x` rounded to bfloat16 (round to nearest even), as a Float.
    static func rounded(_ x: Float) -> Float {
        let bits = x.bitPattern
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    @Test(
        "the kernel equals the exact product of the bf16-rounded operands within float32 summation error",
        arguments: [(1, 1, 1), (12, 32, 512), (13, 37, 1025), (25, 70, 513), (64, 100, 3), (7, 5, 2), (30, 33, 600)])
    func kernelMatchesRoundedProduct(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = randomScalars(m * k, seed: 11, scale: 3)
        for transposed in [false, true] {
            let b = randomScalars(k * n, seed: 12, scale: 2)
            var c = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        GEMM.multiply(
                            m: m, n: n, k: k, a: pa, b: pb, transposeB: transposed ? .transposed : .none, c: pc, precision: .bf16)
                    }
                }
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let bv = transposed ? b[j * k + p] : b[p * n + j]
                        let term = Double(Self.rounded(a[i * k + p])) * Double(Self.rounded(bv))
                        exact += term
                        magnitude += abs(term)
                    }
                    worst = max(worst, abs(Double(c[i * n + j]) - exact) / (Double(k) * 0x1p-24 * magnitude + 1e-30))
                }
            }
            #expect(worst <= 1, "\(m)×\(n)×\(k), B \(transposed ? "transposed" : "as stored"): error \(worst) × the float32 summation bound")
        }
    }

    @Test(
        "A packed once, whole or 12 rows at a time, gives the bits of the kernel that packs A in every call",
        arguments: [(1, 1, 1), (12, 32, 512), (13, 37, 1025), (25, 70, 513), (7, 5, 2), (30, 33, 600)])
    func packedOperand(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = randomScalars(m * k, seed: 31, scale: 3)
        let b = randomScalars(k * n, seed: 32, scale: 2)
        let count = GEMM.bf16PackedCount(m: m, k: k)
        let block = GEMM.bf16RowBlock
        #expect(count == (m + block - 1) / block * block * ((k + 1) / 2))
        var whole = [UInt32](repeating: 0xDEAD_BEEF, count: count)
        var byBlocks = [UInt32](repeating: 0x1234_5678, count: count)
        a.withUnsafeBufferPointer { pa in
            whole.withUnsafeMutableBufferPointer { GEMM.packBF16(m: m, k: k, a: pa.baseAddress!, lda: k, into: $0.baseAddress!) }
            byBlocks.withUnsafeMutableBufferPointer { out in
                for i0 in stride(from: 0, to: m, by: block) {
                    GEMM.packBF16(
                        m: min(block, m - i0), k: k, a: pa.baseAddress! + i0 * k, lda: k,
                        into: out.baseAddress! + i0 / block * GEMM.bf16PackedCount(m: block, k: k))
                }
            }
        }
        #expect(whole == byBlocks, "\(m)×\(k): packing 12 rows at a time lays A out as packing it whole")
        for transposed in [false, true] {
            var viaPacked = [Float](repeating: .nan, count: m * n)
            var viaFloats = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    whole.withUnsafeBufferPointer { packed in
                        viaPacked.withUnsafeMutableBufferPointer { pc in
                            GEMM.serialPackedBF16(
                                m: m, n: n, k: k, packedA: packed.baseAddress!, b: pb.baseAddress!, ldb: transposed ? k : n,
                                transposeB: transposed ? .transposed : .none, c: pc.baseAddress!, ldc: n)
                        }
                    }
                    viaFloats.withUnsafeMutableBufferPointer { pc in
                        GEMM.serial(
                            m: m, n: n, k: k, a: pa.baseAddress!, lda: k, b: pb.baseAddress!, ldb: transposed ? k : n,
                            transposeB: transposed ? .transposed : .none, c: pc.baseAddress!, ldc: n, precision: .bf16)
                    }
                }
            }
            #expect(
                viaPacked.map(\.bitPattern) == viaFloats.map(\.bitPattern),
                "\(m)×\(n)×\(k), B \(transposed ? "transposed" : "as stored"): the packed A gave other bits")
        }
    }

    @Test("a bf16 Winograd call of several blocks gives the same bits whether it packs the weights once or once per block")
    func winogradTapRowsOnceOrPerBlock() {
        // The shape of WinogradWeightsDuringCallTests.severalBlocksBitIdentical: two blocks.
        func run(_ limit: Int, _ precision: Precision) -> [UInt32] {
            WinogradWeightsDuringCallTests.winogradOutputs(
                o: 48, c: 48, h: 44, w: 130, seed: 27, activation: .identity, tapRowsLimit: limit, precision: precision)
        }
        #expect(Winograd.TapRows.bytes(outChannels: 48, inner: 48, precision: .bf16) * 2 == Winograd.TapRows.bytes(outChannels: 48, inner: 48, precision: .fp32))
        // bf16 holds the packed rows of every S3FD layer, 512 → 512 included; fp32 stops below 256 → 512.
        #expect(Winograd.TapRows.bytes(outChannels: 512, inner: 512, precision: .bf16) <= Winograd.TapRows.byteLimit(.bf16))
        #expect(Winograd.TapRows.bytes(outChannels: 512, inner: 256, precision: .fp32) > Winograd.TapRows.byteLimit(.fp32))
        #expect(Winograd.TapRows.bytes(outChannels: 256, inner: 256, precision: .fp32) <= Winograd.TapRows.byteLimit(.fp32))
        let once = run(Winograd.TapRows.byteLimit(.bf16), .bf16)
        let differing = zip(run(0, .bf16), once).count { $0 != $1 }
        #expect(differing == 0, "\(differing) outputs differ")
        #expect(zip(run(0, .fp32), once).contains { $0 != $1 }, "the bf16 call gave the fp32 result")
    }

    @Test("operands bfloat16 holds exactly give the fp32 product; others are rounded, so the results differ")
    func roundsItsOperands() {
        // Multiples of 1/4 in [-2, 2] are exact in bfloat16 and every partial sum is exact in float32.
        let m = 9, n = 40, k = 31
        let a = (0..<(m * k)).map { Float(($0 * 7) % 17) / 4 - 2 }
        let b = (0..<(k * n)).map { Float(($0 * 5) % 17) / 4 - 2 }
        #expect(GEMM.product(a, b, m: m, n: n, k: k) == bf16Product(a, b, m: m, n: n, k: k))
        // 1 + 2⁻¹⁰ is not: bfloat16 rounds it to 1, so the bf16 sum is exactly k and the fp32 one is not.
        let ones = [Float](repeating: 1 + 0x1p-10, count: k)
        #expect(bf16Product(ones, ones, m: 1, n: 1, k: k) == [Float(k)])
        #expect(abs(GEMM.product(ones, ones, m: 1, n: 1, k: k)[0] - Float(k) * (1 + 0x1p-9)) < 1e-4)
    }

    func bf16Product(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: .nan, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in GEMM.multiply(m: m, n: n, k: k, a: pa, b: pb, c: pc, precision: .bf16) }
            }
        }
        return c
    }

    @Test("every convolution algorithm in bf16 stays within bf16's bound of the direct convolution, and is not the fp32 result", arguments: convCases)
    func convolutions(_ t: ConvCase) {
        let fp32 = makeConv(t, seed: 100 + UInt64(t.c * 7 + t.o))
        let conv = fp32.with(precision: .bf16)
        #expect(conv.precision == .bf16 && fp32.precision == .fp32)
        let x = randomTensor([t.n, t.c, t.h, t.w], seed: 7, scale: 2)
        let ref = naiveConv(
            x.reshaped([t.n, t.c, 1, t.h, t.w]), weight: conv.weight, bias: conv.bias, out: t.o,
            kernel: (1, t.kernel.0, t.kernel.1), stride: (1, t.stride.0, t.stride.1),
            padding: (0, t.padding.0, t.padding.1), dilation: (1, t.dilation.0, t.dilation.1))
        var algorithms: [(Conv2D.Algorithm, Double)] = [(.im2col, 3.91e-3 + 1e-5)]
        if t.kernel == (1, 1) && t.stride == (1, 1) && t.padding == (0, 0) { algorithms.append((.pointwise, 3.91e-3 + 1e-5)) }
        if t.kernel == (3, 3) && t.stride == (1, 1) && t.dilation == (1, 1) { algorithms.append((.winograd, 0.3)) }
        if t.stride == (2, 2) && t.dilation == (1, 1) && (t.kernel.0 + 1) / 2 == 3 && (t.kernel.1 + 1) / 2 == 3 {
            algorithms.append((.polyphaseWinograd, 0.3))
        }
        if t.stride == (2, 2) && t.dilation == (1, 1) && (t.kernel.0 + 1) / 2 == 4 && (t.kernel.1 + 1) / 2 == 4 {
            algorithms.append((.polyphaseWinograd4x4, 0.3))
        }
        for (algorithm, tolerance) in algorithms {
            let y = conv(x, algorithm: algorithm)
            let err = worstRelativeError(y.scalars, ref.values, magnitude: ref.magnitude)
            #expect(err < tolerance, "\(algorithm): worst error \(err) relative to Σ|w·x|")
            // bf16 is really in use: random operands are not bfloat16 numbers, so fp32 gives other values.
            let exact = fp32(x, algorithm: algorithm)
            #expect(y.scalars != exact.scalars, "\(algorithm): the bf16 layer gave the fp32 result")
        }
    }

    @Test("precision survives the other layer transformations, and reaches Conv3D and Linear")
    func precisionPropagates() {
        let t = convCases[1]
        let conv = makeConv(t, seed: 3).with(precision: .bf16)
        #expect(conv.with(activation: .relu).precision == .bf16)
        #expect(conv.folding(randomBatchNorm(t.o, seed: 4)).precision == .bf16)
        #expect(conv.with(precision: .fp32).precision == .fp32)
        let linear = Linear(weight: randomScalars(6 * 40, seed: 5), outFeatures: 6, inFeatures: 40, bias: nil)
        let x = randomTensor([3, 40], seed: 6)
        let bf16 = linear.with(precision: .bf16)
        #expect(bf16.precision == .bf16 && bf16.with(activation: .relu).precision == .bf16)
        #expect(bf16(x).scalars != linear(x).scalars)
        let conv3 = Conv3D(weight: randomScalars(4 * 2 * 3 * 3 * 3, seed: 8), outChannels: 4, inChannels: 2, kernel: (3, 3, 3), bias: nil)
        #expect(conv3.with(precision: .bf16).precision == .bf16 && conv3.precision == .fp32)
    }
}
