import Foundation
import Media

/// PNG files of 8-bit RGB pictures with `tEXt` metadata, coded by Media's ``PNGImageCodec``
/// (FFmpeg's `png` encoder and decoder, the project's one PNG codec).
///
/// Leaderboard charts and debugging frames are written as PNG; the `tEXt` chunks record what made
/// them (tool version, weights, database). The codec does the pixel coding; the `tEXt` chunks are
/// inserted after `IHDR` with their CRC-32, and ``chunks(of:)`` checks every chunk's CRC when
/// reading.
public enum PNGFile {
    /// Why a PNG could not be written or read.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var operation: String
        public var reason: String
        public var description: String { "PNG \(operation) failed: \(reason)" }
    }

    /// Encodes `image` (BGR or RGB) as an 8-bit RGB PNG with `text` as `tEXt` chunks
    /// (Latin-1 keywords of 1–79 characters, in the given order).
    public static func encode(_ image: Image, text: [(keyword: String, value: String)] = []) throws(Failure) -> Data {
        guard image.layout != .hsv else { throw Failure(operation: "encode", reason: "an HSV image is not a picture") }
        let bgr = image.layout == .bgr ? image : image.swappingRedBlue()
        var bytes: [UInt8]
        do {
            bytes = [UInt8](try PNGImageCodec().encode(bgr))
        } catch {
            throw Failure(operation: "encode", reason: error.description)
        }
        // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC) = 33 bytes.
        var chunks: [UInt8] = []
        for (keyword, value) in text {
            guard (1...79).contains(keyword.utf8.count), let key = keyword.data(using: .isoLatin1), !key.contains(0),
                let body = value.data(using: .isoLatin1)
            else { throw Failure(operation: "encode", reason: "tEXt keyword '\(keyword)' must be 1-79 Latin-1 characters and the text Latin-1") }
            chunks += chunk(type: "tEXt", data: [UInt8](key) + [0] + [UInt8](body))
        }
        bytes.insert(contentsOf: chunks, at: 33)
        return Data(bytes)
    }

    /// Writes ``encode(_:text:)`` to `url` atomically.
    public static func write(_ image: Image, to url: URL, text: [(keyword: String, value: String)] = []) throws {
        try encode(image, text: text).write(to: url, options: .atomic)
    }

    /// Decodes an 8-bit RGB PNG into an RGB ``Image``, after checking the CRC of every chunk.
    public static func decode(_ data: Data) throws(Failure) -> Image {
        _ = try chunks(of: data)
        do {
            return try PNGImageCodec().decode(data).swappingRedBlue()
        } catch {
            throw Failure(operation: "decode", reason: error.description)
        }
    }

    /// The chunks of a PNG file as (type, data), in file order; fails on a missing signature, a
    /// chunk that runs past the end, or a CRC that does not match.
    public static func chunks(of data: Data) throws(Failure) -> [(type: String, data: [UInt8])] {
        let bytes = [UInt8](data)
        guard bytes.starts(with: signature) else { throw Failure(operation: "decode", reason: "not a PNG file (no PNG signature)") }
        var result: [(String, [UInt8])] = []
        var offset = signature.count
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= bytes.count - offset - 12 else {
                throw Failure(operation: "decode", reason: "chunk at byte \(offset) runs past the end of the file")
            }
            let typeAndData = bytes[(offset + 4)..<(offset + 8 + length)]
            let stored = bytes[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let type = String(decoding: typeAndData.prefix(4), as: UTF8.self)
            guard crc32(typeAndData) == stored else {
                throw Failure(operation: "decode", reason: "CRC mismatch in the \(type) chunk at byte \(offset)")
            }
            result.append((type, Array(typeAndData.dropFirst(4))))
            offset += 12 + length
        }
        guard offset == bytes.count else {
            throw Failure(operation: "decode", reason: "the file ends inside a chunk at byte \(offset)")
        }
        return result
    }

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The `tEXt` chunks of a PNG file, in file order (none when the file is not a valid PNG).
    public static func textChunks(of data: Data) -> [(keyword: String, value: String)] {
        guard let chunks = try? chunks(of: data) else { return [] }
        return chunks.compactMap { chunk in
            guard chunk.type == "tEXt", let zero = chunk.data.firstIndex(of: 0) else { return nil }
            let key = String(data: Data(chunk.data[..<zero]), encoding: .isoLatin1) ?? ""
            let value = String(data: Data(chunk.data[(zero + 1)...]), encoding: .isoLatin1) ?? ""
            return (key, value)
        }
    }

    /// CRC-32 as PNG defines it (ISO 3309, polynomial 0xEDB88320, reflected).
    static func crc32(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func chunk(type: String, data: [UInt8]) -> [UInt8] {
        let typeBytes = [UInt8](type.utf8)
        let length = UInt32(data.count)
        let crc = crc32(typeBytes + data)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
            + typeBytes + data + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }
}
