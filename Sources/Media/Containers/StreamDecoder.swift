import CFFmpeg

/// One opened decoder for one stream: owns an `AVCodecContext`, an `AVPacket` and an `AVFrame`.
///
/// Drives FFmpeg's send/receive loop over the container's packets. `EAGAIN` and `AVERROR_EOF` are
/// control flow inside ``nextFrame()``; every other negative code becomes a ``MediaError``.
final class StreamDecoder {
    let container: InputContainer
    let stream: UnsafeMutablePointer<AVStream>
    private let context: CodecContext
    var codec: UnsafeMutablePointer<AVCodecContext> { context.pointer }
    private let packet: OwnedPacket
    private let decoded: OwnedFrame
    /// The most recently received frame; valid until the next call of ``nextFrame()``.
    var frame: UnsafeMutablePointer<AVFrame> { decoded.pointer }
    private var sentEndOfStream = false
    /// Whether ``packet`` holds a packet the decoder refused with EAGAIN, to be sent again.
    private var packetPending = false
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
        let name = LibAV.codecName(parameters.pointee.codec_id)
        let label = "\(kind) stream #\(stream.pointee.index) (\(name))"
        self.label = label
        let path = container.path
        context = try CodecContext(decoderFor: parameters.pointee.codec_id, label: path, stream: label)
        packet = try OwnedPacket(label: path)
        decoded = try OwnedFrame(label: path)
        try Self.checkIndexWithinFile(container: container, stream: stream, label: label)
        var status = context.copyParameters(from: parameters)
        if !status.failed {
            context.pointer.pointee.pkt_timebase = stream.pointee.time_base
            context.pointer.pointee.thread_count = threads
            status = try context.open(label: path)
        }
        try status.check { .decodeFailed(path: path, stream: label, reason: "cannot open the decoder: \($0.message)") }
    }

    /// Decodes the next frame into ``frame``; returns false at the end of the stream.
    ///
    /// The corresponding C functions are `av_read_frame`, `avcodec_send_packet` and
    /// `avcodec_receive_frame`.
    func nextFrame() throws(MediaError) -> Bool {
        let (path, label) = (container.path, label)
        while !finished {
            let received = context.receive(into: decoded.pointer)
            if !received.failed { return true }
            if received.isEndOfFile {
                finished = true
                break
            }
            guard received.isAgain else {
                throw .decodeFailed(path: path, stream: label, reason: received.reason)
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
            if !packetPending {
                guard try readPacket() else { return }
                guard packet.pointer.pointee.stream_index == stream.pointee.index else {
                    packet.unreference()
                    continue
                }
                packetsRead += 1
            }
            let sent = context.send(packet.pointer)
            // EAGAIN: the decoder wants its output drained first. The packet stays in `packet` and
            // is sent again on the next call, after `nextFrame` has received the pending frames.
            packetPending = sent.isAgain
            if packetPending { return }
            packet.unreference()
            if !sent.failed { return }
            // A damaged packet is what FFmpeg's own tools skip with a warning; so do we.
            if sent.isInvalidData { continue }
            throw .decodeFailed(path: container.path, stream: label, reason: sent.reason)
        }
    }

    /// Reads the next packet of the file into ``packet``; at the end of the file sends
    /// end-of-stream to the decoder and returns false.
    private func readPacket() throws(MediaError) -> Bool {
        let read = container.format.read(into: packet.pointer)
        guard read.failed else { return true }
        guard read.isEndOfFile else {
            throw .corruptContainer(
                path: container.path, container: container.formatName,
                reason: "reading \(label) failed after \(packetsRead) packets: \(read.reason)")
        }
        let flushed = context.send(nil)
        sentEndOfStream = true
        if !flushed.isEndOfFile {
            let (path, label) = (container.path, label)
            try flushed.check { .decodeFailed(path: path, stream: label, reason: $0.message) }
        }
        return false
    }

    /// Fails when the container's index points past the end of the file: the shape of an MP4
    /// (or AVI) whose media data was cut off after a complete index. Checked before decoding, so
    /// a truncated file is reported as such instead of as a short clip.
    private static func checkIndexWithinFile(container: InputContainer, stream: UnsafeMutablePointer<AVStream>, label: String) throws(MediaError) {
        guard let end = LibAV.indexEnd(of: stream), let fileSize = container.format.fileSize, end > fileSize else { return }
        throw .corruptContainer(
            path: container.path, container: container.formatName.hasPrefix("mov") ? "MP4" : container.formatName,
            reason: "the file ends early: the index of \(label) needs \(end) bytes, the file has \(fileSize)")
    }
}
