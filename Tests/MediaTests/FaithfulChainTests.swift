import Foundation
import Testing
import TestSupport

@testable import Media

/// The reference's lossy media chain reproduced in process (`PictureChain.faithful`,
/// `CropVideoRoundTrip`), checked against the reference's own ffmpeg command lines and against
/// what OpenCV returns (goldens from `tools/reference/make_faithful_goldens.py`).
@Suite("Faithful chain: MPEG-4 q2 + JPEG q2 frames, XVID + rate-controlled JPEG crops, as the reference sees them", .serialized)
struct FaithfulChainTests {
    // MARK: libjpeg-turbo versus OpenCV's imread

    @Test("libjpeg-turbo decodes the reference's crop JPEGs exactly as cv2.imread does")
    func jpegDecodingMatchesImread() throws {
        let goldens = try FaithfulGoldens.load()
        let jpegs = try FaithfulGoldens.cropJPEGs(sizes: goldens.crops.jpeg_sizes)
        #expect(jpegs.count == goldens.crops.count)
        for (index, jpeg) in jpegs.enumerated() {
            #expect(digest(jpeg) == goldens.crops.jpeg_sha256[index], "fixture JPEG \(index) is not the one the goldens were made from")
            let image = try JPEGDecoding.bgrImage(jpeg: jpeg, label: "crop JPEG \(index)")
            #expect(image.width == 224 && image.height == 224)
            #expect(digest(image.pixels) == goldens.crops.imread_sha256[index], "JPEG \(index): BGR differs from cv2.imread")
        }
    }

    @Test("a damaged JPEG is an error naming it, not a crash")
    func damagedJPEG() throws {
        let goldens = try FaithfulGoldens.load()
        let jpeg = try FaithfulGoldens.cropJPEGs(sizes: goldens.crops.jpeg_sizes)[0]
        #expect(throws: MediaError.self) { try JPEGDecoding.bgrImage(jpeg: Array(jpeg.prefix(20)), label: "cut.jpg") }
        #expect(throws: MediaError.self) { try JPEGDecoding.bgrImage(jpeg: [0, 1, 2, 3], label: "noise.jpg") }
    }

    // MARK: frames (docs/reference/pipeline.md §3, §4, §7.1)

