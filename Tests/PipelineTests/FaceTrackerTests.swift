import Foundation
import Models
import TestSupport
import Testing
@testable import Pipeline

/// The tracker against the reference's own `_track` (`tools/reference/make_tracking_goldens.py`,
/// `tracking.json`): the same tracks, and interpolated boxes bit for bit (NumPy `interp` and
/// pairwise `mean` are reproduced exactly, docs/reference/pipeline.md §8.1).
@Suite("FaceTracker (reference tracker, docs/reference/pipeline.md §8)")
struct FaceTrackerTests {
    struct Summary: Decodable, Equatable {
        var first: Int
        var last: Int
        var sha256: String
        var first_box: [Double]
        var last_box: [Double]
    }

    struct Record: Decodable {
        var frame: Int
        var bbox: [Double]
        var conf: Double
    }

    struct HandCase: Decodable {
        struct Track: Decodable {
            var first: Int
            var boxes: [[Double]]
        }
        var min_track: Int
        var detections: [[Record]]
        var tracks: [Track]
    }

    struct Goldens: Decodable {
        struct Clip: Decodable {
            var frames: Int
            var min_track_50: [Summary]
            var min_track_100: [Summary]
        }
        var clips: [String: Clip]
        var hand: [String: HandCase]
    }

    static let goldens: Goldens = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tracking.json")
        return try! JSONDecoder().decode(Goldens.self, from: Data(contentsOf: url))
    }()

    static let boxes = SharedData.url("boxes")

    static func summaries(_ tracks: [FaceTrack]) -> [Summary] {
        tracks.map { track in
            let flat = track.boxes.flatMap { $0 }
            return Summary(
                first: track.firstFrame, last: track.frames.upperBound - 1, sha256: sha256Hex(flat.withUnsafeBytes { Data($0) }),
                first_box: track.boxes.first!, last_box: track.boxes.last!)
        }
    }

    @Test(
        "every shared clip's boxes give the reference's tracks, min_track 50 and 100",
        .enabled(if: SharedData.has("boxes/index.json"),
                 "needs ../shared/data/boxes (shared test data, not part of the repository)"))
    func sharedClips() throws {
        #expect(Self.goldens.clips.count == 56)
        for (clip, golden) in Self.goldens.clips {
            let records = try JSONDecoder().decode([Record].self, from: Data(contentsOf: Self.boxes.appendingPathComponent("\(clip).json")))
            var detections = [[FaceDetection]](repeating: [], count: golden.frames)
            for r in records {
                detections[r.frame].append(FaceDetection(x1: r.bbox[0], y1: r.bbox[1], x2: r.bbox[2], y2: r.bbox[3], confidence: r.conf))
            }
            #expect(Self.summaries(FaceTracker(minTrack: 50).tracks(detections: detections)) == golden.min_track_50, "\(clip)")
            #expect(Self.summaries(FaceTracker(minTrack: 100).tracks(detections: detections)) == golden.min_track_100, "\(clip)")
        }
    }

    @Test("hand-made scenes: swapped face order, 25/26-frame gaps, sizes, track lengths, three faces in a frame",
          arguments: ["swapped_order", "gaps_sizes", "three_faces"])
    func handCases(_ name: String) throws {
        let golden = try #require(Self.goldens.hand[name])
        let detections = golden.detections.map { frame in
            frame.map { FaceDetection(x1: $0.bbox[0], y1: $0.bbox[1], x2: $0.bbox[2], y2: $0.bbox[3], confidence: $0.conf) }
        }
        let tracks = FaceTracker(minTrack: golden.min_track).tracks(detections: detections)
        #expect(tracks.map(\.firstFrame) == golden.tracks.map(\.first))
        #expect(tracks.map(\.boxes) == golden.tracks.map(\.boxes))
    }

    @Test("IoU is the reference's: no +1, 1e-8 in the denominator")
    func overlap() {
        let a = FaceDetection(x1: 0, y1: 0, x2: 10, y2: 10, confidence: 1)
        let b = FaceDetection(x1: 5, y1: 0, x2: 15, y2: 10, confidence: 1)
        #expect(FaceTracker.overlap(a, b) == 50 / (100 + 100 - 50 + 1e-8))
        #expect(FaceTracker.overlap(a, FaceDetection(x1: 20, y1: 20, x2: 30, y2: 30, confidence: 1)) == 0)
    }

    @Test("joonson's tracker passes over a face that fails the IoU test: two faces whose order swaps give two tracks, not nawta's three")
    func joonsonVariant() {
        // 12 frames, faces A (left) and B (right), B listed first in frames 3–8 (docs/protocols.md).
        let a = FaceDetection(x1: 0, y1: 0, x2: 150, y2: 150, confidence: 0.99)
        let b = FaceDetection(x1: 300, y1: 0, x2: 450, y2: 150, confidence: 0.98)
        let detections = (0..<12).map { f in (3...8).contains(f) ? [b, a] : [a, b] }
        let nawta = FaceTracker(minTrack: 5).tracks(detections: detections)
        let joonson = FaceTracker(minTrack: 5, variant: .joonson).tracks(detections: detections)
        #expect(nawta.map(\.frames) == [0..<12, 0..<12, 3..<9])
        #expect(joonson.map(\.frames) == [0..<12, 0..<12])
        #expect(joonson.map { $0.boxes[0][0] } == [0, 300])
        #expect(FaceTracker.joonsonOverlap(a, a) == 1 && FaceTracker.joonsonOverlap(a, b) == 0)
        let point = FaceDetection(x1: 5, y1: 5, x2: 5, y2: 5, confidence: 1)
        #expect(FaceTracker.joonsonOverlap(point, point) == 0, "Python raises ZeroDivisionError; no overlap here")
    }
}
