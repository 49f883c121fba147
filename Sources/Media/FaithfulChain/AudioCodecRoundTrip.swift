import CFFmpeg

/// Source audio → the CLI's aresample (with `-async 1`: `async=1:min_hard_comp=0.1:first_pts=0`)
/// → an encoder at its defaults → the decoder of what the container hands back → 16 kHz mono s16.
///
/// Two set-ups: libmp3lame in the reference's AVI (the encoder delay stays in the signal) and
/// FFmpeg's AAC encoder in an MP4 (the muxer's edit list tells the demuxer to skip the encoder's
/// `initial_padding`, 1024 samples, which libavcodec then drops from the decoded audio).
final class AudioCodecRoundTrip {
    /// How the reference's command writes and reads the audio.
    struct Setup {
        var encoder: String
        var decoder: AVCodecID
        var codecTag: UInt32
        /// `-async 1` on the writing command.
        var async: Bool
        /// The container records the encoder's priming and the reader skips it (MP4 edit list).
        var skipsPriming: Bool
        /// The audio track of `ffmpeg -i IN -async 1 … video.avi` (joonson): libmp3lame.
        static let mp3InAVI = Setup(encoder: "libmp3lame", decoder: AV_CODEC_ID_MP3, codecTag: 0x55, async: true, skipsPriming: false)
        /// The audio track of `ffmpeg -i IN -async 1 … video.mp4` (LatentSync's intermediate): AAC.
        static let aacInMP4 = Setup(encoder: "aac", decoder: AV_CODEC_ID_AAC, codecTag: 0, async: true, skipsPriming: true)
        /// `ffmpeg -i crop.mp4 -i audio.wav -c:v copy -c:a aac out.mp4` (LatentSync's crops): AAC, no `-async`.
        static let aacMux = Setup(encoder: "aac", decoder: AV_CODEC_ID_AAC, codecTag: 0, async: false, skipsPriming: true)
    }
    private let path: String
    private let label: String
    private let swr: ResampleContext
    /// Converted samples not yet encoded: one byte buffer per plane (one in all for interleaved formats).
    private var fifo: [[UInt8]]
    private var fifoSamples: Int32 = 0
    private let bytesPerSample: Int
    private let encoder: FrameEncoder
    private let encoderInput: OwnedFrame
    private let packetDecoder: PacketDecoder
    private let setup: Setup
    /// Decoded samples still to drop (the encoder's priming, when the container skips it).
    private var primingToSkip: Int32 = 0
    private var resampler: Resampler?
    private let inputRate: Int32
    private let outputRate: Int32
    private let outputFormat: AVSampleFormat
    private let outputLayout: OwnedChannelLayout
    private let frameSize: Int32
    private var nextPts: Int64 = 0

