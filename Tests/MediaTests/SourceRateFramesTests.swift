import Foundation
import Testing
import TestSupport

@testable import Media

/// Wav2Lip's whole-video frame extraction (`ffmpeg -i VIDEO -threads 1 -f image2 %06d.jpg`: the
/// source frame rate, the mjpeg encoder's default rate control) reproduced in process
/// (`SourceRateFrames`), and FFmpeg's constant-rate conversion under it (`ConstantRateSync`).
@Suite("Source-rate frames: Wav2Lip's default-quality JPEG extraction, byte for byte", .serialized)
struct SourceRateFramesTests {
    // MARK: the constant-rate state machine

    @Test("one output frame per picture for a constant-rate stream; none added at the end")
    func constantRate() {
        var sync = ConstantRateSync(method: .cfr)
        for n in 0..<50 { #expect(sync.place(timestamp: Double(n) + 1.0 / 131072, duration: 1) == [.current]) }
        #expect(sync.finish() == 0)
        #expect(sync.framesOut == 50)
    }

    @Test("a gap of three frames: CFR repeats the previous picture twice, then shows the new one twice; the end repeats the median")
    func gapFill() {
        var sync = ConstantRateSync(method: .cfr)
        #expect(sync.place(timestamp: 0, duration: 1) == [.current])
        #expect(sync.place(timestamp: 1, duration: 1) == [.current])
        // next output pts 2, picture at 5: delta0 = 3, delta = 4 -> 4 frames, llrintf(2.4) = 2 of the previous.
        #expect(sync.place(timestamp: 5, duration: 1) == [.previous, .previous, .current, .current])
        #expect(sync.framesOut == 6)
        // last three leading-duplicate counts: 2, 0, 0 -> median 0.
        #expect(sync.finish() == 0)
    }

    @Test("a late first picture: CFR fills the start with copies of it, VSCFR starts at its own timestamp")
    func lateStart() {
        var cfr = ConstantRateSync(method: .cfr)
        #expect(cfr.place(timestamp: 3, duration: 1) == [.current, .current, .current, .current])
        var vscfr = ConstantRateSync(method: .vscfr)
        #expect(vscfr.place(timestamp: 3, duration: 1) == [.current])
        #expect(vscfr.place(timestamp: 4, duration: 1) == [.current])
    }

    @Test("a picture is dropped only when it falls more than 1.1 frames behind the output")
    func drop() {
        var sync = ConstantRateSync(method: .cfr)
        #expect(sync.place(timestamp: 0, duration: 1) == [.current])
        // delta = -0.6 + 0.4 = -0.2: not below -1.1, so CFR still gives it slot 1.
        #expect(sync.place(timestamp: 0.4, duration: 0.4) == [.current])
        var late = ConstantRateSync(method: .cfr)
        _ = late.place(timestamp: 0, duration: 1)
        _ = late.place(timestamp: 1, duration: 1)
        _ = late.place(timestamp: 2, duration: 1)
        #expect(late.place(timestamp: 0, duration: 0.5) == [])  // delta = -3 + 0.5 < -1.1
    }

    // MARK: against the ffmpeg CLI

    @Test("every JPEG byte-identical to the CLI's `-threads 1 -f image2` extraction (source rate, default quality)",
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"),
          arguments: SyntheticClip.matrix)
    func syntheticMatchesCLI(clip: SyntheticClip) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.expectMatchesCLI(try clip.write(in: directory), in: directory)
    }

    @Test("real clips (25 fps MP3 AVI, 24 fps and 30 fps AAC MP4): every JPEG byte-identical to the CLI's",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func realClipsMatchCLI() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["example.avi", "four-models/MoCha/07.mp4", "four-models/aniportrait-square/07.mp4"] {
            try Self.expectMatchesCLI(TestEnvironment.sharedData.appendingPathComponent(name), in: directory)
        }
    }

    @Test("the upstream goldens' frame lists (Wav2Lip calculate_scores_LRS.py's JPEGs on 12 shared clips)",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func upstreamGoldens() throws {
        let folder = TestEnvironment.packageRoot.appendingPathComponent("Tests/PipelineTests/Fixtures/protocols/wav2lip-lrs")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") && !$0.hasPrefix("_") }.sorted()
        #expect(names.count == 12)
        for name in names {
            struct Golden: Decodable {
                struct Timeline: Decodable {
                    var jpeg_frames: Int
                    var jpeg_list_sha256: String
                    var jpeg_sha256: [String]?
                }
                var clip: String
                var timeline: Timeline
            }
            let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
            let path = TestEnvironment.packageRoot.appendingPathComponent(golden.clip).standardizedFileURL.path
            let frames = try SourceRateFrames(path: path, chain: .faithful)
            var shas: [String] = []
            while let frame = try frames.nextFrame() { shas.append(sha256Hex(try #require(frame.jpeg))) }
            #expect(shas.count == golden.timeline.jpeg_frames, "\(name): frame count")
            #expect(sha256Hex(Array(shas.joined().utf8)) == golden.timeline.jpeg_list_sha256, "\(name): JPEG bytes differ from the upstream run's")
            if let each = golden.timeline.jpeg_sha256 { #expect(shas == each, "\(name)") }
        }
    }

    static func expectMatchesCLI(_ clip: URL, in directory: URL) throws {
        let frames = directory.appendingPathComponent("frames-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: frames) }
        try ReferenceFFmpeg.run(["-loglevel", "error", "-y", "-i", clip.path, "-threads", "1", "-f", "image2", frames.appendingPathComponent("%06d.jpg").path])
        let files = try FileManager.default.contentsOfDirectory(atPath: frames.path).filter { $0.hasSuffix(".jpg") }.sorted()
        let ours = try SourceRateFrames(path: clip.path, chain: .faithful)
        var index = 0
        while let frame = try ours.nextFrame() {
            guard index < files.count else { break }
            let expected = try [UInt8](Data(contentsOf: frames.appendingPathComponent(files[index])))
            #expect(frame.jpeg == expected, "\(clip.lastPathComponent): JPEG \(index + 1) differs from the CLI's")
            #expect(frame.index == index)
            index += 1
        }
        var extra = 0
        while try ours.nextFrame() != nil { extra += 1 }
        #expect(index + extra == files.count, "\(clip.lastPathComponent): \(index + extra) frames, the CLI wrote \(files.count)")
        // The clean chain lays the same timeline.
        let clean = try SourceRateFrames(path: clip.path, chain: .clean)
        var count = 0
        while let frame = try clean.nextFrame() {
            #expect(frame.jpeg == nil && frame.image.width == ours.width)
            count += 1
        }
        #expect(count == files.count)
    }
}
