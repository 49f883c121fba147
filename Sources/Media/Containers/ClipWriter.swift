import CFFmpeg

/// Encodes BGR pictures and 16-bit PCM into a media file with libavformat/libavcodec.
///
/// Used to make synthetic test clips of known content (any frame rate, size, sample rate and
/// channel count) and to export frames as a playable video. The container follows the file
/// extension (`.mp4`, `.mkv`, `.avi`, `.wav`, ...). Not thread-safe.
public final class ClipWriter {
    /// Video stream settings.
    public struct Video: Sendable {
        public var width: Int
        public var height: Int
        /// Frames per second as a fraction, e.g. (30000, 1001).
        public var frameRate: (num: Int, den: Int)
        /// FFmpeg encoder name, e.g. `mpeg4`, `libx264`, `ffv1`.
        public var codec: String
        /// Encoder options as FFmpeg's `-key value` pairs, e.g. `["qscale": "2"]`.
        public var options: [String: String]

        public init(width: Int, height: Int, frameRate: (num: Int, den: Int), codec: String = "mpeg4", options: [String: String] = [:]) {
            self.width = width
            self.height = height
            self.frameRate = frameRate
            self.codec = codec
            self.options = options
        }
    }

    /// Audio stream settings.
    public struct Audio: Sendable {
        public var sampleRate: Int
        public var channels: Int
        /// FFmpeg encoder name, e.g. `aac`, `libmp3lame`, `pcm_s16le`.
        public var codec: String

        public init(sampleRate: Int, channels: Int, codec: String = "aac") {
            self.sampleRate = sampleRate
            self.channels = channels
            self.codec = codec
        }
    }

    public let path: String
    private let output: OutputFormatContext
    private var videoStream: EncoderStream?
    private var audioStream: EncoderStream?
    private var scaler: ScaleContext?
    private var picturesWritten: Int64 = 0
    private var samplesWritten: Int64 = 0
    private var pendingAudio: [Int16] = []
    private var finished = false
    private var headerWritten = false

    /// Creates the file and its streams.
    ///
    /// - Parameters:
    ///   - path: destination; the extension picks the container.
    ///   - video: the video stream, or nil for audio only.
    ///   - audio: the audio stream, or nil for video only.
    ///   - containerOptions: muxer options, e.g. `["movflags": "+faststart"]`.
    public init(path: String, video: Video?, audio: Audio?, containerOptions: [String: String] = [:]) throws(MediaError) {
        _ = FFmpegLog.install
        self.path = path
        output = try OutputFormatContext(path: path)
        if let video { videoStream = try EncoderStream(path: path, output: output, video: video) }
        if let audio { audioStream = try EncoderStream(path: path, output: output, audio: audio) }
        if output.needsFile {
            try output.openFile(path).check { .encodeFailed(path: path, reason: "cannot create the file: \($0.message)") }
        }
        try output.writeHeader(options: containerOptions, label: path).check {
            .encodeFailed(path: path, reason: "cannot write the header: \($0.message)")
        }
        headerWritten = true
    }

    /// Encodes one picture; it lasts one frame period.
    public func append(_ image: Image) throws(MediaError) {
        guard let videoStream else { throw .encodeFailed(path: path, reason: "the clip has no video stream") }
        guard image.layout == .bgr else {
            throw .encodeFailed(path: path, reason: "pictures must be BGR, got \(image.layout.rawValue)")
        }
        let bgr = image
        let codec = videoStream.codec
        guard bgr.width == Int(codec.pointee.width), bgr.height == Int(codec.pointee.height) else {
            throw .encodeFailed(path: path, reason: "picture is \(bgr.width)x\(bgr.height), the stream \(codec.pointee.width)x\(codec.pointee.height)")
        }
        let path = path
        if scaler == nil {
            var made = ScaleContext()
            try made.configure(width: codec.pointee.width, height: codec.pointee.height, from: AV_PIX_FMT_BGR24, to: codec.pointee.pix_fmt) { _, _ in
                .encodeFailed(path: path, reason: "no conversion from bgr24 to the encoder's pixel format")
            }
            scaler = consume made
        }
        let frame = videoStream.frame
        try videoStream.input.makeWritable().check { .encodeFailed(path: path, reason: $0.message) }
        let rows = bgr.pixels.withUnsafeBufferPointer { pixels in
            scaler!.scale(packed: pixels.baseAddress!, sourceStride: Int32(bgr.rowStride), rows: Int32(bgr.height), into: frame)
        }
        guard rows == Int32(bgr.height) else { throw .encodeFailed(path: path, reason: "pixel conversion failed") }
        frame.pointee.pts = picturesWritten
        picturesWritten += 1
        try videoStream.encode(frame, into: output)
    }

