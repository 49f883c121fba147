/// FFmpeg 5.1's frame-rate conversion for constant-rate outputs (`do_video_out` with `VSYNC_CFR` or
/// `VSYNC_VSCFR`), as a pure state machine over picture timestamps: which output frames each
/// decoded picture becomes, and how many copies of the last picture the end of the stream adds.
///
/// The ffmpeg CLI uses it for every muxer that needs timestamps and has no variable frame rate:
/// `-f image2` (`%06d.jpg`, Wav2Lip's and LatentSync's frame extraction) and MP4 (LatentSync's
/// `-r 25` intermediate). `VSCFR` is chosen when the input file has a single stream; it does not
/// duplicate the first picture to fill a late start.
///
/// ref: FFmpeg 5.1 `fftools/ffmpeg.c` `do_video_out` (the `delta0`/`delta` arithmetic, `nb0_frames`,
/// `last_nb0_frames`, the flush call with `next_picture == NULL` from `reap_filters`),
/// `fftools/ffmpeg_mux.c`/`ffmpeg.c` `init_output_stream` (the `VSYNC_AUTO` choice).
public struct ConstantRateSync: Sendable {
    public enum Method: Sendable, Equatable {
        case cfr
        /// CFR that starts at the first picture's own timestamp.
        case vscfr
    }

    /// What one output frame shows.
    public enum Source: Sendable, Equatable {
        /// The picture submitted before this one (FFmpeg's `last_frame`: the previous *decoded*
        /// picture, even when that one produced no output frame).
        case previous
        /// The picture just submitted.
        case current
    }

    public let method: Method
    /// `ost->sync_opts`: the next output frame's timestamp in output frames.
    private var nextPts: Int64 = 0
    /// `ost->frame_number`: output frames so far.
    public private(set) var framesOut = 0
    private var lastDuplicates = [0, 0, 0]
    private var hasPrevious = false

    public init(method: Method) {
        self.method = method
    }

    /// Places the next decoded picture; returns its output frames in order (possibly none).
    ///
    /// - Parameters:
    ///   - timestamp: the picture's `float_pts` in output frames (``ReferenceTimeline/syncTimestamp(pts:timeBase:outputRate:)``).
    ///   - duration: its duration in output frames (``ReferenceTimeline/frameDuration(packetDuration:timeBase:guessedFrameRate:streamHasStart:outputRate:)``).
    public mutating func place(timestamp: Double, duration: Double) -> [Source] {
        var syncTimestamp = timestamp
        var duration = duration
        var delta0 = syncTimestamp - Double(nextPts)
        var delta = delta0 + duration
        var frames = 1, duplicates = 0
        if delta0 < 0 && delta > 0 {
            syncTimestamp = Double(nextPts)
            duration += delta0
            delta0 = 0
        }
        if method == .vscfr && framesOut == 0 && delta0 >= 0.5 {
            delta = duration
            delta0 = 0
            nextPts = Int64(syncTimestamp.rounded(.toNearestOrEven))
        }
        if delta < -1.1 {
            frames = 0
        } else if delta > 1.1 {
            // llrintf: the double is converted to float, then rounded half to even.
            frames = Int(Float(delta).rounded(.toNearestOrEven))
            if delta0 > 1.1 { duplicates = Int(Float(delta0 - 0.6).rounded(.toNearestOrEven)) }
        }
        duplicates = min(duplicates, frames)
        lastDuplicates = [duplicates, lastDuplicates[0], lastDuplicates[1]]
        var out: [Source] = []
        for i in 0..<frames {
            out.append(i < duplicates && hasPrevious ? .previous : .current)
        }
        nextPts += Int64(frames)
        framesOut += frames
        hasPrevious = true
        return out
    }

    /// The end of the stream: copies of the last picture to append (the median of the last three
    /// pictures' leading duplicates).
    public mutating func finish() -> Int {
        guard hasPrevious else { return 0 }
        let sorted = lastDuplicates.sorted()
        let copies = sorted[1]
        lastDuplicates = [copies, lastDuplicates[0], lastDuplicates[1]]
        nextPts += Int64(copies)
        framesOut += copies
        return copies
    }
}
