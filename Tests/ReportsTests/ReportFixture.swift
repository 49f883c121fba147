import Foundation
import TestSupport
import Store
@testable import Reports

/// A hand-made report: three models (one with a name full of HTML metacharacters, one with no
/// scored sample at all), three categories (one with such a name), ok and failed samples,
/// multi-track samples, framewise confidences and two thumbnails.
enum ReportFixture {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static let alpha = "alpha"
    static let beta = #"beta <&"'>"#
    static let gamma = "gamma"
    static let oddCategory = #"odd & "quoted""#

    /// Few replicates keep the tests fast; the small-n threshold of 3 flags some subsets, not all.
    static let statistics = LeaderboardStatistics(suiteKind: "mochabench", bootstrap: Bootstrap(replicates: 400), smallSampleThreshold: 3)

    /// Digests that look like the two weight files' (the published ones are checked by `Models`;
    /// the report only shows what was recorded).
    static let syncNetDigest = String(repeating: "5a", count: 32)
    static let s3fdDigest = String(repeating: "3f", count: 32)
    static let standInSyncNetDigest = String(repeating: "0b", count: 32)

    /// The weights recorded with the fixture's evaluations: the published files, or a stand-in SyncNet.
    static func weights(standIn: Bool) -> [EvaluationProvenance.Weights] {
        [
            EvaluationProvenance.Weights(file: "sfd_face.pth", sha256: s3fdDigest, published: true, used: true),
            EvaluationProvenance.Weights(
                file: "syncnet_v2.model", sha256: standIn ? standInSyncNetDigest : syncNetDigest, published: !standIn, used: true),
        ]
    }

    static let software = EvaluationProvenance.Software(
        syncbench: "0.9.0-test (abcdef012345)", profileVersion: 1,
        ffmpeg: ["libavcodec": "61.19.101", "libavformat": "61.7.100", "libavutil": "59.39.100", "libswresample": "5.3.100", "libswscale": "8.3.100"])

    /// - Parameter weights: what every evaluation of the report was made with (the published files by default).
    static func report(weights: [EvaluationProvenance.Weights] = weights(standIn: false)) throws -> BenchmarkReport {
        let thumbnails = try ["crop-1.png", "crop-2.png"].map {
            try Data(contentsOf: fixtures.appendingPathComponent("thumbnails").appendingPathComponent($0))
        }
        var samples: [ReportSample] = []
        func add(
            _ model: String, _ id: String, _ status: SampleStatus = .ok, c: Double? = nil, d: Double? = nil, tracks: [ReportTrack] = [],
            best: Int? = nil, message: String = "", runtime: Double? = 2.5, audio: Bool = true, thumbs: [Data] = []
        ) {
            let category = String(id[..<id.lastIndex(of: "/")!])
            let index = samples.filter { $0.score.model == model && $0.score.category == category }.count + 1
            let offsets = tracks.filter { $0.status == "ok" }.compactMap(\.offset)
            samples.append(
                ReportSample(
                    score: SampleScore(
                        model: model, sampleID: id, category: category, status: status, lseC: c, lseD: d, trackOffsets: offsets, bestTrack: best),
                    index: index, videoPath: "/bench/\(model)/\(id).mp4", audioPath: audio ? "/bench/speech/\(id)_speech.wav" : nil,
                    message: message, runtimeSeconds: status == .missing ? nil : runtime, tracks: tracks, thumbnails: thumbs,
                    prompt: id == "1p_emotion/2_b" ? "A close-up of a man <singing> & \"smiling\"" : nil,
                    clip: status == .ok ? ReportClipScore(lseC: c, lseD: d, rule: "mochabench: the best confidence and the smallest distance") : nil,
                    provenance: status == .missing ? nil : EvaluationProvenance(weights: weights, software: software)))
        }
        func track(_ number: Int, _ offset: Int?, _ c: Double?, _ d: Double?, start: Int = 0, frames: Int = 40, status: String = "ok")
            -> ReportTrack
        {
            let curve = status == "ok" ? (0..<frames).map { i in (c ?? 0) - 2 + 3 * sin(Double(i) / 5) } : []
            return ReportTrack(
                track: number, startFrame: start, endFrame: start + frames - 1, status: status, offset: offset, confidence: c,
                minDistance: d, framewiseConfidence: curve)
        }
        let e = "1p_emotion"
        let t = "2p_2clip_2talk"
        let o = oddCategory
        add(alpha, "\(e)/1_a", c: 6.5, d: 7.25, tracks: [track(0, 0, 6.5, 7.25)], best: 0, thumbs: thumbnails)
        add(alpha, "\(e)/2_b", c: 5.75, d: 8.0, tracks: [track(0, 1, 4.0, 8.5), track(1, -3, 5.75, 8.0, start: 50)], best: 1)
        add(alpha, "\(e)/3_c", .noFace, message: "no face detected in 75 frames")
        add(alpha, "\(t)/1_d", c: 4.5, d: 8.75, tracks: [track(0, 0, 4.5, 8.75, frames: 60)], audio: false)
        add(alpha, "\(t)/2_e", c: 5.0, d: 8.25, tracks: [track(0, 2, 5.0, 8.25), track(1, 2, 3.0, 9.0, start: 45)])
        add(alpha, "\(o)/x<y>", c: 7.0, d: 6.75, tracks: [track(0, 0, 7.0, 6.75)], best: 0)
        add(beta, "\(e)/1_a", c: 6.0, d: 7.5, tracks: [track(0, 0, 6.0, 7.5)], best: 0)
        add(beta, "\(e)/2_b", .tooShort, tracks: [track(0, nil, nil, nil, frames: 4, status: "too_short")], message: "every track is shorter than 7 frames")
        add(beta, "\(e)/3_c", c: 3.25, d: 9.5, tracks: [track(0, -1, 3.25, 9.5)], best: 0)
        add(beta, "\(t)/1_d", c: 4.0, d: 9.0, tracks: [track(0, 1, 4.0, 9.0)], best: 0)
        add(beta, "\(t)/2_e", .decodeError, message: #"cannot open "2_e.mp4": <Invalid data> & more"#, runtime: 0.1)
        add(beta, "\(o)/x<y>", .noFace, message: "no face")
        add(gamma, "\(e)/1_a", .decodeError, message: "moov atom not found", runtime: 0.05)
        add(gamma, "\(e)/2_b", .missing, message: "no video generated")
        return BenchmarkReport(
            suite: "mini <suite>", suiteKind: "mochabench", models: [alpha, beta, gamma], samples: samples, profile: "mochabench",
            clean: false, toolVersion: "0.9.0-test", databasePath: "/data/sync✓ & co.sqlite",
            databaseDigest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            generatedAt: "2025-06-01T12:00:00Z", profileVersion: 1)
    }

    /// Writes the fixture report (or `report`) into a fresh temporary directory.
    static func writeReport(_ report: BenchmarkReport? = nil) throws -> (directory: URL, files: [URL]) {
        let directory = try ScratchDirectory.make("report")
        let files = try ReportWriter().write(try report ?? self.report(), statistics: statistics, to: directory)
        return (directory, files)
    }

    static func text(_ directory: URL, _ path: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
    }
}
