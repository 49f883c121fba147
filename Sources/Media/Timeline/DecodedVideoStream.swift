import CFFmpeg

/// A file's best video stream, decoded picture by picture, each with the timestamp and duration the
/// ffmpeg CLI's frame-rate conversion sees for it: the shared front of the reference's 25 fps
/// timeline (``VideoDecoder``) and of the constant-rate outputs (``ConstantRatePictures``), which
/// differ only in how they place a picture on their output.
///
/// Owns the opened file and the stream's decoder. Timestamps follow FFmpeg 5.1's `fftools`: the
/// picture's `best_effort_timestamp` (one frame duration after the previous picture when there is
/// none), minus the file's start time (input `ts_offset`), in output frames (``ReferenceTimeline``).
final class DecodedVideoStream {
    let container: InputContainer
    let decoder: StreamDecoder
    let stream: UnsafeMutablePointer<AVStream>
    let width: Int
    let height: Int
    /// The stream's guessed frame rate (`av_guess_frame_rate`), nil when FFmpeg cannot guess one.
    let guessedRate: (num: Int, den: Int)?
    private let timeBase: (num: Int64, den: Int64)
    private let streamHasStart: Bool
    private let startOffset: Int64
    private var lastPts: Int64? = nil
    private var decodedPictures = 0

    /// One decoded picture: the decoder's frame (valid until the next call of ``next(outputRate:framesSoFar:)``),
    /// its index among the stream's pictures, and its timestamp and duration in output frames.
    struct Picture {
        var frame: UnsafeMutablePointer<AVFrame>
        var index: Int
        var timestamp: Double
        var duration: Double
    }

    /// Opens `path` and the decoder of its best video stream.
    ///
    /// - Throws: ``MediaError`` naming the file: missing, empty, not media, damaged, no video
    ///   stream (or one without a picture size), unsupported codec.
    init(path: String) throws(MediaError) {
        container = try InputContainer(path: path)
        guard let stream = container.bestStream(AVMEDIA_TYPE_VIDEO) else { throw .noVideoStream(path: path) }
        self.stream = stream
        decoder = try StreamDecoder(container: container, stream: stream)
        let parameters = stream.pointee.codecpar.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        guard width > 0, height > 0 else {
            throw .corruptContainer(path: path, container: container.formatName, reason: "the video stream has no picture size")
        }
        let base = (num: Int64(stream.pointee.time_base.num), den: Int64(stream.pointee.time_base.den))
        timeBase = base
        let guessed = container.format.guessFrameRate(of: stream)
        guessedRate = guessed.num > 0 && guessed.den > 0 ? (Int(guessed.num), Int(guessed.den)) : nil
        streamHasStart = stream.pointee.start_time != LibAV.noTimestamp
        // ffmpeg subtracts the file's start time from every timestamp (input ts_offset).
        startOffset = container.startTime.map { ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: base) } ?? 0
    }

    /// Decodes the next picture; nil at the end of the stream.
    ///
    /// - Parameters:
    ///   - outputRate: the output's frame rate; timestamps and durations are in its frames.
    ///   - framesSoFar: output frames placed so far, for the check below.
    /// - Throws: ``MediaError/decodeFailed(path:stream:reason:)`` when the stream breaks off, or when
    ///   a damaged file carries a timestamp that overflows, lies more than ten days from the start,
    ///   or jumps more than a day past the output so far (the reference's ffmpeg would fill the
    ///   gap with millions of repeated pictures).
    func next(outputRate: (num: Int64, den: Int64), framesSoFar: Int) throws(MediaError) -> Picture? {
        guard try decoder.nextFrame() else { return nil }
        let frame = decoder.frame
        let picture = decodedPictures
        decodedPictures += 1
        var pts = frame.pointee.best_effort_timestamp
        if pts == LibAV.noTimestamp {
            // No timestamp at all: continue one frame duration after the previous picture.
            pts = (lastPts ?? -startOffset).addingReportingOverflow(max(frame.pointee.pkt_duration, 1)).partialValue
        }
        lastPts = pts
        let (relative, overflow) = pts.subtractingReportingOverflow(startOffset)
        let timestamp = overflow ? .infinity : ReferenceTimeline.syncTimestamp(pts: relative, timeBase: timeBase, outputRate: outputRate)
        let limit = Double(outputRate.num) / Double(outputRate.den) * 86_400
        guard timestamp.isFinite, abs(timestamp) <= 10 * limit, timestamp - Double(framesSoFar) <= limit else {
            throw .decodeFailed(
                path: container.path, stream: "the video stream",
                reason: "picture \(picture) has a timestamp out of range (pts \(pts) in units of \(timeBase.num)/\(timeBase.den) s)")
        }
        let guessed = guessedRate.map { (num: Int64($0.num), den: Int64($0.den)) } ?? (0, 1)
        let duration = ReferenceTimeline.frameDuration(
            packetDuration: frame.pointee.pkt_duration, timeBase: timeBase, guessedFrameRate: guessed, streamHasStart: streamHasStart,
            outputRate: outputRate)
        return Picture(frame: frame, index: picture, timestamp: timestamp, duration: duration)
    }
}
