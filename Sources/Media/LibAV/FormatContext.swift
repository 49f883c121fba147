import CFFmpeg

/// One opened input file's `AVFormatContext`, closed with `avformat_close_input` when the value
/// goes away.
struct InputFormatContext: ~Copyable {
    let pointer: UnsafeMutablePointer<AVFormatContext>

    /// Opens `path` and probes its format (`avformat_open_input`); a refusal is thrown as the
    /// error `failure` makes of FFmpeg's status.
    init(path: String, failure: (LibAVStatus) -> MediaError) throws(MediaError) {
        var opened: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_open_input(&opened, path, nil, nil)
        guard status >= 0, let opened else { throw failure(LibAVStatus(status)) }
        pointer = opened
    }

    deinit {
        var closing: UnsafeMutablePointer<AVFormatContext>? = pointer
        avformat_close_input(&closing)
    }

    /// Reads a little of every stream to fill in what the header leaves out (`avformat_find_stream_info`).
    func findStreamInfo() -> LibAVStatus { LibAVStatus(avformat_find_stream_info(pointer, nil)) }

    /// Reads the file's next packet, of any stream (`av_read_frame`).
    func read(into packet: UnsafeMutablePointer<AVPacket>) -> LibAVStatus { LibAVStatus(av_read_frame(pointer, packet)) }

    /// The index of the stream FFmpeg considers best of a kind, or nil (`av_find_best_stream`).
    func bestStreamIndex(_ type: AVMediaType) -> Int? {
        let index = av_find_best_stream(pointer, type, -1, -1, nil, 0)
        return index >= 0 ? Int(index) : nil
    }

    /// The frame rate FFmpeg guesses for a stream, (0, 1) when it cannot (`av_guess_frame_rate`).
    func guessFrameRate(of stream: UnsafeMutablePointer<AVStream>) -> AVRational {
        av_guess_frame_rate(pointer, stream, nil)
    }

    /// The size of the file in bytes, nil when unknown (`avio_size`).
    var fileSize: Int64? {
        guard let io = pointer.pointee.pb else { return nil }
        let size = avio_size(io)
        return size > 0 ? size : nil
    }
}

/// One output file's `AVFormatContext` and, once opened, its `AVIOContext`; both freed when the
/// value goes away.
struct OutputFormatContext: ~Copyable {
    let pointer: UnsafeMutablePointer<AVFormatContext>

    /// The muxer the file name's extension picks (`avformat_alloc_output_context2`).
    init(path: String) throws(MediaError) {
        var context: UnsafeMutablePointer<AVFormatContext>? = nil
        let status = avformat_alloc_output_context2(&context, nil, nil, path)
        guard status >= 0, let context else {
            throw .encodeFailed(path: path, reason: "no container for this file name: \(LibAV.message(for: status))")
        }
        pointer = context
    }

    deinit {
        if needsFile, pointer.pointee.pb != nil { avio_closep(&pointer.pointee.pb) }
        avformat_free_context(pointer)
    }

    /// Whether the muxer writes to a file of its own (no `AVFMT_NOFILE`).
    var needsFile: Bool { pointer.pointee.oformat.pointee.flags & AVFMT_NOFILE == 0 }

    /// Whether the container wants codecs' global headers (`AVFMT_GLOBALHEADER`).
    var wantsGlobalHeader: Bool { pointer.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER != 0 }

    /// Adds a stream (`avformat_new_stream`).
    func newStream(label: String) throws(MediaError) -> UnsafeMutablePointer<AVStream> {
        guard let stream = avformat_new_stream(pointer, nil) else { throw LibAV.outOfMemory(label, "avformat_new_stream") }
        return stream
    }

    /// Creates the file (`avio_open`).
    func openFile(_ path: String) -> LibAVStatus { LibAVStatus(avio_open(&pointer.pointee.pb, path, AVIO_FLAG_WRITE)) }

    /// Writes the header with muxer `options` (`avformat_write_header`).
    func writeHeader(options: [String: String], label: String) throws(MediaError) -> LibAVStatus {
        try LibAV.withOptions(options, label: label) { dictionary in LibAVStatus(avformat_write_header(pointer, &dictionary)) }
    }

    /// Writes a packet in interleaved order (`av_interleaved_write_frame`).
    func writeInterleaved(_ packet: UnsafeMutablePointer<AVPacket>) -> LibAVStatus {
        LibAVStatus(av_interleaved_write_frame(pointer, packet))
    }

    /// Writes the trailer (`av_write_trailer`).
    func writeTrailer() -> LibAVStatus { LibAVStatus(av_write_trailer(pointer)) }
}

extension LibAV {
    /// The byte ranges the container's index gives for `stream`'s packets
    /// (`avformat_index_get_entries_count`, `avformat_index_get_entry`).
    static func indexEnd(of stream: UnsafeMutablePointer<AVStream>) -> Int64? {
        let entries = avformat_index_get_entries_count(stream)
        guard entries > 0 else { return nil }
        var end: Int64 = 0
        for index in 0..<entries {
            guard let entry = avformat_index_get_entry(stream, index) else { continue }
            end = max(end, entry.pointee.pos + Int64(entry.pointee.size))
        }
        return end
    }

    /// The demuxer FFmpeg's prober picks for `head` (the first bytes of `filename`), with its
    /// score out of `AVPROBE_SCORE_MAX` (`av_probe_input_format3`).
    static func probeFormat(head: [UInt8], filename: String) -> (name: String, score: Int32)? {
        var bytes = head
        bytes.append(contentsOf: [UInt8](repeating: 0, count: Int(AVPROBE_PADDING_SIZE)))
        var score: Int32 = 0
        let format: UnsafePointer<AVInputFormat>? = bytes.withUnsafeMutableBufferPointer { buffer in
            filename.withCString { name in
                var probe = AVProbeData()
                probe.filename = name
                probe.buf = buffer.baseAddress
                probe.buf_size = Int32(clamping: head.count)
                return av_probe_input_format3(&probe, 1, &score)
            }
        }
        guard let format else { return nil }
        return (String(cString: format.pointee.name), score)
    }
}
