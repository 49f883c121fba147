import CFFmpeg

/// One `AVPacket`, freed with `av_packet_free` when the value goes away.
struct OwnedPacket: ~Copyable {
    let pointer: UnsafeMutablePointer<AVPacket>

    /// An empty packet. The corresponding C function is `av_packet_alloc`.
    init(label: String) throws(MediaError) {
        guard let packet = av_packet_alloc() else { throw LibAV.outOfMemory(label, "av_packet_alloc") }
        pointer = packet
    }

    deinit {
        var owned: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&owned)
    }

    /// Drops the packet's data (`av_packet_unref`).
    func unreference() { av_packet_unref(pointer) }

    /// Gives the packet `bytes` as its data (`av_new_packet`, then a copy); the packet must be empty.
    func fill(with bytes: UnsafeRawBufferPointer) -> LibAVStatus {
        let status = av_new_packet(pointer, Int32(clamping: bytes.count))
        guard status >= 0 else { return LibAVStatus(status) }
        if let source = bytes.baseAddress, bytes.count > 0 {
            UnsafeMutableRawPointer(pointer.pointee.data).copyMemory(from: source, byteCount: bytes.count)
        }
        return .ok
    }

    /// The data of `packet` as bytes.
    static func bytes(of packet: UnsafeMutablePointer<AVPacket>) -> [UInt8] {
        guard let data = packet.pointee.data, packet.pointee.size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(packet.pointee.size)))
    }

    /// Converts a packet's timestamps between time bases (`av_packet_rescale_ts`).
    static func rescaleTimestamps(of packet: UnsafeMutablePointer<AVPacket>, from source: AVRational, to destination: AVRational) {
        av_packet_rescale_ts(packet, source, destination)
    }
}
