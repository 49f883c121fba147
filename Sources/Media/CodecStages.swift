import CFFmpeg

// The building blocks of the faithful (lossy) chains: a pixel-format converter, an encoder and a
// decoder, each owning its FFmpeg objects. See `FaithfulPictureChain` and `CropVideoRoundTrip`.

/// Converts pictures to another pixel format of the same size with libswscale, configured the way
/// one of the reference's programs configures it. Owns one `SwsContext` and its output `AVFrame`.
final class FrameScaler {
    /// Who does the conversion in the reference.
    enum Setup {
        /// The ffmpeg CLI's auto-inserted scale filter: `SWS_BICUBIC` (`sws_flags` default), the input
        /// YCbCr matrix from the frame's colour space and the input range from its colour range
        /// (`in_color_matrix=auto`), output into a default-aligned frame.
        /// ref: FFmpeg 5.1 `libavfilter/vf_scale.c` `config_props`, `scale_frame`; `fftools/ffmpeg_opt.c`
        /// (`sws_dict` "flags=bicubic").
        case scaleFilter
        /// OpenCV's FFmpeg backend: `sws_getContext(…, SWS_BICUBIC, NULL, NULL, NULL)` and nothing
        /// else (libswscale's default BT.601 matrix, range implied by the pixel formats), output
        /// into a frame allocated with the given buffer alignment.
        /// ref: OpenCV 4.x `modules/videoio/src/cap_ffmpeg_impl.hpp` `CvCapture_FFMPEG::retrieveFrame`
        /// (`sws_getCachedContext`, `av_frame_get_buffer(&rgb_picture, 32)`).
        case openCV(alignment: Int32)
    }

    let output: UnsafeMutablePointer<AVFrame>
    private let destination: AVPixelFormat
    private let setup: Setup
    private let label: String
    private var context: OpaquePointer?
    private var configuredFor: (width: Int32, height: Int32, format: Int32, space: UInt32, range: UInt32)?

