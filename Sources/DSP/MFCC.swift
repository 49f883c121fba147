import Foundation

/// Mel-frequency cepstral coefficients of 16-bit audio, exactly as python_speech_features computes
/// them for SyncNet.
///
/// For a signal `x` of `N ≥ 1` samples and the default ``Configuration``:
///
/// 1. pre-emphasis in double precision: `y_0 = x_0`, `y_n = x_n − 0.97·x_{n−1}`;
/// 2. framing: frames of `L = 400` samples every `S = 160` samples, `F = 1` frame if `N ≤ L`,
///    otherwise `F = 1 + ⌈(N − L)/S⌉`; the signal is zero-padded at the end to `(F − 1)·S + L`;
///    no window;
/// 3. power spectrum `P = |rfft(frame, 512)|² / 512` (257 bins);
/// 4. frame energy `E = Σ P` (NumPy's pairwise sum), 0 replaced by `ε = 2.220446049250313e-16`;
/// 5. 26 mel filter-bank energies (``MelFilterbank``), 0 replaced by `ε`, natural logarithm;
/// 6. orthonormal DCT-II, first 13 coefficients (``DCT``);
/// 7. lifter: `c_k ← c_k·(1 + (22/2)·sin(π·k/22))`;
/// 8. `c_0 ← ln E`.
///
/// The result is stored coefficient-major (``MFCCMatrix``), the layout SyncNet's audio network
/// reads. Everything is IEEE double; the only differences from the reference come from the FFT
/// (FFmpeg's instead of pocketfft), the filter-bank sums (sequential instead of BLAS) and the DCT
/// (direct sum instead of FFT-based), each a few units in the last place, i.e. about 1e-13
/// absolute on coefficients of size 100.
///
/// An `MFCC` owns its FFT, which keeps scratch buffers: like ``RealFFT`` implementations in
/// general it is not safe to use one instance from several threads at once.
///
/// ref: python_speech_features/base.py `mfcc()` 0.6, called as `mfcc(signal, 16000)` by
/// syncnet_python SyncNetInstance 0.2.3
public struct MFCC {
    /// The parameters of `python_speech_features.mfcc`, with its defaults.
    public struct Configuration: Sendable, Equatable {
        /// Samples per second of the input.
        public var sampleRate: Int = 16000
        /// Frame length in seconds; `round_half_up(windowLength·sampleRate)` samples (400).
        public var windowLength: Double = 0.025
        /// Frame step in seconds; `round_half_up(windowStep·sampleRate)` samples (160).
        public var windowStep: Double = 0.01
        /// Number of cepstral coefficients kept.
        public var numberOfCepstra: Int = 13
        /// Number of mel filters.
        public var numberOfFilters: Int = 26
        /// FFT length; frames are zero-padded to it.
        public var fftLength: Int = 512
        /// Lowest band edge of the filter bank, in Hz.
        public var lowFrequency: Double = 0
        /// Highest band edge of the filter bank in Hz; `nil` means `sampleRate / 2`.
        public var highFrequency: Double? = nil
        /// Pre-emphasis coefficient; 0 disables the filter.
        public var preemphasis: Double = 0.97
        /// Lifter parameter `L`; `L ≤ 0` disables liftering.
        public var cepstralLifter: Double = 22
        /// Whether `c_0` is replaced by the log frame energy.
        public var appendEnergy: Bool = true

        /// The defaults of python_speech_features 0.6, which SyncNet uses.
        public init() {}

        /// Frame length in samples: `windowLength·sampleRate` rounded half away from zero.
        ///
        /// ref: python_speech_features/sigproc.py `round_half_up()` 0.6 (Decimal `ROUND_HALF_UP`
        /// of the exact double, which is `rounded(.toNearestOrAwayFromZero)`).
        public var frameLength: Int { Int((windowLength * Double(sampleRate)).rounded(.toNearestOrAwayFromZero)) }

        /// Frame step in samples: `windowStep·sampleRate` rounded half away from zero.
        public var frameStep: Int { Int((windowStep * Double(sampleRate)).rounded(.toNearestOrAwayFromZero)) }

