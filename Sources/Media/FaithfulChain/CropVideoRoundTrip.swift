import CFFmpeg

/// The reference's lossy round trip of one face track's crops (docs/reference/pipeline.md §9.3, §10.1).
///
/// The reference writes the 224×224 crops of a track with OpenCV's `VideoWriter` (fourcc `XVID`,
/// 25 fps, FFmpeg's `mpeg4` encoder at a target bit rate), then re-extracts them with
/// `ffmpeg -i crop.avi -f image2 -threads 1 crop/%06d.jpg` — no quality option, so FFmpeg's MJPEG
/// encoder runs its default rate control (200 kb/s) — and SyncNet reads those JPEGs with
/// `cv2.imread`. This class does the same in process: crops in, in order, the BGR images the
/// reference's SyncNet sees out. Rate control state lives in the instance: use one per crop
/// (track), as the reference starts both encoders afresh for every crop file.
///
/// Memory stays flat: neither encoder delays pictures, so each call returns the picture it was
/// given (or, should an encoder ever hold one back, it comes out of a later call or ``finish()``).
///
/// ```swift
/// let roundTrip = try CropVideoRoundTrip()
/// for crop in crops { seen += try roundTrip.append(crop) }
/// seen += try roundTrip.finish()
/// ```
///
/// ref: OpenCV 4.x `modules/videoio/src/cap_ffmpeg_impl.hpp` `CvVideoWriter_FFMPEG::open`,
/// `icv_configure_video_stream_FFMPEG`, `CvVideoWriter_FFMPEG::writeFrame`,
/// `icv_av_write_frame_FFMPEG`; FFmpeg 5.1 `fftools/ffmpeg.c` `init_output_stream_encode`,
/// `libavcodec/options_table.h` (default `b` = 200 kb/s).
public final class CropVideoRoundTrip {
    /// Frames per second the reference's crop writer is opened with.
    public static let framesPerSecond = 25

    private let label = "crop video round trip"
    private var width = 0
    private var height = 0
    private var xvid: FrameEncoder?
    private let xvidDecoder: PacketDecoder
    private let toJPEGRange: FrameScaler
    private var mjpeg: FrameEncoder?
    private let yuv: OwnedFrame
    private var yuvFrame: UnsafeMutablePointer<AVFrame> { yuv.pointer }
    private var written: Int64 = 0
    private var extracted: Int64 = 0
    private var finished = false
    /// When non-nil, every MJPEG packet is appended here (tests compare them with the CLI's files).
    var recordedJPEGs: [[UInt8]]? = nil

    /// Prepares the decoders; the encoders open at the first crop, whose size they take.
    public init() throws(MediaError) {
        _ = FFmpegLog.install
        xvidDecoder = try PacketDecoder(codecID: AV_CODEC_ID_MPEG4, codecTag: fourCC("XVID"), label: label)
        toJPEGRange = try FrameScaler(destination: AV_PIX_FMT_YUVJ420P, setup: .scaleFilter, label: label)
        yuv = try OwnedFrame(label: label)
    }

    /// Writes one crop and returns the pictures the reference's SyncNet would read for the crops
    /// written so far and not yet returned (in practice: this crop's).
    ///
    /// - Parameter crop: a BGR image; every crop of one instance must have the same size (the
    ///   reference's are 224×224). OpenCV's writer truncates odd sizes to even; so does this.
    /// - Throws: ``MediaError/encodeFailed(path:reason:)`` for a wrong layout or size, or when an
    ///   FFmpeg stage fails.
    public func append(_ crop: Image) throws(MediaError) -> [Image] {
        guard !finished else { throw .encodeFailed(path: label, reason: "append after finish") }
        guard crop.layout == .bgr else { throw .encodeFailed(path: label, reason: "crops must be BGR, got \(crop.layout.rawValue)") }
        if xvid == nil {
            width = crop.width & ~1
            height = crop.height & ~1
            guard width > 0, height > 0 else { throw .encodeFailed(path: label, reason: "crop of \(crop.width)x\(crop.height) is too small") }
            try openWriter()
        }
        guard crop.width & ~1 == width, crop.height & ~1 == height else {
            throw .encodeFailed(path: label, reason: "crop is \(crop.width)x\(crop.height), the video \(width)x\(height)")
        }
        try yuv.makeWritable().check { .encodeFailed(path: label, reason: $0.message) }
        Self.copy(planes: Self.yuv420(crop, width: width, height: height), width: width, height: height, into: yuvFrame)
        let picture = yuvFrame
        // writeFrame: picture->pts = frame_idx; quality and picture type stay as allocated (0).
        picture.pointee.pts = written
        picture.pointee.quality = 0
        picture.pointee.pict_type = AV_PICTURE_TYPE_NONE
        let packets = try xvid!.encode(picture)
        written += 1
        return try reextract(packets)
    }

