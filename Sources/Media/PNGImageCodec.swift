import CFFmpeg
import Foundation

/// Lossless, self-contained storage of BGR pictures as PNG files (libavcodec's `png` encoder and
/// decoder), used for the cached 224×224 crops: every frame stands alone, so any frame can be read
/// without its neighbours and exported as an ordinary image.
///
/// One codec holds one encoder and one decoder context and reuses them; it is not thread-safe: use
/// one per task.
///
/// ```swift
/// let codec = try PNGImageCodec()
/// let png = try codec.encode(crop)
/// let back = try codec.decode(png)   // == crop, bit for bit
/// ```
public final class PNGImageCodec {
    /// zlib effort of the encoder (1 = fastest … 9 = smallest). 3 keeps encoding a 224×224 crop near
    /// a millisecond while the Paeth predictor does most of the compression.
    public static let compressionLevel: Int32 = 3

    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var encoderSize: (width: Int, height: Int) = (0, 0)
    private var decoder: UnsafeMutablePointer<AVCodecContext>?
    private let frame: UnsafeMutablePointer<AVFrame>
    private let packet: UnsafeMutablePointer<AVPacket>

    /// Name used in error messages (the codec works in memory).
    static let label = "PNG crop"

    public init() throws(MediaError) {
        _ = FFmpegLog.install
        guard let frame = av_frame_alloc() else { throw .ffmpeg(path: Self.label, operation: "allocate a frame", code: 0, message: "out of memory") }
        guard let packet = av_packet_alloc() else {
            var frame: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&frame)
            throw .ffmpeg(path: Self.label, operation: "allocate a packet", code: 0, message: "out of memory")
        }
        self.frame = frame
        self.packet = packet
    }

    deinit {
        avcodec_free_context(&encoder)
        avcodec_free_context(&decoder)
        var frame: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&frame)
        var packet: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&packet)
    }

    /// The PNG file of a BGR picture.
    public func encode(_ image: Image) throws(MediaError) -> Data {
        guard image.layout == .bgr else {
            throw .encodeFailed(path: Self.label, reason: "pictures must be BGR, got \(image.layout.rawValue)")
        }
        let context = try encoderContext(width: image.width, height: image.height)
        av_frame_unref(frame)
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.width = Int32(image.width)
        frame.pointee.height = Int32(image.height)
        var status = av_frame_get_buffer(frame, 0)
        guard status >= 0 else { throw .encodeFailed(path: Self.label, reason: ffmpegErrorMessage(status)) }
        let stride = Int(frame.pointee.linesize.0)
        guard let plane = frame.pointee.data.0 else { throw .encodeFailed(path: Self.label, reason: "no frame buffer") }
        image.pixels.withUnsafeBufferPointer { bgr in
            for y in 0..<image.height {
                let source = bgr.baseAddress! + y * image.rowStride
                let row = plane + y * stride
                for x in 0..<image.width {
                    row[3 * x] = source[3 * x + 2]
                    row[3 * x + 1] = source[3 * x + 1]
                    row[3 * x + 2] = source[3 * x]
                }
            }
        }
        frame.pointee.pts = 0
        status = avcodec_send_frame(context, frame)
        guard status >= 0 else { throw .encodeFailed(path: Self.label, reason: ffmpegErrorMessage(status)) }
        status = avcodec_receive_packet(context, packet)
        guard status >= 0 else { throw .encodeFailed(path: Self.label, reason: ffmpegErrorMessage(status)) }
        defer { av_packet_unref(packet) }
        return Data(bytes: packet.pointee.data, count: Int(packet.pointee.size))
    }

    /// The BGR picture of a PNG file written by ``encode(_:)`` (8-bit RGB).
    ///
    /// Every call opens a fresh decoder: FFmpeg 5.1's PNG decoder keeps the previous picture's
    /// last row between calls and uses it as the row above the first row of the next picture, so a
    /// reused context decodes every picture after the first wrongly when the rows are filtered
    /// (`PNGImageCodecTests` catches it).
    public func decode(_ png: Data) throws(MediaError) -> Image {
        avcodec_free_context(&decoder)
        let context = try decoderContext()
        av_packet_unref(packet)
        var status = av_new_packet(packet, Int32(png.count))
        guard status >= 0 else { throw .decodeFailed(path: Self.label, stream: "png", reason: ffmpegErrorMessage(status)) }
        png.copyBytes(to: packet.pointee.data, count: png.count)
        defer { av_packet_unref(packet) }
        status = avcodec_send_packet(context, packet)
        guard status >= 0 else { throw .decodeFailed(path: Self.label, stream: "png", reason: ffmpegErrorMessage(status)) }
        av_frame_unref(frame)
        status = avcodec_receive_frame(context, frame)
        guard status >= 0 else { throw .decodeFailed(path: Self.label, stream: "png", reason: ffmpegErrorMessage(status)) }
        defer { av_frame_unref(frame) }
        guard frame.pointee.format == AV_PIX_FMT_RGB24.rawValue, let plane = frame.pointee.data.0 else {
            throw .decodeFailed(path: Self.label, stream: "png", reason: "not an 8-bit RGB picture")
        }
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        let stride = Int(frame.pointee.linesize.0)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { bgr in
            for y in 0..<height {
                let row = plane + y * stride
                let target = bgr.baseAddress! + y * width * 3
                for x in 0..<width {
                    target[3 * x] = row[3 * x + 2]
                    target[3 * x + 1] = row[3 * x + 1]
                    target[3 * x + 2] = row[3 * x]
                }
            }
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }

    private func encoderContext(width: Int, height: Int) throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> {
        if let encoder, encoderSize == (width, height) { return encoder }
        avcodec_free_context(&encoder)
        guard let codec = avcodec_find_encoder(AV_CODEC_ID_PNG) else {
            throw .unsupportedCodec(path: Self.label, stream: "crop frames", codec: "png")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw .ffmpeg(path: Self.label, operation: "allocate the PNG encoder", code: 0, message: "out of memory")
        }
        context.pointee.width = Int32(width)
        context.pointee.height = Int32(height)
        context.pointee.pix_fmt = AV_PIX_FMT_RGB24
        context.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointee.compression_level = Self.compressionLevel
        var options: OpaquePointer? = nil
        av_dict_set(&options, "pred", "paeth", 0)
        let status = avcodec_open2(context, codec, &options)
        av_dict_free(&options)
        guard status >= 0 else {
            var context: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&context)
            throw .encodeFailed(path: Self.label, reason: "cannot open the PNG encoder: \(ffmpegErrorMessage(status))")
        }
        encoder = context
        encoderSize = (width, height)
        return context
    }

    private func decoderContext() throws(MediaError) -> UnsafeMutablePointer<AVCodecContext> {
        if let decoder { return decoder }
        guard let codec = avcodec_find_decoder(AV_CODEC_ID_PNG) else {
            throw .unsupportedCodec(path: Self.label, stream: "crop frames", codec: "png")
        }
        guard let context = avcodec_alloc_context3(codec) else {
            throw .ffmpeg(path: Self.label, operation: "allocate the PNG decoder", code: 0, message: "out of memory")
        }
        let status = avcodec_open2(context, codec, nil)
        guard status >= 0 else {
            var context: UnsafeMutablePointer<AVCodecContext>? = context
            avcodec_free_context(&context)
            throw .decodeFailed(path: Self.label, stream: "png", reason: "cannot open the PNG decoder: \(ffmpegErrorMessage(status))")
        }
        decoder = context
        return context
    }
}
