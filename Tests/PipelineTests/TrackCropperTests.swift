import Foundation
import Media
import Models
import TestSupport
import Testing
@testable import Pipeline

/// Crops against the reference's `_crop` arithmetic and OpenCV calls
/// (`tools/reference/make_crop_goldens.py`, `crops.json`): the example clip's track from
/// `example_boxes.json`, every window exact and every 224×224 crop bit-exact (before XVID).
@Suite("TrackCropper (reference crops, docs/reference/pipeline.md §9)")
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

    static let data = SharedData.root

    @Test(
        "windows exact and crops bit-exact on the example clip",
        .enabled(if: SharedData.has("example.avi"),
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
        let windows = try cropper.windows(for: track)
        let decoder = try VideoDecoder(path: Self.data.appendingPathComponent("example.avi").path, mode: .clean)
        var checked = 0
        for expected in golden.crops {
            let window = windows[expected.frame - track.firstFrame]
            #expect(window == CropWindow(pad: expected.pad, y1: expected.y1, y2: expected.y2, x1: expected.x1, x2: expected.x2), "frame \(expected.frame)")
            guard let frame = try decoder.nextFrame()?.image else { break }
            #expect(sha256Hex(frame.pixels) == expected.frame_sha256, "picture \(expected.frame) differs from ffmpeg's")
            let crop = try cropper.crop(frame, window: window, frame: expected.frame)
            #expect(crop.width == 224 && crop.height == 224)
            #expect(sha256Hex(crop.pixels) == expected.crop_sha256, "crop of frame \(expected.frame)")
            checked += 1
        }
        #expect(checked == golden.crops.count)
    }

    @Test("the worked example of docs/reference/pipeline.md §9.2 (constant box, no smoothing effect in the middle)")
    func workedExample() throws {
        // Box (100, 50, 300, 290): bs = 120, x = 200, y = 170, pad = 216, rows 266…602, columns 248…584.
        let track = FaceTrack(firstFrame: 0, boxes: Array(repeating: [100, 50, 300, 290], count: 30))
        let window = try TrackCropper().windows(for: track)[15]
        #expect(window == CropWindow(pad: 216, y1: 266, y2: 602, x1: 248, x2: 584))
    }
}

/// Crops at and beyond the frame edge against the wheel's own `_crop`
/// (`tools/reference/make_edge_crop_goldens.py`, `edge_crops.json`): where the reference crops,
/// every crop is bit-exact; where it raises, the cropper throws the matching ``CropError``
/// (never a trap), and the crops before the failure are the reference's.
@Suite("TrackCropper at the frame edge (reference goldens, issue #11)")
struct EdgeCropTests {
    struct Golden: Decodable {
        struct Failure: Decodable {
            var type: String
            var message: String
            var crops_before: Int
        }
        struct Case: Decodable {
            var name: String
            var width: Int, height: Int
            var frames: [Int]
            var boxes: [[Double]]
            var crops: [String]?
            var error: Failure?
        }
        var cases: [Case]
    }

    static let golden: Golden = try! JSONDecoder().decode(
        Golden.self,
        from: Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/edge_crops.json")))

    /// The synthetic picture of the goldens: byte `(7x + 13y + 51c + 3i) mod 256`.
    static func picture(_ i: Int, width: Int, height: Int) -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 { pixels[(y * width + x) * 3 + c] = UInt8((7 * x + 13 * y + 51 * c + 3 * i) % 256) }
            }
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }

    @Test("every case crops or fails as the reference does", arguments: golden.cases.map(\.name))
    func referenceCase(_ name: String) throws {
        let golden = try #require(Self.golden.cases.first { $0.name == name })
        let track = FaceTrack(firstFrame: golden.frames[0], boxes: golden.boxes)
        #expect(track.frames == golden.frames[0]..<(golden.frames.last! + 1))
        let cropper = TrackCropper()
        var digests: [String] = []
        var failure: CropError? = nil
        do {
            let windows = try cropper.windows(for: track)
            for (i, frame) in golden.frames.enumerated() {
                let crop = try cropper.crop(Self.picture(frame, width: golden.width, height: golden.height), window: windows[i], frame: frame)
                #expect(crop.width == 224 && crop.height == 224)
                digests.append(sha256Hex(crop.pixels))
            }
        } catch {
            failure = error
        }
        if let crops = golden.crops {
            #expect(failure == nil, "the reference crops every frame; SyncBench: \(failure.map(String.init(describing:)) ?? "")")
            #expect(digests == crops)
        } else {
            let expected = try #require(golden.error)
            let error = try #require(failure, "the reference fails (\(expected.message)); SyncBench cropped every frame")
            #expect(digests.count == expected.crops_before, "the reference wrote \(expected.crops_before) crops before failing")
            switch error {
            case .emptyWindow: #expect(expected.message.contains("!ssize.empty()"), "\(error)")
            case .negativeBorder: #expect(expected.message.contains("copyMakeBorder"), "\(error)")
            default: Issue.record("unexpected \(error) where the reference says \(expected.message)")
            }
        }
    }

    @Test("absurd geometry throws instead of trapping: huge, non-finite, and windows too large to cut out")
    func absurdGeometry() throws {
        let cropper = TrackCropper()
        for value in [1e9, -1e9, 1e300, -1e300, .infinity, -.infinity, .nan] {
            let boxes = Array(repeating: [value, 10, value + 100, 110], count: 20)
            let track = FaceTrack(firstFrame: 0, boxes: boxes)
            do {
                let windows = try cropper.windows(for: track)
                let frame = Self.picture(0, width: 64, height: 48)
                for (i, window) in windows.enumerated() { _ = try cropper.crop(frame, window: window, frame: i) }
                Issue.record("x = \(value): cropped a face \(value) px away")
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
        // A box of 1e5 px: the padded frame of the reference would be 3.6e5 px wide; the window is
        // 2.8e5 px square, over the limit, refused without allocating it.
        let huge = FaceTrack(firstFrame: 0, boxes: Array(repeating: [0, 0, 200_000, 200_000], count: 20))
        let windows = try cropper.windows(for: huge)
        #expect(throws: CropError.self) { _ = try cropper.crop(Self.picture(0, width: 64, height: 48), window: windows[10], frame: 10) }
    }

    @Test("paddedSlice equals padding then slicing, for windows inside, across and outside the frame")
    func paddedSliceMatchesPadding() {
        let image = Self.picture(3, width: 9, height: 7)
        for pad in [0, 1, 4] {
            let padded = image.padded(top: pad, bottom: pad, left: pad, right: pad, value: 110)
            let bounds = [(0, 3, 0, 2), (2, 9, 1, 17), (0, 7 + 2 * pad, 0, 9 + 2 * pad), (5, 6, 12, 9 + 2 * pad)]
            for (r0, r1, c0, c1) in bounds where r0 < r1 && c0 < c1 && r1 <= 7 + 2 * pad && c1 <= 9 + 2 * pad {
                let rows = r0..<r1, columns = c0..<c1
                let expected = padded.cropped(x: columns.lowerBound, y: rows.lowerBound, width: columns.count, height: rows.count)
                #expect(image.paddedSlice(pad: pad, value: 110, rows: rows, columns: columns) == expected, "pad \(pad) rows \(rows) columns \(columns)")
            }
        }
    }
}
