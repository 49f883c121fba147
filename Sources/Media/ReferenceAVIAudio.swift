import CFFmpeg

extension AudioDecoder {
    /// joonson's audio (docs/reference/pipeline.md §5.4): the audio track of the reference's `video.avi`, extracted
    /// as 16 kHz mono s16 — what `ffmpeg -i IN -async 1 -q:v 2 -r 25 video.avi` followed by
    /// `ffmpeg -i video.avi -ac 1 -vn -acodec pcm_s16le -ar 16000 audio.wav` writes.
    ///
    /// The source audio goes through the CLI's `aresample=async=1:min_hard_comp=0.1:first_pts=0`
    /// (which also converts to the encoder's sample format, rate and channel count), 1152-sample
    /// frames of `libmp3lame` at its defaults, FFmpeg's MP3 decoder, and the same 16 kHz mono
    /// conversion as ``decodeMono16k(path:)``. The MP3 encoder's delay stays in the signal, as it
    /// does in the reference (an AVI has no way to say it should be skipped).
    ///
    /// ref: FFmpeg 5.1 `fftools/ffmpeg_filter.c` `configure_output_audio_filter` (`-async`),
    /// `fftools/ffmpeg.c` `decode_audio` (`av_rescale_delta` to 1/sample rate),
    /// `libavfilter/af_aresample.c` `filter_frame` (`swr_next_pts`), `libavcodec/libmp3lame.c`.
    ///
    /// - Throws: ``MediaError/noAudioStream(path:)``, ``MediaError/emptyStream(path:stream:)`` and
    ///   the other ``MediaError`` cases for unreadable or damaged files or a failing codec.
    public static func decodeMono16kThroughReferenceAVI(path: String) throws(MediaError) -> [Int16] {
        let container = try InputContainer(path: path)
        guard let stream = container.bestStream(AVMEDIA_TYPE_AUDIO) else { throw .noAudioStream(path: path) }
        let decoder = try StreamDecoder(container: container, stream: stream)
        let timeBase = stream.pointee.time_base
        // ffmpeg subtracts the file's start time from every timestamp (input ts_offset).
        let startOffset = container.startTime.map {
            ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: (Int64(timeBase.num), Int64(timeBase.den)))
        } ?? 0
        var lastRescaled = cffmpeg_nopts_value
        var roundTrip: MP3RoundTrip? = nil
        var samples: [Int16] = []
        while try decoder.nextFrame() {
            let frame = decoder.frame
            if roundTrip == nil { roundTrip = try MP3RoundTrip(path: path, label: decoder.label, firstFrame: frame) }
            var pts = frame.pointee.best_effort_timestamp
            if pts != cffmpeg_nopts_value {
                let rate = AVRational(num: 1, den: frame.pointee.sample_rate)
                pts = av_rescale_delta(timeBase, pts - startOffset, rate, frame.pointee.nb_samples, &lastRescaled, rate)
            }
            try roundTrip!.append(frame, pts: pts, to: &samples)
        }
        guard let roundTrip else { throw .emptyStream(path: path, stream: decoder.label) }
        try roundTrip.finish(appendingTo: &samples)
        if samples.isEmpty { throw .emptyStream(path: path, stream: decoder.label) }
        return samples
    }
}

/// Source audio → the CLI's async aresample → libmp3lame → MP3 decoder → 16 kHz mono s16.
private final class MP3RoundTrip {
    private let path: String
    private let label: String
    private var swr: OpaquePointer?
    /// Converted samples not yet encoded: one byte buffer per plane (one in all for interleaved formats).
    private var fifo: [[UInt8]]
    private var fifoSamples: Int32 = 0
    private let bytesPerSample: Int
    private let encoder: FrameEncoder
    private let frame: UnsafeMutablePointer<AVFrame>
    private let mp3Decoder: PacketDecoder
    private var resampler: Resampler?
    private let inputRate: Int32
    private let outputRate: Int32
    private let outputFormat: AVSampleFormat
    private var outputLayout = AVChannelLayout()
    private let frameSize: Int32
    private var nextPts: Int64 = 0

