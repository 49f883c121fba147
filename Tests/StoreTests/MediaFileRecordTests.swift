import Foundation
import Media
import Testing

@testable import Store

extension MediaFileRecord {
    /// A probed clip with an H.264 video stream and an AAC audio stream.
    static func sample(
        sha256: String = String(repeating: "ab", count: 32), mode: TimelineMode = .clean, frames: Int = 250
    ) -> MediaFileRecord {
        var video = StreamInfo(index: 0, kind: .video, codec: "h264", timeBase: "1/12800")
        video.width = 1280
        video.height = 720
        video.pixelFormat = "yuv420p"
        video.framesPerSecond = 29.97002997002997
        video.startSeconds = 0
        video.durationSeconds = 10.01
        video.statedFrameCount = 300
        var audio = StreamInfo(index: 1, kind: .audio, codec: "aac", timeBase: "1/44100")
        audio.sampleRate = 44_100
        audio.channels = 2
        audio.channelLayout = "stereo"
        audio.sampleFormat = "fltp"
        let info = MediaInfo(
            container: "mov,mp4,m4a,3gp,3g2,mj2", containerLongName: "QuickTime / MOV",
            durationSeconds: 10.016, bitRate: 1_234_567,
            streams: [video, audio, StreamInfo(index: 2, kind: .data, codec: "none", timeBase: "1/1000")],
            videoStreamIndex: 0, audioStreamIndex: 1,
            timelineFrames: frames, timelinePictures: frames - 1, audioSamples: 160_256)
        return MediaFileRecord(
            sha256: sha256, timelineMode: mode, byteCount: 1_048_577, info: info,
            probedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }
}

@Suite("Media file records")
struct MediaFileRecordTests {
    @Test("Columns are copied from the decoded streams of the MediaInfo")
    func columnsFromInfo() {
        let record = MediaFileRecord.sample()
        #expect(record.videoCodec == "h264")
        #expect(record.videoWidth == 1280)
        #expect(record.videoHeight == 720)
        #expect(record.videoPixelFormat == "yuv420p")
        #expect(record.videoFramesPerSecond == 29.97002997002997)
        #expect(record.audioCodec == "aac")
        #expect(record.audioSampleRate == 44_100)
        #expect(record.audioChannels == 2)
        #expect(record.timelineFrames == 250)
        #expect(record.timelinePictures == 249)
        #expect(record.audioSamples == 160_256)
        #expect(record.container == "mov,mp4,m4a,3gp,3g2,mj2")
    }

    @Test("A file without audio has no audio columns")
    func noAudio() throws {
        let store = try Store.inMemory()
        var info = MediaFileRecord.sample().info
        info.audioStreamIndex = nil
        info.audioSamples = nil
        let record = MediaFileRecord(sha256: String(repeating: "d", count: 64), timelineMode: .reference, byteCount: 10, info: info)
        #expect(record.audioCodec == nil && record.audioSampleRate == nil && record.audioChannels == nil)
        try store.save(record)
        let fetched = try #require(try store.mediaFile(sha256: record.sha256, mode: .reference))
        #expect(fetched.info == info)
        #expect(fetched.audioSamples == nil)
    }

    @Test("A record round-trips through a database file, MediaInfo JSON included")
    func roundTrip() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "media.sqlite")
            let record = MediaFileRecord.sample()
            try Store.open(at: url).save(record)
            let fetched = try #require(try Store.open(at: url).mediaFile(sha256: record.sha256, mode: .clean))
            #expect(fetched == record)
            #expect(fetched.info == record.info)
            #expect(fetched.info.streams.count == 3)
        }
    }

    @Test("Lookups are keyed by digest and timeline mode")
    func keyedByMode() throws {
        let store = try Store.inMemory()
        let clean = MediaFileRecord.sample(mode: .clean, frames: 250)
        let reference = MediaFileRecord.sample(mode: .reference, frames: 251)
        try store.save(clean)
        #expect(try store.mediaFile(sha256: clean.sha256, mode: .reference) == nil)
        try store.save(reference)
        #expect(try store.mediaFile(sha256: clean.sha256, mode: .clean)?.timelineFrames == 250)
        #expect(try store.mediaFile(sha256: clean.sha256, mode: .reference)?.timelineFrames == 251)
        #expect(try store.mediaFile(sha256: String(repeating: "0", count: 64), mode: .clean) == nil)
    }

    @Test("Saving a record with the same key replaces it")
    func upsertReplaces() throws {
        let store = try Store.inMemory()
        try store.save(MediaFileRecord.sample(frames: 250))
        let replacement = MediaFileRecord.sample(frames: 300)
        try store.save(replacement)
        #expect(try store.mediaFile(sha256: replacement.sha256, mode: .clean) == replacement)
    }

    @Test("A malformed digest is rejected by the database", arguments: [
        String(repeating: "A", count: 64), String(repeating: "a", count: 63), String(repeating: "g", count: 64),
    ])
    func malformedDigest(sha256: String) throws {
        let store = try Store.inMemory()
        let error = #expect(throws: StoreError.self) { try store.save(MediaFileRecord.sample(sha256: sha256)) }
        #expect(try #require(error).description.contains("save mediaFile"))
    }
}