    /// Encodes interleaved 16-bit samples (`channels` values per sample instant).
    public func append(samples: [Int16]) throws(MediaError) {
        guard let audioStream else { throw .encodeFailed(path: path, reason: "the clip has no audio stream") }
        let channels = Int(audioStream.codec.pointee.ch_layout.nb_channels)
        guard samples.count % channels == 0 else {
            throw .encodeFailed(path: path, reason: "\(samples.count) samples do not divide into \(channels) channels")
        }
        pendingAudio.append(contentsOf: samples)
        let frameSize = Int(audioStream.codec.pointee.frame_size)
        let chunk = frameSize > 0 ? frameSize : 1024
        while pendingAudio.count >= chunk * channels {
            try encodeAudio(count: chunk)
        }
    }

    private func encodeAudio(count: Int) throws(MediaError) {
        guard let audioStream else { return }
        let codec = audioStream.codec
        let channels = Int(codec.pointee.ch_layout.nb_channels)
        let frame = audioStream.frame
        frame.pointee.nb_samples = Int32(count)
        let path = path
        try audioStream.input.makeWritable().check { .encodeFailed(path: path, reason: $0.message) }
        let format = AVSampleFormat(frame.pointee.format)
        let planar = LibAV.isPlanar(format)
        for channel in 0..<channels {
            for index in 0..<count {
                let value = pendingAudio[index * channels + channel]
                let plane = planar ? channel : 0
                let position = planar ? index : index * channels + channel
                let base = frame.pointee.extended_data[plane]!
                switch format {
                case AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S16P:
                    base.withMemoryRebound(to: Int16.self, capacity: position + 1) { $0[position] = value }
                case AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP:
                    base.withMemoryRebound(to: Float.self, capacity: position + 1) { $0[position] = Float(value) / 32768 }
                case AV_SAMPLE_FMT_S32, AV_SAMPLE_FMT_S32P:
                    base.withMemoryRebound(to: Int32.self, capacity: position + 1) { $0[position] = Int32(value) << 16 }
                default:
                    throw MediaError.encodeFailed(path: path, reason: "unsupported encoder sample format")
                }
            }
        }
        pendingAudio.removeFirst(count * channels)
        frame.pointee.pts = samplesWritten
        samplesWritten += Int64(count)
        try audioStream.encode(frame, into: output)
    }

    /// Flushes the encoders and writes the trailer. The clip is complete only after this returns.
    public func finish() throws(MediaError) {
        guard !finished else { return }
        finished = true
        if let audioStream, !pendingAudio.isEmpty {
            let channels = Int(audioStream.codec.pointee.ch_layout.nb_channels)
            let frameSize = Int(audioStream.codec.pointee.frame_size)
            let variable = audioStream.codec.pointee.codec.pointee.capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE != 0
            if frameSize > 0 && !variable {
                pendingAudio.append(contentsOf: repeatElement(0, count: frameSize * channels - pendingAudio.count))
                try encodeAudio(count: frameSize)
            } else {
                try encodeAudio(count: pendingAudio.count / channels)
            }
        }
        try videoStream?.encode(nil, into: output)
        try audioStream?.encode(nil, into: output)
        let path = path
        try output.writeTrailer().check { .encodeFailed(path: path, reason: "cannot write the trailer: \($0.message)") }
    }
}

