/// How decoded pictures are laid on the 25 fps timeline.
public enum TimelineMode: String, Sendable, Codable, CaseIterable {
    /// Exactly what the reference sees: `ffmpeg -r 25` into an MPEG-4/MP3 AVI (FFmpeg 5.1
    /// variable-frame-rate sync), including the MP3 encoder-delay shift that pushes every picture
    /// after the first one or more slots later when the input has an audio stream
    /// (docs/reference/pipeline.md §3.4, quirk Q1), then the constant-rate JPEG extraction that fills empty slots.
    case reference
    /// The same frame-rate conversion without the audio-induced shift: video and speech stay
    /// aligned as they are in the source.
    case clean
}

/// The reference's 25 fps frame selection, as a pure state machine over picture timestamps.
///
/// The reference converts every input with `ffmpeg -i IN -async 1 -q:v 2 -r 25 video.avi` and then
/// extracts `video.avi` to one JPEG per 1/25 s slot. Three FFmpeg 5.1 behaviours decide which
/// source picture each JPEG shows (docs/reference/pipeline.md §3.3–3.5):
///
/// 1. *VFR sync* (`do_video_out` in `fftools/ffmpeg.c`, AVI output): a picture whose timestamp
///    rounds onto an already used output slot is dropped; otherwise it is encoded at
///    `max(next slot, llrint(pts·25))` when it lies more than 0.6 slots ahead.
/// 2. *AVI muxing*: with an MP3 track, the encoder's negative first timestamp makes the muxer
///    shift all streams by `shift` slots; the AVI writer puts the first picture in slot 0
///    regardless and fills the gap before every later picture with empty "skip" chunks.
/// 3. *CFR extraction*: a run of g empty slots becomes g − 1 copies of the previous picture
///    followed by one copy of the next.
///
/// ref: FFmpeg 5.1 `fftools/ffmpeg.c` `do_video_out`, `adjust_frame_pts_to_encoder_tb`;
/// `libavformat/avienc.c` `write_skip_frames`; `libavformat/mux.c` `handle_avoid_negative_ts`.
public struct ReferenceTimeline: Sendable {
    /// Output frame rate of the reference's conversion.
    public static let framesPerSecond = 25

    /// Slots by which the MP3 track delays every picture after the first (0 in clean mode or
    /// without audio).
    public let audioShift: Int

    /// One JPEG slot of the reference's timeline.
    public struct Slot: Sendable, Equatable {
        /// Index of the JPEG (0-based) — the frame index every later stage uses.
        public var index: Int
        /// Index of the source picture shown (0-based, in decoding order of the input's pictures).
        public var sourcePicture: Int
        /// Index of the real picture of the intermediate AVI shown here: the frame number OpenCV
        /// (and so scene detection) uses for it.
        public var aviPicture: Int
        /// True when the slot repeats a picture to fill a gap.
        public var isRepeat: Bool
    }

    private var nextEncoderPts: Int64 = 0
    /// The encoder timestamp (1/25 s, before the MP3 shift) of the last picture placed.
    private(set) var lastEncoderPts: Int64 = 0
    private var lastAviSlot: Int? = nil
    private var aviPictures = 0
    private var emittedSlots = 0

    public init(audioShift: Int) {
        precondition(audioShift >= 0, "audio shift must be non-negative, got \(audioShift)")
        self.audioShift = audioShift
    }

