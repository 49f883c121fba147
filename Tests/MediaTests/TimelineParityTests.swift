import Foundation
import Media
import Testing
import TestSupport

@Suite("25 fps timeline and 16 kHz audio match the reference's ffmpeg chain", .serialized)
struct TimelineParityTests {
    @Test("synthetic clips: frame count, order and pixels equal the reference's; audio is bit-exact",
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"),
          arguments: SyntheticClip.matrix)
    func synthetic(clip: SyntheticClip) throws {
        let directory = try TestEnvironment.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try clip.write(in: directory)
        try TimelineParity.expectMatch(url)
        if clip.audio != nil {
            let ours = try AudioDecoder.decodeMono16k(path: url.path)
            let reference = try ReferenceFFmpeg.speech16k(url)
            #expect(ours.count == reference.count, "\(clip.name): sample count")
            #expect(ours == reference, "\(clip.name): 16 kHz samples must be bit-exact")
        }
    }

    @Test("every real clip in ../shared/data: frame count, order and pixels equal the reference's",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func sharedClips() throws {
        let clips = TestEnvironment.sharedClips()
        #expect(clips.count >= 50, "expected example.avi, 40 four-models clips and 16 MoChaBench clips")
        for clip in clips { try TimelineParity.expectMatch(clip) }
    }

    @Test("every real clip's own audio and every speech file resample bit-exactly to 16 kHz mono",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"),
          .enabled(if: TestEnvironment.ffmpeg != nil, "\(TestEnvironment.ffmpegMissing)"))
    func sharedAudio() throws {
        for file in TestEnvironment.sharedClips() + TestEnvironment.sharedSpeech() {
            let ours = try AudioDecoder.decodeMono16k(path: file.path)
            let reference = try ReferenceFFmpeg.speech16k(file)
            #expect(ours == reference, "\(file.lastPathComponent): \(ours.count) vs \(reference.count) samples, must be bit-exact")
        }
    }

    @Test("example.avi has the slot layout of docs/reference/pipeline.md §3.4: 134 frames from 132 pictures",
          .enabled(if: SharedData.has("example.avi"), "\(TestEnvironment.sharedDataMissing)"))
    func exampleLayout() throws {
        let decoder = try VideoDecoder(path: TestEnvironment.sharedData.appendingPathComponent("example.avi").path, mode: .reference, convertPixels: false)
        var slots: [ReferenceTimeline.Slot] = []
        while let frame = try decoder.nextFrame() { slots.append(frame.slot) }
        #expect(slots.count == 134)
        #expect(decoder.aviPictures == 132)
        // JPEGs 0 and 1 show input picture 0, JPEGs 2 and 3 picture 1 (input slot 2), then k-2.
        #expect(slots.prefix(5).map(\.sourcePicture) == [0, 0, 1, 1, 2])
        #expect(slots[133].sourcePicture == 131)
        // OpenCV frame n is JPEG n + 2 for n >= 1.
        #expect(slots[3].aviPicture == 1 && slots[50].aviPicture == 48)
        let clean = try VideoDecoder(path: TestEnvironment.sharedData.appendingPathComponent("example.avi").path, mode: .clean, convertPixels: false)
        while try clean.nextFrame() != nil {}
        #expect(clean.framesEmitted == 133, "clean mode keeps the input's own 133 slots")
    }
}
