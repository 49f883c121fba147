import CFFmpeg

/// The frames LatentSync's detector sees (docs/reference/protocols.md §4): the source converted to
/// its intermediate `video.mp4` (`ffmpeg -i IN -qscale:v 2 -async 1 -r 25 video.mp4`: constant 25
/// fps, libx264 at its defaults — CRF 23, preset medium, `-qscale:v` ignored — with the CLI's
/// automatic thread count), then extracted as q2 JPEGs (`-qscale:v 2 -f image2`) and read with
/// `cv2.imread`; and, for scene detection, OpenCV's `VideoCapture` decode of `video.mp4`.
///
/// The reference's own intermediate is not reproducible: x264's automatic threads (1.5 × the CPUs:
/// frame threads and an asynchronous lookahead thread) make its decisions depend on timing, and the
/// upstream command itself gave a different bitstream in 1 of 6 runs of `example.avi` on an idle
/// 2-CPU machine (more often under load). By default this class runs the same encoder set-up, so it
/// reproduces what that command most often writes here, with the same variability;
/// `reproducible` runs x264 on one thread with a synchronous lookahead (`-threads 1 -x264-params
/// sync-lookahead=0`), which gives the same pixels every run — those of that command line, not of
/// the reference's.
///
/// ref: FFmpeg 5.1 `fftools/ffmpeg.c` `do_video_out` (CFR for MP4), `init_output_stream_encode`;
/// `libavcodec/libx264.c` `X264_init` (`thread_count` 0 → `X264_THREADS_AUTO`).
public final class IntermediateMP4Frames: TimelineFrameSource {
    public let width: Int
    public let height: Int
    public let chain: PictureChain
    /// One encoder thread and a synchronous lookahead instead of the CLI's automatic threads.
    public let reproducible: Bool
    private let container: InputContainer
    private let decoder: StreamDecoder
    private var sync: ConstantRateSync
    private let timeBase: (num: Int64, den: Int64)
    private let guessedFrameRate: (num: Int64, den: Int64)
    private let streamHasStart: Bool
    private let startOffset: Int64
    private var toEncoderFormat: FrameScaler?
    private var x264: FrameEncoder?
    private var h264Decoder: PacketDecoder?
    private let toJPEGRange: FrameScaler
    private var mjpeg: FrameEncoder?
    private let toCaptureBGR: FrameScaler
    private var toBGR: PixelConverter?
    private let previous: UnsafeMutablePointer<AVFrame>
    private let encoderInput: UnsafeMutablePointer<AVFrame>
    private var hasPrevious = false
    /// Source picture index of each frame handed to the encoder, in order.
    private var submittedSources: [Int] = []
    private var emittedCount = 0
    private var pending: [TimelineFrame] = []
    private var pendingIndex = 0
    private var ended = false
    private var encoderPts: Int64 = 0
    private var lastPts: Int64? = nil
    private var decodedPictures = 0
    private var previousPicture = 0

