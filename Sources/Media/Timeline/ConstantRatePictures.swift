import CFFmpeg

/// A video's decoded pictures laid on a constant-rate output the way the ffmpeg CLI lays them
/// (``ConstantRateSync``): the shared front of ``SourceRateFrames`` (the source's own rate) and
/// ``IntermediateMP4Frames`` (25 fps). Owns the opened file, its video decoder and the previous
/// picture (FFmpeg's `last_frame`, which duplicates show).
final class ConstantRatePictures {
    let container: InputContainer
    let width: Int
    let height: Int
    /// The stream's guessed frame rate (`av_guess_frame_rate`), nil when FFmpeg cannot guess one.
    let guessedRate: (num: Int, den: Int)?
    /// The output rate the pictures are placed at.
    let outputRate: (num: Int, den: Int)
    private let decoder: StreamDecoder
    private var sync: ConstantRateSync
    private let timeBase: (num: Int64, den: Int64)
    private let streamHasStart: Bool
    private let startOffset: Int64
    private let previousFrame: OwnedFrame
    private var previous: UnsafeMutablePointer<AVFrame> { previousFrame.pointer }
    private var hasPrevious = false
    private var previousPicture = 0
    private var lastPts: Int64? = nil
    private var decodedPictures = 0

    /// - Parameter outputRate: the output rate, given the stream's guessed rate (nil: unknown).
    init(path: String, outputRate: ((num: Int, den: Int)?) -> (num: Int, den: Int)) throws(MediaError) {
        container = try InputContainer(path: path)
        guard let stream = container.bestStream(AVMEDIA_TYPE_VIDEO) else { throw .noVideoStream(path: path) }
        decoder = try StreamDecoder(container: container, stream: stream)
        let parameters = stream.pointee.codecpar.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        guard width > 0, height > 0 else {
            throw .corruptContainer(path: path, container: container.formatName, reason: "the video stream has no picture size")
        }
        timeBase = (Int64(stream.pointee.time_base.num), Int64(stream.pointee.time_base.den))
        let guessed = container.format.guessFrameRate(of: stream)
        guessedRate = guessed.num > 0 && guessed.den > 0 ? (Int(guessed.num), Int(guessed.den)) : nil
        self.outputRate = outputRate(guessedRate)
        streamHasStart = stream.pointee.start_time != LibAV.noTimestamp
        // ffmpeg subtracts the file's start time from every timestamp (input ts_offset).
        startOffset =
            container.startTime.map {
                ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: (Int64(stream.pointee.time_base.num), Int64(stream.pointee.time_base.den)))
            } ?? 0
        // VSYNC_AUTO for image2 and MP4: CFR, or VSCFR when the input file has a single stream.
        sync = ConstantRateSync(method: container.streams.count == 1 ? .vscfr : .cfr)
        previousFrame = try OwnedFrame(label: path)
    }

    /// Decodes the next picture and hands `output` each output frame it becomes (the picture, or
    /// the previous one for a leading duplicate) with the index of the source picture shown; at the
    /// end of the stream, the final copies of the last picture. Returns false once the stream ended.
    func advance(_ output: (UnsafeMutablePointer<AVFrame>, Int) throws(MediaError) -> Void) throws(MediaError) -> Bool {
        let rate = (num: Int64(outputRate.num), den: Int64(outputRate.den))
        guard try decoder.nextFrame() else {
            let copies = sync.finish()
            if hasPrevious { for _ in 0..<copies { try output(previous, previousPicture) } }
            return false
        }
        let frame = decoder.frame
        let picture = decodedPictures
        decodedPictures += 1
        var pts = frame.pointee.best_effort_timestamp
        if pts == LibAV.noTimestamp {
            // No timestamp at all: continue one frame duration after the previous picture.
            pts = (lastPts ?? -startOffset).addingReportingOverflow(max(frame.pointee.pkt_duration, 1)).partialValue
        }
        lastPts = pts
        // A damaged file can carry any timestamp: one that overflows, lies more than ten days out
        // or jumps more than a day ahead (millions of repeated frames) is a decoding failure.
        let (relative, overflow) = pts.subtractingReportingOverflow(startOffset)
        let timestamp = overflow ? .infinity : ReferenceTimeline.syncTimestamp(pts: relative, timeBase: timeBase, outputRate: rate)
        let limit = Double(outputRate.num) / Double(outputRate.den) * 86_400
        guard timestamp.isFinite, abs(timestamp) <= 10 * limit, timestamp - Double(sync.framesOut) <= limit else {
            throw .decodeFailed(
                path: container.path, stream: "the video stream",
                reason: "picture \(picture) has a timestamp out of range (pts \(pts) in units of \(timeBase.num)/\(timeBase.den) s)")
        }
        let guessed = guessedRate.map { (num: Int64($0.num), den: Int64($0.den)) } ?? (0, 1)
        let duration = ReferenceTimeline.frameDuration(
            packetDuration: frame.pointee.pkt_duration, timeBase: timeBase, guessedFrameRate: guessed, streamHasStart: streamHasStart,
            outputRate: rate)
        for source in sync.place(timestamp: timestamp, duration: duration) {
            if source == .previous && hasPrevious {
                try output(previous, previousPicture)
            } else {
                try output(frame, picture)
            }
        }
        previousFrame.unreference()
        let path = container.path
        try previousFrame.reference(frame).check { $0.error(path: path, operation: "av_frame_ref") }
        previousPicture = picture
        hasPrevious = true
        return true
    }
}
