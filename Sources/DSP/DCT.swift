import Foundation

/// The orthonormal type-II discrete cosine transform, truncated to its first coefficients.
///
/// For `N` inputs `x_n`, coefficient `k` is
///
///     c_k = s_k · Σ_{n=0}^{N−1} x_n · cos(π·k·(2n + 1) / (2N)),   s_0 = √(1/N),   s_k = √(2/N),
///
/// which is SciPy's `dct(x, type=2, norm="ortho")`. The cosines are tabulated once at
/// construction, and each coefficient is a direct sum over `n` in increasing order followed by the
/// scale `s_k`; SciPy computes the same values through an FFT, so the two agree to a few units in
/// the last place of the largest term.
///
/// ref: scipy/fftpack `dct(type=2, norm="ortho")` 1.17.1, as called by
/// python_speech_features/base.py `mfcc()` 0.6
public struct DCT: Sendable {
    /// Number of inputs `N`.
    public let inputCount: Int
    /// Number of leading coefficients computed.
    public let outputCount: Int
    /// `cos(π·k·(2n + 1)/(2N))`, row-major `[outputCount, inputCount]`.
    let cosines: [Double]
    /// `s_k` for `k < outputCount`.
    let scales: [Double]

    /// - Precondition: `inputCount ≥ 1` and `1 ≤ outputCount ≤ inputCount`.
    public init(inputCount: Int, outputCount: Int) {
        precondition(inputCount >= 1 && outputCount >= 1 && outputCount <= inputCount, "invalid DCT size")
        self.inputCount = inputCount
        self.outputCount = outputCount
        var cosines = [Double](repeating: 0, count: outputCount * inputCount)
        for k in 0..<outputCount {
            for n in 0..<inputCount {
                cosines[k * inputCount + n] = cos(Double.pi * Double(k * (2 * n + 1)) / Double(2 * inputCount))
            }
        }
        self.cosines = cosines
        self.scales = (0..<outputCount).map { (($0 == 0 ? 1.0 : 2.0) / Double(inputCount)).squareRoot() }
    }

    /// Transforms `input` (`inputCount` values) into `output` (`outputCount` values).
    public func transform(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(input.count >= inputCount && output.count >= outputCount, "buffer too small")
        cosines.withUnsafeBufferPointer { table in
            for k in 0..<outputCount {
                let row = k * inputCount
                var sum = 0.0
                for n in 0..<inputCount {
                    sum += input[n] * table[row + n]
                }
                output[k] = scales[k] * sum
            }
        }
    }

    /// Returns the first `outputCount` coefficients of `input`.
    public func callAsFunction(_ input: [Double]) -> [Double] {
        precondition(input.count == inputCount, "expected \(inputCount) inputs, got \(input.count)")
        var output = [Double](repeating: 0, count: outputCount)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { transform(x, into: $0) }
        }
        return output
    }
}
