import CFFmpeg

/// Decodes the audio of a file to 16 kHz mono signed 16-bit samples, bit for bit what
/// `ffmpeg -i FILE -ac 1 -ar 16000 -f s16le` writes (docs/reference/pipeline.md §5).
///
/// The CLI's conversion is one `aresample` filter with libswresample defaults (no dither, the
/// default polyphase filter, the standard stereo-to-mono matrix); feeding the decoded frames
/// through one `SwrContext` with the same defaults and flushing it at the end gives the same
/// samples. Inputs whose channel layout is unspecified get FFmpeg's default layout for their
/// channel count, as the CLI does.
public enum AudioDecoder {
    /// Sample rate of the pipeline's audio, in Hz.
    public static let sampleRate = 16_000

    /// Decodes and resamples the best audio stream of `path`.
    ///
    /// - Returns: mono samples at ``sampleRate`` Hz.
    /// - Throws: ``MediaError/noAudioStream(path:)`` when the file has no audio,
    ///   ``MediaError/emptyStream(path:stream:)`` when it decodes to no samples, and the other
    ///   ``MediaError`` cases for unreadable or damaged files.
    public static func decodeMono16k(path: String) throws(MediaError) -> [Int16] {
        let container = try InputContainer(path: path)
        guard let stream = container.bestStream(AVMEDIA_TYPE_AUDIO) else { throw .noAudioStream(path: path) }
        let decoder = try StreamDecoder(container: container, stream: stream)
        var resampler: Resampler? = nil
        var samples: [Int16] = []
        while try decoder.nextFrame() {
            let frame = decoder.frame
            if resampler == nil { resampler = try Resampler(path: path, label: decoder.label, firstFrame: frame) }
            try resampler!.convert(frame, appendingTo: &samples)
        }
        guard let resampler else { throw .emptyStream(path: path, stream: decoder.label) }
        try resampler.flush(appendingTo: &samples)
        if samples.isEmpty { throw .emptyStream(path: path, stream: decoder.label) }
        return samples
    }
}

/// Owns one `SwrContext` converting decoded audio to 16 kHz mono s16.
final class Resampler {
    private let context: ResampleContext
    private let path: String
    private let label: String
    private let inputRate: Int32
    private let inputFormat: Int32
    private let inputChannels: Int32

    /// Configures the conversion from the first decoded frame's format, rate and layout (an
    /// unspecified layout gets FFmpeg's default for its channel count, as the CLI gives it).
    init(path: String, label: String, firstFrame frame: UnsafeMutablePointer<AVFrame>) throws(MediaError) {
        self.path = path
        self.label = label
        inputRate = frame.pointee.sample_rate
        inputFormat = frame.pointee.format
        inputChannels = frame.pointee.ch_layout.nb_channels
        guard inputRate > 0, inputChannels > 0 else {
            throw .decodeFailed(path: path, stream: label, reason: "audio frames have no sample rate or no channels")
        }
        let inputLayout = try OwnedChannelLayout(copying: &frame.pointee.ch_layout, defaultWhenUnspecified: true, label: path)
        let outputLayout = OwnedChannelLayout(defaultFor: 1)
        context = try ResampleContext(
            from: inputLayout, format: AVSampleFormat(inputFormat), rate: inputRate,
            to: outputLayout, format: AV_SAMPLE_FMT_S16, rate: Int32(AudioDecoder.sampleRate), label: path)
        try context.initialize().check { $0.error(path: path, operation: "swr_init") }
    }

    /// Converts one decoded frame and appends the output samples.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, appendingTo samples: inout [Int16]) throws(MediaError) {
        guard frame.pointee.sample_rate == inputRate, frame.pointee.format == inputFormat,
            frame.pointee.ch_layout.nb_channels == inputChannels
        else {
            throw .decodeFailed(path: path, stream: label, reason: "the audio format changes mid-stream, which SyncBench does not support")
        }
        let input = UnsafeMutableRawPointer(frame.pointee.extended_data)!.assumingMemoryBound(to: UnsafePointer<UInt8>?.self)
        try run(input: input, count: frame.pointee.nb_samples, appendingTo: &samples)
    }

    /// Drains the samples the filter still holds at the end of the stream.
    func flush(appendingTo samples: inout [Int16]) throws(MediaError) {
        try run(input: nil, count: 0, appendingTo: &samples)
    }

    private func run(input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32, appendingTo samples: inout [Int16]) throws(MediaError) {
        let (path, label) = (path, label)
        var pendingInput = input
        var pendingCount = count
        while true {
            let capacity = try context.outputCapacity(forInput: pendingCount).check { $0.error(path: path, operation: "swr_get_out_samples") }
            if capacity == 0 && pendingInput == nil { return }
            let start = samples.count
            samples.append(contentsOf: repeatElement(0, count: Int(capacity) + 1))
            let produced = samples.withUnsafeMutableBufferPointer { buffer -> LibAVStatus in
                var output: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(buffer.baseAddress! + start)
                    .assumingMemoryBound(to: UInt8.self)
                return context.convert(pendingInput, count: pendingCount, into: &output, capacity: capacity + 1)
            }
            if produced.failed { samples.removeLast(Int(capacity) + 1) }
            let written = try produced.check { .decodeFailed(path: path, stream: label, reason: "resampling failed: \($0.message)") }
            samples.removeLast(Int(capacity) + 1 - Int(written))
            // Input is consumed in one call (the output had room for all of it); a flush repeats
            // until the resampler has nothing left.
            if input != nil || written == 0 { return }
            pendingInput = nil
            pendingCount = 0
        }
    }
}
