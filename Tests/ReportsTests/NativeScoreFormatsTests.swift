import Foundation
import Testing

@testable import Reports

/// The upstream protocols' own score files (docs/protocols.md).
@Suite("Native score formats")
struct NativeScoreFormatsTests {
    @Test("numbers print as NumPy prints a float32 (tools/reference/make_numpy_float_goldens.py, NumPy 2.4)")
    func numpyFloat32() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/numpy_float32_str.txt")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 87)
        for line in lines {
            let parts = line.split(separator: " ")
            let value = Float(bitPattern: try #require(UInt32(parts[0])))
            #expect(NativeScoreFormats.numpyFloat32(value) == String(parts[1]), "bits \(parts[0])")
        }
    }

    @Test("all_scores.txt: one `dist conf` line per track, distance first")
    func allScores() {
        let text = NativeScoreFormats.allScoresLines(tracks: [(7.0912576, 6.854312), (12, 0.5)])
        #expect(text == "7.0912576 6.854312\n12.0 0.5\n")
    }
}
