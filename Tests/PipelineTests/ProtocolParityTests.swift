import Foundation
import Media
import Models
import TestSupport
import Testing

@testable import Pipeline

/// Each profile against its upstream code (`tools/reference/make_protocol_goldens.py`,
/// `Fixtures/protocols/`): the upstream scripts themselves run with the stand-in weights and the
/// shared boxes in place of S3FD, on 12 shared clips. Same tracks, same offsets, and
/// |ΔC| ≤ 0.01, |ΔD| ≤ 0.5 % per track and for the clip (issue #12's bound; the SyncNet arithmetic
/// itself agrees within 1e-4 of the distance scale, `EvaluatorParityTests`, and the lossy chain's
/// pixels are bit-exact, so the margin covers float summation order only).
@Suite("Profiles against their upstream code", .serialized, .enabled(if: SharedData.has("example.avi"), "needs ../shared/data"))
struct ProtocolParityTests {
    struct Golden: Decodable {
        struct Track: Decodable {
            /// `[first, last]`, or `"whole clip"` for the whole-frame profile (as `nil`).
            var frames: [Int]?
            var offset: Int
            var conf: Double
            var dist: Double

            enum CodingKeys: String, CodingKey { case frames, offset, conf, dist }

            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                frames = try? c.decode([Int].self, forKey: .frames)
                offset = try c.decode(Int.self, forKey: .offset)
                conf = try c.decode(Double.self, forKey: .conf)
                dist = try c.decode(Double.self, forKey: .dist)
            }
        }
        struct ClipResult: Decodable {
            var max_C_inperson: Double?
            var min_D_inperson: Double?
            var conf: Double?
            var offset: Int?
            var lines: [String]?
        }
        struct Timeline: Decodable {
            var jpeg_frames: Int?
        }
        var profile: String
        var clip: String
        var timeline: Timeline?
        var boxes: String?
        var tracks: [Track]
        var clip_result: ClipResult?
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldens = EvaluationFixtures.fixtures.appending(path: "protocols")
    /// The goldens of the profiles SyncBench implements.
    static let cases: [String] = ["joonson", "wav2lip-real", "mova", "wav2lip-lrs", "latentsync"].flatMap { profile in
        ((try? FileManager.default.contentsOfDirectory(atPath: goldens.appending(path: profile).path)) ?? [])
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("_") }.sorted().map { "\(profile)/\($0)" }
    }
    /// One cache for the suite: the three profiles share their common stages, as a user's would.
    static let cache = MemoryCache()

    @Test("the profile's tracks and numbers are the upstream code's", arguments: cases)
    func parity(_ name: String) throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: Self.goldens.appending(path: name)))
        let profile = try #require(EvaluationProfile(rawValue: golden.profile))
        let video = Self.root.appending(path: golden.clip).standardizedFileURL
        var boxesURL = golden.boxes.map { Self.root.appending(path: $0).standardizedFileURL }
        if let url = boxesURL, !FileManager.default.fileExists(atPath: url.path) { boxesURL = nil }
        if boxesURL == nil {
            // No boxes for this clip: no face, as the upstream run saw it.
            let empty = try EvaluationFixtures.temporaryDirectory().appending(path: "none.json")
            try Data("[]".utf8).write(to: empty)
            boxesURL = empty
        }
        let boxes = try DetectionBoxes(contentsOf: boxesURL!, sha256: sha256Hex(try Data(contentsOf: boxesURL!)))
        var settings = EvaluationSettings(profile: profile)
        settings.mpeg4Threads = 3  // what the reference's ffmpeg chose on the goldens' 2 CPUs (docs/media.md)
        let input = EvaluationInput(videoPath: video.path, videoSHA256: sha256Hex(try Data(contentsOf: video)), boxes: boxes)
        let result = try Evaluator(settings: settings, networks: EvaluationFixtures.networks(), cache: Self.cache).evaluate(input)

        let scored = result.tracks.filter { $0.status == .ok }
        // The whole-frame profile's one "track" is every frame the upstream run extracted.
        let frames = golden.tracks.map { $0.frames ?? [0, (golden.timeline?.jpeg_frames ?? 0) - 1] }
        #expect(scored.map { [$0.startFrame, $0.endFrame] } == frames, "\(name): tracks, \(result.message)")
        guard scored.count == golden.tracks.count else { return }
        for (ours, theirs) in zip(scored, golden.tracks) {
            #expect(ours.offset == theirs.offset, "\(name) track \(ours.track): offset")
            #expect(abs(Double(ours.confidence!) - theirs.conf) <= 0.01, "\(name) track \(ours.track): C \(ours.confidence!) vs \(theirs.conf)")
            #expect(abs(Double(ours.minDistance!) - theirs.dist) <= 0.005 * theirs.dist, "\(name) track \(ours.track): D \(ours.minDistance!) vs \(theirs.dist)")
        }
        if golden.tracks.isEmpty {
            #expect(result.status != .ok && result.clip == nil, "\(name): \(result.status)")
            return
        }
        let clip = try #require(result.clip)
        switch profile {
        case .mova:
            let c = try #require(golden.clip_result?.max_C_inperson), d = try #require(golden.clip_result?.min_D_inperson)
            #expect(abs(Double(clip.lseC ?? .nan) - c) <= 0.01 && abs(Double(clip.lseD ?? .nan) - d) <= 0.005 * d, "\(name): \(clip) vs \(c) / \(d)")
            #expect(clip.offset == nil)
        case .wav2lipReal:
            #expect(clip.lseC == nil && clip.lseD == nil)
            // all_scores.txt: one `dist conf` line per track (the format itself: NativeScoreFormatsTests).
            let lines = NativeLines.parse(golden.clip_result?.lines ?? [])
            #expect(lines.count == scored.count)
            for (track, line) in zip(scored, lines) {
                #expect(abs(Double(track.minDistance!) - line.0) <= 0.005 * line.0 && abs(Double(track.confidence!) - line.1) <= 0.01, "\(name): \(line)")
            }
        case .latentsync:
            // eval_sync_conf.py: fmean of the track confidences, int(fmean(offsets)); no distance.
            let c = try #require(golden.clip_result?.conf)
            #expect(abs(Double(clip.lseC ?? .nan) - c) <= 0.01, "\(name): C \(String(describing: clip.lseC)) vs \(c)")
            #expect(clip.offset == golden.clip_result?.offset && clip.lseD == nil)
        case .wav2lipLRS:
            // One result per video: the whole clip's offset, confidence and distance.
            #expect(clip.lseC == scored[0].confidence && clip.lseD == scored[0].minDistance && clip.offset == scored[0].offset)
        default:
            #expect(clip.lseC == scored.compactMap(\.confidence).max() && clip.lseD == scored.compactMap(\.minDistance).min())
        }
    }
}

/// `dist conf` lines, as numbers.
enum NativeLines {
    static func parse(_ lines: [String]) -> [(Double, Double)] {
        lines.compactMap { line in
            let parts = line.split(separator: " ").compactMap { Double($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }
}
