import TestSupport
import Foundation
import Testing
import DSP
import Media
import NPY

/// Tolerance against python_speech_features: both sides compute in IEEE double. The FFTs
/// (FFmpeg av_tx vs pocketfft) differ by ~1e-16 relative per bin, the filter-bank sums (sequential
/// vs BLAS) and the DCT (direct vs FFT-based) by a few ulp; through the logarithm that is ~1e-13
/// absolute on coefficients up to ~100. 1e-9 leaves margin for platform libm differences while
/// still catching any algorithmic slip (a wrong bin, sum or factor moves values by ≥ 1e-6).
private let mfccTolerance = 1e-9

/// The largest |ours[k, m] − golden[m, k]| (golden is the reference's frames × 13 layout).
private func maxAbsDifference(_ ours: MFCCMatrix, _ golden: NPYArray) throws -> Double {
    let values = try golden.float64Values()
    try #require(golden.shape == [ours.frameCount, ours.coefficientCount])
    var worst = 0.0
    for m in 0..<ours.frameCount {
        for k in 0..<ours.coefficientCount {
            let difference = abs(ours[k, m] - values[m * ours.coefficientCount + k])
            worst = difference.isNaN ? .infinity : max(worst, difference)
        }
    }
    return worst
}

private func makeMFCC() throws -> MFCC {
    try MFCC(fft: FFmpegRealFFT(length: 512))
}

