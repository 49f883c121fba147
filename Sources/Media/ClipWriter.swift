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
    private let output: UnsafeMutablePointer<AVFormatContext>
    private var videoStream: EncoderStream?
    private var audioStream: EncoderStream?
    private var scaler: OpaquePointer?
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
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_alloc_output_context2(&context, nil, nil, path)
        guard status >= 0, let context else {
            throw .encodeFailed(path: path, reason: "no container for this file name: \(ffmpegErrorMessage(status))")
        }
        output = context
        do {
            if let video { videoStream = try EncoderStream(path: path, output: output, video: video) }
            if let audio { audioStream = try EncoderStream(path: path, output: output, audio: audio) }
            if output.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 {
                let opened = avio_open(&output.pointee.pb, path, AVIO_FLAG_WRITE)
                guard opened >= 0 else { throw MediaError.encodeFailed(path: path, reason: "cannot create the file: \(ffmpegErrorMessage(opened))") }
            }
            var dictionary: OpaquePointer? = nil
            for (key, value) in containerOptions { av_dict_set(&dictionary, key, value, 0) }
            let written = avformat_write_header(output, &dictionary)
            av_dict_free(&dictionary)
            guard written >= 0 else { throw MediaError.encodeFailed(path: path, reason: "cannot write the header: \(ffmpegErrorMessage(written))") }
            headerWritten = true
        } catch let error as MediaError {
            close()
            throw error
        } catch {
            close()
            throw .encodeFailed(path: path, reason: String(describing: error))
        }
    }

    deinit { close() }

    private func close() {
        videoStream = nil
        audioStream = nil
        sws_freeContext(scaler)
        scaler = nil
        if output.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0, output.pointee.pb != nil {
            avio_closep(&output.pointee.pb)
        }
        avformat_free_context(output)
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
        if scaler == nil {
            scaler = sws_getContext(
                codec.pointee.width, codec.pointee.height, AV_PIX_FMT_BGR24, codec.pointee.width, codec.pointee.height,
                codec.pointee.pix_fmt, SWS_BICUBIC, nil, nil, nil)
            guard scaler != nil else { throw .encodeFailed(path: path, reason: "no conversion from bgr24 to the encoder's pixel format") }
        }
        let frame = videoStream.frame
        var status = av_frame_make_writable(frame)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(status)) }
        status = bgr.pixels.withUnsafeBufferPointer { pixels -> Int32 in
            var sourceData: [UnsafePointer<UInt8>?] = [pixels.baseAddress, nil, nil, nil]
            var sourceLines: [Int32] = [Int32(bgr.rowStride), 0, 0, 0]
            return withUnsafeMutablePointer(to: &frame.pointee.data) { data in
                withUnsafeMutablePointer(to: &frame.pointee.linesize) { lines in
                    data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { outData in
                        lines.withMemoryRebound(to: Int32.self, capacity: 8) { outLines in
                            sws_scale(scaler, &sourceData, &sourceLines, 0, Int32(bgr.height), outData, outLines)
                        }
                    }
                }
            }
        }
        guard status == Int32(bgr.height) else { throw .encodeFailed(path: path, reason: "pixel conversion failed") }
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
        var status = av_frame_make_writable(frame)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(status)) }
        let format = AVSampleFormat(frame.pointee.format)
        let planar = av_sample_fmt_is_planar(format) != 0
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
        let status = av_write_trailer(output)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: "cannot write the trailer: \(ffmpegErrorMessage(status))") }
    }
}

/// One encoder and its output stream: owns an `AVCodecContext`, a reusable `AVFrame` and `AVPacket`.
private final class EncoderStream {
    let path: String
    let codec: UnsafeMutablePointer<AVCodecContext>
    let stream: UnsafeMutablePointer<AVStream>
    let frame: UnsafeMutablePointer<AVFrame>
    let packet: UnsafeMutablePointer<AVPacket>

