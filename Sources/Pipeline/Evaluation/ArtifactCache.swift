import Crypto
import Foundation
import Models

/// One cached stage result (docs/cache.md): small structured facts as JSON, the bulk as a payload
/// in a documented format, and — for crops — frames stored beside it.
public struct StoredArtifact: Sendable, Equatable {
    /// SHA-256 of the stage's inputs, settings, weights and algorithm version (``StageKey``).
    public var key: String
    /// Stage name (`detections`, `scenes`, `tracks`, `speech`, `crops`, `mfcc`, `embeddings`, `scores`).
    public var stage: String
    /// How `payload` is laid out, e.g. `float32le[L,1024]x2`.
    public var format: String
    /// JSON object with counts, shapes and scalars.
    public var meta: Data
    public var payload: Data
    /// Frames owned by the artifact (PNG, stored with ``ArtifactCache/saveFrames(of:startingAt:_:)``).
    public var frameCount: Int
    /// Seconds the stage took.
    public var seconds: Double

    public init(key: String, stage: String, format: String, meta: Data, payload: Data, frameCount: Int = 0, seconds: Double) {
        self.key = key
        self.stage = stage
        self.format = format
        self.meta = meta
        self.payload = payload
        self.frameCount = frameCount
        self.seconds = seconds
    }
}

/// Where the evaluator keeps stage results. `Store` implements it with SQLite; the evaluator only
/// sees this protocol.
///
/// Contract: ``save(_:)`` is one transaction, so an artifact exists whole or not at all. An
/// artifact with frames has its frames saved first, in chunks (each chunk one transaction), by
/// the same cache value that then saves its row; until then they belong to that writer alone
/// (``frames(of:range:)`` does not see them, and another writer of the same key neither sees nor
/// discards them). ``discardFrames(of:)`` drops the frames this writer saved for a key. When
/// another writer saved the same key first, ``save(_:)`` keeps that artifact (equal keys mean
/// equal content).
public protocol ArtifactCache: Sendable {
    func artifact(key: String) throws -> StoredArtifact?
    func containsArtifact(key: String) throws -> Bool
    func save(_ artifact: StoredArtifact) throws
    func discardFrames(of key: String) throws
    func saveFrames(of key: String, startingAt index: Int, _ pngs: [Data]) throws
    func frames(of key: String, range: Range<Int>) throws -> [Data]
}

/// Builds cache keys: the SHA-256 of a canonical text naming the stage, its algorithm version and
/// every input, in a fixed order. Equal texts ⇔ equal keys; any changed input changes the key.
public struct StageKey: Sendable {
    private var text: String

    public init(stage: String, version: Int) {
        text = "syncbench-stage\nstage=\(stage)\nversion=\(version)\n"
    }

    /// Adds one input (name and value); order matters.
    public func with(_ name: String, _ value: some CustomStringConvertible) -> StageKey {
        var copy = self
        copy.text += "\(name)=\(value)\n"
        return copy
    }

    /// The key: 64 lowercase hexadecimal digits.
    public var digest: String {
        SHA256.hash(data: Data(text.utf8)).hexDigits
    }
}

/// Little-endian array payloads.
enum PayloadCoding {
    static func data(_ values: [Float]) -> Data {
        values.withUnsafeBufferPointer { v in littleEndian(v.count) { v[$0].bitPattern } }
    }

    static func data(_ values: [Double]) -> Data {
        values.withUnsafeBufferPointer { v in littleEndian(v.count) { v[$0].bitPattern } }
    }

    static func data(_ values: [Int16]) -> Data {
        values.withUnsafeBufferPointer { v in littleEndian(v.count) { v[$0] } }
    }

    /// `count` words, `word(i)` for each i in order, little-endian, written in place (appending
    /// them to a `Data` one at a time took 38 ms for an eval's 260 K embedding floats).
    @inline(__always)
    private static func littleEndian<Word: FixedWidthInteger>(_ count: Int, _ word: (Int) -> Word) -> Data {
        let size = MemoryLayout<Word>.size
        var data = Data(count: count * size)
        data.withUnsafeMutableBytes { raw in
            for i in 0..<count { raw.storeBytes(of: word(i).littleEndian, toByteOffset: i * size, as: Word.self) }
        }
        return data
    }

    static func floats(_ data: Data, offset: Int = 0, count: Int) throws(ArtifactError) -> [Float] {
        guard offset >= 0, count >= 0, offset + count * 4 <= data.count else { throw .malformed("float32 payload too short") }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self))) }
        }
    }

    static func doubles(_ data: Data, offset: Int = 0, count: Int) throws(ArtifactError) -> [Double] {
        guard offset >= 0, count >= 0, offset + count * 8 <= data.count else { throw .malformed("float64 payload too short") }
        return data.withUnsafeBytes { raw in
            (0..<count).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * $0, as: UInt64.self))) }
        }
    }

    static func int16s(_ data: Data) throws(ArtifactError) -> [Int16] {
        guard data.count % 2 == 0 else { throw .malformed("int16 payload has an odd byte count") }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 2)).map { Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self)) }
        }
    }
}

/// A cached artifact that cannot be read back (damaged or written by an incompatible version).
public enum ArtifactError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case missingFrames(key: String, expected: Int, found: Int)

    public var description: String {
        switch self {
        case .malformed(let reason): "cached artifact is malformed: \(reason) (run `syncbench cache verify`)"
        case let .missingFrames(key, expected, found):
            "cached crops \(key.prefix(12)) have \(found) of \(expected) frames (run `syncbench cache verify`)"
        }
    }
}
