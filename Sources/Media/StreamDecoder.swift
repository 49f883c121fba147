import CFFmpeg

/// One opened decoder for one stream: owns an `AVCodecContext`, an `AVPacket` and an `AVFrame`.
///
/// Drives FFmpeg's send/receive loop over the container's packets. `EAGAIN` and `AVERROR_EOF` are
/// control flow inside ``nextFrame()``; every other negative code becomes a ``MediaError``.
final class StreamDecoder {
    let container: InputContainer
    let stream: UnsafeMutablePointer<AVStream>
    let codec: UnsafeMutablePointer<AVCodecContext>
    private let packet: UnsafeMutablePointer<AVPacket>
    /// The most recently received frame; valid until the next call of ``nextFrame()``.
    let frame: UnsafeMutablePointer<AVFrame>
    private var sentEndOfStream = false
    private var finished = false
    /// Packets of this stream read from the container so far.
    private(set) var packetsRead = 0
    /// The stream's name in error messages, e.g. `video stream #0 (h264)`.
    let label: String

    init(container: InputContainer, stream: UnsafeMutablePointer<AVStream>, threads: Int32 = 0) throws(MediaError) {
        self.container = container
        self.stream = stream
        let parameters = stream.pointee.codecpar!
        let kind = parameters.pointee.codec_type == AVMEDIA_TYPE_VIDEO ? "video" : "audio"
        let name = codecName(parameters.pointee.codec_id)
        label = "\(kind) stream #\(stream.pointee.index) (\(name))"
        guard let decoder = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw .unsupportedCodec(path: container.path, stream: label, codec: name)
        }
        guard let codec = avcodec_alloc_context3(decoder) else {
            throw .ffmpeg(path: container.path, operation: "avcodec_alloc_context3", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.codec = codec
        guard let packet = av_packet_alloc(), let frame = av_frame_alloc() else {
            var owned: UnsafeMutablePointer<AVCodecContext>? = codec
            avcodec_free_context(&owned)
            throw .ffmpeg(path: container.path, operation: "av_packet_alloc", code: cffmpeg_averror(ENOMEM), message: "out of memory")
        }
        self.packet = packet
        self.frame = frame
        try Self.checkIndexWithinFile(container: container, stream: stream, label: label)
        var status = avcodec_parameters_to_context(codec, parameters)
        if status >= 0 {
            codec.pointee.pkt_timebase = stream.pointee.time_base
            codec.pointee.thread_count = threads
            status = avcodec_open2(codec, decoder, nil)
        }
        if status < 0 {
            throw .decodeFailed(path: container.path, stream: label, reason: "cannot open the decoder: \(ffmpegErrorMessage(status))")
        }
    }

    deinit {
        var ownedPacket: UnsafeMutablePointer<AVPacket>? = packet
        av_packet_free(&ownedPacket)
        var ownedFrame: UnsafeMutablePointer<AVFrame>? = frame
        av_frame_free(&ownedFrame)
        var ownedCodec: UnsafeMutablePointer<AVCodecContext>? = codec
        avcodec_free_context(&ownedCodec)
    }

    /// Decodes the next frame into ``frame``; returns false at the end of the stream.
    ///
    /// The corresponding C functions are `av_read_frame`, `avcodec_send_packet` and
    /// `avcodec_receive_frame`.
    func nextFrame() throws(MediaError) -> Bool {
        while !finished {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 { return true }
            if received == cffmpeg_averror_eof {
                finished = true
                break
            }
            guard received == cffmpeg_averror_eagain else {
                throw .decodeFailed(path: container.path, stream: label, reason: FFmpegLog.reason(or: ffmpegErrorMessage(received)))
            }
            try feedOnePacket()
        }
        return false
    }

    /// Reads packets until one of this stream was sent to the decoder, or sends end-of-stream.
    private func feedOnePacket() throws(MediaError) {
        guard !sentEndOfStream else { return }
        while true {
            FFmpegLog.reset()
            let read = av_read_frame(container.context, packet)
            if read < 0 {
                guard read == cffmpeg_averror_eof else {
                    throw .corruptContainer(
                        path: container.path, container: container.formatName,
                        reason: "reading \(label) failed after \(packetsRead) packets: \(FFmpegLog.reason(or: ffmpegErrorMessage(read)))")
                }
                let flushed = avcodec_send_packet(codec, nil)
                sentEndOfStream = true
                guard flushed >= 0 || flushed == cffmpeg_averror_eof else {
                    throw .decodeFailed(path: container.path, stream: label, reason: ffmpegErrorMessage(flushed))
                }
                return
            }
            defer { av_packet_unref(packet) }
            guard packet.pointee.stream_index == stream.pointee.index else { continue }
            packetsRead += 1
            let sent = avcodec_send_packet(codec, packet)
            if sent >= 0 || sent == cffmpeg_averror_eagain { return }
            // A damaged packet is what FFmpeg's own tools skip with a warning; so do we.
            if sent == cffmpeg_averror_invaliddata { continue }
            throw .decodeFailed(path: container.path, stream: label, reason: FFmpegLog.reason(or: ffmpegErrorMessage(sent)))
        }
    }

    /// Fails when the container's index points past the end of the file: the shape of an MP4
    /// (or AVI) whose media data was cut off after a complete index. Checked before decoding, so
    /// a truncated file is reported as such instead of as a short clip.
    /// The corresponding C functions are `avformat_index_get_entry` and `avio_size`.
    private static func checkIndexWithinFile(container: InputContainer, stream: UnsafeMutablePointer<AVStream>, label: String) throws(MediaError) {
        let entries = avformat_index_get_entries_count(stream)
        guard entries > 0, let io = container.context.pointee.pb else { return }
        let fileSize = avio_size(io)
        guard fileSize > 0 else { return }
        var end: Int64 = 0
        for index in 0..<entries {
            guard let entry = avformat_index_get_entry(stream, index) else { continue }
            end = max(end, entry.pointee.pos + Int64(entry.pointee.size))
        }
        guard end > fileSize else { return }
        throw .corruptContainer(
            path: container.path, container: container.formatName.hasPrefix("mov") ? "MP4" : container.formatName,
            reason: "the file ends early: the index of \(label) needs \(end) bytes, the file has \(fileSize)")
    }
}