    init(destination: AVPixelFormat, setup: Setup, label: String) throws(MediaError) {
        guard let frame = av_frame_alloc() else {
            throw .ffmpeg(path: label, operation: "av_frame_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        output = frame
        self.destination = destination
        self.setup = setup
        self.label = label
    }

    deinit {
        sws_freeContext(context)
        var owned: UnsafeMutablePointer<AVFrame>? = output
        av_frame_free(&owned)
    }

    /// Converts `source` into ``output`` (valid until the next call) and returns it.
    /// The corresponding C function is `sws_scale`.
    @discardableResult
    func convert(_ source: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> UnsafeMutablePointer<AVFrame> {
        try configure(for: source)
        let rows = withUnsafePointer(to: source.pointee.data) { sourceData in
            withUnsafePointer(to: source.pointee.linesize) { sourceLines in
                withUnsafeMutablePointer(to: &output.pointee.data) { data in
                    withUnsafeMutablePointer(to: &output.pointee.linesize) { lines in
                        sourceData.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { inData in
                            sourceLines.withMemoryRebound(to: Int32.self, capacity: 8) { inLines in
                                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { outData in
                                    lines.withMemoryRebound(to: Int32.self, capacity: 8) { outLines in
                                        sws_scale(context, inData, inLines, 0, source.pointee.height, outData, outLines)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard rows == source.pointee.height else {
            throw .encodeFailed(path: label, reason: "pixel conversion produced \(rows) of \(source.pointee.height) rows")
        }
        output.pointee.pts = source.pointee.pts
        output.pointee.sample_aspect_ratio = source.pointee.sample_aspect_ratio
        if case .scaleFilter = setup, av_pix_fmt_desc_get(destination).map({ $0.pointee.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 }) ?? false {
            // vf_scale tags its output with the range libswscale produced.
            output.pointee.color_range = isFullRangeYUV(destination) ? AVCOL_RANGE_JPEG : source.pointee.color_range
        }
        return output
    }

    private func isFullRangeYUV(_ format: AVPixelFormat) -> Bool {
        format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P
    }

    private func configure(for source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let key = (
            width: source.pointee.width, height: source.pointee.height, format: source.pointee.format,
            space: source.pointee.colorspace.rawValue, range: source.pointee.color_range.rawValue
        )
        if let configuredFor, configuredFor == key { return }
        sws_freeContext(context)
        context = sws_getContext(
            key.width, key.height, AVPixelFormat(key.format), key.width, key.height, destination, SWS_BICUBIC, nil, nil, nil)
        guard context != nil else {
            let from = av_get_pix_fmt_name(AVPixelFormat(key.format)).map { String(cString: $0) } ?? "unknown"
            let to = av_get_pix_fmt_name(destination).map { String(cString: $0) } ?? "unknown"
            throw .encodeFailed(path: label, reason: "no pixel conversion from \(from) to \(to)")
        }
        let alignment: Int32
        switch setup {
        case .openCV(let value):
            alignment = value
        case .scaleFilter:
            alignment = 0
            try setScaleFilterColorspace(for: source)
        }
        av_frame_unref(output)
        output.pointee.width = key.width
        output.pointee.height = key.height
        output.pointee.format = destination.rawValue
        let allocated = av_frame_get_buffer(output, alignment)
        guard allocated >= 0 else {
            throw .ffmpeg(path: label, operation: "av_frame_get_buffer", code: allocated, message: ffmpegErrorMessage(allocated))
        }
        configuredFor = key
    }

    /// vf_scale with `in_color_matrix=auto` (``setScaleFilterColorspace(_:for:)``, shared with ``PixelConverter``).
    private func setScaleFilterColorspace(for source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        if let set = Media.setScaleFilterColorspace(context, for: source), set < 0 {
            throw .encodeFailed(path: label, reason: "cannot set the YCbCr matrix: \(ffmpegErrorMessage(set))")
        }
    }

    /// Packed BGR pixels of a `bgr24` frame, rows copied without their padding.
    static func bgrImage(of frame: UnsafeMutablePointer<AVFrame>) -> Image {
        let width = Int(frame.pointee.width)
        let height = Int(frame.pointee.height)
        let rowBytes = width * 3
        let stride = Int(frame.pointee.linesize.0)
        let base = frame.pointee.data.0!
        let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, count in
            for row in 0..<height {
                (buffer.baseAddress! + row * rowBytes).update(from: base + row * stride, count: rowBytes)
            }
            count = rowBytes * height
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }
}

/// One opened encoder: owns an `AVCodecContext` and an `AVPacket`; packets come back as bytes.
final class FrameEncoder {
    let codec: UnsafeMutablePointer<AVCodecContext>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let label: String

    /// Opens encoder `name` after `configure` has set the context's fields.
    init(name: String, label: String, configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws(MediaError) {
        _ = FFmpegLog.install
        self.label = label
        guard let encoder = avcodec_find_encoder_by_name(name) else {
            throw .unsupportedCodec(path: label, stream: "output", codec: name)
        }
        guard let codec = avcodec_alloc_context3(encoder) else {
            throw .ffmpeg(path: label, operation: "avcodec_alloc_context3", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.codec = codec
        guard let packet = av_packet_alloc() else {
            var owned: UnsafeMutablePointer<AVCodecContext>? = codec
            avcodec_free_context(&owned)
            throw .ffmpeg(path: label, operation: "av_packet_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.packet = packet
        configure(codec)
        let status = avcodec_open2(codec, encoder, nil)
        guard status >= 0 else {
            throw .encodeFailed(path: label, reason: "cannot open encoder \(name): \(FFmpegLog.reason(or: ffmpegErrorMessage(status)))")
        }
    }

    deinit {
        var ownedPacket: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&ownedPacket)
        var ownedCodec: UnsafeMutablePointer<AVCodecContext>? = codec
        avcodec_free_context(&ownedCodec)
    }

    /// Sends `frame` (nil to flush) and returns every packet the encoder then has ready.
    /// The corresponding C functions are `avcodec_send_frame` and `avcodec_receive_packet`.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) -> [[UInt8]] {
        let sent = avcodec_send_frame(codec, frame)
        guard sent >= 0 || (frame == nil && sent == cffmpeg_averror_eof) else {
            throw .encodeFailed(path: label, reason: FFmpegLog.reason(or: ffmpegErrorMessage(sent)))
        }
        var packets: [[UInt8]] = []
        while true {
            let received = avcodec_receive_packet(codec, packet)
            if received == cffmpeg_averror_eagain || received == cffmpeg_averror_eof { break }
            guard received >= 0 else { throw .encodeFailed(path: label, reason: FFmpegLog.reason(or: ffmpegErrorMessage(received))) }
            packets.append(Array(UnsafeBufferPointer(start: packet.pointee.data, count: Int(packet.pointee.size))))
            av_packet_unref(packet)
        }
        return packets
    }
}

/// One opened decoder fed with packets held in memory: owns an `AVCodecContext`, an `AVPacket`
/// and the `AVFrame` it decodes into.
final class PacketDecoder {
    private let codec: UnsafeMutablePointer<AVCodecContext>
    private let packet: UnsafeMutablePointer<AVPacket>
    private let frame: UnsafeMutablePointer<AVFrame>
    private let label: String

    /// Opens the decoder of `codecID` for a stream whose container gives it `codecTag` (FFmpeg's
    /// MPEG-4 decoder chooses bug workarounds from the tag, so it is set as the demuxer would).
    /// One thread: decoded pixels do not depend on the thread count, and frames come back without
    /// the frame-threading delay.
    init(codecID: AVCodecID, codecTag: UInt32, label: String, extradata: [UInt8]? = nil) throws(MediaError) {
        self.label = label
        guard let decoder = avcodec_find_decoder(codecID) else {
            throw .unsupportedCodec(path: label, stream: "video", codec: codecName(codecID))
        }
        guard let codec = avcodec_alloc_context3(decoder) else {
            throw .ffmpeg(path: label, operation: "avcodec_alloc_context3", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.codec = codec
        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            var owned: UnsafeMutablePointer<AVCodecContext>? = codec
            avcodec_free_context(&owned)
            throw .ffmpeg(path: label, operation: "av_packet_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.packet = packet
        self.frame = frame
        codec.pointee.codec_tag = codecTag
        codec.pointee.thread_count = 1
        if let extradata, !extradata.isEmpty {
            // The stream's global header (e.g. AAC's AudioSpecificConfig), zero-padded as libavcodec requires.
            guard let buffer = av_mallocz(extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else {
                throw .ffmpeg(path: label, operation: "av_mallocz", code: cffmpeg_averror(ENOMEM), message: "out of memory")
            }
            buffer.copyMemory(from: extradata, byteCount: extradata.count)
            codec.pointee.extradata = buffer.assumingMemoryBound(to: UInt8.self)
            codec.pointee.extradata_size = Int32(extradata.count)
        }
        let status = avcodec_open2(codec, decoder, nil)
        guard status >= 0 else {
            throw .decodeFailed(path: label, stream: "video", reason: "cannot open the decoder: \(ffmpegErrorMessage(status))")
        }
    }

    deinit {
        var ownedPacket: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&ownedPacket)
        var ownedFrame: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&ownedFrame)
        var ownedCodec: UnsafeMutablePointer<AVCodecContext>? = codec
        avcodec_free_context(&ownedCodec)
    }

    /// Decodes one packet (nil to flush) and hands every picture it yields to `body`; the frame is
    /// valid only during the call.
    /// The corresponding C functions are `avcodec_send_packet` and `avcodec_receive_frame`.
    func decode(_ bytes: [UInt8]?, pts: Int64, body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        var sent: Int32
        if let bytes {
            let allocated = av_new_packet(packet, Int32(bytes.count))
            guard allocated >= 0 else { throw .decodeFailed(path: label, stream: "video", reason: ffmpegErrorMessage(allocated)) }
            bytes.withUnsafeBufferPointer { source in
                packet.pointee.data.update(from: source.baseAddress!, count: source.count)
            }
            packet.pointee.pts = pts
            packet.pointee.dts = pts
            sent = avcodec_send_packet(codec, packet)
            av_packet_unref(packet)
        } else {
            sent = avcodec_send_packet(codec, nil)
            if sent == cffmpeg_averror_eof { sent = 0 }
        }
        guard sent >= 0 else { throw .decodeFailed(path: label, stream: "video", reason: FFmpegLog.reason(or: ffmpegErrorMessage(sent))) }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received == cffmpeg_averror_eagain || received == cffmpeg_averror_eof { break }
            guard received >= 0 else { throw .decodeFailed(path: label, stream: "video", reason: FFmpegLog.reason(or: ffmpegErrorMessage(received))) }
            defer { av_frame_unref(frame) }
            try body(frame)
        }
    }
}

/// A four-character code as FFmpeg stores it (`MKTAG`).
func fourCC(_ code: String) -> UInt32 {
    let bytes = Array(code.utf8)
    precondition(bytes.count == 4, "a four-character code needs 4 ASCII characters, got \(code)")
    return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
}
