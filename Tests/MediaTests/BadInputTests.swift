import Foundation
import Media
import Testing

/// Damaged and unsuitable inputs: each must give one specific ``MediaError`` naming the file,
/// never a crash or a hang.
// The limit catches a hang. It counts from the start of the test, including the wait for a thread
// of the test pool, which the long parity and CLI suites hold for minutes on two cores.
@Suite("Bad input gives one clear error naming the file", .timeLimit(.minutes(10)))
struct BadInputTests {
    private func scratch() throws -> URL { try TestEnvironment.temporaryDirectory() }

    private func clip(_ name: String, in directory: URL, video: Bool = true, audio: Bool = true, pictures: Int = 50, options: [String: String] = [:]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let writer = try ClipWriter(
            path: url.path,
            video: video ? .init(width: 64, height: 48, frameRate: (25, 1), options: ["qscale": "3"]) : nil,
            audio: audio ? .init(sampleRate: 16000, channels: 1) : nil,
            containerOptions: options)
        if video { for i in 0..<pictures { try writer.append(SyntheticClip.picture(index: i, width: 64, height: 48)) } }
        if audio && pictures > 0 { try writer.append(samples: SyntheticClip.tone(seconds: Double(pictures) / 25, sampleRate: 16000, channels: 1)) }
        try writer.finish()
        return url
    }

    /// Keeps the first `fraction` of a file's bytes.
    private func truncate(_ url: URL, to fraction: Double) throws {
        let data = try Data(contentsOf: url)
        try data.prefix(Int(Double(data.count) * fraction)).write(to: url)
    }

    private func expectError(_ expected: (MediaError) -> Bool, path: String, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try body()
            Issue.record("expected an error for \(path)", sourceLocation: sourceLocation)
        } catch let error as MediaError {
            #expect(expected(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
            #expect(error.path == path, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(path), "the message names the file: \(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a MediaError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("a missing file")
    func missing() {
        let path = "/nonexistent/clip.mp4"
        expectError({ if case .fileNotFound = $0 { true } else { false } }, path: path) { _ = try VideoDecoder(path: path, mode: .reference) }
    }

    @Test("an empty file")
    func empty() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("empty.mp4")
        try Data().write(to: url)
        expectError({ if case .emptyFile = $0 { true } else { false } }, path: url.path) { _ = try MediaProbe.probe(path: url.path) }
    }

    @Test("random bytes are not media")
    func notMedia() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        var state: UInt64 = 7
        let random = directory.appendingPathComponent("random.mp4")
        try Data((0..<65536).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }).write(to: random)
        expectError({ if case .unrecognizedFormat = $0 { true } else { false } }, path: random.path) { _ = try VideoDecoder(path: random.path, mode: .reference) }
        expectError({ if case .unrecognizedFormat = $0 { true } else { false } }, path: random.path) { _ = try AudioDecoder.decodeMono16k(path: random.path) }
    }

    @Test("an MP4 cut before its moov index (moov at the end)")
    func truncatedMoovAtEnd() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try clip("cut.mp4", in: directory)
        try truncate(url, to: 0.5)
        expectError({ if case .corruptContainer(_, _, let reason) = $0 { reason.contains("moov") } else { false } }, path: url.path) {
            _ = try VideoDecoder(path: url.path, mode: .reference)
        }
    }

    @Test("an MP4 with its moov index at the front whose media data is cut off")
    func truncatedMoovAtFront() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try clip("faststart.mp4", in: directory, options: ["movflags": "+faststart"])
        try truncate(url, to: 0.6)
        let isTruncation: (MediaError) -> Bool = { if case .corruptContainer(_, _, let reason) = $0 { reason.contains("ends early") } else { false } }
        expectError(isTruncation, path: url.path) {
            let decoder = try VideoDecoder(path: url.path, mode: .reference)
            while try decoder.nextFrame() != nil {}
        }
        expectError(isTruncation, path: url.path) { _ = try AudioDecoder.decodeMono16k(path: url.path) }
    }

    @Test("an audio-only file where video is needed")
    func audioOnly() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try clip("speech.m4a", in: directory, video: false)
        expectError({ if case .noVideoStream = $0 { true } else { false } }, path: url.path) { _ = try VideoDecoder(path: url.path, mode: .reference) }
        #expect(try AudioDecoder.decodeMono16k(path: url.path).count > 0)
    }

    @Test("a video-only file where audio is needed")
    func videoOnly() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try clip("silent.mp4", in: directory, audio: false)
        expectError({ if case .noAudioStream = $0 { true } else { false } }, path: url.path) { _ = try AudioDecoder.decodeMono16k(path: url.path) }
    }

    @Test("streams that hold no frames and no samples")
    func zeroLengthStreams() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        // An AVI whose video stream has no frames, and a WAV whose data chunk is empty.
        let video = directory.appendingPathComponent("nothing.avi")
        try ClipWriter(path: video.path, video: .init(width: 64, height: 48, frameRate: (25, 1)), audio: nil).finish()
        let audio = directory.appendingPathComponent("nothing.wav")
        try ClipWriter(path: audio.path, video: nil, audio: .init(sampleRate: 16000, channels: 1, codec: "pcm_s16le")).finish()
        expectError({ if case .emptyStream = $0 { true } else { false } }, path: video.path) { _ = try MediaProbe.probe(path: video.path) }
        expectError({ if case .emptyStream = $0 { true } else { false } }, path: audio.path) { _ = try AudioDecoder.decodeMono16k(path: audio.path) }
    }

    @Test("a codec this FFmpeg build cannot decode")
    func unsupportedCodec() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A WAV file whose format tag 0x1234 names no codec FFmpeg knows.
        var wav = Data("RIFF".utf8)
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        let payload = [UInt8](repeating: 0x55, count: 8000)
        wav += le32(UInt32(4 + 8 + 16 + 8 + payload.count)) + Data("WAVEfmt ".utf8) + le32(16)
        wav += le16(0x1234) + le16(1) + le32(16000) + le32(32000) + le16(2) + le16(16)
        wav += Data("data".utf8) + le32(UInt32(payload.count)) + payload
        let url = directory.appendingPathComponent("odd.wav")
        try wav.write(to: url)
        expectError({ if case .unsupportedCodec = $0 { true } else { false } }, path: url.path) { _ = try AudioDecoder.decodeMono16k(path: url.path) }
    }
}