    /// Flushes both encoders and returns the remaining pictures. Call once, after the last crop.
    public func finish() throws(MediaError) -> [Image] {
        guard !finished else { return [] }
        finished = true
        guard let xvid else { return [] }
        var images = try reextract(try xvid.encode(nil))
        var flushed: [Image] = []
        try xvidDecoder.decode(nil, pts: written) { (decoded) throws(MediaError) in
            flushed.append(contentsOf: try self.encodeJPEG(decoded))
        }
        images += flushed
        if let mjpeg {
            for jpeg in try mjpeg.encode(nil) { images.append(try JPEGDecoding.bgrImage(jpeg: jpeg, label: label)) }
        }
        return images
    }

    private func reextract(_ packets: [[UInt8]]) throws(MediaError) -> [Image] {
        var images: [Image] = []
        for packet in packets {
            try xvidDecoder.decode(packet, pts: 0) { (decoded) throws(MediaError) in
                images.append(contentsOf: try self.encodeJPEG(decoded))
            }
        }
        return images
    }

    /// `ffmpeg -i crop.avi -f image2 -threads 1 %06d.jpg`: scale filter to yuvj420p, MJPEG at the
    /// CLI's defaults (rate control at 200 kb/s), then `cv2.imread`.
    private func encodeJPEG(_ decoded: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> [Image] {
        let full = try toJPEGRange.convert(decoded)
        if mjpeg == nil {
            mjpeg = try FrameEncoder(name: "mjpeg", label: label) { codec in
                FaithfulPictureChain.configureCLIVideo(
                    codec, picture: full, pixelFormat: AV_PIX_FMT_YUVJ420P, frameRate: (Self.framesPerSecond, 1), qscale: nil)
                codec.pointee.thread_count = 1
            }
        }
        // do_video_out: constant-frame-rate output numbers the pictures 0, 1, 2, ...
        defer { extracted += 1 }
        var images: [Image] = []
        for jpeg in try mjpeg!.encodePicture(full, pts: extracted) {
            recordedJPEGs?.append(jpeg)
            images.append(try JPEGDecoding.bgrImage(jpeg: jpeg, label: label))
        }
        return images
    }

    /// OpenCV's writer for `VideoWriter(path, XVID, 25, (w, h))`.
    private func openWriter() throws(MediaError) {
        // CvVideoWriter_FFMPEG::open: bitrate = fps * w * h; icv_configure_video_stream_FFMPEG sets
        // bit_rate = bitrate + bitrate / 2, and open() adds bitrate / 2 again and uses the sum as the
        // tolerance too: 2 * fps * w * h (2 508 800 b/s for 224x224).
        let bitrate = Double(Self.framesPerSecond * width * height)
        var rate = Int64((bitrate + 0.5).rounded(.towardZero))
        rate = min(rate + rate / 2, Int64(Int32.max))
        rate = min(rate + Int64(bitrate / 2), Int64(Int32.max))
        let (w, h) = (Int32(width), Int32(height))
        xvid = try FrameEncoder(name: "mpeg4", label: label) { codec in
            codec.pointee.codec_tag = fourCC("XVID")
            codec.pointee.bit_rate = rate
            codec.pointee.bit_rate_tolerance = Int32(rate)
            codec.pointee.qmin = 3
            codec.pointee.width = w
            codec.pointee.height = h
            codec.pointee.time_base = AVRational(num: 1, den: Int32(Self.framesPerSecond))
            codec.pointee.gop_size = 12
            codec.pointee.pix_fmt = AV_PIX_FMT_YUV420P
            // AVI has no AVFMT_GLOBALHEADER; thread_count stays at libavcodec's default (1).
        }
        // icv_alloc_picture_FFMPEG: a yuv420p picture with unpadded rows (alignment 1).
        yuvFrame.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        yuvFrame.pointee.width = w
        yuvFrame.pointee.height = h
        try yuv.allocateBuffers(alignment: 1).check { .encodeFailed(path: label, reason: $0.message) }
    }

    /// BT.601 limited-range coefficients of libswscale's `input_rgb2yuv_table` for the default
    /// colour space, in 1/2^15 (ref: libswscale `utils.c` `fill_rgb2yuv_table`, the
    /// `SWS_CS_DEFAULT` override: `(int)(0.299 * 219 / 255 * (1 << 15) + 0.5)` and so on).
    private static let rgb2yuv = (
        ry: 8414, gy: 16519, by: 3208,
        ru: -4865, gu: -9528, bu: 14392,
        rv: 14392, gv: -12061, bv: -2332
    )

    /// OpenCV's `sws_scale(BGR24 → YUV420P, SWS_BICUBIC)` as opencv-python 4.14's bundled FFmpeg
    /// (libswscale 9.5) computes it for an even-sized picture: luma per pixel
    /// `((ry·R + gy·G + by·B) >> 15) + 16` (the formula of libswscale's `ff_rgb24toyv12_c`, used for
    /// unscaled BGR24 → YUV420P), chroma from each 2×2 block's truncated channel means
    /// `(a + b + c + d) >> 2` as `((ru·R̄ + gu·Ḡ + bu·B̄) >> 15) + 128` (the 5.1 C routine takes the
    /// block's top-left pixel instead), every value truncated and stored as its low 8 bits. The
    /// formulas were established against OpenCV's own output — a `VideoWriter` with fourcc `I420`
    /// stores exactly what the XVID encoder is given — and match it on every sample of the 48 test
    /// crops (`Tests/MediaTests/FaithfulChainTests.swift`).
    ///
    /// The system libswscale (FFmpeg 5.1) gives ±1 on about 0.5 % of the samples for the same call;
    /// that ±1 grows through the XVID P-frames and the rate-controlled JPEG (to 38–60 dB PSNR
    /// against the reference), which is why the conversion is done here.
    ///
    /// ref: FFmpeg `libswscale/swscale_unscaled.c` `bgr24ToYv12Wrapper`,
    /// `libswscale/rgb2rgb_template.c` `ff_rgb24toyv12_c`, `libswscale/utils.c` `fill_rgb2yuv_table`.
    ///
    /// - Returns: the picture as packed I420: `width·height` luma bytes, then the two
    ///   `width/2 · height/2` chroma planes (U, then V).
    static func yuv420(_ crop: Image, width: Int, height: Int) -> [UInt8] {
        precondition(width % 2 == 0 && height % 2 == 0 && width <= crop.width && height <= crop.height)
        let c = rgb2yuv
        let chroma = (width / 2) * (height / 2)
        let source = crop.rowStride
        return [UInt8](unsafeUninitializedCapacity: width * height + 2 * chroma) { planes, count in
            let yPlane = planes.baseAddress!
            let uPlane = yPlane + width * height
            let vPlane = uPlane + chroma
            crop.pixels.withUnsafeBufferPointer { pixels in
                let p = pixels.baseAddress!
                for y in 0..<height {
                    let row = p + y * source
                    let out = yPlane + y * width
                    for x in 0..<width {
                        let b = Int(row[3 * x]), g = Int(row[3 * x + 1]), r = Int(row[3 * x + 2])
                        out[x] = UInt8(truncatingIfNeeded: ((c.ry * r + c.gy * g + c.by * b) >> 15) + 16)
                    }
                }
                for y in 0..<(height / 2) {
                    let top = p + 2 * y * source
                    let bottom = top + source
                    let uOut = uPlane + y * (width / 2)
                    let vOut = vPlane + y * (width / 2)
                    for x in 0..<(width / 2) {
                        let i = 6 * x
                        let b = (Int(top[i]) + Int(top[i + 3]) + Int(bottom[i]) + Int(bottom[i + 3])) >> 2
                        let g = (Int(top[i + 1]) + Int(top[i + 4]) + Int(bottom[i + 1]) + Int(bottom[i + 4])) >> 2
                        let r = (Int(top[i + 2]) + Int(top[i + 5]) + Int(bottom[i + 2]) + Int(bottom[i + 5])) >> 2
                        uOut[x] = UInt8(truncatingIfNeeded: ((c.ru * r + c.gu * g + c.bu * b) >> 15) + 128)
                        vOut[x] = UInt8(truncatingIfNeeded: ((c.rv * r + c.gv * g + c.bv * b) >> 15) + 128)
                    }
                }
            }
            count = width * height + 2 * chroma
        }
    }

    /// Copies packed I420 planes into a yuv420p frame, row by row (the frame may pad its rows).
    private static func copy(planes: [UInt8], width: Int, height: Int, into frame: UnsafeMutablePointer<AVFrame>) {
        let chromaWidth = width / 2
        let chromaHeight = height / 2
        planes.withUnsafeBufferPointer { buffer in
            let source = buffer.baseAddress!
            let destinations = [
                (frame.pointee.data.0!, Int(frame.pointee.linesize.0), 0, width, height),
                (frame.pointee.data.1!, Int(frame.pointee.linesize.1), width * height, chromaWidth, chromaHeight),
                (frame.pointee.data.2!, Int(frame.pointee.linesize.2), width * height + chromaWidth * chromaHeight, chromaWidth, chromaHeight),
            ]
            for (plane, stride, offset, rowBytes, rows) in destinations {
                for row in 0..<rows {
                    (plane + row * stride).update(from: source + offset + row * rowBytes, count: rowBytes)
                }
            }
        }
    }
}
