import Crypto

extension SHA256.Digest {
    /// The digest as 64 lowercase hexadecimal digits: SyncBench's one spelling of a SHA-256 (file
    /// contents, cache keys, weight files, state dict value digests).
    ///
    /// It lives in `Models`, the lowest target that hashes (the state dict value digest); `Pipeline`,
    /// `Store`, the CLI and `TestSupport` import it from here.
    public var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * SHA256.byteCount)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
