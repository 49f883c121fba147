import CPNG
import Foundation
import Media

/// PNG files of 8-bit RGB pictures, written and read with libpng, with `tEXt` metadata.
///
/// Leaderboard charts and debugging frames are written as PNG; the `tEXt` chunks record what made
/// them (tool version, database). libpng's simplified API does the pixel coding; the `tEXt`
/// chunks, which that API does not write, are inserted after `IHDR` with their CRC-32.
public enum PNGFile {
    /// Why a PNG could not be written or read.
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var operation: String
        public var reason: String
        public var description: String { "PNG \(operation) failed: \(reason)" }
    }

    /// Encodes `image` (BGR or RGB) as an 8-bit RGB PNG with `text` as `tEXt` chunks
    /// (Latin-1 keywords of 1–79 characters, in the given order).
    /// The corresponding C function is `png_image_write_to_memory`.
    public static func encode(_ image: Image, text: [(keyword: String, value: String)] = []) throws(Failure) -> Data {
        guard image.layout != .hsv else { throw Failure(operation: "encode", reason: "an HSV image is not a picture") }
        let rgb = image.layout == .bgr ? swapped(image) : image.pixels
        var descriptor = png_image()
        descriptor.version = cpng_image_version
        descriptor.width = UInt32(image.width)
        descriptor.height = UInt32(image.height)
        descriptor.format = cpng_format_rgb
        var size: png_alloc_size_t = 0
        let rowStride = Int32(image.width * 3)
        guard rgb.withUnsafeBytes({ png_image_write_to_memory(&descriptor, nil, &size, 0, $0.baseAddress, rowStride, nil) }) != 0 else {
            throw Failure(operation: "encode", reason: message(of: &descriptor))
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let written = bytes.withUnsafeMutableBytes { out in
            rgb.withUnsafeBytes { png_image_write_to_memory(&descriptor, out.baseAddress, &size, 0, $0.baseAddress, rowStride, nil) }
        }
        guard written != 0 else { throw Failure(operation: "encode", reason: message(of: &descriptor)) }
        bytes.removeLast(bytes.count - Int(size))
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

    /// Decodes a PNG into an RGB ``Image``. The corresponding C functions are
    /// `png_image_begin_read_from_memory` and `png_image_finish_read`.
    public static func decode(_ data: Data) throws(Failure) -> Image {
        var descriptor = png_image()
        descriptor.version = cpng_image_version
        let bytes = [UInt8](data)
        // libpng keeps the input pointer from `begin_read` until `finish_read`, so both calls run
        // inside one closure: the pointer never outlives `withUnsafeBytes`.
        let decoded: Result<Image, Failure> = bytes.withUnsafeBytes { input in
            guard png_image_begin_read_from_memory(&descriptor, input.baseAddress, input.count) != 0 else {
                return .failure(Failure(operation: "decode", reason: message(of: &descriptor)))
            }
            descriptor.format = cpng_format_rgb
            let width = Int(descriptor.width)
            let height = Int(descriptor.height)
            var pixels = [UInt8](repeating: 0, count: width * height * 3)
            let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&descriptor, nil, $0.baseAddress, Int32(width * 3), nil) }
            guard finished != 0 else { return .failure(Failure(operation: "decode", reason: message(of: &descriptor))) }
            return .success(Image(width: width, height: height, layout: .rgb, pixels: pixels))
        }
        return try decoded.get()
    }

    /// The `tEXt` chunks of a PNG file, in file order.
    public static func textChunks(of data: Data) -> [(keyword: String, value: String)] {
        let bytes = [UInt8](data)
        var result: [(String, String)] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard offset + 12 + length <= bytes.count else { break }
            if type == "tEXt" {
                let body = bytes[(offset + 8)..<(offset + 8 + length)]
                if let zero = body.firstIndex(of: 0) {
                    let key = String(data: Data(body[..<zero]), encoding: .isoLatin1) ?? ""
                    let value = String(data: Data(body[(zero + 1)...]), encoding: .isoLatin1) ?? ""
                    result.append((key, value))
                }
            }
            offset += 12 + length
        }
        return result
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

    private static func swapped(_ image: Image) -> [UInt8] {
        var pixels = image.pixels
        var index = 0
        while index < pixels.count {
            pixels.swapAt(index, index + 2)
            index += 3
        }
        return pixels
    }

    private static func message(of descriptor: inout png_image) -> String {
        let text = withUnsafeBytes(of: &descriptor.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        png_image_free(&descriptor)
        return text.isEmpty ? "libpng reported an error" : text
    }
}
