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

    static let protocols = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PipelineTests/Fixtures/protocols")

    @Test("LatentSync's printed lines, from the numbers of the upstream goldens (12 clips, the folder-mode average line too)")
    func latentSyncLines() throws {
        struct Golden: Decodable {
            struct Track: Decodable { var conf: Double; var offset: Int }
            struct Output: Decodable { var stdout: [String] }
            var clip: String
            var tracks: [Track]
            var native_output: Output
        }
        struct Suite: Decodable { var printed: String }
        let folder = Self.protocols.appendingPathComponent("latentsync")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") && !$0.hasPrefix("_") }.sorted()
        #expect(names.count == 12)
        var confidences: [Double] = []
        for name in names {
            let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
            guard !golden.tracks.isEmpty else {
                // Single-video mode raises; folder mode prints the red message (not captured by the golden's stdout).
                #expect(NativeScoreFormats.latentSyncNoFace(video: golden.clip) == "\u{1B}[91mFace not detected in \(golden.clip)\u{1B}[0m\n")
                continue
            }
            let confidence = golden.tracks.map(\.conf).reduce(0, +) / Double(golden.tracks.count)
            let offset = Int((Double(golden.tracks.map(\.offset).reduce(0, +)) / Double(golden.tracks.count)).rounded(.towardZero))
            confidences.append(confidence)
            let text = NativeScoreFormats.latentSyncLines(video: golden.clip, confidence: confidence, offset: offset)
            #expect(text == golden.native_output.stdout.map { $0 + "\n" }.joined(), "\(name)")
        }
        let suite = try JSONDecoder().decode(Suite.self, from: Data(contentsOf: folder.appendingPathComponent("_suite.json")))
        #expect(NativeScoreFormats.latentSyncAverageLine(confidences: confidences) == suite.printed + "\n")
        #expect(NativeScoreFormats.latentSyncAverageLine(confidences: []) == nil)
    }

    @Test("Wav2Lip LRS's average lines: float32 running sums in the script's glob order, from the upstream goldens' per-video numbers")
    func lrsAverages() throws {
        struct Golden: Decodable {
            struct Track: Decodable { var conf: Double; var dist: Double }
            var tracks: [Track]
        }
        struct Suite: Decodable { var glob_order: [String]; var printed: [String] }
        let folder = Self.protocols.appendingPathComponent("wav2lip-lrs")
        let suite = try JSONDecoder().decode(Suite.self, from: Data(contentsOf: folder.appendingPathComponent("_suite.json")))
        var results: [(confidence: Float, distance: Float)] = []
        for input in suite.glob_order {
            let name = String(input.dropLast(4)) + ".json"  // "<id>.mp4" -> "<id>.json"
            let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
            let track = try #require(golden.tracks.first)
            results.append((confidence: Float(track.conf), distance: Float(track.dist)))
        }
        #expect(NativeScoreFormats.lrsAverageLines(tracks: results) == suite.printed.map { $0 + "\n" }.joined())
        #expect(NativeScoreFormats.lrsAverageLines(tracks: []) == nil)
    }
}
