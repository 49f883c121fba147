import CFFmpeg

/// A video's frames at its own frame rate, as `ffmpeg -i VIDEO -threads 1 -f image2 %06d.jpg`
/// writes them (no `-r`, no `-q:v`: the `mjpeg` encoder's default rate control) and `cv2.imread`
/// reads them: the frames Wav2Lip's `SyncNetInstance_calc_scores.evaluate` scores when it is handed a
/// whole video (`calculate_scores_LRS.py`). With ``PictureChain/clean`` the frames are the decoded
/// pictures converted to BGR, without the JPEG round trip, on the same timeline.
///
/// The timeline is the CLI's constant-rate conversion (``ConstantRateSync``) at the stream's
/// guessed frame rate (`av_guess_frame_rate`), so a constant-rate source gives one frame per
/// picture. Pictures stream: memory does not grow with the clip.
///
/// ref: FFmpeg 5.1 `fftools/ffmpeg_filter.c` `configure_input_video_filter` (the buffer source's
/// frame rate is `av_guess_frame_rate`), `fftools/ffmpeg.c` `init_output_stream_encode` (encoder
/// time base `1/frame rate`, no `-b:v`: `AVCodecContext.bit_rate` keeps its default 200 kb/s, the
/// `mjpeg` encoder's rate control), `fftools/ffmpeg_mux_init.c`/`ffmpeg_filter.c` (`-strict` normal:
/// only the full-range `yuvj` formats are offered to `mjpeg`).
public final class SourceRateFrames {
    /// The output frame rate (the stream's guessed rate; 25 when FFmpeg cannot guess one).
    public let frameRate: (num: Int, den: Int)
    public let width: Int
    public let height: Int
    public let chain: PictureChain
    private let container: InputContainer
    private let decoder: StreamDecoder
    private var sync: ConstantRateSync
    private let timeBase: (num: Int64, den: Int64)
    private let guessedFrameRate: (num: Int64, den: Int64)
    private let streamHasStart: Bool
    private let startOffset: Int64
    private var toJPEGRange: FrameScaler?
    private var mjpeg: FrameEncoder?
    private var toBGR: PixelConverter?
    /// The previous decoded picture (FFmpeg's `last_frame`), for duplicates.
    private let previous: UnsafeMutablePointer<AVFrame>
    private var hasPrevious = false
    private var pending: [Frame] = []
    private var pendingIndex = 0
    private var ended = false
    private var outputPts: Int64 = 0
    private var lastPts: Int64? = nil
    private var decodedPictures = 0

    /// One output frame.
    public struct Frame: Sendable {
        /// Index among the output frames (the JPEG's number minus one).
        public var index: Int
        /// Faithful chain: the JPEG's bytes, as the CLI writes them.
        public var jpeg: [UInt8]?
        /// The BGR picture: `cv2.imread` of ``jpeg`` (faithful) or the decoded picture (clean).
        public var image: Image
    }