/// One encoder and its output stream: a ``FrameEncoder`` and a reusable input `AVFrame`.
private final class EncoderStream {
    let path: String
    let encoder: FrameEncoder
    var codec: UnsafeMutablePointer<AVCodecContext> { encoder.codec }
    let stream: UnsafeMutablePointer<AVStream>
    let input: OwnedFrame
    var frame: UnsafeMutablePointer<AVFrame> { input.pointer }

    convenience init(path: String, output: borrowing OutputFormatContext, video: ClipWriter.Video) throws(MediaError) {
        try self.init(path: path, output: output, encoderName: video.codec, options: video.options) { codec, encoder in
            codec.pointee.width = Int32(video.width)
            codec.pointee.height = Int32(video.height)
            codec.pointee.time_base = AVRational(num: Int32(video.frameRate.den), den: Int32(video.frameRate.num))
            codec.pointee.framerate = AVRational(num: Int32(video.frameRate.num), den: Int32(video.frameRate.den))
            codec.pointee.pix_fmt = encoder.pointee.pix_fmts?.pointee ?? AV_PIX_FMT_YUV420P
            codec.pointee.gop_size = 12
        }
        frame.pointee.format = codec.pointee.pix_fmt.rawValue
        frame.pointee.width = codec.pointee.width
        frame.pointee.height = codec.pointee.height
        try input.allocateBuffers(alignment: 0).check { .encodeFailed(path: path, reason: $0.message) }
    }

    convenience init(path: String, output: borrowing OutputFormatContext, audio: ClipWriter.Audio) throws(MediaError) {
        try self.init(path: path, output: output, encoderName: audio.codec, options: [:]) { codec, encoder in
            codec.pointee.sample_rate = Int32(audio.sampleRate)
            codec.pointee.time_base = AVRational(num: 1, den: Int32(audio.sampleRate))
            LibAV.setDefaultChannelLayout(&codec.pointee.ch_layout, channels: Int32(audio.channels))
            codec.pointee.sample_fmt = encoder.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_S16
        }
        frame.pointee.format = codec.pointee.sample_fmt.rawValue
        frame.pointee.sample_rate = codec.pointee.sample_rate
        try OwnedChannelLayout(copying: &codec.pointee.ch_layout, defaultWhenUnspecified: false, label: path)
            .copy(into: &frame.pointee.ch_layout, label: path)
        let capacity = max(Int(codec.pointee.frame_size > 0 ? codec.pointee.frame_size : 1024), 1 << 16)
        frame.pointee.nb_samples = Int32(capacity)
        try input.allocateBuffers(alignment: 0).check { .encodeFailed(path: path, reason: $0.message) }
    }

    private init(
        path: String, output: borrowing OutputFormatContext, encoderName: String, options: [String: String],
        configure: (UnsafeMutablePointer<AVCodecContext>, UnsafePointer<AVCodec>) -> Void
    ) throws(MediaError) {
        self.path = path
        let globalHeader = output.wantsGlobalHeader
        encoder = try FrameEncoder(name: encoderName, label: path, options: options) { codec, encoder in
            configure(codec, encoder)
            if globalHeader { codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER }
        }
        input = try OwnedFrame(label: path)
        stream = try output.newStream(label: path)
        let codec = encoder.codec
        try encoder.copyParameters(to: stream.pointee.codecpar).check { .encodeFailed(path: path, reason: $0.message) }
        stream.pointee.time_base = codec.pointee.time_base
    }

    /// Sends `frame` (nil flushes) and writes every packet the encoder returns.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?, into output: borrowing OutputFormatContext) throws(MediaError) {
        let (path, codec, stream) = (path, codec, stream)
        try encoder.encode(frame) { (packet) throws(MediaError) in
            packet.pointee.stream_index = stream.pointee.index
            OwnedPacket.rescaleTimestamps(of: packet, from: codec.pointee.time_base, to: stream.pointee.time_base)
            try output.writeInterleaved(packet).check { .encodeFailed(path: path, reason: "muxing failed: \($0.message)") }
        }
    }
}
