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

    private let outputFrame: OwnedFrame
    var output: UnsafeMutablePointer<AVFrame> { outputFrame.pointer }
    private let destination: AVPixelFormat
    private let setup: Setup
    private let label: String
    /// The error of a conversion that cannot be set up or runs short, from its reason.
    private let failure: (String) -> MediaError
    private var context = ScaleContext()

    /// - Parameter failure: the error for a conversion that cannot be set up or runs short, from
    ///   its reason (default: ``MediaError/encodeFailed(path:reason:)`` naming `label`).
    init(destination: AVPixelFormat, setup: Setup, label: String, failure: ((String) -> MediaError)? = nil) throws(MediaError) {
        outputFrame = try OwnedFrame(label: label)
        self.destination = destination
        self.setup = setup
        self.label = label
        self.failure = failure ?? { .encodeFailed(path: label, reason: $0) }
    }

    /// Converts `source` into ``output`` (valid until the next call) and returns it.
    /// The corresponding C function is `sws_scale`.
    @discardableResult
    func convert(_ source: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> UnsafeMutablePointer<AVFrame> {
        try prepare(for: source)
        let rows = context.scale(source, into: output)
        guard rows == source.pointee.height else {
            throw failure("pixel conversion produced \(rows) of \(source.pointee.height) rows")
        }
        output.pointee.pts = source.pointee.pts
        output.pointee.sample_aspect_ratio = source.pointee.sample_aspect_ratio
        if case .scaleFilter = setup, LibAV.pixelFormatDescriptor(destination).map({ $0.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0 }) ?? false {
            // vf_scale tags its output with the range libswscale produced.
            output.pointee.color_range = isFullRangeYUV(destination) ? AVCOL_RANGE_JPEG : source.pointee.color_range
        }
        return output
    }

    private func isFullRangeYUV(_ format: AVPixelFormat) -> Bool {
        format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P
    }

    /// Converts all of `source` into the given planes (a caller's own buffer) after ``prepare(for:)``;
    /// returns the rows written.
    func scalePrepared(
        _ source: UnsafeMutablePointer<AVFrame>, into planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        strides: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        context.scale(source, into: planes, strides: strides)
    }

    /// Converts all of `source` into ``output`` after ``prepare(for:)``; returns the rows written.
    func scalePrepared(_ source: UnsafeMutablePointer<AVFrame>) -> Int32 { context.scale(source, into: output) }

    /// Sets the conversion up for `source` (its size, format, colour space and range), unless it
    /// already is, with ``output`` allocated to match.
    func prepare(for source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let (label, failure) = (label, failure)
        let made = try context.configure(for: source, destination: destination) { from, to in
            failure("no pixel conversion from \(from) to \(to)")
        }
        guard made else { return }
        let alignment: Int32
        switch setup {
        case .openCV(let value):
            alignment = value
        case .scaleFilter:
            alignment = 0
            // vf_scale with `in_color_matrix=auto`.
            try context.setScaleFilterColorspace(for: source)?.check { failure("cannot set the YCbCr matrix: \($0.message)") }
        }
        outputFrame.unreference()
        output.pointee.width = source.pointee.width
        output.pointee.height = source.pointee.height
        output.pointee.format = destination.rawValue
        try outputFrame.allocateBuffers(alignment: alignment).check { $0.error(path: label, operation: "av_frame_get_buffer") }
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

/// One opened encoder: owns an `AVCodecContext` and an `AVPacket`; packets come back as bytes
/// (``encode(_:)``) or one at a time to a caller that muxes them (``encode(_:each:)``).
final class FrameEncoder {
    private let context: CodecContext
    var codec: UnsafeMutablePointer<AVCodecContext> { context.pointer }
    private let packet: OwnedPacket
    /// The reference to a caller's picture that ``encodePicture(_:pts:)`` hands the encoder.
    private let input: OwnedFrame
    private let name: String
    private let label: String

    /// Opens encoder `name` after `configure` has set the context's fields, with `options` as
    /// FFmpeg's `-key value` pairs.
    init(
        name: String, label: String, options: [String: String] = [:],
        configure: (UnsafeMutablePointer<AVCodecContext>, UnsafePointer<AVCodec>) throws(MediaError) -> Void
    ) throws(MediaError) {
        _ = FFmpegLog.install
        self.label = label
        self.name = name
        context = try CodecContext(encoderNamed: name, label: label)
        packet = try OwnedPacket(label: label)
        input = try OwnedFrame(label: label)
        try configure(context.pointer, context.codec)
        try context.open(options: options, label: label).check {
            .encodeFailed(path: label, reason: "cannot open encoder \(name): \($0.reason)")
        }
    }

    /// Opens encoder `name` after `configure` has set the context's fields.
    convenience init(name: String, label: String, configure: (UnsafeMutablePointer<AVCodecContext>) -> Void) throws(MediaError) {
        try self.init(name: name, label: label) { codec, _ in configure(codec) }
    }

    /// Copies the opened encoder's parameters to a stream's (`avcodec_parameters_from_context`).
    func copyParameters(to parameters: UnsafeMutablePointer<AVCodecParameters>) -> LibAVStatus { context.copyParameters(to: parameters) }

    /// The encoder's global header (e.g. AAC's AudioSpecificConfig), if it made one.
    var extradata: [UInt8]? { context.extradata }

    /// Encodes one picture as the ffmpeg CLI's `do_video_out` hands it to the encoder: a new
    /// reference with its own `pts`, `quality = global_quality` (the `-q:v` lambda, or 0) and no
    /// picture type; `picture` itself is not modified. Returns the packets the encoder then has
    /// ready (an encoder with a lookahead, such as libx264, returns them later).
    func encodePicture(_ picture: UnsafeMutablePointer<AVFrame>, pts: Int64) throws(MediaError) -> [[UInt8]] {
        let label = label
        input.unreference()
        try input.reference(picture).check { .encodeFailed(path: label, reason: $0.message) }
        defer { input.unreference() }
        input.pointer.pointee.pts = pts
        input.pointer.pointee.quality = codec.pointee.global_quality
        input.pointer.pointee.pict_type = AV_PICTURE_TYPE_NONE
        return try encode(input.pointer)
    }

    /// ``encodePicture(_:pts:)`` for an encoder that neither delays nor splits pictures (mpeg4,
    /// mjpeg): fails unless exactly one packet comes back.
    func encodeOnePicture(_ picture: UnsafeMutablePointer<AVFrame>, pts: Int64) throws(MediaError) -> [UInt8] {
        let packets = try encodePicture(picture, pts: pts)
        guard packets.count == 1 else {
            throw .encodeFailed(path: label, reason: "the \(name) encoder returned \(packets.count) packets for one picture")
        }
        return packets[0]
    }

    /// Sends `frame` (nil to flush) and returns every packet the encoder then has ready.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?) throws(MediaError) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        try encode(frame) { (packet) throws(MediaError) in packets.append(OwnedPacket.bytes(of: packet)) }
        return packets
    }

    /// Sends `frame` (nil to flush) and hands every packet the encoder then has ready to `body`;
    /// each packet is valid only during the call. A flush of an already flushed encoder is no error.
    /// The corresponding C functions are `avcodec_send_frame` and `avcodec_receive_packet`.
    func encode(
        _ frame: UnsafeMutablePointer<AVFrame>?, each body: (UnsafeMutablePointer<AVPacket>) throws(MediaError) -> Void
    ) throws(MediaError) {
        let label = label
        let sent = context.send(frame: frame)
        if !(frame == nil && sent.isEndOfFile) {
            try sent.check { .encodeFailed(path: label, reason: $0.reason) }
        }
        while true {
            let received = context.receive(into: packet.pointer)
            if received.isAgain || received.isEndOfFile { return }
            try received.check { .encodeFailed(path: label, reason: $0.reason) }
            defer { packet.unreference() }
            try body(packet.pointer)
        }
    }
}

/// One opened decoder fed with packets held in memory: owns an `AVCodecContext`, an `AVPacket`
/// and the `AVFrame` it decodes into.
final class PacketDecoder {
    private let context: CodecContext
    private let packet: OwnedPacket
    private let frame: OwnedFrame
    private let label: String
    private let stream: String

    /// Opens the decoder of `codecID` for a stream whose container gives it `codecTag` (FFmpeg's
    /// MPEG-4 decoder chooses bug workarounds from the tag, so it is set as the demuxer would).
    /// One thread: decoded pixels do not depend on the thread count, and frames come back without
    /// the frame-threading delay.
    init(codecID: AVCodecID, codecTag: UInt32, label: String, extradata: [UInt8]? = nil, stream: String = "video") throws(MediaError) {
        self.label = label
        self.stream = stream
        context = try CodecContext(decoderFor: codecID, label: label, stream: stream)
        packet = try OwnedPacket(label: label)
        frame = try OwnedFrame(label: label)
        context.pointer.pointee.codec_tag = codecTag
        context.pointer.pointee.thread_count = 1
        if let extradata { try context.setExtradata(extradata, label: label) }
        try context.open(label: label).check {
            .decodeFailed(path: label, stream: stream, reason: "cannot open the decoder: \($0.message)")
        }
    }

    /// Decodes one packet (nil to flush) and hands every picture or block of samples it yields to
    /// `body`; the frame is valid only during the call.
    /// The corresponding C functions are `avcodec_send_packet` and `avcodec_receive_frame`.
    func decode(_ bytes: [UInt8]?, pts: Int64, body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void) throws(MediaError) {
        let (label, stream) = (label, stream)
        var sent: LibAVStatus
        if let bytes {
            try bytes.withUnsafeBytes { packet.fill(with: $0) }.check { .decodeFailed(path: label, stream: stream, reason: $0.message) }
            packet.pointer.pointee.pts = pts
            packet.pointer.pointee.dts = pts
            sent = context.send(packet.pointer)
            packet.unreference()
        } else {
            sent = context.send(nil)
            if sent.isEndOfFile { sent = .ok }
        }
        try sent.check { .decodeFailed(path: label, stream: stream, reason: $0.reason) }
        while true {
            let received = context.receive(into: frame.pointer)
            if received.isAgain || received.isEndOfFile { break }
            try received.check { .decodeFailed(path: label, stream: stream, reason: $0.reason) }
            defer { frame.unreference() }
            try body(frame.pointer)
        }
    }
}

/// A four-character code as FFmpeg stores it (`MKTAG`).
func fourCC(_ code: String) -> UInt32 {
    let bytes = Array(code.utf8)
    precondition(bytes.count == 4, "a four-character code needs 4 ASCII characters, got \(code)")
    return UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24
}
