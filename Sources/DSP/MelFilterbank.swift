import Foundation

/// A bank of triangular filters equally spaced on the mel scale, applied to a power spectrum.
///
/// The mel scale is `mel(f) = 2595·log₁₀(1 + f/700)` with inverse `f(m) = 700·(10^(m/2595) − 1)`.
/// `filterCount + 2` points are spaced evenly in mel from `mel(lowFrequency)` to
/// `mel(highFrequency)` (NumPy `linspace`: `start + i·step`, the last point set to `stop`) and
/// mapped to FFT bins `b = ⌊(fftLength + 1)·f / sampleRate⌋`. Filter `j` rises over
/// `[b_j, b_{j+1})` with weight `(i − b_j)/(b_{j+1} − b_j)` and falls over `[b_{j+1}, b_{j+2})`
/// with weight `(b_{j+2} − i)/(b_{j+2} − b_{j+1})`; it is zero elsewhere. The weight at `b_j`
/// is therefore 0 and the top bin (`fftLength / 2`) is never used for the defaults.
///
/// The `(fftLength + 1)` numerator and the floor are the reference's choices, kept as they are:
/// they decide which bins each filter covers, and so every MFCC value.
///
/// ref: python_speech_features/base.py `get_filterbanks()` 0.6
public struct MelFilterbank: Sendable, Equatable {
    /// Number of triangular filters.
    public let filterCount: Int
    /// Number of power-spectrum bins each filter spans (`fftLength / 2 + 1`).
    public let binCount: Int
    /// The `filterCount + 2` band edges as FFT bin indices (`b` above).
    public let binEdges: [Int]
    /// Dense weights, row-major `[filterCount, binCount]` (row `j` is filter `j`).
    public let weights: [Double]
    /// For each filter, the half-open bin range `[b_j, b_{j+2})` that can hold non-zero weights
    /// (`b_j` itself has weight 0 unless `b_j = b_{j+1}`, where the falling edge starts at 1).
    let supports: [Range<Int>]

    /// Builds the filter bank.
    ///
    /// - Precondition: `filterCount ≥ 1`, `fftLength ≥ 2`, `sampleRate > 0` and
    ///   `0 ≤ lowFrequency < highFrequency ≤ sampleRate / 2` (the reference asserts the last bound).
    public init(filterCount: Int, fftLength: Int, sampleRate: Double, lowFrequency: Double, highFrequency: Double) {
        precondition(filterCount >= 1 && fftLength >= 2 && sampleRate > 0, "invalid filter bank size")
        precondition(lowFrequency >= 0 && lowFrequency < highFrequency && highFrequency <= sampleRate / 2,
                     "band edges must satisfy 0 ≤ low < high ≤ sampleRate / 2")
        self.filterCount = filterCount
        self.binCount = fftLength / 2 + 1

        let lowMel = Self.mel(fromHertz: lowFrequency)
        let highMel = Self.mel(fromHertz: highFrequency)
        let pointCount = filterCount + 2
        let step = (highMel - lowMel) / Double(pointCount - 1)
        var edges: [Double] = (0..<pointCount).map { Double($0) * step + lowMel }
        edges[pointCount - 1] = highMel
        let binPositions = edges.map { (Double(fftLength + 1) * Self.hertz(fromMel: $0) / sampleRate).rounded(.down) }
        self.binEdges = binPositions.map { Int($0) }

        var weights = [Double](repeating: 0, count: filterCount * binCount)
        var supports: [Range<Int>] = []
        for j in 0..<filterCount {
            let (lo, mid, hi) = (binPositions[j], binPositions[j + 1], binPositions[j + 2])
            for i in binEdges[j]..<max(binEdges[j], binEdges[j + 1]) {
                weights[j * binCount + i] = (Double(i) - lo) / (mid - lo)
            }
            for i in binEdges[j + 1]..<max(binEdges[j + 1], binEdges[j + 2]) {
                weights[j * binCount + i] = (hi - Double(i)) / (hi - mid)
            }
            supports.append(binEdges[j]..<max(binEdges[j], binEdges[j + 2]))
        }
        self.weights = weights
        self.supports = supports
    }

    /// `2595·log₁₀(1 + f/700)`. ref: python_speech_features/base.py `hz2mel()` 0.6
    public static func mel(fromHertz hertz: Double) -> Double {
        2595 * log10(1 + hertz / 700)
    }

    /// `700·(10^(m/2595) − 1)`. ref: python_speech_features/base.py `mel2hz()` 0.6
    public static func hertz(fromMel mel: Double) -> Double {
        700 * (pow(10, mel / 2595) - 1)
    }

    /// Writes the filter-bank energies `E_j = Σ_i w_{j,i}·P_i` of one power spectrum.
    ///
    /// Each sum runs over the filter's non-zero bins in increasing order. The reference computes
    /// the same sums as one BLAS matrix product (`numpy.dot(pspec, fb.T)`), whose summation order
    /// is the BLAS kernel's; the two agree to a few units in the last place.
    ///
    /// - Parameters:
    ///   - powers: `binCount` power-spectrum values.
    ///   - energies: receives `filterCount` values.
    public func apply(to powers: UnsafeBufferPointer<Double>, into energies: UnsafeMutableBufferPointer<Double>) {
        precondition(powers.count >= binCount && energies.count >= filterCount, "buffer too small")
        weights.withUnsafeBufferPointer { w in
            for j in 0..<filterCount {
                let row = j * binCount
                var sum = 0.0
                for i in supports[j] {
                    sum += w[row + i] * powers[i]
                }
                energies[j] = sum
            }
        }
    }
}