    public init(path: String, chain: PictureChain, reproducible: Bool = false) throws(MediaError) {
        self.chain = chain
        self.reproducible = reproducible
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
        streamHasStart = stream.pointee.start_time != cffmpeg_nopts_value
        startOffset = container.startTime.map {
            ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: (Int64(stream.pointee.time_base.num), Int64(stream.pointee.time_base.den)))
        } ?? 0
        sync = ConstantRateSync(method: container.streams.count == 1 ? .vscfr : .cfr)
        toJPEGRange = try FrameScaler(destination: AV_PIX_FMT_YUVJ420P, setup: .scaleFilter, label: path)
        toCaptureBGR = try FrameScaler(destination: AV_PIX_FMT_BGR24, setup: .openCV(alignment: 32), label: path)
        guard let previous = av_frame_alloc() else {
            throw .ffmpeg(path: path, operation: "av_frame_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.previous = previous
        guard let encoderInput = av_frame_alloc() else {
            var owned: UnsafeMutablePointer<AVFrame>? = previous
            av_frame_free(&owned)
            throw .ffmpeg(path: path, operation: "av_frame_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.encoderInput = encoderInput
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFrame>? = previous
        av_frame_free(&owned)
        var input: UnsafeMutablePointer<AVFrame>? = encoderInput
        av_frame_free(&input)
    }

    public func nextFrame() throws(MediaError) -> TimelineFrame? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            if ended { return nil }
            try advance()
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    private var label: String { container.path }

    private func advance() throws(MediaError) {
        let rate: (num: Int64, den: Int64) = (Int64(ReferenceTimeline.framesPerSecond), 1)
        guard try decoder.nextFrame() else {
            ended = true
            let copies = sync.finish()
            if copies > 0, hasPrevious {
                for _ in 0..<copies { try submit(previous, source: previousPicture) }
            }
            if chain == .faithful, let x264 {
                for packet in try x264.encode(nil) { try decodeH264(packet) }
                try decodeH264(nil)
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
        let limit = Double(ReferenceTimeline.framesPerSecond) * 86_400
        guard timestamp.isFinite, abs(timestamp) <= 10 * limit, timestamp - Double(sync.framesOut) <= limit else {
            throw .decodeFailed(
                path: label, stream: "the video stream",
                reason: "picture \(picture) has a timestamp out of range (pts \(pts) in units of \(timeBase.num)/\(timeBase.den) s)")
        }
        let duration = ReferenceTimeline.frameDuration(
            packetDuration: frame.pointee.pkt_duration, timeBase: timeBase, guessedFrameRate: guessedFrameRate,
            streamHasStart: streamHasStart, outputRate: rate)
        for source in sync.place(timestamp: timestamp, duration: duration) {
            if source == .previous && hasPrevious {
                try submit(previous, source: previousPicture)
            } else {
                try submit(frame, source: picture)
            }
        }
        av_frame_unref(previous)
        let referenced = av_frame_ref(previous, frame)
        guard referenced >= 0 else {
            throw .ffmpeg(path: label, operation: "av_frame_ref", code: referenced, message: ffmpegErrorMessage(referenced))
        }
        previousPicture = picture
        hasPrevious = true
    }

    /// One output frame of the intermediate: encoded (faithful) or converted directly (clean).
    private func submit(_ picture: UnsafeMutablePointer<AVFrame>, source: Int) throws(MediaError) {
        submittedSources.append(source)
        guard chain == .faithful else {
            if toBGR == nil { toBGR = try PixelConverter(path: label) }
            let image = try toBGR!.bgrImage(from: picture)
            emit(image: image, sceneImage: image, jpeg: nil)
            return
        }
        // The CLI's filter graph hands libx264 the input's format when libx264 takes it, else yuv420p.
        var input = picture
        if !Self.x264Formats.contains(AVPixelFormat(picture.pointee.format)) {
            if toEncoderFormat == nil { toEncoderFormat = try FrameScaler(destination: AV_PIX_FMT_YUV420P, setup: .scaleFilter, label: label) }
            input = try toEncoderFormat!.convert(picture)
        }
        let encoder = try x264Encoder(for: input)
        av_frame_unref(encoderInput)
        let referenced = av_frame_ref(encoderInput, input)
        guard referenced >= 0 else { throw .encodeFailed(path: label, reason: ffmpegErrorMessage(referenced)) }
        encoderInput.pointee.pts = encoderPts
        encoderPts += 1
        encoderInput.pointee.quality = encoder.codec.pointee.global_quality
        encoderInput.pointee.pict_type = AV_PICTURE_TYPE_NONE
        let packets = try encoder.encode(encoderInput)
        av_frame_unref(encoderInput)
        for packet in packets { try decodeH264(packet) }
    }

    static let x264Formats: Set<AVPixelFormat> = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P,
    ]

    private func x264Encoder(for picture: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> FrameEncoder {
        if let x264 { return x264 }
        let reproducible = self.reproducible
        var optionStatus: Int32 = 0
        let encoder = try FrameEncoder(name: "libx264", label: label) { codec in
            codec.pointee.width = picture.pointee.width
            codec.pointee.height = picture.pointee.height
            codec.pointee.pix_fmt = AVPixelFormat(picture.pointee.format)
            codec.pointee.time_base = AVRational(num: 1, den: Int32(ReferenceTimeline.framesPerSecond))
            codec.pointee.framerate = AVRational(num: Int32(ReferenceTimeline.framesPerSecond), den: 1)
            codec.pointee.sample_aspect_ratio = picture.pointee.sample_aspect_ratio
            codec.pointee.color_range = picture.pointee.color_range
            codec.pointee.color_primaries = picture.pointee.color_primaries
            codec.pointee.color_trc = picture.pointee.color_trc
            codec.pointee.colorspace = picture.pointee.colorspace
            codec.pointee.chroma_sample_location = picture.pointee.chroma_location
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE | AV_CODEC_FLAG_GLOBAL_HEADER
            codec.pointee.global_quality = 2 * FF_QP2LAMBDA
            codec.pointee.thread_count = reproducible ? 1 : 0
            if reproducible { optionStatus = av_opt_set(codec.pointee.priv_data, "x264-params", "sync-lookahead=0", 0) }
        }
        guard optionStatus >= 0 else { throw .encodeFailed(path: label, reason: "x264-params: \(ffmpegErrorMessage(optionStatus))") }
        let context = encoder.codec
        let size = Int(context.pointee.extradata_size)
        let extradata = context.pointee.extradata.map { Array(UnsafeBufferPointer(start: $0, count: size)) }
        h264Decoder = try PacketDecoder(codecID: AV_CODEC_ID_H264, codecTag: 0, label: label, extradata: extradata)
        x264 = encoder
        return encoder
    }

    /// Decodes x264's packets (nil flushes) and emits each picture in presentation order.
    private func decodeH264(_ packet: [UInt8]?) throws(MediaError) {
        guard let h264Decoder else { return }
        try h264Decoder.decode(packet, pts: 0) { (decoded) throws(MediaError) in
            let scene = FrameScaler.bgrImage(of: try toCaptureBGR.convert(decoded))
            let full = try toJPEGRange.convert(decoded)
            let jpegEncoder = try mjpegEncoder(for: full)
            full.pointee.quality = jpegEncoder.codec.pointee.global_quality
            full.pointee.pict_type = AV_PICTURE_TYPE_NONE
            full.pointee.pts = Int64(emittedCount)
            let jpegs = try jpegEncoder.encode(full)
            guard jpegs.count == 1 else {
                throw MediaError.encodeFailed(path: label, reason: "the MJPEG encoder returned \(jpegs.count) packets for one picture")
            }
            emit(image: try JPEGDecoding.bgrImage(jpeg: jpegs[0], label: label), sceneImage: scene, jpeg: jpegs[0])
        }
    }

    private func emit(image: Image, sceneImage: Image, jpeg: [UInt8]?) {
        let index = emittedCount
        emittedCount += 1
        let source = index < submittedSources.count ? submittedSources[index] : (submittedSources.last ?? 0)
        pending.append(
            TimelineFrame(
                slot: ReferenceTimeline.Slot(index: index, sourcePicture: source, aviPicture: index, isRepeat: false), image: image,
                sceneImage: sceneImage, jpeg: jpeg))
    }

    /// The `frames/%06d.jpg` encoder of `-qscale:v 2 -f image2` (constant quantiser: the bytes do not
    /// depend on the encoder's threads).
    private func mjpegEncoder(for picture: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> FrameEncoder {
        if let mjpeg { return mjpeg }
        let encoder = try FrameEncoder(name: "mjpeg", label: label) { codec in
            codec.pointee.width = picture.pointee.width
            codec.pointee.height = picture.pointee.height
            codec.pointee.pix_fmt = AV_PIX_FMT_YUVJ420P
            codec.pointee.time_base = AVRational(num: 1, den: Int32(ReferenceTimeline.framesPerSecond))
            codec.pointee.framerate = AVRational(num: Int32(ReferenceTimeline.framesPerSecond), den: 1)
            codec.pointee.sample_aspect_ratio = picture.pointee.sample_aspect_ratio
            codec.pointee.color_range = picture.pointee.color_range
            codec.pointee.color_primaries = picture.pointee.color_primaries
            codec.pointee.color_trc = picture.pointee.color_trc
            codec.pointee.colorspace = picture.pointee.colorspace
            codec.pointee.chroma_sample_location = picture.pointee.chroma_location
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
            codec.pointee.global_quality = 2 * FF_QP2LAMBDA
            codec.pointee.thread_count = 1
        }
        mjpeg = encoder
        return encoder
    }
}

/// Anything that yields the frames of a clip's timeline, in order.
public protocol TimelineFrameSource: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// The next frame, or nil at the end.
    func nextFrame() throws(MediaError) -> TimelineFrame?
}

extension VideoDecoder: TimelineFrameSource {}
