import CFFmpeg

/// One frame of the 25 fps timeline the scorer sees.
public struct TimelineFrame: Sendable {
    /// Where the frame sits and which source picture it shows.
    public var slot: ReferenceTimeline.Slot
    /// The picture as packed BGR, or nil when the decoder was asked not to convert pixels.
    public var image: Image?
}

/// Decodes a video file into the reference's 25 fps timeline, one frame at a time.
///
/// Frames stream: the decoder holds at most the current and the previous kept picture, so memory
/// does not grow with the clip length. Pictures the frame-rate conversion drops are never
/// converted to BGR. Not thread-safe; use one decoder per task.
///
/// ```swift
/// let decoder = try VideoDecoder(path: "clip.mp4", mode: .reference)
/// while let frame = try decoder.nextFrame() { use(frame.image!) }
/// ```
public final class VideoDecoder {
    /// The timeline mode this decoder was opened with.
    public let mode: TimelineMode
    /// Slots the MP3 track of the reference's intermediate AVI delays the pictures by (0 in clean
    /// mode or when the input has no audio stream).
    public let audioShift: Int
    /// Width and height of the decoded pictures.
    public let width: Int
    public let height: Int

    private let container: InputContainer
    private let decoder: StreamDecoder
    private let converter: PixelConverter?
    private var timeline: ReferenceTimeline
    private let timeBase: (num: Int64, den: Int64)
    private let guessedFrameRate: (num: Int64, den: Int64)
    private let streamHasStart: Bool
    private let startOffset: Int64
    private var decodedPictures = 0
    private var lastKept: (picture: Int, image: Image?)? = nil
    private var pending: [TimelineFrame] = []
    private var pendingIndex = 0
    private var lastPts: Int64? = nil

    /// Opens `path` and prepares its best video stream.
    ///
    /// - Parameters:
    ///   - path: any file FFmpeg can read.
    ///   - mode: whether to reproduce the reference's audio-induced one-slot shift.
    ///   - convertPixels: false to only count and index frames (used by probing).
    /// - Throws: ``MediaError`` naming the file: missing, empty, not media, damaged, no video
    ///   stream, unsupported codec.
    public init(path: String, mode: TimelineMode, convertPixels: Bool = true) throws(MediaError) {
        container = try InputContainer(path: path)
        guard let stream = container.bestStream(AVMEDIA_TYPE_VIDEO) else { throw .noVideoStream(path: path) }
        decoder = try StreamDecoder(container: container, stream: stream)
        converter = convertPixels ? try PixelConverter(path: path) : nil
        self.mode = mode
        let parameters = stream.pointee.codecpar.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        guard width > 0, height > 0 else {
            throw .corruptContainer(path: path, container: container.formatName, reason: "the video stream has no picture size")
        }
        timeBase = (Int64(stream.pointee.time_base.num), Int64(stream.pointee.time_base.den))
        let guessed = av_guess_frame_rate(container.context, stream, nil)
        guessedFrameRate = (Int64(guessed.num), Int64(guessed.den))
        streamHasStart = stream.pointee.start_time != cffmpeg_nopts_value
        // ffmpeg subtracts the file's start time from every timestamp (input ts_offset).
        startOffset = container.startTime.map {
            ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: (Int64(stream.pointee.time_base.num), Int64(stream.pointee.time_base.den)))
        } ?? 0
        var shift = 0
        if mode == .reference, let audio = container.bestStream(AVMEDIA_TYPE_AUDIO) {
            shift = ReferenceTimeline.mp3Shift(inputSampleRate: Int(audio.pointee.codecpar.pointee.sample_rate))
        }
        audioShift = shift
        timeline = ReferenceTimeline(audioShift: shift)
    }

    /// Number of timeline frames returned so far.
    public var framesEmitted: Int { timeline.slotCount - (pending.count - pendingIndex) }
    /// Number of real pictures of the reference's intermediate AVI so far.
    public var aviPictures: Int { timeline.aviPictureCount }
    /// Number of pictures decoded from the input so far.
    public var sourcePictures: Int { decodedPictures }

    /// The next frame of the timeline, or nil at the end.
    ///
    /// - Throws: ``MediaError/decodeFailed(path:stream:reason:)`` or
    ///   ``MediaError/corruptContainer(path:container:reason:)`` when the stream breaks off.
    public func nextFrame() throws(MediaError) -> TimelineFrame? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            guard try decoder.nextFrame() else { return nil }
            try placeDecodedPicture()
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    private func placeDecodedPicture() throws(MediaError) {
        let frame = decoder.frame
        let picture = decodedPictures
        decodedPictures += 1
        var pts = frame.pointee.best_effort_timestamp
        if pts == cffmpeg_nopts_value {
            // No timestamp at all: continue one frame duration after the previous picture.
            pts = (lastPts ?? -startOffset) + max(frame.pointee.pkt_duration, 1)
        }
        lastPts = pts
        let timestamp = ReferenceTimeline.syncTimestamp(pts: pts - startOffset, timeBase: timeBase)
        let duration = ReferenceTimeline.frameDuration(
            packetDuration: frame.pointee.pkt_duration, timeBase: timeBase, guessedFrameRate: guessedFrameRate,
            streamHasStart: streamHasStart)
        let slots = timeline.place(
            sourcePicture: picture, previousSourcePicture: lastKept?.picture, timestamp: timestamp, duration: duration)
        guard !slots.isEmpty else { return }
        let image = try converter?.bgrImage(from: frame)
        let previousImage = lastKept?.image
        for slot in slots {
            pending.append(TimelineFrame(slot: slot, image: slot.sourcePicture == picture ? image : previousImage))
        }
        lastKept = (picture, image)
    }
}