@Suite("MFCC (python_speech_features 0.6)")
struct MFCCTests {
    @Test("matches the reference on example_speech.wav", .enabled(
        if: SharedData.has("example_speech.wav"),
        "needs ../shared/data/example_speech.wav (shared test data, not part of the repository)"))
    func realSpeech() throws {
        let info = try Fixtures.json("mfcc_example_speech.json")
        let expectedHash = try #require(info["sha256"] as? String)
        #expect(sha256Hex(try Data(contentsOf: Fixtures.exampleSpeech)) == expectedHash,
                "example_speech.wav is not the file the golden was made from")
        let (rate, samples) = try readPCM16MonoWAV(Fixtures.exampleSpeech)
        #expect(rate == 16000)
        #expect(samples.count == info["samples"] as? Int)
        let ours = try makeMFCC().coefficients(of: samples)
        let golden = try Fixtures.npy("mfcc_example_speech.npy")
        #expect(ours.frameCount == MFCC.Configuration().frameCount(forSampleCount: samples.count))
        let worst = try maxAbsDifference(ours, golden)
        print("MFCC example_speech.wav: \(ours.frameCount) frames, max |Δ| = \(worst)")
        #expect(worst <= mfccTolerance)
    }

    @Test("matches the reference on synthetic signals",
          arguments: ["1_zero", "1_min", "399", "400", "401", "560", "561", "16000"])
    func synthetic(tag: String) throws {
        let samples = try Fixtures.npy("mfcc_synthetic_\(tag)_input.npy").int16Values()
        let golden = try Fixtures.npy("mfcc_synthetic_\(tag)_output.npy")
        let ours = try makeMFCC().coefficients(of: samples)
        let worst = try maxAbsDifference(ours, golden)
        print("MFCC synthetic \(tag): \(ours.frameCount) frames, max |Δ| = \(worst)")
        #expect(worst <= mfccTolerance)
    }

    @Test("silent frames take the eps replacement: c0 = ln(2.220446049250313e-16)")
    func epsilonPath() throws {
        let ours = try makeMFCC().coefficients(of: [0])
        #expect(ours.frameCount == 1)
        #expect(ours[0, 0] == log(2.220446049250313e-16))
        // All 26 log energies equal ln(eps) ≈ −36, so c1 … c12 are ln(eps)·Σ_n cos(πk(2n+1)/52),
        // mathematically 0; the rounded cosines leave |36·Σ ε_n| ≈ 1e-12 (SciPy's FFT-based DCT
        // leaves a similar residue, which the 1_zero golden checks against).
        for k in 1..<13 { #expect(abs(ours[k, 0]) < 1e-11) }
        // The 16000-sample golden has zeros at 4000 ..< 5000, so the pre-emphasised signal is zero
        // on 4001 ..< 5000 and frames 26 … 28 ([160m, 160m + 400)) lie inside it.
        let samples = try Fixtures.npy("mfcc_synthetic_16000_input.npy").int16Values()
        #expect(samples[4000..<5000].allSatisfy { $0 == 0 })
        let long = try makeMFCC().coefficients(of: samples)
        for m in 26...28 { #expect(long[0, m] == log(Double.ulpOfOne), "frame \(m)") }
        #expect(long[0, 25] > 0 && long[0, 29] > 0)
    }

    @Test("frame counts at the 400/401 and 560/561 boundaries")
    func frameCounts() throws {
        let configuration = MFCC.Configuration()
        #expect(configuration.frameLength == 400 && configuration.frameStep == 160)
        let expected = [1: 1, 399: 1, 400: 1, 401: 2, 560: 2, 561: 3, 720: 3, 721: 4, 16000: 99, 85_760: 535]
        let mfcc = try makeMFCC()
        for (count, frames) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(configuration.frameCount(forSampleCount: count) == frames, "\(count) samples")
            if count <= 16000 {
                #expect(try mfcc.coefficients(of: [Int16](repeating: 1, count: count)).frameCount == frames)
            }
        }
    }

    @Test("mel bin edges for 16 kHz are the list in docs/reference/pipeline.md §10.2")
    func melBins() throws {
        let bank = try makeMFCC().filterbank
        #expect(bank.binEdges == [0, 2, 4, 7, 10, 13, 16, 20, 24, 29, 34, 40, 46, 53, 60, 68, 77, 87, 97, 109,
                                  122, 136, 152, 169, 188, 209, 231, 256])
        #expect(bank.binCount == 257)
        // Filter 3 spans bins 7 … 13 with edges 7, 10, 13: weights 0, 1/3, 2/3, 1, 2/3, 1/3, 0.
        let row = Array(bank.weights[(3 * 257)..<(4 * 257)])
        #expect(row[7] == 0 && row[8] == 1.0 / 3 && row[9] == 2.0 / 3 && row[10] == 1)
        #expect(row[11] == (13.0 - 11) / 3 && row[12] == 1.0 / 3 && row[13] == 0)
        #expect(row.enumerated().allSatisfy { (7...13).contains($0.offset) || $0.element == 0 })
        // Bin 256 (Nyquist) is never weighted.
        #expect((0..<26).allSatisfy { bank.weights[$0 * 257 + 256] == 0 })
    }

    @Test("filter bank with coinciding band edges equals get_filterbanks bit for bit")
    func degenerateFilterbank() throws {
        // nfft = 64 puts several band edges on the same bin (b = 0, 0, 0, 0, 1, 1, 2, 2, …), where
        // a filter's falling edge starts at its first bin with weight 1.
        let bank = MelFilterbank(filterCount: 26, fftLength: 64, sampleRate: 16000, lowFrequency: 0, highFrequency: 8000)
        let golden = try Fixtures.npy("melfilterbank_26_nfft64.npy")
        #expect(golden.shape == [26, 33])
        #expect(bank.weights.map(\.bitPattern) == (try golden.float64Values()).map(\.bitPattern))
        // The sparse product agrees with the dense weights on an arbitrary spectrum.
        let powers = (0..<33).map { Double(($0 * 37) % 11) + 0.25 }
        var energies = [Double](repeating: .nan, count: 26)
        powers.withUnsafeBufferPointer { p in energies.withUnsafeMutableBufferPointer { bank.apply(to: p, into: $0) } }
        for j in 0..<26 {
            var dense = 0.0
            for i in 0..<33 { dense += bank.weights[j * 33 + i] * powers[i] }
            #expect(energies[j] == dense, "filter \(j)")
        }
    }

    @Test("lifter factors 1 + 11·sin(πk/22)")
    func lifterFactors() {
        let factors = MFCC.Configuration().lifterFactors
        #expect(factors.count == 13)
        #expect(factors[0] == 1)
        #expect(factors[11] == 12)  // sin(π/2) is exactly 1 in double precision
        // docs/reference/pipeline.md prints these to 6 decimals; half a unit of the 6th decimal is the tolerance.
        for (k, printed) in [(1, 2.565463), (2, 4.099058), (12, 11.888036)] {
            #expect(abs(factors[k] - printed) <= 5e-7, "k = \(k)")
        }
        var noLifter = MFCC.Configuration()
        noLifter.cepstralLifter = 0
        #expect(noLifter.lifterFactors == [Double](repeating: 1, count: 13))
    }

    @Test("DCT-II orthonormal on a hand case")
    func dctHandCase() {
        // N = 2: c0 = (x0 + x1)/√2, c1 = (x0 − x1)·cos(π/4) = (x0 − x1)/√2.
        let dct = DCT(inputCount: 2, outputCount: 2)
        let c = dct([3, 1])
        #expect(abs(c[0] - 4 / 2.0.squareRoot()) <= 1e-15)
        #expect(abs(c[1] - 2 / 2.0.squareRoot()) <= 1e-15)
        // A constant input has only a DC term: c0 = √N·x.
        let constant = DCT(inputCount: 26, outputCount: 13)(.init(repeating: 2, count: 26))
        #expect(abs(constant[0] - 2 * 26.0.squareRoot()) <= 1e-14)
        for k in 1..<13 { #expect(abs(constant[k]) <= 1e-14) }
    }

    @Test("empty input and a wrong FFT length are reported")
    func errors() throws {
        #expect(throws: MFCC.Error.emptySignal) { try makeMFCC().coefficients(of: []) }
        #expect(throws: MFCC.Error.fftLengthMismatch(expected: 512, got: 256)) {
            try MFCC(fft: FFmpegRealFFT(length: 256))
        }
        var bad = MFCC.Configuration()
        bad.numberOfCepstra = 27
        #expect(throws: MFCC.Error.self) { try MFCC(configuration: bad, fft: FFmpegRealFFT(length: 512)) }
    }

    @Test("60 s of audio gives 1 + ceil((960000 - 400) / 160) frames")
    func longSignalFrameCount() throws {
        // Speed is measured by tools/bench/media.sh against the reference, never by a timed test.
        var generator = SplitMix64(seed: 3)
        let samples = (0..<(60 * 16000)).map { _ in Int16(truncatingIfNeeded: Int(generator.next() >> 52) - 2048) }
        let matrix = try makeMFCC().coefficients(of: samples)
        #expect(matrix.frameCount == 5999)  // 1 + ⌈(960000 − 400)/160⌉ = 1 + ⌈5997.5⌉
        #expect(matrix.coefficientCount == 13)
    }
}