    public init(path: String, chain: PictureChain) throws(MediaError) {
        self.chain = chain
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
        let guessed = av_guess_frame_rate(container.context, stream, nil)
        guessedFrameRate = (Int64(guessed.num), Int64(guessed.den))
        if guessed.num > 0 && guessed.den > 0 {
            frameRate = (Int(guessed.num), Int(guessed.den))
        } else {
            frameRate = (ReferenceTimeline.framesPerSecond, 1)
        }
        streamHasStart = stream.pointee.start_time != cffmpeg_nopts_value
        startOffset = container.startTime.map {
            ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: (Int64(stream.pointee.time_base.num), Int64(stream.pointee.time_base.den)))
        } ?? 0
        // VSYNC_AUTO for image2: CFR, or VSCFR when the input file has a single stream.
        sync = ConstantRateSync(method: container.streams.count == 1 ? .vscfr : .cfr)
        guard let frame = av_frame_alloc() else {
            throw .ffmpeg(path: path, operation: "av_frame_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        previous = frame
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFrame>? = previous
        av_frame_free(&owned)
    }

    /// The next output frame, or nil at the end.
    public func nextFrame() throws(MediaError) -> Frame? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            if ended { return nil }
            try advance()
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    /// Decodes the next picture and queues its output frames (or, at the end, the final copies).
    private func advance() throws(MediaError) {
        let rate = (num: Int64(frameRate.num), den: Int64(frameRate.den))
        guard try decoder.nextFrame() else {
            ended = true
            let copies = sync.finish()
            if copies > 0, hasPrevious {
                for _ in 0..<copies { pending.append(try output(previous)) }
            }
            return
        }
        let frame = decoder.frame
        let picture = decodedPictures
        decodedPictures += 1
        var pts = frame.pointee.best_effort_timestamp
        if pts == cffmpeg_nopts_value {
            pts = (lastPts ?? -startOffset).addingReportingOverflow(max(frame.pointee.pkt_duration, 1)).partialValue
        }
        lastPts = pts
        let (relative, overflow) = pts.subtractingReportingOverflow(startOffset)
        let timestamp = overflow ? .infinity : ReferenceTimeline.syncTimestamp(pts: relative, timeBase: timeBase, outputRate: rate)
        let limit = Double(frameRate.num) / Double(frameRate.den) * 86_400
        guard timestamp.isFinite, abs(timestamp) <= 10 * limit, timestamp - Double(sync.framesOut) <= limit else {
            throw .decodeFailed(
                path: container.path, stream: "the video stream",
                reason: "picture \(picture) has a timestamp out of range (pts \(pts) in units of \(timeBase.num)/\(timeBase.den) s)")
        }
        let duration = ReferenceTimeline.frameDuration(
            packetDuration: frame.pointee.pkt_duration, timeBase: timeBase, guessedFrameRate: guessedFrameRate,
            streamHasStart: streamHasStart, outputRate: rate)
        for source in sync.place(timestamp: timestamp, duration: duration) {
            pending.append(try output(source == .previous && hasPrevious ? previous : frame))
        }
        av_frame_unref(previous)
        let referenced = av_frame_ref(previous, frame)
        guard referenced >= 0 else {
            throw .ffmpeg(path: container.path, operation: "av_frame_ref", code: referenced, message: ffmpegErrorMessage(referenced))
        }
        hasPrevious = true
    }

    /// One output frame of `picture`: through the JPEG round trip (faithful) or converted to BGR.
    private func output(_ picture: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Frame {
        let index = Int(outputPts)
        defer { outputPts += 1 }
        switch chain {
        case .clean:
            if toBGR == nil { toBGR = try PixelConverter(path: container.path) }
            return Frame(index: index, jpeg: nil, image: try toBGR!.bgrImage(from: picture))
        case .faithful:
            let jpeg = try encodeJPEG(picture, pts: outputPts)
            return Frame(index: index, jpeg: jpeg, image: try JPEGDecoding.bgrImage(jpeg: jpeg, label: container.path))
        }
    }

    private func encodeJPEG(_ picture: UnsafeMutablePointer<AVFrame>, pts: Int64) throws(MediaError) -> [UInt8] {
        let target = Self.jpegFormat(for: AVPixelFormat(picture.pointee.format))
        var input = picture
        if AVPixelFormat(picture.pointee.format) != target {
            if toJPEGRange == nil { toJPEGRange = try FrameScaler(destination: target, setup: .scaleFilter, label: container.path) }
            input = try toJPEGRange!.convert(picture)
        }
        if mjpeg == nil {
            let rate = frameRate
            let source = input
            mjpeg = try FrameEncoder(name: "mjpeg", label: container.path) { codec in
                codec.pointee.width = source.pointee.width
                codec.pointee.height = source.pointee.height
                codec.pointee.pix_fmt = target
                codec.pointee.time_base = AVRational(num: Int32(rate.den), den: Int32(rate.num))
                codec.pointee.framerate = AVRational(num: Int32(rate.num), den: Int32(rate.den))
                codec.pointee.sample_aspect_ratio = source.pointee.sample_aspect_ratio
                codec.pointee.color_range = source.pointee.color_range
                codec.pointee.color_primaries = source.pointee.color_primaries
                codec.pointee.color_trc = source.pointee.color_trc
                codec.pointee.colorspace = source.pointee.colorspace
                codec.pointee.chroma_sample_location = source.pointee.chroma_location
                codec.pointee.thread_count = 1
            }
        }
        let encoder = mjpeg!
        let savedPts = input.pointee.pts
        input.pointee.pts = pts
        input.pointee.quality = encoder.codec.pointee.global_quality
        input.pointee.pict_type = AV_PICTURE_TYPE_NONE
        defer { input.pointee.pts = savedPts }
        let packets = try encoder.encode(input)
        guard packets.count == 1 else {
            throw .encodeFailed(path: container.path, reason: "the MJPEG encoder returned \(packets.count) packets for one picture")
        }
        return packets[0]
    }

    /// The full-range format the CLI gives `mjpeg` for a picture of `format`: the `yuvj` format of
    /// the same chroma subsampling (4:2:0 for anything else).
    static func jpegFormat(for format: AVPixelFormat) -> AVPixelFormat {
        guard let descriptor = av_pix_fmt_desc_get(format) else { return AV_PIX_FMT_YUVJ420P }
        let d = descriptor.pointee
        let isYUV = d.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 && d.nb_components >= 3
        switch (isYUV, d.log2_chroma_w, d.log2_chroma_h) {
        case (true, 0, 0): return AV_PIX_FMT_YUVJ444P
        case (true, 1, 0): return AV_PIX_FMT_YUVJ422P
        default: return AV_PIX_FMT_YUVJ420P
        }
    }
}
