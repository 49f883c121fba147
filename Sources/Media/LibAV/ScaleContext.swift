import CFFmpeg

/// One libswscale `SwsContext` for same-size conversions, remade when the source changes and
/// freed with `sws_freeContext` when the value goes away.
struct ScaleContext: ~Copyable {
    private var context: OpaquePointer? = nil
    private var configuredFor: Key? = nil

    /// What a context is made for: the source's size, pixel format, colour space and range.
    struct Key: Equatable {
        var width: Int32
        var height: Int32
        var format: Int32
        var space: UInt32
        var range: UInt32
        var destination: Int32

        init(source: UnsafeMutablePointer<AVFrame>, destination: AVPixelFormat) {
            width = source.pointee.width
            height = source.pointee.height
            format = source.pointee.format
            space = source.pointee.colorspace.rawValue
            range = source.pointee.color_range.rawValue
            self.destination = destination.rawValue
        }
    }

    init() {}

    deinit { sws_freeContext(context) }

    /// Makes a `SWS_BICUBIC` context from `source`'s size and format to `destination` at the
    /// same size, unless the current one was made for the same source (`sws_getContext`).
    /// Returns whether a new context was made; throws the error `failure` makes of the two
    /// format names when libswscale has no such conversion.
    mutating func configure(
        for source: UnsafeMutablePointer<AVFrame>, destination: AVPixelFormat, failure: (_ from: String, _ to: String) -> MediaError
    ) throws(MediaError) -> Bool {
        let key = Key(source: source, destination: destination)
        if context != nil, configuredFor == key { return false }
        try configure(
            width: key.width, height: key.height, from: AVPixelFormat(key.format), to: destination, failure: failure)
        configuredFor = key
        return true
    }

    /// Makes a `SWS_BICUBIC` context for `width`×`height` pictures from `from` to `to`.
    mutating func configure(
        width: Int32, height: Int32, from: AVPixelFormat, to: AVPixelFormat, failure: (_ from: String, _ to: String) -> MediaError
    ) throws(MediaError) {
        sws_freeContext(context)
        configuredFor = nil
        context = sws_getContext(width, height, from, width, height, to, SWS_BICUBIC, nil, nil, nil)
        guard context != nil else {
            throw failure(LibAV.pixelFormatName(from) ?? "unknown", LibAV.pixelFormatName(to) ?? "unknown")
        }
    }

    /// Converts all of `source` into the given planes (`sws_scale`); returns the rows written.
    func scale(
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

    /// Converts all of `source` into `destination`'s planes; returns the rows written.
    func scale(_ source: UnsafeMutablePointer<AVFrame>, into destination: UnsafeMutablePointer<AVFrame>) -> Int32 {
        withUnsafeMutablePointer(to: &destination.pointee.data) { data in
            withUnsafeMutablePointer(to: &destination.pointee.linesize) { lines in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                    lines.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                        scale(source, into: planes, strides: strides)
                    }
                }
            }
        }
    }

    /// Converts `rows` rows of one packed picture (`sourceStride` bytes apart) into `destination`.
    func scale(
        packed source: UnsafePointer<UInt8>, sourceStride: Int32, rows: Int32, into destination: UnsafeMutablePointer<AVFrame>
    ) -> Int32 {
        var sourceData: [UnsafePointer<UInt8>?] = [source, nil, nil, nil]
        var sourceLines: [Int32] = [sourceStride, 0, 0, 0]
        return withUnsafeMutablePointer(to: &destination.pointee.data) { data in
            withUnsafeMutablePointer(to: &destination.pointee.linesize) { lines in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { planes in
                    lines.withMemoryRebound(to: Int32.self, capacity: 8) { strides in
                        sws_scale(context, &sourceData, &sourceLines, 0, rows, planes, strides)
                    }
                }
            }
        }
    }

    /// Sets the context's YCbCr matrix as the ffmpeg CLI's scale filter does with
    /// `in_color_matrix=auto`: the matrix from the frame's colour space, the input range from its
    /// colour range, the output range as libswscale chose it. Returns `sws_setColorspaceDetails`'s
    /// status, or nil when the context has no colour-space details (non-YUV input), which leaves
    /// it as it is.
    ///
    /// ref: FFmpeg 5.1 `libavfilter/vf_scale.c` `scale_frame` (`in_color_matrix`, `in_range`).
    func setScaleFilterColorspace(for source: UnsafeMutablePointer<AVFrame>) -> LibAVStatus? {
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
        return LibAVStatus(
            sws_setColorspaceDetails(context, coefficients, sourceRange, coefficients, destinationRange, brightness, contrast, saturation))
    }
}

extension LibAV {
    /// FFmpeg's name of a pixel format, e.g. `yuv420p` (`av_get_pix_fmt_name`).
    static func pixelFormatName(_ format: AVPixelFormat) -> String? { av_get_pix_fmt_name(format).map { String(cString: $0) } }

    /// FFmpeg's description of a pixel format (planes, subsampling, flags); nil for an unknown
    /// format (`av_pix_fmt_desc_get`).
    static func pixelFormatDescriptor(_ format: AVPixelFormat) -> AVPixFmtDescriptor? { av_pix_fmt_desc_get(format)?.pointee }
}