    init(path: String, label: String, firstFrame source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        self.path = path
        self.label = label
        inputRate = source.pointee.sample_rate
        let inputChannels = source.pointee.ch_layout.nb_channels
        guard inputRate > 0, inputChannels > 0 else {
            throw .decodeFailed(path: path, stream: label, reason: "audio frames have no sample rate or no channels")
        }
        guard let lame = avcodec_find_encoder_by_name("libmp3lame") else {
            throw .unsupportedCodec(path: path, stream: "output", codec: "libmp3lame")
        }
        // Format negotiation of the CLI's filter graph: the encoder's rate closest to the input's
        // (ties to the first listed), the input's sample format when the encoder takes it (else its
        // planar twin, else the encoder's first), at most two channels.
        var rate = inputRate
        if let rates = lame.pointee.supported_samplerates {
            var best: Int32 = 0
            var index = 0
            while rates[index] != 0 {
                if best == 0 || abs(rates[index] - inputRate) < abs(best - inputRate) { best = rates[index] }
                index += 1
            }
            if best != 0 { rate = best }
        }
        outputRate = rate
        let inputFormat = AVSampleFormat(source.pointee.format)
        var formats: [AVSampleFormat] = []
        if let list = lame.pointee.sample_fmts {
            var index = 0
            while list[index] != AV_SAMPLE_FMT_NONE { formats.append(list[index]); index += 1 }
        }
        let planar = av_get_planar_sample_fmt(inputFormat)
        outputFormat = formats.contains(inputFormat) ? inputFormat : formats.contains(planar) ? planar : (formats.first ?? AV_SAMPLE_FMT_FLTP)
        var inputLayout = AVChannelLayout()
        var status: Int32 = 0
        if source.pointee.ch_layout.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&inputLayout, inputChannels)
        } else {
            status = av_channel_layout_copy(&inputLayout, &source.pointee.ch_layout)
        }
        defer { av_channel_layout_uninit(&inputLayout) }
        guard status >= 0 else { throw .ffmpeg(path: path, operation: "av_channel_layout_copy", code: status, message: ffmpegErrorMessage(status)) }
        if inputChannels <= 2 {
            status = av_channel_layout_copy(&outputLayout, &inputLayout)
            guard status >= 0 else { throw .ffmpeg(path: path, operation: "av_channel_layout_copy", code: status, message: ffmpegErrorMessage(status)) }
        } else {
            av_channel_layout_default(&outputLayout, 2)
        }
        // aresample=async=1:min_hard_comp=0.100000:first_pts=0, converting to the encoder's format.
        status = swr_alloc_set_opts2(&swr, &outputLayout, outputFormat, outputRate, &inputLayout, inputFormat, inputRate, 0, nil)
        guard status >= 0, swr != nil else { throw .ffmpeg(path: path, operation: "swr_alloc_set_opts2", code: status, message: ffmpegErrorMessage(status)) }
        let raw = UnsafeMutableRawPointer(swr!)
        for (name, value) in [("async", 1.0), ("min_hard_comp", 0.1)] {
            status = av_opt_set_double(raw, name, value, 0)
            guard status >= 0 else { throw .ffmpeg(path: path, operation: "av_opt_set \(name)", code: status, message: ffmpegErrorMessage(status)) }
        }
        status = av_opt_set_int(raw, "first_pts", 0, 0)
        guard status >= 0 else { throw .ffmpeg(path: path, operation: "av_opt_set first_pts", code: status, message: ffmpegErrorMessage(status)) }
        status = swr_init(swr)
        guard status >= 0 else { throw .ffmpeg(path: path, operation: "swr_init", code: status, message: ffmpegErrorMessage(status)) }

        let (format, sampleRate) = (outputFormat, outputRate)
        var layout = outputLayout
        encoder = try FrameEncoder(name: "libmp3lame", label: path) { codec in
            codec.pointee.sample_fmt = format
            codec.pointee.sample_rate = sampleRate
            _ = av_channel_layout_copy(&codec.pointee.ch_layout, &layout)
            codec.pointee.time_base = AVRational(num: 1, den: sampleRate)
        }
        frameSize = encoder.codec.pointee.frame_size > 0 ? encoder.codec.pointee.frame_size : 1152
        guard let frame = av_frame_alloc() else {
            throw .ffmpeg(path: path, operation: "av_frame_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.frame = frame
        let planes = av_sample_fmt_is_planar(outputFormat) != 0 ? Int(outputLayout.nb_channels) : 1
        bytesPerSample = Int(av_get_bytes_per_sample(outputFormat)) * (planes == 1 ? Int(outputLayout.nb_channels) : 1)
        fifo = Array(repeating: [], count: planes)
        // The AVI's MP3 stream is read back by FFmpeg's first MP3 decoder (mp3float).
        mp3Decoder = try PacketDecoder(codecID: AV_CODEC_ID_MP3, codecTag: 0x55, label: path)
    }

    deinit {
        swr_free(&swr)
        var owned: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&owned)
        av_channel_layout_uninit(&outputLayout)
    }

    /// One decoded source frame, with its pts in 1/input-rate units (or AV_NOPTS_VALUE).
    func append(_ source: UnsafeMutablePointer<AVFrame>, pts: Int64, to samples: inout [Int16]) throws(MediaError) {
        guard source.pointee.sample_rate == inputRate else {
            throw .decodeFailed(path: path, stream: label, reason: "the audio format changes mid-stream, which SyncBench does not support")
        }
        if pts != cffmpeg_nopts_value {
            // af_aresample: inpts = pts · out_rate · in_rate / in_rate (time base 1/in_rate).
            _ = swr_next_pts(swr, pts * Int64(outputRate))
        }
        let input = UnsafeMutableRawPointer(source.pointee.extended_data)!.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        try convert(input: input, count: source.pointee.nb_samples)
        try drain(final: false, to: &samples)
    }

    /// Flushes the resampler, the last short frame, the encoder and the decoders.
    func finish(appendingTo samples: inout [Int16]) throws(MediaError) {
        try convert(input: nil, count: 0)
        try drain(final: true, to: &samples)
        for packet in try encoder.encode(nil) { try decode(packet, to: &samples) }
        try decode(nil, to: &samples)
        try resampler?.flush(appendingTo: &samples)
    }

    /// swr_convert into the FIFO (all of the input at once; a nil input drains the resampler).
    private func convert(input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32) throws(MediaError) {
        let capacity = swr_get_out_samples(swr, count) + 256
        var buffer: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = nil
        let status = av_samples_alloc_array_and_samples(&buffer, nil, outputLayout.nb_channels, capacity, outputFormat, 0)
        guard status >= 0, let buffer else { throw .ffmpeg(path: path, operation: "av_samples_alloc", code: status, message: ffmpegErrorMessage(status)) }
        defer {
            av_freep(UnsafeMutableRawPointer(buffer))
            var array: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>? = buffer
            av_freep(&array)
        }
        let produced = swr_convert(swr, buffer, capacity, input, count)
        guard produced >= 0 else { throw .decodeFailed(path: path, stream: label, reason: "resampling failed: \(ffmpegErrorMessage(produced))") }
        guard produced > 0 else { return }
        for plane in 0..<fifo.count {
            fifo[plane].append(contentsOf: UnsafeBufferPointer(start: buffer[plane], count: Int(produced) * bytesPerSample))
        }
        fifoSamples += produced
    }

    /// Encodes whole encoder frames from the FIFO (and, at the end, the short rest).
    private func drain(final: Bool, to samples: inout [Int16]) throws(MediaError) {
        while fifoSamples >= frameSize || (final && fifoSamples > 0) {
            let count = min(frameSize, fifoSamples)
            av_frame_unref(frame)
            frame.pointee.nb_samples = count
            frame.pointee.format = outputFormat.rawValue
            frame.pointee.sample_rate = outputRate
            var status = av_channel_layout_copy(&frame.pointee.ch_layout, &outputLayout)
            if status >= 0 { status = av_frame_get_buffer(frame, 0) }
            guard status >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(status)) }
            let bytes = Int(count) * bytesPerSample
            for plane in 0..<fifo.count {
                let destination = frame.pointee.extended_data[plane]!
                fifo[plane].withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: bytes) }
                fifo[plane].removeFirst(bytes)
            }
            fifoSamples -= count
            frame.pointee.pts = nextPts
            nextPts += Int64(count)
            for packet in try encoder.encode(frame) { try decode(packet, to: &samples) }
        }
    }

    private func decode(_ packet: [UInt8]?, to samples: inout [Int16]) throws(MediaError) {
        var produced: [Int16] = []
        try mp3Decoder.decode(packet, pts: 0) { (decoded) throws(MediaError) in
            if resampler == nil { resampler = try Resampler(path: path, label: "MP3 audio of the reference's AVI", firstFrame: decoded) }
            try resampler!.convert(decoded, appendingTo: &produced)
        }
        samples += produced
    }
}
