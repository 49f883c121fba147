import Foundation
import Media
import Models
import TestSupport
import Testing
@testable import Pipeline

/// Crops against the reference's `_crop` arithmetic and OpenCV calls
/// (`tools/reference/make_crop_goldens.py`, `crops.json`): the example clip's track from
/// `example_boxes.json`, every window exact and every 224×224 crop bit-exact (before XVID).
@Suite("TrackCropper (reference crops, PIPELINE.md §9)")
struct TrackCropperTests {
    struct Golden: Decodable {
        struct Crop: Decodable {
            var frame: Int
            var pad: Int
            var y1: Int, y2: Int, x1: Int, x2: Int
            var frame_sha256: String
            var crop_sha256: String
        }
        var track_first: Int
        var track_last: Int
        var pictures: Int
        var crops: [Crop]
    }

    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/data").standardizedFileURL

    @Test(
        "windows exact and crops bit-exact on the example clip",
        .enabled(if: FileManager.default.fileExists(atPath: data.appendingPathComponent("example.avi").path),
                 "needs ../shared/data (shared test data, not part of the repository)"))
    func exampleClip() throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().appendingPathComponent("Fixtures/crops.json")))
        struct Record: Decodable { var frame: Int; var bbox: [Double]; var conf: Double }
        let records = try JSONDecoder().decode([Record].self, from: Data(contentsOf: Self.data.appendingPathComponent("example_boxes.json")))
        var detections = [[FaceDetection]](repeating: [], count: records.map(\.frame).max()! + 1)
        for r in records {
            detections[r.frame].append(FaceDetection(x1: r.bbox[0], y1: r.bbox[1], x2: r.bbox[2], y2: r.bbox[3], confidence: r.conf))
        }
        let track = try #require(FaceTracker(minTrack: 50).tracks(detections: detections).first)
        #expect(track.frames == golden.track_first..<(golden.track_last + 1))
        let cropper = TrackCropper()
        let windows = cropper.windows(for: track)
        let decoder = try VideoDecoder(path: Self.data.appendingPathComponent("example.avi").path, mode: .clean)
        var checked = 0
        for expected in golden.crops {
            let window = windows[expected.frame - track.firstFrame]
            #expect(window == CropWindow(pad: expected.pad, y1: expected.y1, y2: expected.y2, x1: expected.x1, x2: expected.x2), "frame \(expected.frame)")
            guard let frame = try decoder.nextFrame()?.image else { break }
            #expect(sha256Hex(frame.pixels) == expected.frame_sha256, "picture \(expected.frame) differs from ffmpeg's")
            let crop = cropper.crop(frame, window: window)
            #expect(crop.width == 224 && crop.height == 224)
            #expect(sha256Hex(crop.pixels) == expected.crop_sha256, "crop of frame \(expected.frame)")
            checked += 1
        }
        #expect(checked == golden.crops.count)
    }

    @Test("the worked example of PIPELINE.md §9.2 (constant box, no smoothing effect in the middle)")
    func workedExample() {
        // Box (100, 50, 300, 290): bs = 120, x = 200, y = 170, pad = 216, rows 266…602, columns 248…584.
        let track = FaceTrack(firstFrame: 0, boxes: Array(repeating: [100, 50, 300, 290], count: 30))
        let window = TrackCropper().windows(for: track)[15]
        #expect(window == CropWindow(pad: 216, y1: 266, y2: 602, x1: 248, x2: 584))
    }
}
