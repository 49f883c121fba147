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
    public var frameRate: (num: Int, den: Int) { pictures.outputRate }
    public var width: Int { pictures.width }
    public var height: Int { pictures.height }
    public let chain: PictureChain
    private let pictures: ConstantRatePictures
    private var toJPEGRange: FrameScaler?
    private var mjpeg: FrameEncoder?
    private var toBGR: PixelConverter?
    private var pending: [Frame] = []
    private var pendingIndex = 0
    private var ended = false
    private var outputPts: Int64 = 0

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
        pictures = try ConstantRatePictures(path: path) { guessed in guessed ?? (ReferenceTimeline.framesPerSecond, 1) }
    }

    private var label: String { pictures.container.path }

    /// The next output frame, or nil at the end.
    public func nextFrame() throws(MediaError) -> Frame? {
        while pendingIndex >= pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
            if ended { return nil }
            ended = !(try pictures.advance { (picture, _) throws(MediaError) in pending.append(try output(picture)) })
        }
        defer { pendingIndex += 1 }
        return pending[pendingIndex]
    }

    /// One output frame of `picture`: through the JPEG round trip (faithful) or converted to BGR.
    private func output(_ picture: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Frame {
        let index = Int(outputPts)
        defer { outputPts += 1 }
        switch chain {
        case .clean:
            if toBGR == nil { toBGR = try PixelConverter(path: label) }
            return Frame(index: index, jpeg: nil, image: try toBGR!.bgrImage(from: picture))
        case .faithful:
            let jpeg = try encodeJPEG(picture, pts: outputPts)
            return Frame(index: index, jpeg: jpeg, image: try JPEGDecoding.bgrImage(jpeg: jpeg, label: label))
        }
    }

    private func encodeJPEG(_ picture: UnsafeMutablePointer<AVFrame>, pts: Int64) throws(MediaError) -> [UInt8] {
        let target = Self.jpegFormat(for: AVPixelFormat(picture.pointee.format))
        var input = picture
        if AVPixelFormat(picture.pointee.format) != target {
            if toJPEGRange == nil { toJPEGRange = try FrameScaler(destination: target, setup: .scaleFilter, label: label) }
            input = try toJPEGRange!.convert(picture)
        }
        if mjpeg == nil {
            let rate = frameRate
            let source = input
            // No -q:v: the encoder's rate control at its default 200 kb/s.
            mjpeg = try FrameEncoder(name: "mjpeg", label: label) { codec in
                FaithfulPictureChain.configureCLIVideo(codec, picture: source, pixelFormat: target, frameRate: rate, qscale: nil)
                codec.pointee.thread_count = 1
            }
        }
        return try mjpeg!.encodeOnePicture(input, pts: pts)
    }

    /// The full-range format the CLI gives `mjpeg` for a picture of `format`: the `yuvj` format of
    /// the same chroma subsampling (4:2:0 for anything else).
    static func jpegFormat(for format: AVPixelFormat) -> AVPixelFormat {
        guard let d = LibAV.pixelFormatDescriptor(format) else { return AV_PIX_FMT_YUVJ420P }
        let isYUV = d.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 && d.nb_components >= 3
        switch (isYUV, d.log2_chroma_w, d.log2_chroma_h) {
        case (true, 0, 0): return AV_PIX_FMT_YUVJ444P
        case (true, 1, 0): return AV_PIX_FMT_YUVJ422P
        default: return AV_PIX_FMT_YUVJ420P
        }
    }
}
