import Foundation

/// A bounds-checked little-endian reader over one region of a checkpoint file.
///
/// Every read checks the remaining length first and throws ``CheckpointError/truncated(what:offset:needed:available:)``
/// instead of reading past `end`; offsets are always file offsets, so messages point into the
/// file, not into a sub-buffer.
struct ByteCursor {
    /// The whole file.
    let bytes: UnsafeRawBufferPointer
    /// One past the last byte this cursor may read.
    let end: Int
    /// The next byte to read.
    var offset: Int

    /// A cursor over `bytes[start..<end]`; the range must lie inside `bytes` (checked by callers
    /// that derive it from file contents).
    init(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) {
        precondition(0 <= start && start <= end && end <= bytes.count, "cursor range outside the buffer")
        self.bytes = bytes
        self.offset = start
        self.end = end
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset >= end }

    /// Checks that `count` more bytes exist, returning their start and advancing past them.
    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(CheckpointError) -> Int {
        guard count >= 0, count <= remaining else {
            throw .truncated(what: what(), offset: offset, needed: count, available: max(remaining, 0))
        }
        let start = offset
        offset += count
        return start
    }

    mutating func u8(_ what: @autoclosure () -> String) throws(CheckpointError) -> UInt8 {
        let at = try skip(1, what())
        return bytes[at]
    }

    /// An unsigned little-endian integer of `width` (≤ 8) bytes.
    mutating func uintLE(_ width: Int, _ what: @autoclosure () -> String) throws(CheckpointError) -> UInt64 {
        let at = try skip(width, what())
        return ByteCursor.uintLE(bytes, at: at, width: width)
    }

    /// Reads an unsigned little-endian integer of `width` (≤ 8) bytes at `at`, unchecked.
    static func uintLE(_ bytes: UnsafeRawBufferPointer, at: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in 0..<width {
            value |= UInt64(bytes[at + k]) << (8 * UInt64(k))
        }
        return value
    }

    /// The bytes of `range` (already bounds-checked) as an array.
    func array(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }
}

extension UnsafeRawBufferPointer {
    /// Whether the bytes at `offset` equal `prefix` (false when they run past the end).
    func hasBytes(_ prefix: [UInt8], at offset: Int) -> Bool {
        guard offset >= 0, offset <= count, prefix.count <= count - offset else { return false }
        for (k, byte) in prefix.enumerated() where self[offset + k] != byte { return false }
        return true
    }
}
