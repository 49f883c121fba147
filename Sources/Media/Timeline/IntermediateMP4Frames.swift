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
    public var width: Int { pictures.width }
    public var height: Int { pictures.height }
    public let chain: PictureChain
    /// One encoder thread and a synchronous lookahead instead of the CLI's automatic threads.
    public let reproducible: Bool
    /// Whether faithful frames carry their decoded JPEG (see ``TimelineFrameSource/decodesJPEGs``).
    public var decodesJPEGs = true
    private let pictures: ConstantRatePictures
    private var toEncoderFormat: FrameScaler?
    private var x264: FrameEncoder?
    private var h264Decoder: PacketDecoder?
    private let toJPEGRange: FrameScaler
    private var mjpeg: FrameEncoder?
    private let toCaptureBGR: FrameScaler
    private var toBGR: PixelConverter?
    /// Source picture index of each frame handed to the encoder, in order.
    private var submittedSources: [Int] = []
    private var emittedCount = 0
    private var pending: [TimelineFrame] = []
    private var pendingIndex = 0
    private var ended = false
    private var encoderPts: Int64 = 0
    /// x264's packets drained at the end of the source (compressed: small), and how many are decoded.
    private var flushedPackets: [[UInt8]]? = nil
    private var flushedIndex = 0

    public init(path: String, chain: PictureChain, reproducible: Bool = false) throws(MediaError) {
        self.chain = chain
        self.reproducible = reproducible
        pictures = try ConstantRatePictures(path: path) { _ in (ReferenceTimeline.framesPerSecond, 1) }
        toJPEGRange = try FrameScaler(destination: AV_PIX_FMT_YUVJ420P, setup: .scaleFilter, label: path)
        toCaptureBGR = try FrameScaler(destination: AV_PIX_FMT_BGR24, setup: .openCV(alignment: 32), label: path)
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

    private var label: String { pictures.container.path }

    /// Emits the next frame or frames. At the end of the source, x264's delayed packets (its
    /// lookahead holds tens of pictures) are decoded one per call, so that only a few decoded
    /// frames are pending at any time rather than the whole lookahead's.
    private func advance() throws(MediaError) {
        if flushedPackets == nil {
            if try pictures.advance({ (picture, source) throws(MediaError) in try submit(picture, source: source) }) { return }
            guard chain == .faithful, let x264 else {
                ended = true
                return
            }
            flushedPackets = try x264.encode(nil)
        }
        if let packets = flushedPackets, flushedIndex < packets.count {
            flushedIndex += 1
            try decodeH264(packets[flushedIndex - 1])
            return
        }
        ended = true
        try decodeH264(nil)
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
        // x264 delays pictures: their packets come out of later calls and the flush.
        let packets = try encoder.encodePicture(input, pts: encoderPts)
        encoderPts += 1
        for packet in packets { try decodeH264(packet) }
    }

    static let x264Formats: Set<AVPixelFormat> = [
        AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV422P, AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV444P, AV_PIX_FMT_YUVJ444P,
    ]

    private func x264Encoder(for picture: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> FrameEncoder {
        if let x264 { return x264 }
        let (reproducible, label) = (self.reproducible, label)
        let encoder = try FrameEncoder(name: "libx264", label: label) { (codec, _) throws(MediaError) in
            // The CLI's set-up for `-qscale:v 2 -r 25` (libx264 ignores the quantiser: CRF 23), MP4's global header.
            FaithfulPictureChain.configureCLIVideo(codec, picture: picture, pixelFormat: AVPixelFormat(picture.pointee.format))
            codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
            codec.pointee.thread_count = reproducible ? 1 : 0
            if reproducible {
                try LibAV.setPrivateOption(of: codec, "x264-params", "sync-lookahead=0").check {
                    .encodeFailed(path: label, reason: "x264-params: \($0.message)")
                }
            }
        }
        h264Decoder = try PacketDecoder(codecID: AV_CODEC_ID_H264, codecTag: 0, label: label, extradata: encoder.extradata)
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
            let jpeg = try jpegEncoder.encodeOnePicture(full, pts: Int64(emittedCount))
            emit(image: decodesJPEGs ? try JPEGDecoding.bgrImage(jpeg: jpeg, label: label) : nil, sceneImage: scene, jpeg: jpeg)
        }
    }

    private func emit(image: Image?, sceneImage: Image, jpeg: [UInt8]?) {
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
            FaithfulPictureChain.configureCLIVideo(codec, picture: picture, pixelFormat: AV_PIX_FMT_YUVJ420P)
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
    /// Whether faithful frames carry ``TimelineFrame/image``, their JPEG decoded as `cv2.imread`
    /// does (default true). A consumer that needs only ``TimelineFrame/jpeg`` and
    /// ``TimelineFrame/sceneImage`` (scene detection when the faces come from boxes) turns it off
    /// and saves one JPEG decode per picture. Clean frames carry their image either way.
    var decodesJPEGs: Bool { get set }
    /// The next frame, or nil at the end.
    func nextFrame() throws(MediaError) -> TimelineFrame?
}

extension VideoDecoder: TimelineFrameSource {}
