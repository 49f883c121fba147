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
    /// The CLI's scale filter to `bgr24` (``FrameScaler/Setup/scaleFilter``).
    private let scaler: FrameScaler
    private let path: String

    init(path: String) throws(MediaError) {
        self.path = path
        scaler = try FrameScaler(destination: AV_PIX_FMT_BGR24, setup: .scaleFilter, label: path) {
            .decodeFailed(path: path, stream: "video", reason: $0)
        }
    }

    /// Converts `source` to a packed BGR ``Image``.
    ///
    /// When a packed row is a multiple of 16 bytes (FFmpeg's alignment for these SIMD paths),
    /// `sws_scale` writes straight into the image's buffer; otherwise it writes into the scaler's
    /// aligned frame whose rows are then copied. Both give the same pixels (checked by the parity
    /// tests, whose clips take both paths).
    /// The corresponding C functions are `sws_getContext`, `sws_setColorspaceDetails`, `sws_scale`.
    func bgrImage(from source: UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Image {
        let width = Int(source.pointee.width)
        let height = Int(source.pointee.height)
        try scaler.prepare(for: source)
        let rowBytes = width * 3
        if rowBytes % 16 != 0 {
            let rows = scaler.scalePrepared(source)
            try checkRows(rows, of: height)
            return FrameScaler.bgrImage(of: scaler.output)
        }
        var rows: Int32 = 0
        let pixels = [UInt8](unsafeUninitializedCapacity: rowBytes * height) { buffer, count in
            var planes: [UnsafeMutablePointer<UInt8>?] = [buffer.baseAddress, nil, nil, nil]
            var strides: [Int32] = [Int32(rowBytes), 0, 0, 0]
            rows = scaler.scalePrepared(source, into: &planes, strides: &strides)
            count = rowBytes * height
        }
        try checkRows(rows, of: height)
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }

    private func checkRows(_ rows: Int32, of height: Int) throws(MediaError) {
        guard rows == Int32(height) else {
            throw .decodeFailed(path: path, stream: "video", reason: "pixel conversion produced \(rows) of \(height) rows")
        }
    }
}
