import CFFmpeg

/// One `AVCodecContext` and the codec it was allocated for, freed with `avcodec_free_context`
/// when the value goes away.
struct CodecContext: ~Copyable {
    let pointer: UnsafeMutablePointer<AVCodecContext>
    let codec: UnsafePointer<AVCodec>

    private init(codec: UnsafePointer<AVCodec>, label: String) throws(MediaError) {
        guard let context = avcodec_alloc_context3(codec) else { throw LibAV.outOfMemory(label, "avcodec_alloc_context3") }
        self.codec = codec
        pointer = context
    }

    /// A context for the decoder of `id` (`avcodec_find_decoder`); not yet open.
    init(decoderFor id: AVCodecID, label: String, stream: String) throws(MediaError) {
        guard let decoder = avcodec_find_decoder(id) else {
            throw .unsupportedCodec(path: label, stream: stream, codec: LibAV.codecName(id))
        }
        try self.init(codec: decoder, label: label)
    }

    /// A context for the encoder of `id` (`avcodec_find_encoder`); not yet open.
    init(encoderFor id: AVCodecID, label: String, stream: String) throws(MediaError) {
        guard let encoder = avcodec_find_encoder(id) else {
            throw .unsupportedCodec(path: label, stream: stream, codec: LibAV.codecName(id))
        }
        try self.init(codec: encoder, label: label)
    }

    /// A context for the encoder called `name`, e.g. `libx264` (`avcodec_find_encoder_by_name`).
    init(encoderNamed name: String, label: String, stream: String = "output") throws(MediaError) {
        guard let encoder = Self.encoder(named: name) else {
            throw .unsupportedCodec(path: label, stream: stream, codec: name)
        }
        try self.init(codec: encoder, label: label)
    }

    deinit {
        var owned: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&owned)
    }

    /// The encoder called `name`, if this FFmpeg build has it.
    static func encoder(named name: String) -> UnsafePointer<AVCodec>? { avcodec_find_encoder_by_name(name) }

    /// Copies a stream's codec parameters into the context (`avcodec_parameters_to_context`).
    func copyParameters(from parameters: UnsafePointer<AVCodecParameters>) -> LibAVStatus {
        LibAVStatus(avcodec_parameters_to_context(pointer, parameters))
    }

    /// Copies the context's parameters to a stream's (`avcodec_parameters_from_context`).
    func copyParameters(to parameters: UnsafeMutablePointer<AVCodecParameters>) -> LibAVStatus {
        LibAVStatus(avcodec_parameters_from_context(parameters, pointer))
    }

    /// Gives the context a copy of a stream's global header (e.g. AAC's AudioSpecificConfig),
    /// zero-padded as libavcodec requires; the context frees it.
    func setExtradata(_ bytes: [UInt8], label: String) throws(MediaError) {
        guard !bytes.isEmpty else { return }
        guard let buffer = av_mallocz(bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else {
            throw LibAV.outOfMemory(label, "av_mallocz")
        }
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        pointer.pointee.extradata = buffer.assumingMemoryBound(to: UInt8.self)
        pointer.pointee.extradata_size = Int32(bytes.count)
    }

    /// The context's global header, if any.
    var extradata: [UInt8]? {
        pointer.pointee.extradata.map { Array(UnsafeBufferPointer(start: $0, count: Int(pointer.pointee.extradata_size))) }
    }

    /// Opens the codec with `options` as FFmpeg's `-key value` pairs (`avcodec_open2`); a failure
    /// to build the option dictionary is thrown, the opening's own status returned.
    func open(options: [String: String] = [:], label: String) throws(MediaError) -> LibAVStatus {
        try LibAV.withOptions(options, label: label) { dictionary in
            LibAVStatus(avcodec_open2(pointer, codec, &dictionary))
        }
    }

    /// Hands the decoder a packet, or nil for end of stream (`avcodec_send_packet`).
    func send(_ packet: UnsafeMutablePointer<AVPacket>?) -> LibAVStatus { LibAVStatus(avcodec_send_packet(pointer, packet)) }

    /// Takes the decoder's next frame (`avcodec_receive_frame`).
    func receive(into frame: UnsafeMutablePointer<AVFrame>) -> LibAVStatus { LibAVStatus(avcodec_receive_frame(pointer, frame)) }

    /// Hands the encoder a frame, or nil to flush (`avcodec_send_frame`).
    func send(frame: UnsafeMutablePointer<AVFrame>?) -> LibAVStatus { LibAVStatus(avcodec_send_frame(pointer, frame)) }

    /// Takes the encoder's next packet (`avcodec_receive_packet`).
    func receive(into packet: UnsafeMutablePointer<AVPacket>) -> LibAVStatus { LibAVStatus(avcodec_receive_packet(pointer, packet)) }
}

extension LibAV {
    /// Sets an option of a codec's private context before it is opened, e.g. libx264's
    /// `x264-params` (`av_opt_set`).
    static func setPrivateOption(of codec: UnsafeMutablePointer<AVCodecContext>, _ name: String, _ value: String) -> LibAVStatus {
        LibAVStatus(av_opt_set(codec.pointee.priv_data, name, value, 0))
    }

    /// FFmpeg's short name of a codec id, e.g. `h264` (`avcodec_get_name`).
    static func codecName(_ id: AVCodecID) -> String { String(cString: avcodec_get_name(id)) }

    /// Runs `body` with an `AVDictionary` holding `options` and frees it afterwards; a failed
    /// `av_dict_set` is thrown. The corresponding C functions are `av_dict_set`, `av_dict_free`.
    static func withOptions<Result>(
        _ options: [String: String], label: String, _ body: (inout OpaquePointer?) -> Result
    ) throws(MediaError) -> Result {
        var dictionary: OpaquePointer? = nil
        defer { av_dict_free(&dictionary) }
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            let status = av_dict_set(&dictionary, key, value, 0)
            try LibAVStatus(status).check { $0.error(path: label, operation: "av_dict_set \(key)") }
        }
        return body(&dictionary)
    }
}
