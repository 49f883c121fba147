import CFFmpeg
import Foundation

/// Lossless, self-contained storage of BGR pictures as PNG files (libavcodec's `png` encoder and
/// decoder), used for the cached 224×224 crops: every frame stands alone, so any frame can be read
/// without its neighbours and exported as an ordinary image.
///
/// One codec holds one encoder context and reuses it (a decoder is opened per picture, see
/// ``decode(_:)``); it is not thread-safe: use one per task.
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

    private var encoder: CodecContext?
    private var encoderSize: (width: Int, height: Int) = (0, 0)
    private let frame: OwnedFrame
    private let packet: OwnedPacket

    /// Name used in error messages (the codec works in memory).
    static let label = "PNG crop"

    public init() throws(MediaError) {
        _ = FFmpegLog.install
        frame = try OwnedFrame(label: Self.label)
        packet = try OwnedPacket(label: Self.label)
    }

    /// The PNG file of a BGR picture.
    public func encode(_ image: Image) throws(MediaError) -> Data {
        guard image.layout == .bgr else {
            throw .encodeFailed(path: Self.label, reason: "pictures must be BGR, got \(image.layout.rawValue)")
        }
        let label = Self.label
        try openEncoder(width: image.width, height: image.height)
        let frame = frame.pointer
        self.frame.unreference()
        frame.pointee.format = AV_PIX_FMT_RGB24.rawValue
        frame.pointee.width = Int32(image.width)
        frame.pointee.height = Int32(image.height)
        try self.frame.allocateBuffers(alignment: 0).check { .encodeFailed(path: label, reason: $0.message) }
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
        try encoder!.send(frame: frame).check { .encodeFailed(path: label, reason: $0.message) }
        try encoder!.receive(into: packet.pointer).check { .encodeFailed(path: label, reason: $0.message) }
        defer { packet.unreference() }
        return Data(bytes: packet.pointer.pointee.data, count: Int(packet.pointer.pointee.size))
    }

    /// The BGR picture of a PNG file written by ``encode(_:)`` (8-bit RGB).
    ///
    /// Every call opens a fresh decoder: FFmpeg 5.1's PNG decoder keeps the previous picture's
    /// last row between calls and uses it as the row above the first row of the next picture, so a
    /// reused context decodes every picture after the first wrongly when the rows are filtered
    /// (`PNGImageCodecTests` catches it).
    public func decode(_ png: Data) throws(MediaError) -> Image {
        let label = Self.label
        let decoder = try CodecContext(decoderFor: AV_CODEC_ID_PNG, label: label, stream: "crop frames")
        try decoder.open(label: label).check {
            .decodeFailed(path: label, stream: "png", reason: "cannot open the PNG decoder: \($0.message)")
        }
        packet.unreference()
        try png.withUnsafeBytes { packet.fill(with: $0) }.check { .decodeFailed(path: label, stream: "png", reason: $0.message) }
        defer { packet.unreference() }
        try decoder.send(packet.pointer).check { .decodeFailed(path: label, stream: "png", reason: $0.message) }
        self.frame.unreference()
        try decoder.receive(into: self.frame.pointer).check { .decodeFailed(path: label, stream: "png", reason: $0.message) }
        defer { self.frame.unreference() }
        let frame = self.frame.pointer
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

    private func openEncoder(width: Int, height: Int) throws(MediaError) {
        if encoder != nil, encoderSize == (width, height) { return }
        encoder = nil
        let label = Self.label
        let context = try CodecContext(encoderFor: AV_CODEC_ID_PNG, label: label, stream: "crop frames")
        context.pointer.pointee.width = Int32(width)
        context.pointer.pointee.height = Int32(height)
        context.pointer.pointee.pix_fmt = AV_PIX_FMT_RGB24
        context.pointer.pointee.time_base = AVRational(num: 1, den: 25)
        context.pointer.pointee.compression_level = Self.compressionLevel
        try context.open(options: ["pred": "paeth"], label: label).check {
            .encodeFailed(path: label, reason: "cannot open the PNG encoder: \($0.message)")
        }
        encoder = consume context
        encoderSize = (width, height)
    }
}
