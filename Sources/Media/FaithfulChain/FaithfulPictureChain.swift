import CFFmpeg

/// Which pixels the timeline carries.
public enum PictureChain: String, Sendable, Codable, CaseIterable {
    /// The source pictures converted to BGR (`ffmpeg -pix_fmt bgr24` of the source), without the
    /// reference's lossy steps.
    case clean
    /// What the reference's consumers really see: the source through the MPEG-4 q2 AVI
    /// (`ffmpeg -i IN -async 1 -q:v 2 -r 25 video.avi`), the JPEG q2 extraction
    /// (`-f image2 -q:v 2 -threads 1`) and OpenCV's `imread` (docs/reference/pipeline.md §3, §4); and, for scene
    /// detection, OpenCV's `VideoCapture` decode of `video.avi` (§7.1).
    case faithful
}

/// One picture of the faithful chain: the JPEG the reference writes for it and two decodes.
struct FaithfulPicture {
    /// The bytes of the reference's `frames/%06d.jpg` for this picture.
    var jpeg: [UInt8]
    /// `cv2.imread` of that JPEG (nil when not asked for).
    var image: Image?
    /// What OpenCV's `VideoCapture` returns for this picture of `video.avi`.
    var sceneImage: Image
}

/// The reference's lossy picture path, one kept source picture at a time:
/// source picture → `mpeg4` q2 encoder (as `ffmpeg -i IN -async 1 -q:v 2 -r 25 video.avi` sets it
/// up) → `mpeg4` decoder → (a) OpenCV's BGR conversion, for scene detection; (b) the CLI's
/// `yuv420p → yuvj420p` scale filter → `mjpeg` q2 encoder (`-f image2 -q:v 2 -threads 1`) →
/// libjpeg-turbo as `cv2.imread` uses it.
///
/// Neither encoder delays pictures (no B-frames; MJPEG is intra only), so every picture in gives
/// exactly one picture out, and memory does not grow with the clip. The chain is two halves, each
/// owning its FFmpeg objects, so two threads can run them on consecutive pictures: ``roundTrip``
/// (the `video.avi` encode and decode) and ``extraction`` (the rest).
///
/// ref: FFmpeg 5.1 `fftools/ffmpeg_opt.c` (`-q:v`: `AV_CODEC_FLAG_QSCALE`, `global_quality =
/// FF_QP2LAMBDA * q`; `-threads` default "auto"), `fftools/ffmpeg.c` `init_output_stream_encode`
/// (time base `1/frame rate`, SAR, colour properties) and `do_video_out` (`frame->quality =
/// global_quality`, `pict_type = NONE`); `libavformat/riff.c` (AVI tag `FMP4` for `mpeg4`).
final class FaithfulPictureChain {
    let roundTrip: AVIRoundTrip
    let extraction: FrameExtraction

    init(label: String, encoderThreads: Int32 = 0) throws(MediaError) {
        roundTrip = try AVIRoundTrip(label: label, encoderThreads: encoderThreads)
        extraction = try FrameExtraction(label: label)
    }

    /// Runs one kept source picture through the chain.
    ///
    /// - Parameters:
    ///   - source: the decoded source picture (any pixel format libswscale reads).
    ///   - encoderPts: its timestamp in the AVI encoder's 1/25 s time base (the VFR-sync slot).
    ///   - decodingJPEG: whether to decode the JPEG into ``FaithfulPicture/image``.
    func process(_ source: UnsafeMutablePointer<AVFrame>, encoderPts: Int64, decodingJPEG: Bool = true) throws(MediaError) -> FaithfulPicture {
        let decoded = try roundTrip.picture(source, encoderPts: encoderPts)
        return try extraction.picture(of: decoded.pointer, decodingJPEG: decodingJPEG)
    }
}

/// The chain's first half: a source picture through `video.avi`'s MPEG-4 q2 encoder and the
/// `mpeg4` decoder (``FaithfulPictureChain``).
final class AVIRoundTrip {
    /// The mpeg4 encoder's thread count. 0 is the CLI's `-threads auto` (libavcodec picks
    /// `min(cpus, (height + 15) / 16) + 1` slice threads when there is more than one CPU). Slice
    /// threading changes the MPEG-4 bitstream (one video packet per slice) and with it the decoded
    /// pixels, so the reference's `video.avi` depends on the machine's CPU count; 0 reproduces the
    /// CLI on the machine it runs on.
    let encoderThreads: Int32
    private let label: String
    private var toYUV420: FrameScaler?
    private var mpeg4: FrameEncoder?
    private let mpeg4Decoder: PacketDecoder

    init(label: String, encoderThreads: Int32) throws(MediaError) {
        self.label = label
        self.encoderThreads = encoderThreads
        mpeg4Decoder = try PacketDecoder(codecID: AV_CODEC_ID_MPEG4, codecTag: fourCC("FMP4"), label: label)
    }

