import TestSupport
import Foundation
import Testing
import Media

/// X_k = Σ x_n·e^{−2πi kn/N} by the definition, in double, with the angle reduced exactly
/// (kn mod N) so that the reference itself is accurate to ~1e-15 relative.
private func naiveDFT(_ x: [Double], length n: Int) -> [(re: Double, im: Double)] {
    let padded = Array((x + [Double](repeating: 0, count: max(0, n - x.count))).prefix(n))
    return (0...(n / 2)).map { k in
        var re = 0.0, im = 0.0
        for (t, value) in padded.enumerated() {
            let angle = -2 * Double.pi * Double((k * t) % n) / Double(n)
            re += value * cos(angle)
            im += value * sin(angle)
        }
        return (re, im)
    }
}

@Suite("FFmpegRealFFT")
struct FFmpegRealFFTTests {
    /// Relative to the largest bin: both sides round, the DFT sum at O(n·ulp) ≈ 1e-13 for n = 512;
    /// 1e-9 catches any wrong layout, sign or scale (which err by O(1)).
    @Test("equals a naive DFT on random input", arguments: [(512, 400), (512, 512), (512, 700), (4, 3), (8, 8), (64, 50), (1024, 1024)])
    func matchesNaiveDFT(length: Int, inputCount: Int) throws {
        var generator = SplitMix64(seed: UInt64(length * 1000 + inputCount))
        let x = (0..<inputCount).map { _ in Double(generator.next() >> 11) / Double(1 << 53) * 2000 - 1000 }
        let fft = try FFmpegRealFFT(length: length)
        let ours = fft.spectrum(of: x)
        let reference = naiveDFT(x, length: length)
        #expect(ours.count == length / 2 + 1)
        let scale = reference.map { ($0.re * $0.re + $0.im * $0.im).squareRoot() }.max() ?? 1
        var worst = 0.0
        for (a, b) in zip(ours, reference) {
            worst = max(worst, abs(a.re - b.re), abs(a.im - b.im))
        }
        #expect(worst / scale <= 1e-9, "max relative error \(worst / scale)")

        var powers = [Double](repeating: .nan, count: length / 2 + 1)
        x.withUnsafeBufferPointer { input in
            powers.withUnsafeMutableBufferPointer { fft.squaredMagnitudes(of: input, into: $0) }
        }
        for (power, bin) in zip(powers, ours) {
            #expect(power == bin.re * bin.re + bin.im * bin.im)
        }
    }

    @Test("a unit impulse has a flat spectrum and a constant has only DC")
    func handCases() throws {
        let fft = try FFmpegRealFFT(length: 8)
        for bin in fft.spectrum(of: [1]) {
            #expect(bin.re == 1 && bin.im == 0)
        }
        let dc = fft.spectrum(of: [Double](repeating: 0.5, count: 8))
        #expect(dc[0].re == 4)
        for bin in dc.dropFirst() { #expect(abs(bin.re) <= 1e-15 && abs(bin.im) <= 1e-15) }
        // Reusing the instance must not leak the previous input into a shorter one.
        #expect(fft.spectrum(of: []).allSatisfy { $0.re == 0 && $0.im == 0 })
    }

    @Test("invalid lengths throw an error naming the length", arguments: [0, -4, 2, 511])
    func invalidLength(length: Int) {
        #expect {
            _ = try FFmpegRealFFT(length: length)
        } throws: { error in
            guard let error = error as? FFTError else { return false }
            return error.length == length && error.code < 0 && error.description.contains("\(length)")
        }
    }
}
