import CFFmpeg

/// One libswresample `SwrContext`, freed with `swr_free` when the value goes away.
struct ResampleContext: ~Copyable {
    private let context: OpaquePointer?

    /// A converter between two layouts, sample formats and rates with libswresample's defaults
    /// (`swr_alloc_set_opts2`); not yet initialised.
    init(
        from input: borrowing OwnedChannelLayout, format inputFormat: AVSampleFormat, rate inputRate: Int32,
        to output: borrowing OwnedChannelLayout, format outputFormat: AVSampleFormat, rate outputRate: Int32, label: String
    ) throws(MediaError) {
        var context: OpaquePointer? = nil
        var inputLayout = input.layout
        var outputLayout = output.layout
        let status = swr_alloc_set_opts2(
            &context, &outputLayout, outputFormat, outputRate, &inputLayout, inputFormat, inputRate, 0, nil)
        guard status >= 0, context != nil else {
            swr_free(&context)
            throw LibAVStatus(status).error(path: label, operation: "swr_alloc_set_opts2")
        }
        self.context = context
    }

    deinit {
        var owned = context
        swr_free(&owned)
    }

    /// Sets a floating-point option, e.g. `min_hard_comp` (`av_opt_set_double`).
    func setOption(_ name: String, _ value: Double) -> LibAVStatus {
        LibAVStatus(av_opt_set_double(UnsafeMutableRawPointer(context), name, value, 0))
    }

    /// Sets an integer option, e.g. `first_pts` (`av_opt_set_int`).
    func setOption(_ name: String, _ value: Int64) -> LibAVStatus {
        LibAVStatus(av_opt_set_int(UnsafeMutableRawPointer(context), name, value, 0))
    }

    /// Initialises the converter after its options are set (`swr_init`).
    func initialize() -> LibAVStatus { LibAVStatus(swr_init(context)) }

    /// An upper bound of the samples the next conversion of `inputCount` samples gives
    /// (`swr_get_out_samples`); negative codes are errors.
    func outputCapacity(forInput inputCount: Int32) -> LibAVStatus { LibAVStatus(swr_get_out_samples(context, inputCount)) }

    /// Converts `count` samples of `input` (nil drains the converter) into at most `capacity`
    /// samples of `output` (`swr_convert`); returns the samples written per channel.
    func convert(
        _ input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32,
        into output: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, capacity: Int32
    ) -> LibAVStatus {
        LibAVStatus(swr_convert(context, output, capacity, input, count))
    }

    /// Tells the converter the next input's timestamp, for `async` compensation (`swr_next_pts`).
    func nextTimestamp(_ pts: Int64) { _ = swr_next_pts(context, pts) }
}

/// Sample buffers of one audio format allocated by libavutil (`av_samples_alloc_array_and_samples`),
/// freed with `av_freep` when the value goes away.
struct SampleBuffers: ~Copyable {
    let planes: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>

    init(channels: Int32, samples: Int32, format: AVSampleFormat, label: String) throws(MediaError) {
        var buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = nil
        let status = av_samples_alloc_array_and_samples(&buffer, nil, channels, samples, format, 0)
        guard status >= 0, let buffer else { throw LibAVStatus(status).error(path: label, operation: "av_samples_alloc") }
        planes = buffer
    }

    deinit {
        av_freep(UnsafeMutableRawPointer(planes))
        var array: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = planes
        av_freep(&array)
    }
}

extension LibAV {
    /// FFmpeg's name of a sample format, e.g. `fltp` (`av_get_sample_fmt_name`).
    static func sampleFormatName(_ format: AVSampleFormat) -> String? { av_get_sample_fmt_name(format).map { String(cString: $0) } }

    /// Whether the format keeps each channel in its own plane (`av_sample_fmt_is_planar`).
    static func isPlanar(_ format: AVSampleFormat) -> Bool { av_sample_fmt_is_planar(format) != 0 }

    /// The planar twin of a sample format (`av_get_planar_sample_fmt`).
    static func planarFormat(of format: AVSampleFormat) -> AVSampleFormat { av_get_planar_sample_fmt(format) }

    /// Bytes of one sample of one channel (`av_get_bytes_per_sample`).
    static func bytesPerSample(_ format: AVSampleFormat) -> Int { Int(av_get_bytes_per_sample(format)) }

    /// A description of a channel layout such as `stereo` (`av_channel_layout_describe`).
    static func describe(_ layout: UnsafePointer<AVChannelLayout>) -> String? {
        var buffer = [CChar](repeating: 0, count: 128)
        guard av_channel_layout_describe(layout, &buffer, buffer.count) > 0 else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Moves `count` samples of `frame` from `offset` to its start, in place (`av_samples_copy`).
    static func moveSamples(of frame: UnsafeMutablePointer<AVFrame>, from offset: Int32, count: Int32) -> LibAVStatus {
        LibAVStatus(
            av_samples_copy(
                frame.pointee.extended_data, frame.pointee.extended_data, 0, offset, count, frame.pointee.ch_layout.nb_channels,
                AVSampleFormat(frame.pointee.format)))
    }

    /// `av_rescale_delta`: a timestamp rescaled so that consecutive frames of `duration` samples
    /// do not accumulate rounding error; `last` carries the state between calls.
    static func rescaleDelta(
        _ timestamp: Int64, from source: AVRational, duration: Int32, last: inout Int64, to destination: AVRational
    ) -> Int64 {
        av_rescale_delta(source, timestamp, destination, duration, &last, destination)
    }
}
