import Testing
@testable import Media

/// The frame-selection state machine on its own, against the behaviour docs/reference/pipeline.md §3.3–3.5
/// states for FFmpeg 5.1 (the parity tests check the same against the real ffmpeg).
@Suite("ReferenceTimeline (ffmpeg 5.1 -r 25 into AVI, then CFR extraction)")
struct ReferenceTimelineTests {
    /// Runs `count` pictures at `fps` (timestamps in 1/fps units, duration one frame) through the timeline.
    private func sourceIndices(count: Int, fps: Int64, shift: Int) -> [Int] {
        var timeline = ReferenceTimeline(audioShift: shift)
        var kept: Int? = nil
        var shown: [Int] = []
        for picture in 0..<count {
            let timestamp = ReferenceTimeline.syncTimestamp(pts: Int64(picture), timeBase: (1, fps))
            let duration = ReferenceTimeline.frameDuration(packetDuration: 1, timeBase: (1, fps), guessedFrameRate: (fps, 1))
            let slots = timeline.place(sourcePicture: picture, previousSourcePicture: kept, timestamp: timestamp, duration: duration)
            if !slots.isEmpty { kept = picture }
            shown += slots.map(\.sourcePicture)
        }
        return shown
    }

    @Test("25 fps without audio is the identity")
    func identity() {
        #expect(sourceIndices(count: 150, fps: 25, shift: 0) == Array(0..<150))
    }

    @Test("25 fps with a one-slot audio shift: N + 1 frames, JPEG 1 repeats the next picture (§3.4)")
    func oneSlotShift() {
        let shown = sourceIndices(count: 150, fps: 25, shift: 1)
        #expect(shown.count == 151)
        #expect(Array(shown.prefix(4)) == [0, 1, 1, 2])
        #expect(shown[2...].elementsEqual(1..<150))
    }

    @Test("24 fps without audio: 144 pictures on 150 slots, gaps filled with the next picture (§3.5)")
    func twentyFour() {
        let shown = sourceIndices(count: 144, fps: 24, shift: 0)
        #expect(shown.count == 150)
        #expect(Set(shown) == Set(0..<144))
        #expect(shown == shown.sorted())
    }

    @Test("30 fps without audio keeps 0...9, 11...15, 17 (drops 10 and 16), 151 frames (§3.5)")
    func thirty() {
        let shown = sourceIndices(count: 180, fps: 30, shift: 0)
        #expect(shown.count == 151)
        #expect(Array(shown.prefix(16)) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 17])
    }

    @Test("a gap of g slots repeats the previous picture g-1 times, then the next (§3.3)")
    func gapRule() {
        var timeline = ReferenceTimeline(audioShift: 0)
        _ = timeline.place(sourcePicture: 0, previousSourcePicture: nil, timestamp: 0, duration: 1)
        // Next picture four slots later: slots 1, 2, 3 are empty (g = 3).
        let slots = timeline.place(sourcePicture: 1, previousSourcePicture: 0, timestamp: 4.000_007_6, duration: 1)
        #expect(slots.map(\.sourcePicture) == [0, 0, 1, 1])
        #expect(slots.map(\.isRepeat) == [true, true, true, false])
        #expect(slots.map(\.index) == [1, 2, 3, 4])
        #expect(slots.map(\.aviPicture) == [0, 0, 1, 1])
    }

    @Test("MP3 shift per input sample rate: 1 slot at 32-48 kHz, 2 at 16-24, 3 at 11-12, 4 at 8")
    func mp3Shift() {
        let expected = [48000: 1, 44100: 1, 32000: 1, 24000: 2, 22050: 2, 16000: 2, 12000: 3, 11025: 3, 8000: 4, 96000: 1]
        for (rate, shift) in expected {
            #expect(ReferenceTimeline.mp3Shift(inputSampleRate: rate) == shift, "\(rate) Hz")
        }
    }

    @Test("av_rescale_q rounding: to nearest, halves away from zero, exact on large values")
    func rescale() {
        #expect(ReferenceTimeline.rescaleNearest(1, from: (1, 2), to: (1, 1)) == 1)
        #expect(ReferenceTimeline.rescaleNearest(-1, from: (1, 2), to: (1, 1)) == -1)
        #expect(ReferenceTimeline.rescaleNearest(-1105, from: (1, 48000), to: (1152, 48000)) == -1)
        #expect(ReferenceTimeline.rescaleNearest(-1105, from: (1, 16000), to: (576, 16000)) == -2)
        #expect(ReferenceTimeline.rescaleNearest(1 << 40, from: (1, 90000), to: (1, 25 << 16)) == 20_015_998_343_869)
    }

    @Test("damaged timestamps saturate instead of trapping: quotients beyond 64 bits, zero or negative time bases")
    func rescaleSaturates() {
        #expect(ReferenceTimeline.rescaleNearest(Int64.max, from: (1, 1), to: (1, 25 << 16)) == Int64.max)
        #expect(ReferenceTimeline.rescaleNearest(Int64.min + 1, from: (1, 1), to: (1, 25 << 16)) == Int64.min)
        #expect(ReferenceTimeline.rescaleNearest(5, from: (1, 0), to: (1, 25)) == Int64.max)
        #expect(ReferenceTimeline.rescaleNearest(-5, from: (1, -3), to: (1, 25)) == Int64.min)
        #expect(ReferenceTimeline.rescaleNearest(0, from: (1, 0), to: (1, 25)) == 0)
        #expect(ReferenceTimeline.rescaleNearest(7, from: (Int64.max, 1), to: (1, 2)) == Int64.max)
        // Still exact just below the limit.
        #expect(ReferenceTimeline.rescaleNearest(Int64.max / 2, from: (1, 1), to: (1, 2)) == Int64.max - 1)
    }
}