    /// The `mpeg4` decoder's picture of one kept source picture (its own reference to it).
    ///
    /// - Parameters:
    ///   - source: the decoded source picture (any pixel format libswscale reads).
    ///   - encoderPts: its timestamp in the AVI encoder's 1/25 s time base (the VFR-sync slot).
    func picture(_ source: UnsafeMutablePointer<AVFrame>, encoderPts: Int64) throws(MediaError) -> OwnedFrame {
        // The CLI's filter graph converts to the encoder's only pixel format, yuv420p, when needed.
        var input = source
        if AVPixelFormat(source.pointee.format) != AV_PIX_FMT_YUV420P {
            if toYUV420 == nil { toYUV420 = try FrameScaler(destination: AV_PIX_FMT_YUV420P, setup: .scaleFilter, label: label) }
            input = try toYUV420!.convert(source)
        }
        let encoder = try mpeg4Encoder(for: input)
        let packet = try encoder.encodeOnePicture(input, pts: encoderPts)
        var result: OwnedFrame? = nil
        try mpeg4Decoder.decode(packet, pts: encoderPts) { (decoded) throws(MediaError) in
            guard result == nil else {
                throw MediaError.decodeFailed(path: label, stream: "video", reason: "the MPEG-4 decoder returned two pictures for one packet")
            }
            result = try OwnedFrame(cloning: decoded, label: label)
        }
        guard let result else {
            throw .decodeFailed(path: label, stream: "video", reason: "the MPEG-4 decoder returned no picture for a packet")
        }
        return result
    }

    /// The `video.avi` encoder, opened at the first picture (its size, SAR and colour properties
    /// come from the filter graph's first output, as in the CLI).
    private func mpeg4Encoder(for picture: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> FrameEncoder {
        if let mpeg4 { return mpeg4 }
        let threads = encoderThreads
        let encoder = try FrameEncoder(name: "mpeg4", label: label) { codec in
            FaithfulPictureChain.configureCLIVideo(codec, picture: picture, pixelFormat: AV_PIX_FMT_YUV420P)
            codec.pointee.codec_tag = fourCC("FMP4")
            codec.pointee.thread_count = threads
        }
        mpeg4 = encoder
        return encoder
    }
}

/// The chain's second half: OpenCV's BGR conversion of the `mpeg4` decoder's picture (scene
/// detection), the CLI's `yuvj420p` scale filter, the `mjpeg` q2 encoder and `imread`'s decode
/// (``FaithfulPictureChain``).
final class FrameExtraction {
    private let label: String
    private let toJPEGRange: FrameScaler
    private var mjpeg: FrameEncoder?
    private let toCaptureBGR: FrameScaler

    init(label: String) throws(MediaError) {
        self.label = label
        toJPEGRange = try FrameScaler(destination: AV_PIX_FMT_YUVJ420P, setup: .scaleFilter, label: label)
        toCaptureBGR = try FrameScaler(destination: AV_PIX_FMT_BGR24, setup: .openCV(alignment: 32), label: label)
    }

    /// The JPEG and the two decodes of one picture of `video.avi` (``AVIRoundTrip/picture(_:encoderPts:)``).
    ///
    /// - Parameter decodingJPEG: whether to decode the JPEG into ``FaithfulPicture/image``.
    func picture(of decoded: UnsafeMutablePointer<AVFrame>, decodingJPEG: Bool) throws(MediaError) -> FaithfulPicture {
        let scene = FrameScaler.bgrImage(of: try toCaptureBGR.convert(decoded))
        let full = try toJPEGRange.convert(decoded)
        let jpegEncoder = try mjpegEncoder(for: full)
        let jpeg = try jpegEncoder.encodeOnePicture(full, pts: full.pointee.pts)
        let image = decodingJPEG ? try JPEGDecoding.bgrImage(jpeg: jpeg, label: label) : nil
        return FaithfulPicture(jpeg: jpeg, image: image, sceneImage: scene)
    }

    /// The `frames/%06d.jpg` encoder (`-q:v 2 -threads 1`).
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

extension FaithfulPictureChain {
    /// What the ffmpeg CLI sets on a video encoder: the picture's size, SAR and colour properties,
    /// time base `1/frameRate`, and for `-q:v N` the constant quantiser (`qscale` nil: no `-q:v`,
    /// the encoder's own rate control).
    /// ref: FFmpeg 5.1 `fftools/ffmpeg.c` `init_output_stream_encode`, `fftools/ffmpeg_opt.c` `new_video_stream`.
    static func configureCLIVideo(
        _ codec: UnsafeMutablePointer<AVCodecContext>, picture: UnsafeMutablePointer<AVFrame>, pixelFormat: AVPixelFormat,
        frameRate: (num: Int, den: Int) = (ReferenceTimeline.framesPerSecond, 1), qscale: Int32? = 2
    ) {
        codec.pointee.width = picture.pointee.width
        codec.pointee.height = picture.pointee.height
        codec.pointee.pix_fmt = pixelFormat
        codec.pointee.time_base = AVRational(num: Int32(frameRate.den), den: Int32(frameRate.num))
        codec.pointee.framerate = AVRational(num: Int32(frameRate.num), den: Int32(frameRate.den))
        codec.pointee.sample_aspect_ratio = picture.pointee.sample_aspect_ratio
        codec.pointee.color_range = picture.pointee.color_range
        codec.pointee.color_primaries = picture.pointee.color_primaries
        codec.pointee.color_trc = picture.pointee.color_trc
        codec.pointee.colorspace = picture.pointee.colorspace
        codec.pointee.chroma_sample_location = picture.pointee.chroma_location
        if let qscale {
            codec.pointee.flags |= AV_CODEC_FLAG_QSCALE
            codec.pointee.global_quality = qscale * FF_QP2LAMBDA
        }
    }
}
