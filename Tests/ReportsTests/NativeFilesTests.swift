import Foundation
import Testing

@testable import Reports

/// `report`'s `native/<model>/` files: what each protocol's own code would have written for the
/// suite, from the five-sample fixture of ``ProtocolAggregationTests`` (numbers worked out by hand).
@Suite("Native files in the report")
struct NativeFilesTests {
    static func report(_ profile: String) -> BenchmarkReport {
        BenchmarkReport(
            suite: "s", suiteKind: "folder", models: ["M"], samples: ProtocolAggregationTests.samples(confidenceOnly: profile == "latentsync"),
            profile: profile, clean: false, toolVersion: "t", databasePath: "/d", databaseDigest: "sha256:00", generatedAt: "2026-01-01T00:00:00Z")
    }

    static func files(_ profile: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: NativeFiles.files(of: report(profile)).map { ($0.path, $0.contents) })
    }

    @Test("wav2lip-real: one all_scores.txt, a `dist conf` line per scored track in sample order, none for faceless videos")
    func allScores() {
        #expect(Self.files("wav2lip-real") == ["native/M/all_scores.txt": "7.0 6.0\n9.0 2.0\n8.0 4.0\n10.0 5.0\n"])
    }

    @Test("mova: a _lip_score.json per video with a scored track, named after the sample (a slash becomes `__`)")
    func mova() throws {
        let files = Self.files("mova")
        #expect(Set(files.keys) == ["native/M/a__1_lip_score.json", "native/M/a__2_lip_score.json", "native/M/b__1_lip_score.json"])
        let a1 = try #require(files["native/M/a__1_lip_score.json"])
        #expect(a1.contains("\"person1_LSE-C\": 2.0") && a1.contains("\"mean_LSE-C\": 4.0") && a1.contains("\"max_C_inperson\": 6.0"))
    }

    @Test("latentsync: three lines per video, the red line for a faceless one, the average over the videos with a face")
    func latentsync() {
        let expected = """
            Input video: /v/a/1.mp4
            SyncNet confidence: 4.00
            AV offset: 0
            Input video: /v/a/2.mp4
            SyncNet confidence: 4.00
            AV offset: 0
            \u{1B}[91mFace not detected in /v/a/3.mp4\u{1B}[0m
            Input video: /v/b/1.mp4
            SyncNet confidence: 5.00
            AV offset: 0
            \u{1B}[91mFace not detected in /v/b/2.mp4\u{1B}[0m
            The average sync confidence is 4.33

            """
        #expect(Self.files("latentsync") == ["native/M/latentsync.txt": expected])
    }

    @Test("wav2lip-lrs: the two average lines over the videos' first track; mochabench and joonson need no native file")
    func lrs() {
        // (6 + 4 + 5) / 3 = 5 and (7 + 8 + 10) / 3 = 8.333333 in float32.
        #expect(Self.files("wav2lip-lrs") == ["native/M/lrs.txt": "Average Confidence: 5.0\nAverage Minimum Distance: \(Double(Float(25) / 3))\n"])
        #expect(Self.files("mochabench").isEmpty && Self.files("joonson").isEmpty)
    }
}
