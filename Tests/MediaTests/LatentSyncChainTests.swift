import Foundation
import Testing
import TestSupport

@testable import Media

/// LatentSync's codec chain (`eval/syncnet_detect.py`, `eval/syncnet/syncnet_eval.py`) reproduced in
/// process, checked against the upstream command lines run with the ffmpeg CLI.
@Suite("LatentSync chain: the H.264/AAC MP4 intermediate and the AAC crops, as its ffmpeg commands make them", .serialized)
struct LatentSyncChainTests {
    static let clips = ["example.avi", "four-models/MoCha/07.mp4", "four-models/aniportrait-square/07.mp4"]

    @Test("the intermediate's speech: `-async 1 -r 25 video.mp4` (AAC) then `-ac 1 -ar 16000 audio.wav`, sample for sample",
          .enabled(if: TestEnvironment.hasSharedData, "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func intermediateSpeech() throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in Self.clips {
            let clip = TestEnvironment.sharedData.appendingPathComponent(name)
            let mp4 = directory.appendingPathComponent("video.mp4")
            try ReferenceFFmpeg.run(["-y", "-i", clip.path, "-qscale:v", "2", "-async", "1", "-r", "25", mp4.path])
            let expected = try ReferenceFFmpeg.speech16k(mp4)
            let ours = try AudioDecoder.decodeMono16kThroughIntermediateMP4(path: clip.path)
            #expect(ours.count == expected.count, "\(name): \(ours.count) samples, the CLI's audio.wav has \(expected.count)")
            #expect(ours == expected, "\(name): samples differ (first at \(zip(ours, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1))")
        }
    }

    @Test("a crop's speech: the 16 kHz slice muxed as AAC (`-c:a aac`) and read back (`-async 1 -ac 1 -ar 16000`), sample for sample",
          .enabled(if: TestEnvironment.hasSharedData, "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"),
          arguments: [(0, 133), (17, 80), (40, 46)])
    func cropSpeech(frames: (Int, Int)) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let speech = try ReferenceFFmpeg.speech16k(TestEnvironment.sharedData.appendingPathComponent("example.avi"))
        let slice = Array(speech[min(speech.count, 640 * frames.0)..<min(speech.count, 640 * frames.1)])
        let wav = directory.appendingPathComponent("audio.wav")
        let raw = directory.appendingPathComponent("slice.raw")
        try slice.withUnsafeBytes { try Data($0).write(to: raw) }
        try ReferenceFFmpeg.run(["-y", "-f", "s16le", "-ar", "16000", "-ac", "1", "-i", raw.path, wav.path])
        let muxed = directory.appendingPathComponent("00000.mp4")
        try ReferenceFFmpeg.run(["-y", "-i", wav.path, "-c:a", "aac", muxed.path])
        var bytes = Data()
        try ReferenceFFmpeg.run(["-i", muxed.path, "-async", "1", "-ac", "1", "-vn", "-acodec", "pcm_s16le", "-ar", "16000", "-f", "s16le", "-"]) { bytes.append($0) }
        let expected = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let ours = try AudioDecoder.aacRoundTripMono16k(slice, label: "slice")
        #expect(ours.count == expected.count, "\(ours.count) samples, the CLI's \(expected.count)")
        #expect(ours == expected)
    }
}
