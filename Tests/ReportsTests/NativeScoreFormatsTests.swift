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

    @Test("MOVA's _lip_score.json, character for character, from the numbers of the upstream golden (four-models/SadTalker/07)")
    func movaJSON() throws {
        struct Golden: Decodable {
            struct Track: Decodable { var conf: Double; var dist: Double }
            var tracks: [Track]
            var clip_result: [String: Double]
            var native_output: [String: String]
        }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PipelineTests/Fixtures/protocols/mova/four-models_SadTalker_07.json")
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
        let text = NativeScoreFormats.movaLipScoreJSON(
            tracks: golden.tracks.map { (confidence: Float($0.conf), distance: Float($0.dist)) },
            maxC: Float(try #require(golden.clip_result["max_C_inperson"])), minD: Float(try #require(golden.clip_result["min_D_inperson"])))
        #expect(text == golden.native_output["four-models_SadTalker_07_lip_score.json"])
    }
}
