import CFFmpeg

/// Converts decoded pictures to packed BGR24 exactly as `ffmpeg -pix_fmt bgr24` does: owns one
/// `SwsContext` and one aligned `AVFrame` destination.
///
/// To agree bit for bit with FFmpeg's own conversion it reproduces what the CLI's scale filter sets
/// up (FFmpeg 5.1 `libavfilter/vf_scale.c`): `SWS_BICUBIC` (the CLI's default `sws_flags`), the
/// input YCbCr matrix taken from the frame's colour space (`in_color_matrix=auto`), the input range
/// from the frame's colour range, and a destination frame with FFmpeg's default buffer alignment
/// (SIMD code paths are chosen by alignment).
final class PixelConverter {
    private var context = ScaleContext()
    private let destinationFrame: OwnedFrame
    private var destination: UnsafeMutablePointer<AVFrame> { destinationFrame.pointer }
    private let path: String

    init(path: String) throws(MediaError) {
        self.path = path
        destinationFrame = try OwnedFrame(label: path)
    }

    /// Converts `source` to a packed BGR ``Image``.
    ///
    /// When a packed row is a multiple of 16 bytes (FFmpeg's alignment for these SIMD paths),
    /// `sws_scale` writes straight into the image's buffer; otherwise it writes into an aligned
    /// frame whose rows are then copied. Both give the same pixels (checked by the parity tests,
    /// whose clips take both paths).
    /// The corresponding C functions are `sws_getContext`, `sws_setColorspaceDetails`, `sws_scale`.
    func bgrImage(from source: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Image {
        let width = Int(source.pointee.width)
        let height = Int(source.pointee.height)
        try configure(for: source)
        let rowBytes = width * 3
        let direct = rowBytes % 16 == 0
        var rows: Int32 = 0
        let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, count in
            if direct {
                var planes: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
                var strides: [Int32] = [Int32(rowBytes), 0, 0, 0]
                rows = context.scale(source, into: &planes, strides: &strides)
            } else {
                rows = context.scale(source, into: destination)
                let stride = Int(destination.pointee.linesize.0)
                let base = destination.pointee.data.0!
                for row in 0..<height {
                    (buffer.baseAddress! + row * rowBytes).update(from: base + row * stride, count: rowBytes)
                }
            }
            count = rowBytes * height
        }
        guard rows == Int32(height) else {
            throw .decodeFailed(path: path, stream: "video", reason: "pixel conversion produced \(rows) of \(height) rows")
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }

    private func configure(for source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let path = path
        let made = try context.configure(for: source, destination: AV_PIX_FMT_BGR24) { from, _ in
            .decodeFailed(path: path, stream: "video", reason: "no pixel conversion from \(from) to bgr24")
        }
        guard made else { return }
        try context.setScaleFilterColorspace(for: source)?.check {
            .decodeFailed(path: path, stream: "video", reason: "cannot set the YCbCr matrix: \($0.message)")
        }
        destinationFrame.unreference()
        destination.pointee.width = source.pointee.width
        destination.pointee.height = source.pointee.height
        destination.pointee.format = AV_PIX_FMT_BGR24.rawValue
        try destinationFrame.allocateBuffers(alignment: 0).check { $0.error(path: path, operation: "av_frame_get_buffer") }
    }
}