    @Test("faithful frames: every JPEG byte-identical to the ffmpeg CLI's frames/%06d.jpg, pixels equal to its decode",
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"),
          arguments: SyntheticClip.matrix)
    func syntheticFramesMatchCLI(clip: SyntheticClip) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FaithfulParity.expectFramesMatchCLI(try clip.write(in: directory))
    }

    @Test("faithful frames of real clips (25 fps MP3 AVI, 24 fps AAC MP4) are byte-identical to the CLI's JPEGs",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func realFramesMatchCLI() throws {
        for clip in try FaithfulGoldens.load().clips {
            try FaithfulParity.expectFramesMatchCLI(TestEnvironment.sharedData.appendingPathComponent(clip.path))
        }
    }

    @Test("faithful frames equal OpenCV's imread of the reference's JPEGs; scene images equal VideoCapture's frames",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func framesMatchOpenCVGoldens() throws {
        for clip in try FaithfulGoldens.load().clips {
            // The goldens' video.avi was encoded with the CLI's automatic slice-thread count on the
            // machine that made them; pin ours to it so the bitstreams are comparable anywhere.
            let decoder = try VideoDecoder(
                path: TestEnvironment.sharedData.appendingPathComponent(clip.path).path, mode: .reference, chain: .faithful,
                convertPixels: true, faithfulEncoderThreads: Int32(clip.mpeg4_threads))
            var jpegs: [String] = []
            var images: [String] = []
            var scenes: [String] = []
            let started = Date()
            while let frame = try decoder.nextFrame() {
                jpegs.append(digest(try #require(frame.jpeg)))
                images.append(digest(try #require(frame.image).pixels))
                if let scene = frame.sceneImage { scenes.append(digest(scene.pixels)) }
            }
            let seconds = Date().timeIntervalSince(started)
            let clean = Date()
            let cleanDecoder = try VideoDecoder(path: TestEnvironment.sharedData.appendingPathComponent(clip.path).path, mode: .reference)
            while try cleanDecoder.nextFrame() != nil {}
            print(String(format: "%@: faithful %.1f ms per frame, clean %.1f ms per frame", clip.path, seconds * 1000 / Double(jpegs.count),
                         Date().timeIntervalSince(clean) * 1000 / Double(jpegs.count)))
            #expect(jpegs == clip.jpeg_sha256, "\(clip.path): JPEG bytes differ from the reference's files")
            #expect(images == clip.imread_sha256, "\(clip.path): pixels differ from cv2.imread")
            #expect(scenes.count == clip.capture_sha256.count, "\(clip.path): one scene image per VideoCapture frame")
            // OpenCV's bundled FFmpeg converts yuv420p to BGR with its own libswscale; measured on the
            // goldens' clips it differs from FFmpeg 5.1's in at most a handful of channel values by 1
            // (`capture_vs_cli_bgr24`), so the scene images are compared picture by picture and any
            // mismatch must be one of the pictures where that is recorded.
            let differing = Set(clip.capture_vs_cli_bgr24.enumerated().filter { $0.element.differing > 0 }.map(\.offset))
            var inexact: [Int] = []
            for (index, scene) in scenes.enumerated() where index < clip.capture_sha256.count && scene != clip.capture_sha256[index] {
                inexact.append(index)
                #expect(differing.contains(index), "\(clip.path): scene image \(index) differs from VideoCapture's frame")
            }
            print("\(clip.path): \(scenes.count - inexact.count) of \(scenes.count) scene images bit-exact with VideoCapture; inexact: \(inexact)")
        }
    }

    @Test("clean chain: scene images are the source pictures, once per AVI picture",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func cleanSceneImages() throws {
        let decoder = try VideoDecoder(path: TestEnvironment.sharedData.appendingPathComponent("example.avi").path, mode: .reference)
        var scenes = 0
        while let frame = try decoder.nextFrame() {
            if let scene = frame.sceneImage {
                #expect(scene == frame.image && !frame.slot.isRepeat || frame.slot.isRepeat)
                #expect(frame.slot.aviPicture == scenes, "scene image \(scenes) on AVI picture \(frame.slot.aviPicture)")
                scenes += 1
            }
            #expect(frame.jpeg == nil)
        }
        #expect(scenes == decoder.aviPictures && scenes == 132)
    }

    // MARK: crops (docs/reference/pipeline.md §9.3, §10.1)

    @Test("OpenCV's BGR -> yuv420p conversion for the XVID writer is reproduced sample for sample",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func writerConversionMatchesOpenCV() throws {
        let goldens = try FaithfulGoldens.load()
        let crops = try FaithfulGoldens.exampleCrops(goldens.crops)
        let ours = crops.map { digest(CropVideoRoundTrip.yuv420($0, width: 224, height: 224)) }
        #expect(ours == goldens.crops.yuv420p_sha256)
    }

    @Test("crop round trip: OpenCV's XVID writer + rate-controlled JPEG re-extraction, bit-exact with the reference's files",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func cropRoundTrip() throws {
        let goldens = try FaithfulGoldens.load()
        let crops = try FaithfulGoldens.exampleCrops(goldens.crops)
        #expect(crops.map { digest($0.pixels) } == goldens.crops.crop_sha256, "input crops differ from the goldens' crops")
        let roundTrip = try CropVideoRoundTrip()
        roundTrip.recordedJPEGs = []
        var ours: [Image] = []
        let started = Date()
        for crop in crops {
            let out = try roundTrip.append(crop)
            #expect(out.count == 1, "one picture back per crop (no encoder delay)")
            ours += out
        }
        ours += try roundTrip.finish()
        print(String(format: "crop round trip: %.2f ms per 224x224 crop", Date().timeIntervalSince(started) * 1000 / Double(crops.count)))
        #expect(ours.count == crops.count)
        #expect(try #require(roundTrip.recordedJPEGs).map(digest) == goldens.crops.jpeg_sha256, "JPEG bytes differ from the reference's files")
        #expect(ours.map { digest($0.pixels) } == goldens.crops.imread_sha256, "pixels differ from cv2.imread of the reference's files")
        // Where they differ, say by how much (against the reference's own JPEGs, decoded).
        let reference = try FaithfulGoldens.cropJPEGs(sizes: goldens.crops.jpeg_sizes).enumerated().map { index, jpeg in
            try JPEGDecoding.bgrImage(jpeg: jpeg, label: "reference crop JPEG \(index)")
        }
        for (index, (a, b)) in zip(ours, reference).enumerated() where a != b {
            Issue.record("crop \(index): \(Residual(a, b))")
        }
    }

    @Test("crop round trip's encoders, independently of OpenCV: JPEGs byte-identical to the writer settings run through the ffmpeg CLI",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func cropRoundTripMatchesCLIEmulation() throws {
        let goldens = try FaithfulGoldens.load()
        let crops = try FaithfulGoldens.exampleCrops(goldens.crops)
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Our yuv420p as raw input, so the CLI converts nothing; OpenCV's VideoWriter(XVID, 25 fps)
        // encoder settings spelled as CLI options; then the reference's re-extraction.
        let raw = directory.appendingPathComponent("crops.yuv")
        try Data(crops.flatMap { CropVideoRoundTrip.yuv420($0, width: 224, height: 224) }).write(to: raw)
        let avi = directory.appendingPathComponent("crop.avi").path
        try ReferenceFFmpeg.run([
            "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "224x224", "-r", "25", "-i", raw.path, "-c:v", "mpeg4", "-vtag", "XVID",
            "-b:v", "2508800", "-bt", "2508800", "-qmin", "3", "-g", "12", "-threads", "1", avi,
        ])
        let frames = directory.appendingPathComponent("crop")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        try ReferenceFFmpeg.run(["-y", "-i", avi, "-f", "image2", "-threads", "1", frames.appendingPathComponent("%06d.jpg").path])
        let files = try FileManager.default.contentsOfDirectory(atPath: frames.path).filter { $0.hasSuffix(".jpg") }.sorted()
        let roundTrip = try CropVideoRoundTrip()
        roundTrip.recordedJPEGs = []
        for crop in crops { _ = try roundTrip.append(crop) }
        _ = try roundTrip.finish()
        let ours = try #require(roundTrip.recordedJPEGs)
        #expect(ours.count == files.count)
        for (index, file) in files.enumerated() where index < ours.count {
            let bytes = [UInt8](try Data(contentsOf: frames.appendingPathComponent(file)))
            #expect(ours[index] == bytes, "crop JPEG \(index) differs from the CLI's \(file)")
        }
    }

    // MARK: joonson's audio (docs/reference/pipeline.md §5.4)

    @Test("joonson's audio: video.avi's MP3 track at 16 kHz mono equals the CLI's extraction, sample for sample",
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"),
          arguments: SyntheticClip.matrix.filter { $0.audio != nil })
    func syntheticAVIAudio(clip: SyntheticClip) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FaithfulParity.expectAVIAudioMatchesCLI(try clip.write(in: directory))
    }

    @Test("joonson's audio of real clips (MP3 44.1 kHz AVI, AAC MP4) equals the CLI's extraction",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func realAVIAudio() throws {
        for clip in try FaithfulGoldens.load().clips {
            try FaithfulParity.expectAVIAudioMatchesCLI(TestEnvironment.sharedData.appendingPathComponent(clip.path))
        }
    }

    @Test("crop round trip rejects a layout or size change")
    func cropRoundTripRejectsBadInput() throws {
        let roundTrip = try CropVideoRoundTrip()
        #expect(throws: MediaError.self) { try roundTrip.append(Image(width: 224, height: 224, layout: .rgb, filledWith: 9)) }
        _ = try roundTrip.append(Image(width: 224, height: 224, layout: .bgr, filledWith: 9))
        #expect(throws: MediaError.self) { try roundTrip.append(Image(width: 200, height: 224, layout: .bgr, filledWith: 9)) }
        #expect(try roundTrip.finish().isEmpty)
        #expect(throws: MediaError.self) { try roundTrip.append(Image(width: 224, height: 224, layout: .bgr, filledWith: 9)) }
    }

    @Test("without JPEG decoding the faithful frames carry the same JPEGs and scene images, and no image; the intermediate MP4's as well",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func framesWithoutJPEGDecoding() throws {
        let path = TestEnvironment.sharedData.appendingPathComponent("example.avi").path
        func frames(_ source: any TimelineFrameSource, decoding: Bool) throws -> [TimelineFrame] {
            source.decodesJPEGs = decoding
            var frames: [TimelineFrame] = []
            while let frame = try source.nextFrame() { frames.append(frame) }
            return frames
        }
        // The MPEG-4 AVI chain is deterministic: both runs give the same bytes and pictures.
        let decoded = try frames(try VideoDecoder(path: path, mode: .reference, chain: .faithful), decoding: true)
        let bare = try frames(try VideoDecoder(path: path, mode: .reference, chain: .faithful), decoding: false)
        #expect(decoded.count == bare.count && !bare.isEmpty)
        #expect(decoded.allSatisfy { $0.image != nil } && bare.allSatisfy { $0.image == nil && $0.jpeg != nil })
        #expect(zip(decoded, bare).allSatisfy { $0.jpeg == $1.jpeg && $0.sceneImage == $1.sceneImage && $0.slot == $1.slot })
        // x264 is not reproducible run to run under load (IntermediateMP4Frames), so only the shape
        // is compared: every frame, in order, with its JPEG and scene image, and no image.
        let mp4 = try frames(try IntermediateMP4Frames(path: path, chain: .faithful, reproducible: true), decoding: false)
        let mp4Decoded = try frames(try IntermediateMP4Frames(path: path, chain: .faithful, reproducible: true), decoding: true)
        #expect(mp4Decoded.allSatisfy { $0.image != nil })
        #expect(mp4.count == mp4Decoded.count && mp4.count >= 133 && mp4.enumerated().allSatisfy { $1.slot.index == $0 })
        #expect(mp4.allSatisfy { $0.image == nil && $0.jpeg != nil && $0.sceneImage != nil })
        let first = try JPEGDecoding.bgrImage(jpeg: mp4[0].jpeg!, label: "frame 0")
        #expect(first.width == 976 && first.height == 528)
    }
}

/// Per-picture difference between two BGR images of the same size.
struct Residual: CustomStringConvertible {
    var maxAbs: Int
    var meanAbs: Double
    /// Peak signal-to-noise ratio in dB (infinity when equal).
    var psnr: Double

    init(_ a: Image, _ b: Image) {
        precondition(a.pixels.count == b.pixels.count)
        var maximum = 0
        var sum = 0
        var squares = 0
        for i in 0..<a.pixels.count {
            let d = abs(Int(a.pixels[i]) - Int(b.pixels[i]))
            maximum = max(maximum, d)
            sum += d
            squares += d * d
        }
        maxAbs = maximum
        meanAbs = Double(sum) / Double(a.pixels.count)
        let mse = Double(squares) / Double(a.pixels.count)
        psnr = mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    var description: String { String(format: "max %d, mean %.3f, PSNR %.2f dB", maxAbs, meanAbs, psnr) }
}

/// First 16 hex digits of SHA-256, as the golden script writes them.
func digest(_ bytes: [UInt8]) -> String { String(sha256Hex(bytes).prefix(16)) }

/// `Fixtures/faithful_goldens.json`.
struct FaithfulGoldens: Decodable {
    struct Clip: Decodable {
        struct Difference: Decodable {
            var max: Int
            var mean: Double
            var differing: Int
        }
        var path: String
        var width: Int
        var height: Int
        var mpeg4_threads: Int
        var jpeg_sha256: [String]
        var imread_sha256: [String]
        var capture_sha256: [String]
        var capture_vs_cli_bgr24: [Difference]
    }
    struct Crops: Decodable {
        struct Window: Decodable {
            var top: Int
            var left: Int
            var size: Int
        }
        var source: String
        var window: Window
        var count: Int
        var crop_sha256: [String]
        var yuv420p_sha256: [String]
        var jpeg_sha256: [String]
        var jpeg_sizes: [Int]
        var imread_sha256: [String]
    }
    var clips: [Clip]
    var crops: Crops

    static let fixtures = TestEnvironment.packageRoot.appendingPathComponent("Tests/MediaTests/Fixtures")

    static func load() throws -> FaithfulGoldens {
        try JSONDecoder().decode(FaithfulGoldens.self, from: Data(contentsOf: fixtures.appendingPathComponent("faithful_goldens.json")))
    }

    /// The reference's re-extracted crop JPEGs, split by the sizes in the JSON.
    static func cropJPEGs(sizes: [Int]) throws -> [[UInt8]] {
        let blob = [UInt8](try Data(contentsOf: fixtures.appendingPathComponent("faithful_crop_jpegs.bin")))
        #expect(blob.count == sizes.reduce(0, +), "faithful_crop_jpegs.bin does not match its sizes")
        var offset = 0
        return sizes.map { size in
            defer { offset += size }
            return Array(blob[offset..<min(offset + size, blob.count)])
        }
    }

    /// The golden script's crops: a fixed window of the example clip's source pictures (FFmpeg's
    /// bgr24 of every picture, which the clean timeline reproduces bit-exactly).
    static func exampleCrops(_ crops: Crops) throws -> [Image] {
        let decoder = try VideoDecoder(path: TestEnvironment.sharedData.appendingPathComponent(crops.source).path, mode: .clean)
        var result: [Image] = []
        while result.count < crops.count, let frame = try decoder.nextFrame() {
            guard !frame.slot.isRepeat, let image = frame.image else { continue }
            #expect(frame.slot.sourcePicture == result.count)
            let size = crops.window.size
            var pixels: [UInt8] = []
            pixels.reserveCapacity(size * size * 3)
            for row in crops.window.top..<(crops.window.top + size) {
                let start = (row * image.width + crops.window.left) * 3
                pixels += image.pixels[start..<(start + size * 3)]
            }
            result.append(Image(width: size, height: size, layout: .bgr, pixels: pixels))
        }
        return result
    }
}

enum FaithfulParity {
    /// joonson's two commands: the reference's AVI, then `-ac 1 -vn -acodec pcm_s16le -ar 16000`
    /// (as raw s16le instead of a WAV file: the same samples).
    static func expectAVIAudioMatchesCLI(_ clip: URL) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let avi = directory.appendingPathComponent("video.avi").path
        try ReferenceFFmpeg.run(["-y", "-i", clip.path, "-async", "1", "-q:v", "2", "-r", "25", avi])
        var bytes = Data()
        try ReferenceFFmpeg.run(["-i", avi, "-ac", "1", "-vn", "-acodec", "pcm_s16le", "-ar", "16000", "-f", "s16le", "-"]) { bytes.append($0) }
        let reference = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let ours = try AudioDecoder.decodeMono16kThroughReferenceAVI(path: clip.path)
        var differing = 0
        var largest = 0
        for (a, b) in zip(ours, reference) where a != b {
            differing += 1
            largest = max(largest, abs(Int(a) - Int(b)))
        }
        #expect(ours.count == reference.count, "\(clip.lastPathComponent): \(ours.count) samples, the reference \(reference.count)")
        #expect(differing == 0, "\(clip.lastPathComponent): \(differing) samples differ, by up to \(largest)")
    }

    /// Runs the reference's two commands on `clip` and compares every JPEG file with ours.
    static func expectFramesMatchCLI(_ clip: URL) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let avi = directory.appendingPathComponent("video.avi").path
        try ReferenceFFmpeg.run(["-y", "-i", clip.path, "-async", "1", "-q:v", "2", "-r", "25", avi])
        let frames = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        try ReferenceFFmpeg.run(["-y", "-i", avi, "-f", "image2", "-q:v", "2", "-threads", "1", frames.appendingPathComponent("%06d.jpg").path])
        let files = try FileManager.default.contentsOfDirectory(atPath: frames.path).filter { $0.hasSuffix(".jpg") }.sorted()
        let decoder = try VideoDecoder(path: clip.path, mode: .reference, chain: .faithful)
        // The pictures of video.avi as the CLI decodes them (bgr24, no frame-rate conversion).
        let aviPictures = try ReferenceFFmpeg.pictures(
            ["-i", avi, "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "-"], width: decoder.width, height: decoder.height)
        var scenes = 0
        var sceneMismatches: [Int] = []
        var index = 0
        var mismatches: [Int] = []
        while let frame = try decoder.nextFrame() {
            defer { index += 1 }
            if let scene = frame.sceneImage {
                if scenes >= aviPictures.count || PictureFingerprint(scene).hash != aviPictures[scenes].hash { sceneMismatches.append(scenes) }
                scenes += 1
            }
            guard index < files.count else { continue }
            let file = [UInt8](try Data(contentsOf: frames.appendingPathComponent(files[index])))
            if frame.jpeg != file {
                mismatches.append(index)
                continue
            }
            let image = try JPEGDecoding.bgrImage(jpeg: file, label: files[index])
            #expect(frame.image == image, "\(clip.lastPathComponent) frame \(index): pixels differ from the decode of its own JPEG")
        }
        #expect(index == files.count, "\(clip.lastPathComponent): \(index) frames, the reference wrote \(files.count) JPEGs")
        #expect(mismatches.isEmpty, "\(clip.lastPathComponent): JPEGs differing from the reference's files: \(mismatches.prefix(20))")
        #expect(scenes == aviPictures.count, "\(clip.lastPathComponent): \(scenes) scene images, video.avi has \(aviPictures.count) pictures")
        #expect(sceneMismatches.isEmpty, "\(clip.lastPathComponent): scene images differing from the CLI's bgr24 of video.avi: \(sceneMismatches.prefix(20))")
    }
}