    convenience init(path: String, output: UnsafeMutablePointer<AVFormatContext>, video: ClipWriter.Video) throws(MediaError) {
        try self.init(path: path, output: output, encoderName: video.codec) { codec, encoder in
            codec.pointee.width = Int32(video.width)
            codec.pointee.height = Int32(video.height)
            codec.pointee.time_base = AVRational(num: Int32(video.frameRate.den), den: Int32(video.frameRate.num))
            codec.pointee.framerate = AVRational(num: Int32(video.frameRate.num), den: Int32(video.frameRate.den))
            codec.pointee.pix_fmt = encoder.pointee.pix_fmts?.pointee ?? AV_PIX_FMT_YUV420P
            codec.pointee.gop_size = 12
            return video.options
        }
        frame.pointee.format = codec.pointee.pix_fmt.rawValue
        frame.pointee.width = codec.pointee.width
        frame.pointee.height = codec.pointee.height
        let status = av_frame_get_buffer(frame, 0)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(status)) }
    }

    convenience init(path: String, output: UnsafeMutablePointer<AVFormatContext>, audio: ClipWriter.Audio) throws(MediaError) {
        try self.init(path: path, output: output, encoderName: audio.codec) { codec, encoder in
            codec.pointee.sample_rate = Int32(audio.sampleRate)
            codec.pointee.time_base = AVRational(num: 1, den: Int32(audio.sampleRate))
            av_channel_layout_default(&codec.pointee.ch_layout, Int32(audio.channels))
            codec.pointee.sample_fmt = encoder.pointee.sample_fmts?.pointee ?? AV_SAMPLE_FMT_S16
            return [:]
        }
        frame.pointee.format = codec.pointee.sample_fmt.rawValue
        frame.pointee.sample_rate = codec.pointee.sample_rate
        let copied = av_channel_layout_copy(&frame.pointee.ch_layout, &codec.pointee.ch_layout)
        guard copied >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(copied)) }
        frame.pointee.nb_samples = codec.pointee.frame_size > 0 ? codec.pointee.frame_size : 1024
        let capacity = max(Int(frame.pointee.nb_samples), 1 << 16)
        frame.pointee.nb_samples = Int32(capacity)
        let status = av_frame_get_buffer(frame, 0)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(status)) }
    }

    private init(
        path: String, output: UnsafeMutablePointer<AVFormatContext>, encoderName: String,
        configure: (UnsafeMutablePointer<AVCodecContext>, UnsafePointer<AVCodec>) -> [String: String]
    ) throws(MediaError) {
        self.path = path
        guard let encoder = avcodec_find_encoder_by_name(encoderName) else {
            throw .unsupportedCodec(path: path, stream: "output", codec: encoderName)
        }
        guard let codec = avcodec_alloc_context3(encoder), let frame = av_frame_alloc(), let packet = av_packet_alloc(),
            let stream = avformat_new_stream(output, nil)
        else { throw .encodeFailed(path: path, reason: "out of memory") }
        self.codec = codec
        self.frame = frame
        self.packet = packet
        self.stream = stream
        let options = configure(codec, encoder)
        if output.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            codec.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var dictionary: OpaquePointer? = nil
        for (key, value) in options { av_dict_set(&dictionary, key, value, 0) }
        var status = avcodec_open2(codec, encoder, &dictionary)
        av_dict_free(&dictionary)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: "cannot open encoder \(encoderName): \(ffmpegErrorMessage(status))") }
        status = avcodec_parameters_from_context(stream.pointee.codecpar, codec)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: ffmpegErrorMessage(status)) }
        stream.pointee.time_base = codec.pointee.time_base
    }

    deinit {
        var ownedFrame: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&ownedFrame)
        var ownedPacket: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&ownedPacket)
        var ownedCodec: UnsafeMutablePointer<AVCodecContext>? = codec
        avcodec_free_context(&ownedCodec)
    }

    /// Sends `frame` (nil flushes) and writes every packet the encoder returns.
    func encode(_ frame: UnsafeMutablePointer<AVFrame>?, into output: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        var status = avcodec_send_frame(codec, frame)
        guard status >= 0 else { throw .encodeFailed(path: path, reason: "encoding failed: \(ffmpegErrorMessage(status))") }
        while true {
            status = avcodec_receive_packet(codec, packet)
            if status == cffmpeg_averror_eagain || status == cffmpeg_averror_eof { return }
            guard status >= 0 else { throw .encodeFailed(path: path, reason: "encoding failed: \(ffmpegErrorMessage(status))") }
            av_packet_rescale_ts(packet, codec.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            status = av_interleaved_write_frame(output, packet)
            guard status >= 0 else { throw .encodeFailed(path: path, reason: "muxing failed: \(ffmpegErrorMessage(status))") }
        }
    }
}
