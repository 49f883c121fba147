import Crypto
import Foundation
import Models

// Helpers shared by the test targets (not part of the product).

/// SplitMix64 (Steele, Lea, Flood 2014), the generator behind every random test image.
///
/// `state += 0x9E3779B97F4A7C15; z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
/// z = (z ^ (z >> 27)) * 0x94D049BB133111EB; return z ^ (z >> 31)`, all mod 2^64.
/// ref: `splitmix64_bytes` in tools/reference/make_image_goldens.py.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The first `count` bytes of the stream: each output's 8 little-endian bytes in turn.
    public static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            let word = generator.next()
            for k in 0..<min(8, count - i) {
                out[i + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(k)))
            }
            i += 8
        }
        return out
    }
}

/// Lowercase hex SHA-256 of `bytes` (swift-crypto), for checking fixture and output hashes.
public func sha256Hex(_ bytes: some DataProtocol) -> String {
    SHA256.hash(data: bytes).hexDigits
}

/// Values appended from several threads (a lock around an array), read when they are done.
public final class Collected<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Value] = []
    public init() {}
    public var values: [Value] { lock.withLock { items } }
    public func append(_ value: Value) { lock.withLock { items.append(value) } }
}
