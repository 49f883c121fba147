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
    private var context: OpaquePointer?
    private let destination: UnsafeMutablePointer<AVFrame>
    private var configuredFor: (width: Int32, height: Int32, format: Int32, space: UInt32, range: UInt32)?
    private let path: String

    init(path: String) throws(MediaError) {
        self.path = path
        guard let frame = av_frame_alloc() else {
            throw .ffmpeg(path: path, operation: "av_frame_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        destination = frame
    }

    deinit {
        sws_freeContext(context)
        var owned: UnsafeMutablePointer<AVFrame>? = destination
        av_frame_free(&owned)
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
                rows = scale(source, into: &planes, strides: &strides)
            } else {
                rows = withUnsafeMutablePointer(to: &destination.pointee.data) { data in
                    withUnsafeMutablePointer(to: &destination.pointee.linesize) { lines in
                        data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                            lines.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                                scale(source, into: planes, strides: strides)
                            }
                        }
                    }
                }
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

    /// `sws_scale` of the whole source picture into the given destination planes.
    private func scale(
        _ source: UnsafeMutablePointer<AVFrame>, into planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>,
        strides: UnsafeMutablePointer<Int32>
    ) -> Int32 {
        withUnsafePointer(to: source.pointee.data) { sourceData in
            withUnsafePointer(to: source.pointee.linesize) { sourceLines in
                sourceData.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { inData in
                    sourceLines.withMemoryRebound(to: Int32.self, capacity: 8) { inLines in
                        sws_scale(context, inData, inLines, 0, source.pointee.height, planes, strides)
                    }
                }
            }
        }
    }

    private func configure(for source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        let key = (
            width: source.pointee.width, height: source.pointee.height, format: source.pointee.format,
            space: source.pointee.colorspace.rawValue, range: source.pointee.color_range.rawValue
        )
        if let configuredFor, configuredFor == key { return }
        sws_freeContext(context)
        context = sws_getContext(
            key.width, key.height, AVPixelFormat(key.format), key.width, key.height, AV_PIX_FMT_BGR24,
            SWS_BICUBIC, nil, nil, nil)
        guard context != nil else {
            let formatName = av_get_pix_fmt_name(AVPixelFormat(key.format)).map { String(cString: $0) } ?? "unknown"
            throw .decodeFailed(
                path: path, stream: "video",
                reason: "no pixel conversion from \(formatName) to bgr24")
        }
        if let set = setScaleFilterColorspace(context, for: source), set < 0 {
            throw .decodeFailed(path: path, stream: "video", reason: "cannot set the YCbCr matrix: \(ffmpegErrorMessage(set))")
        }
        av_frame_unref(destination)
        destination.pointee.width = key.width
        destination.pointee.height = key.height
        destination.pointee.format = AV_PIX_FMT_BGR24.rawValue
        let allocated = av_frame_get_buffer(destination, 0)
        guard allocated >= 0 else {
            throw .ffmpeg(path: path, operation: "av_frame_get_buffer", code: allocated, message: ffmpegErrorMessage(allocated))
        }
        configuredFor = key
    }
}

/// Sets `context`'s YCbCr matrix as the ffmpeg CLI's scale filter does with `in_color_matrix=auto`:
/// the matrix from the frame's colour space, the input range from its colour range, the output range
/// as libswscale chose it. Returns `sws_setColorspaceDetails`'s status, or nil when the context
/// has no colour-space details (non-YUV input), which leaves it as it is.
///
/// ref: FFmpeg 5.1 `libavfilter/vf_scale.c` `scale_frame` (`in_color_matrix`, `in_range`).
func setScaleFilterColorspace(_ context: OpaquePointer?, for source: UnsafeMutablePointer<AVFrame>) -> Int32? {
    var inverseTable: UnsafeMutablePointer<Int32>? = nil
    var table: UnsafeMutablePointer<Int32>? = nil
    var sourceRange: Int32 = 0
    var destinationRange: Int32 = 0
    var brightness: Int32 = 0
    var contrast: Int32 = 0
    var saturation: Int32 = 0
    let got = sws_getColorspaceDetails(
        context, &inverseTable, &sourceRange, &table, &destinationRange, &brightness, &contrast, &saturation)
    guard got >= 0 else { return nil }
    let space = source.pointee.colorspace
    let coefficients = sws_getCoefficients(space == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : Int32(bitPattern: space.rawValue))
    if source.pointee.color_range != AVCOL_RANGE_UNSPECIFIED {
        sourceRange = source.pointee.color_range == AVCOL_RANGE_JPEG ? 1 : 0
    }
    return sws_setColorspaceDetails(context, coefficients, sourceRange, coefficients, destinationRange, brightness, contrast, saturation)
}