        /// `highFrequency`, or `sampleRate / 2` when it is `nil`.
        public var effectiveHighFrequency: Double { highFrequency ?? Double(sampleRate) / 2 }

        /// Number of frames for `sampleCount ≥ 1` samples: 1 if `sampleCount ≤ frameLength`,
        /// otherwise `1 + ⌈(sampleCount − frameLength)/frameStep⌉`.
        ///
        /// ref: python_speech_features/sigproc.py `framesig()` 0.6
        public func frameCount(forSampleCount sampleCount: Int) -> Int {
            precondition(sampleCount >= 0, "negative sample count")
            if sampleCount <= frameLength { return 1 }
            let excess = sampleCount - frameLength
            return 1 + (excess + frameStep - 1) / frameStep
        }

        /// `1 + (L/2)·sin(π·k/L)` for `k < numberOfCepstra`, or all ones when `L ≤ 0`.
        ///
        /// ref: python_speech_features/base.py `lifter()` 0.6
        public var lifterFactors: [Double] {
            (0..<numberOfCepstra).map { k in
                cepstralLifter > 0 ? 1 + (cepstralLifter / 2) * sin(Double.pi * Double(k) / cepstralLifter) : 1
            }
        }
    }

    /// Why an `MFCC` could not be built or applied.
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        /// The FFT's length differs from ``Configuration/fftLength``.
        case fftLengthMismatch(expected: Int, got: Int)
        /// A parameter is out of range; the string names it.
        case invalidConfiguration(String)
        /// The signal has no samples. The reference fails here too (pre-emphasis indexes
        /// `signal[0]`, raising `IndexError`), so there is no defined result to reproduce.
        case emptySignal