    init(_ setup: Setup, path: String, label: String, firstFrame source: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        self.setup = setup
        self.path = path
        self.label = label
        inputRate = source.pointee.sample_rate
        let inputChannels = source.pointee.ch_layout.nb_channels
        guard inputRate > 0, inputChannels > 0 else {
            throw .decodeFailed(path: path, stream: label, reason: "audio frames have no sample rate or no channels")
        }
        guard let lame = CodecContext.encoder(named: setup.encoder) else {
            throw .unsupportedCodec(path: path, stream: "output", codec: setup.encoder)
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
        let planar = LibAV.planarFormat(of: inputFormat)
        outputFormat = formats.contains(inputFormat) ? inputFormat : formats.contains(planar) ? planar : (formats.first ?? AV_SAMPLE_FMT_FLTP)
        let inputLayout = try OwnedChannelLayout(copying: &source.pointee.ch_layout, defaultWhenUnspecified: true, label: path)
        let outputLayout =
            inputChannels <= 2
            ? try OwnedChannelLayout(copying: &source.pointee.ch_layout, defaultWhenUnspecified: true, label: path)
            : OwnedChannelLayout(defaultFor: 2)
        // aresample=async=1:min_hard_comp=0.100000:first_pts=0 (or a plain aresample), converting
        // to the encoder's format.
        swr = try ResampleContext(
            from: inputLayout, format: inputFormat, rate: inputRate, to: outputLayout, format: outputFormat, rate: outputRate, label: path)
        if setup.async {
            for (name, value) in [("async", 1.0), ("min_hard_comp", 0.1)] {
                try swr.setOption(name, value).check { $0.error(path: path, operation: "av_opt_set \(name)") }
            }
            try swr.setOption("first_pts", Int64(0)).check { $0.error(path: path, operation: "av_opt_set first_pts") }
        }
        try swr.initialize().check { $0.error(path: path, operation: "swr_init") }

        let (format, sampleRate) = (outputFormat, outputRate)
        let globalHeader = setup.skipsPriming  // MP4 asks for global headers (AVFMT_GLOBALHEADER)
        encoder = try FrameEncoder(name: setup.encoder, label: path) { (codec, _) throws(MediaError) in
            codec.pointee.sample_fmt = format
            codec.pointee.sample_rate = sampleRate
            try outputLayout.copy(into: &codec.pointee.ch_layout, label: path)
            codec.pointee.time_base = AVRational(num: 1, den: sampleRate)
            if globalHeader { codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        frameSize = encoder.codec.pointee.frame_size > 0 ? encoder.codec.pointee.frame_size : 1152
        encoderInput = try OwnedFrame(label: path)
        let planes = LibAV.isPlanar(outputFormat) ? Int(outputLayout.channels) : 1
        bytesPerSample = LibAV.bytesPerSample(outputFormat) * (planes == 1 ? Int(outputLayout.channels) : 1)
        fifo = Array(repeating: [], count: planes)
        self.outputLayout = outputLayout
        // The AVI's MP3 stream is read back by FFmpeg's first MP3 decoder (mp3float); the MP4's AAC
        // by the aac decoder, configured from the encoder's AudioSpecificConfig.
        packetDecoder = try PacketDecoder(codecID: setup.decoder, codecTag: setup.codecTag, label: path, extradata: encoder.extradata)
        primingToSkip = setup.skipsPriming ? max(0, encoder.codec.pointee.initial_padding) : 0
    }

    /// One decoded source frame, with its pts in 1/input-rate units (or AV_NOPTS_VALUE).
    func append(_ source: UnsafeMutablePointer<AVFrame>, pts: Int64, to samples: inout [Int16]) throws(MediaError) {
        guard source.pointee.sample_rate == inputRate else {
            throw .decodeFailed(path: path, stream: label, reason: "the audio format changes mid-stream, which SyncBench does not support")
        }
        if pts != LibAV.noTimestamp {
            // af_aresample: inpts = pts · out_rate · in_rate / in_rate (time base 1/in_rate).
            swr.nextTimestamp(pts * Int64(outputRate))
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
        let (path, label) = (path, label)
        let capacity = swr.outputCapacity(forInput: count).code + 256
        let buffer = try SampleBuffers(channels: outputLayout.channels, samples: capacity, format: outputFormat, label: path)
        let produced = try swr.convert(input, count: count, into: buffer.planes, capacity: capacity).check {
            .decodeFailed(path: path, stream: label, reason: "resampling failed: \($0.message)")
        }
        guard produced > 0 else { return }
        for plane in 0..<fifo.count {
            fifo[plane].append(contentsOf: UnsafeBufferPointer(start: buffer.planes[plane], count: Int(produced) * bytesPerSample))
        }
        fifoSamples += produced
    }

    /// Encodes whole encoder frames from the FIFO (and, at the end, the short rest).
    private func drain(final: Bool, to samples: inout [Int16]) throws(MediaError) {
        let path = path
        while fifoSamples >= frameSize || (final && fifoSamples > 0) {
            let count = min(frameSize, fifoSamples)
            let frame = encoderInput.pointer
            encoderInput.unreference()
            frame.pointee.nb_samples = count
            frame.pointee.format = outputFormat.rawValue
            frame.pointee.sample_rate = outputRate
            try outputLayout.copy(into: &frame.pointee.ch_layout, label: path)
            try encoderInput.allocateBuffers(alignment: 0).check { .encodeFailed(path: path, reason: $0.message) }
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
        try packetDecoder.decode(packet, pts: 0) { (decoded) throws(MediaError) in
            if primingToSkip > 0 {
                // What libavcodec does with the demuxer's AV_PKT_DATA_SKIP_SAMPLES.
                let skip = min(primingToSkip, decoded.pointee.nb_samples)
                primingToSkip -= skip
                if skip == decoded.pointee.nb_samples { return }
                try Self.dropLeading(skip, of: decoded).check { .decodeFailed(path: path, stream: label, reason: $0.message) }
            }
            if resampler == nil { resampler = try Resampler(path: path, label: "\(setup.encoder) audio of the reference's intermediate", firstFrame: decoded) }
            try resampler!.convert(decoded, appendingTo: &produced)
        }
        samples += produced
    }

    /// Removes the first `count` samples of `frame` in place, as `decode.c` does for skip_samples
    /// (`av_samples_copy` within the frame).
    private static func dropLeading(_ count: Int32, of frame: UnsafeMutablePointer<AVFrame>) -> LibAVStatus {
        let remaining = frame.pointee.nb_samples - count
        let status = LibAV.moveSamples(of: frame, from: count, count: remaining)
        guard !status.failed else { return status }
        frame.pointee.nb_samples = remaining
        return .ok
    }
}
