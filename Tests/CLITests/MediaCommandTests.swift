import Foundation
import Media
import NPY
import TestSupport
import Testing

// The limit catches a hang. It counts from the start of the test, including the wait for a thread
// of the test pool, which the long parity and CLI suites hold for minutes on two cores.
@Suite("syncbench media commands", .serialized, .timeLimit(.minutes(10)))
struct MediaCommandTests {
    let directory: URL
    let clip: URL
    let silent: URL

    init() throws {
        directory = try ScratchDirectory.make("cli")
        clip = directory.appendingPathComponent("talk.mkv")
        silent = directory.appendingPathComponent("silent.mp4")
        for (url, audio) in [(clip, true), (silent, false)] {
            // PCM audio: exactly 2 s, no encoder priming, so the sample count is known exactly.
            let writer = try ClipWriter(
                path: url.path, video: .init(width: 64, height: 48, frameRate: (25, 1), options: ["qscale": "3"]),
                audio: audio ? .init(sampleRate: 48000, channels: 2, codec: "pcm_s16le") : nil)
            for i in 0..<50 {
                try writer.append(Image(width: 64, height: 48, layout: .bgr, filledWith: UInt8(i * 5)))
            }
            if audio { try writer.append(samples: [Int16](repeating: 1000, count: 2 * 96000)) }
            try writer.finish()
        }
    }

    private var database: String { directory.appendingPathComponent("cache.sqlite").path }

    @Test("probe --json reports the pipeline's numbers and caches them by content")
    func probeJSON() throws {
        let first = try SyncBenchBinary.run(["media", "probe", clip.path, "--json", "--db", database])
        #expect(first.status == 0, "\(first.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect((object["sha256"] as? String)?.count == 64)
        // 50 pictures at 25 fps; with an audio track the reference timeline gains the MP3-shift
        // slots (exact counts are checked against ffmpeg by MediaTests' parity tests).
        let frames = try #require(object["frames"] as? Int)
        #expect(frames > 50 && frames <= 52)
        // 2 s of 48 kHz resampled to 16 kHz.
        #expect(object["audio_samples"] as? Int == 32000)
        #expect(object["width"] as? Int == 64 && object["height"] as? Int == 48)
        #expect(abs((object["fps"] as? Double ?? 0) - 25) < 0.01)
        #expect(object["cached"] as? Bool == false)
        // A renamed copy is the same content: answered from the database.
        let copy = directory.appendingPathComponent("renamed.mkv")
        try FileManager.default.copyItem(at: clip, to: copy)
        let second = try SyncBenchBinary.run(["media", "probe", copy.path, "--json"], environment: ["SYNCBENCH_DB": database])
        let again = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(again["cached"] as? Bool == true)
        #expect(again["sha256"] as? String == object["sha256"] as? String)
        let clean = try SyncBenchBinary.run(["media", "probe", clip.path, "--json", "--clean", "--db", database])
        #expect((try JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])?["frames"] as? Int == 50)
    }

    @Test("decode writes frames, audio and MFCC as .npy arrays of the documented shapes")
    func decodeArrays() throws {
        let frames = directory.appendingPathComponent("frames.npy")
        let audio = directory.appendingPathComponent("audio.npy")
        let mfcc = directory.appendingPathComponent("mfcc.npy")
        let result = try SyncBenchBinary.run([
            "media", "decode", clip.path, "--frames", frames.path, "--audio-out", audio.path, "--mfcc", mfcc.path, "--max-frames", "20",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let frameArray = try NPYArray(contentsOf: frames)
        #expect(frameArray.dtype == .uint8 && frameArray.shape == [20, 48, 64, 3])
        let audioArray = try NPYArray(contentsOf: audio)
        #expect(audioArray.dtype == .int16 && audioArray.shape == [32000])
        let mfccArray = try NPYArray(contentsOf: mfcc)
        // 32000 samples: 1 + ceil((32000 - 400) / 160) = 199 MFCC frames.
        #expect(mfccArray.dtype == .float64 && mfccArray.shape == [13, 199])
    }

    @Test("bad input: one line naming the file, a distinct exit code per problem")
    func exitCodes() throws {
        let empty = directory.appendingPathComponent("empty.mp4")
        try Data().write(to: empty)
        let random = directory.appendingPathComponent("random.avi")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }).write(to: random)
        let out = directory.appendingPathComponent("x.npy").path
        let cases: [(arguments: [String], file: String, status: Int32)] = [
            (["media", "probe", "/nonexistent/clip.mp4", "--db", database], "/nonexistent/clip.mp4", 10),
            (["media", "probe", empty.path, "--db", database], empty.path, 12),
            (["media", "decode", random.path, "--frames", out], random.path, 13),
            (["media", "decode", silent.path, "--audio-out", out], silent.path, 16),
        ]
        var statuses: Set<Int32> = []
        for (arguments, file, status) in cases {
            let result = try SyncBenchBinary.run(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("syncbench: error: \(file)"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            statuses.insert(result.status)
        }
        #expect(statuses.count == cases.count)
        let usage = try SyncBenchBinary.run(["media", "decode", clip.path])
        #expect(usage.status == 64, "nothing to write is a usage error")
    }
}