    /// Places the next decoded source picture and returns the JPEG slots it fills (possibly none,
    /// when the picture is dropped), in order.
    ///
    /// - Parameters:
    ///   - sourcePicture: index of this picture among the input's decoded pictures.
    ///   - previousSourcePicture: index of the last picture that was kept (for gap fills).
    ///   - timestamp: the picture's timestamp in output slots, as FFmpeg's
    ///     `adjust_frame_pts_to_encoder_tb` computes it (see ``syncTimestamp(pts:timeBase:)``).
    ///   - duration: the picture's duration in output slots, as `do_video_out` computes it
    ///     (see ``frameDuration(packetDuration:timeBase:guessedFrameRate:)``).
    public mutating func place(sourcePicture: Int, previousSourcePicture: Int?, timestamp: Double, duration: Double)
        -> [Slot]
    {
        var syncTimestamp = timestamp
        var delta0 = syncTimestamp - Double(nextEncoderPts)
        let delta = delta0 + duration
        if delta0 < 0 && delta > 0 {
            syncTimestamp = Double(nextEncoderPts)
            delta0 = 0
        }
        // VSYNC_VFR
        if delta <= -0.6 { return [] }
        if delta > 0.6 { nextEncoderPts = Int64(syncTimestamp.rounded(.toNearestOrAwayFromZero)) }
        let encoderPts = nextEncoderPts
        nextEncoderPts += 1
        lastEncoderPts = encoderPts

        let aviSlot = lastAviSlot == nil ? 0 : Int(encoderPts) + audioShift
        let aviPicture = aviPictures
        aviPictures += 1
        var slots: [Slot] = []
        if let lastAviSlot, let previousSourcePicture {
            let gap = aviSlot - lastAviSlot - 1
            if gap >= 2 {
                for _ in 0..<(gap - 1) {
                    slots.append(Slot(index: emittedSlots, sourcePicture: previousSourcePicture, aviPicture: aviPicture - 1, isRepeat: true))
                    emittedSlots += 1
                }
            }
            if gap >= 1 {
                slots.append(Slot(index: emittedSlots, sourcePicture: sourcePicture, aviPicture: aviPicture, isRepeat: true))
                emittedSlots += 1
            }
        }
        slots.append(Slot(index: emittedSlots, sourcePicture: sourcePicture, aviPicture: aviPicture, isRepeat: false))
        emittedSlots += 1
        lastAviSlot = aviSlot
        return slots
    }

    /// Number of JPEG slots emitted so far.
    public var slotCount: Int { emittedSlots }
    /// Number of real pictures in the intermediate AVI so far (what OpenCV would read).
    public var aviPictureCount: Int { aviPictures }

    /// A picture timestamp in 1/25 s units, exactly as FFmpeg 5.1 computes `float_pts`: the pts is
    /// rescaled (rounding to nearest) to a time base 2^16 times finer than 1/25, divided back, and
    /// nudged by ±2^-17 away from exact midpoints.
    ///
    /// - Parameters:
    ///   - pts: presentation timestamp in `timeBase` units, already relative to the file start.
    ///   - timeBase: the stream time base as (numerator, denominator).
    public static func syncTimestamp(pts: Int64, timeBase: (num: Int64, den: Int64)) -> Double {
        syncTimestamp(pts: pts, timeBase: timeBase, outputRate: (Int64(framesPerSecond), 1))
    }

    /// ``syncTimestamp(pts:timeBase:)`` for an output of `outputRate` frames per second (encoder
    /// time base `1/outputRate`): the result is in output frames.
    public static func syncTimestamp(pts: Int64, timeBase: (num: Int64, den: Int64), outputRate: (num: Int64, den: Int64)) -> Double {
        // tb = av_inv_q(frame rate); extra_bits = av_clip(29 - av_log2(tb.den), 0, 16)
        let log2 = outputRate.num > 0 ? 63 - outputRate.num.leadingZeroBitCount : 0
        let extraBits = min(16, max(0, 29 - log2))
        let fine = rescaleNearest(pts, from: timeBase, to: (outputRate.den, outputRate.num << extraBits))
        var value = Double(fine) / Double(1 << extraBits)
        value += (value > 0 ? 1.0 : -1.0) / Double(1 << 17)
        return value
    }

    /// A picture's duration in output slots, as `do_video_out` derives it: from the packet
    /// duration when that rounds to at least one slot, otherwise from the stream's frame rate,
    /// capped at one slot.
    ///
    /// - Parameters:
    ///   - packetDuration: the decoded frame's `pkt_duration`, in stream time-base units.
    ///   - timeBase: the stream time base.
    ///   - guessedFrameRate: `av_guess_frame_rate` of the stream, as (num, den); (0, 1) if unknown.
    ///   - streamHasStart: whether the stream states a start time (enables the one-slot cap).
    ///   - outputRate: the output frame rate (the encoder's time base is its inverse).
    public static func frameDuration(
        packetDuration: Int64, timeBase: (num: Int64, den: Int64), guessedFrameRate: (num: Int64, den: Int64),
        streamHasStart: Bool = true, outputRate: (num: Int64, den: Int64) = (Int64(framesPerSecond), 1)
    ) -> Double {
        let rate = Double(outputRate.num) / Double(outputRate.den)
        let encoderTimeBase = Double(outputRate.den) / Double(outputRate.num)
        var duration = 0.0
        if guessedFrameRate.num > 0 && guessedFrameRate.den > 0 {
            duration = 1 / (Double(guessedFrameRate.num) / Double(guessedFrameRate.den) * encoderTimeBase)
        }
        if streamHasStart { duration = min(duration, 1 / (rate * encoderTimeBase)) }
        // lrintf(): the double quotient is converted to float, then rounded half to even.
        let fromPacket = Float(Double(packetDuration) * (Double(timeBase.num) / Double(timeBase.den)) / encoderTimeBase)
            .rounded(.toNearestOrEven)
        if fromPacket > 0 { duration = Double(fromPacket) }
        return duration
    }

