import Foundation
import TestSupport
import Testing
@testable import Pipeline

/// The scoring step against the reference's own `calc_pdist` + `evaluate` lines, run by
/// `tools/reference/make_scoring_goldens.py` on generated embeddings (`scoring.json`).
///
/// Tolerances: distances and their means within 2e-6 relative (PyTorch sums 1024 float32 squares
/// in float32, SyncBench in double: float32 summation error is at most ~log2(1024)·2⁻²⁴ ≈ 6e-7
/// relative); confidence and minimum distance within 2e-6 × the distance scale (a difference of
/// two means); the offset exactly.
@Suite("SyncScorer (reference scoring, docs/reference/pipeline.md §10.4)")
struct SyncScorerTests {
    struct Golden: Decodable {
        var windows: Int
        var vshift: Int
        var shift: Int
        var structured: Bool
        var lip_sha256: String
        var audio_sha256: String
        var distances: [[Double]]
        var mean_distances: [Double]
        var offset: Int
        var confidence: Double
        var min_distance: Double
        var framewise_confidence: [Double]
    }

    static let goldens: [Golden] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/scoring.json")
        struct File: Decodable { var cases: [Golden] }
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }()

    /// The embeddings of case `index`, as the script's docstring defines them.
    static func embeddings(_ index: Int, _ golden: Golden) -> (lip: [Float], audio: [Float]) {
        func uniform(seed: UInt64, count: Int) -> [Double] {
            var generator = SplitMix64(seed: seed)
            return (0..<count).map { _ in Double(generator.next() >> 11) * 0x1p-53 }
        }
        let d = 1024, margin = 8, l = golden.windows
        let base = uniform(seed: 0x5C0 + UInt64(index), count: (l + 2 * margin) * d).map { Float(10 * (2 * $0 - 1)) }
        let noise = uniform(seed: 0x9015E + UInt64(index), count: l * d).map { Float(2 * (2 * $0 - 1)) }
        let lip = Array(base[(margin * d)..<((margin + l) * d)])
        guard golden.structured else { return (lip, noise) }
        let shifted = base[((margin + golden.shift) * d)..<((margin + golden.shift + l) * d)]
        return (lip, zip(shifted, noise).map { Float(Double($0) + Double($1)) })
    }

    @Test("offset, LSE-C, LSE-D, distances and frame-wise confidence match the reference", arguments: 0..<6)
    func matchesReference(_ index: Int) throws {
        let golden = Self.goldens[index]
        let (lip, audio) = Self.embeddings(index, golden)
        #expect(sha256Hex(lip.withUnsafeBytes { Data($0) }) == golden.lip_sha256)
        #expect(sha256Hex(audio.withUnsafeBytes { Data($0) }) == golden.audio_sha256)
        let score = try SyncScorer.score(lip: lip, audio: audio, vshift: golden.vshift)
        #expect(score.offset == golden.offset)
        let scale = golden.mean_distances.max()!
        #expect(abs(Double(score.confidence) - golden.confidence) <= 2e-6 * scale)
        #expect(abs(Double(score.minDistance) - golden.min_distance) <= 2e-6 * scale)
        for (ours, theirs) in zip(score.meanDistances, golden.mean_distances) {
            #expect(abs(Double(ours) - theirs) <= 2e-6 * theirs)
        }
        try #require(score.distances.count == golden.windows)
        for (row, expected) in zip(score.distances, golden.distances) {
            #expect(zip(row, expected).allSatisfy { abs(Double($0) - $1) <= 2e-6 * $1 })
        }
        try #require(score.framewiseConfidence.count == golden.framewise_confidence.count)
        for (ours, theirs) in zip(score.framewiseConfidence, golden.framewise_confidence) {
            #expect(abs(Double(ours) - theirs) <= 2e-6 * scale)
        }
    }

    @Test("a shifted copy of the lips gives the shift as offset; no windows or mismatched sizes are errors")
    func handCases() throws {
        // Audio window j repeats lip window j − 2, so lip window i matches audio window i + 2.
        let lip = (0..<(10 * 4)).map { Float(($0 * 37) % 11) }
        var audio = [Float](repeating: 0, count: 40)
        for j in 2..<10 { for d in 0..<4 { audio[j * 4 + d] = lip[(j - 2) * 4 + d] } }
        let score = try SyncScorer.score(lip: lip, audio: audio, dimension: 4, vshift: 3)
        // lip i matches audio i + 2: k − vshift = 2, so k = 5 and offset = 3 − 5 = −2.
        #expect(score.offset == -2)
        #expect(score.distances[0][5] < 1e-4)
        #expect(throws: SyncScoreError.noWindows) { try SyncScorer.score(lip: [], audio: [], dimension: 4) }
        #expect(throws: SyncScoreError.mismatchedEmbeddings(lip: 8, audio: 4, dimension: 4)) {
            try SyncScorer.score(lip: [Float](repeating: 0, count: 8), audio: [Float](repeating: 0, count: 4), dimension: 4)
        }
    }
}