        public var description: String {
            switch self {
            case let .fftLengthMismatch(expected, got): "MFCC needs an FFT of length \(expected), got \(got)"
            case let .invalidConfiguration(what): "invalid MFCC configuration: \(what)"
            case .emptySignal: "cannot compute MFCCs of an empty signal"
            }
        }
    }

    public let configuration: Configuration
    public let filterbank: MelFilterbank
    let dct: DCT
    let lifter: [Double]
    let fft: any RealFFT

    /// Prepares the filter bank, DCT table and lifter for `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: the python_speech_features parameters; the defaults are SyncNet's.
    ///   - fft: a real FFT of length `configuration.fftLength` (in production `Media.FFmpegRealFFT`).
    /// - Throws: ``Error/fftLengthMismatch(expected:got:)`` or ``Error/invalidConfiguration(_:)``.
    public init(configuration: Configuration = Configuration(), fft: some RealFFT) throws(Error) {
        let c = configuration
        guard c.sampleRate > 0 else { throw .invalidConfiguration("sampleRate \(c.sampleRate) must be positive") }
        guard c.frameLength >= 1, c.frameStep >= 1 else {
            throw .invalidConfiguration("frame length \(c.frameLength) and step \(c.frameStep) must be at least 1 sample")
        }
        guard c.fftLength >= 2 else { throw .invalidConfiguration("fftLength \(c.fftLength) must be at least 2") }
        guard c.numberOfFilters >= 1, (1...c.numberOfFilters).contains(c.numberOfCepstra) else {
            throw .invalidConfiguration("need 1 ≤ numberOfCepstra (\(c.numberOfCepstra)) ≤ numberOfFilters (\(c.numberOfFilters))")
        }
        let high = c.effectiveHighFrequency
        guard c.lowFrequency >= 0, c.lowFrequency < high, high <= Double(c.sampleRate) / 2 else {
            throw .invalidConfiguration("need 0 ≤ lowFrequency (\(c.lowFrequency)) < highFrequency (\(high)) ≤ sampleRate/2")
        }
        guard fft.length == c.fftLength else { throw .fftLengthMismatch(expected: c.fftLength, got: fft.length) }
        self.configuration = c
        self.filterbank = MelFilterbank(
            filterCount: c.numberOfFilters, fftLength: c.fftLength, sampleRate: Double(c.sampleRate),
            lowFrequency: c.lowFrequency, highFrequency: high)
        self.dct = DCT(inputCount: c.numberOfFilters, outputCount: c.numberOfCepstra)
        self.lifter = c.lifterFactors
        self.fft = fft
    }

    /// The MFCCs of `samples`, coefficient-major.
    ///
    /// - Throws: ``Error/emptySignal`` for an empty input.
    public func coefficients(of samples: [Int16]) throws(Error) -> MFCCMatrix {
        guard !samples.isEmpty else { throw .emptySignal }
        let c = configuration
        let frameLength = c.frameLength, frameStep = c.frameStep
        let frameCount = c.frameCount(forSampleCount: samples.count)
        let paddedLength = (frameCount - 1) * frameStep + frameLength

        // Pre-emphasis, then zero padding at the end.
        var signal = [Double](repeating: 0, count: paddedLength)
        signal[0] = Double(samples[0])
        for n in 1..<samples.count {
            signal[n] = Double(samples[n]) - c.preemphasis * Double(samples[n - 1])
        }

        let cepstra = c.numberOfCepstra, filters = c.numberOfFilters
        let binCount = c.fftLength / 2 + 1
        let powerScale = 1.0 / Double(c.fftLength)
        let eps = Double.ulpOfOne
        var values = [Double](repeating: 0, count: cepstra * frameCount)
        var powers = [Double](repeating: 0, count: binCount)
        var energies = [Double](repeating: 0, count: filters)
        var cepstrum = [Double](repeating: 0, count: cepstra)

        signal.withUnsafeBufferPointer { signal in
            powers.withUnsafeMutableBufferPointer { powers in
                energies.withUnsafeMutableBufferPointer { energies in
                    cepstrum.withUnsafeMutableBufferPointer { cepstrum in
                        values.withUnsafeMutableBufferPointer { out in
                            for m in 0..<frameCount {
                                let start = m * frameStep
                                fft.squaredMagnitudes(
                                    of: UnsafeBufferPointer(rebasing: signal[start..<(start + frameLength)]), into: powers)
                                for i in 0..<binCount { powers[i] = powerScale * powers[i] }

                                var energy = numpyPairwiseSum(UnsafeBufferPointer(powers))
                                if energy == 0 { energy = eps }

                                filterbank.apply(to: UnsafeBufferPointer(powers), into: energies)
                                for j in 0..<filters {
                                    energies[j] = log(energies[j] == 0 ? eps : energies[j])
                                }
                                dct.transform(UnsafeBufferPointer(energies), into: cepstrum)
                                for k in 0..<cepstra {
                                    out[k * frameCount + m] = lifter[k] * cepstrum[k]
                                }
                                if c.appendEnergy { out[m] = log(energy) }
                            }
                        }
                    }
                }
            }
        }
        return MFCCMatrix(coefficientCount: cepstra, frameCount: frameCount, values: values)
    }
}

/// MFCCs of a signal as a coefficient-major float64 matrix `A[k, m]` (coefficient `k` of frame
/// `m`), the transpose of python_speech_features' `F × 13` result and the layout SyncNet's audio
/// input `1 × 1 × 13 × F` uses.
public struct MFCCMatrix: Sendable, Equatable {
    /// Number of coefficients per frame (rows).
    public let coefficientCount: Int
    /// Number of frames (columns).
    public let frameCount: Int
    /// Row-major `[coefficientCount, frameCount]` values.
    public let values: [Double]

    public init(coefficientCount: Int, frameCount: Int, values: [Double]) {
        precondition(coefficientCount >= 0 && frameCount >= 0 && values.count == coefficientCount * frameCount,
                     "values do not fill a \(coefficientCount) × \(frameCount) matrix")
        self.coefficientCount = coefficientCount
        self.frameCount = frameCount
        self.values = values
    }

    /// Coefficient `coefficient` of frame `frame`.
    public subscript(coefficient: Int, frame: Int) -> Double {
        precondition((0..<coefficientCount).contains(coefficient) && (0..<frameCount).contains(frame), "index out of range")
        return values[coefficient * frameCount + frame]
    }
}