    /// `av_rescale_q` with its default rounding (to nearest, halves away from zero).
    ///
    /// Saturates instead of trapping: a non-positive denominator or a quotient beyond 64 bits (a
    /// damaged file's timestamps) gives `Int64.max` or `Int64.min` by the sign of the value.
    static func rescaleNearest(_ value: Int64, from: (num: Int64, den: Int64), to: (num: Int64, den: Int64)) -> Int64 {
        let (factor, factorOverflow) = from.num.multipliedReportingOverflow(by: to.den)
        let (denominator, denominatorOverflow) = from.den.multipliedReportingOverflow(by: to.num)
        let saturated = value < 0 ? Int64.min : Int64.max
        guard !factorOverflow, !denominatorOverflow, factor >= 0, denominator > 0 else { return value == 0 ? 0 : saturated }
        let numerator = value.multipliedFullWidth(by: factor)
        // value * b / c with b = from.num * to.den, c = from.den * to.num, rounded to nearest.
        let product = (high: numerator.high, low: numerator.low)
        let negative = product.high < 0
        let magnitude: (high: UInt64, low: UInt64) = {
            if !negative { return (UInt64(bitPattern: product.high), product.low) }
            let low = ~product.low &+ 1
            let high = ~UInt64(bitPattern: product.high) &+ (low == 0 ? 1 : 0)
            return (high, low)
        }()
        // dividingFullWidth traps when the quotient needs more than 64 bits.
        guard magnitude.high < UInt64(denominator) else { return saturated }
        let (quotient, remainder) = UInt64(denominator).dividingFullWidth((magnitude.high, magnitude.low))
        guard quotient < UInt64(Int64.max) else { return saturated }
        var result = Int64(quotient)
        if remainder >= UInt64(denominator) - remainder { result += 1 }
        return negative ? -result : result
    }

    /// Slots by which an MP3 track in the reference's AVI delays the pictures.
    ///
    /// libmp3lame's first packet carries a negative timestamp of its initial padding (1105 samples
    /// = LAME's 576-sample delay + 528 + 1, `libavcodec/libmp3lame.c`); the AVI muxer stores audio
    /// in units of one MP3 frame (1152 samples at 32 kHz and above, 576 below), so that padding
    /// rounds to whole frames, and `handle_avoid_negative_ts` shifts the video by the same time
    /// rounded up to whole 1/25 s slots.
    ///
    /// - Parameter sampleRate: the input audio's sample rate; FFmpeg first moves it to the closest
    ///   rate libmp3lame supports.
    public static func mp3Shift(inputSampleRate sampleRate: Int) -> Int {
        // libmp3lame's supported rates, in FFmpeg's list order (ties go to the first).
        let supported = [44100, 48000, 32000, 22050, 24000, 16000, 11025, 12000, 8000]
        var rate = supported[0]
        for candidate in supported where abs(candidate - sampleRate) < abs(rate - sampleRate) { rate = candidate }
        let frameSize: Int64 = rate >= 32000 ? 1152 : 576
        let initialPadding: Int64 = 576 + 528 + 1
        let firstPacket = rescaleNearest(-initialPadding, from: (1, Int64(rate)), to: (frameSize, Int64(rate)))
        // av_rescale_q_rnd(-ts, {frameSize, rate}, {1, 25}, AV_ROUND_UP)
        let numerator = -firstPacket * frameSize * Int64(framesPerSecond)
        return Int((numerator + Int64(rate) - 1) / Int64(rate))
    }
}
