import CJPEG

/// Decodes JPEG bytes to BGR exactly as the reference's `cv2.imread(path)` does.
///
/// OpenCV decodes JPEGs with libjpeg-turbo, asking for `JCS_EXT_BGR` output and leaving every
/// other setting at libjpeg's default (integer "slow" IDCT, fancy upsampling). This uses the
/// system libjpeg-turbo with the same settings; `Tests/MediaTests/FaithfulChainTests.swift`
/// checks it against OpenCV's own decode.
///
/// ref: OpenCV 4.x `modules/imgcodecs/src/grfmt_jpeg.cpp` `JpegDecoder::readHeader`,
/// `JpegDecoder::readData`; libjpeg-turbo `jpeg_read_header`, `jpeg_start_decompress`.
enum JPEGDecoding {
    /// The BGR image of one JPEG.
    ///
    /// - Parameters:
    ///   - bytes: a complete JPEG file.
    ///   - label: names the JPEG in error messages (a path, or what produced it).
    /// - Throws: ``MediaError/decodeFailed(path:stream:reason:)`` with libjpeg's message.
    static func bgrImage(jpeg bytes: [UInt8], label: String) throws(MediaError) -> Image {
        var width: Int32 = 0
        var height: Int32 = 0
        var capacity = 0
        var pixels: [UInt8] = []
        for _ in 0..<2 {
            var message = [CChar](repeating: 0, count: 256)
            let status = bytes.withUnsafeBufferPointer { input in
                pixels.withUnsafeMutableBufferPointer { output in
                    cjpeg_decode_bgr(
                        input.baseAddress, UInt(input.count), output.baseAddress, capacity, &width, &height, &message,
                        message.count)
                }
            }
            switch status {
            case Int32(CJPEG_OK):
                return Image(width: Int(width), height: Int(height), layout: .bgr, pixels: pixels)
            case Int32(CJPEG_BUFFER_TOO_SMALL):
                capacity = Int(width) * Int(height) * 3
                pixels = [UInt8](repeating: 0, count: capacity)
            default:
                let reason = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw .decodeFailed(path: label, stream: "JPEG", reason: reason.isEmpty ? "libjpeg error" : reason)
            }
        }
        throw .decodeFailed(path: label, stream: "JPEG", reason: "the picture size changed between two reads")
    }
}

extension Image {
    /// The BGR picture of a JPEG file, decoded exactly as OpenCV's `cv2.imread` decodes it
    /// (libjpeg-turbo, integer IDCT, fancy upsampling).
    ///
    /// - Throws: ``MediaError/decodeFailed(path:stream:reason:)`` naming `label`.
    public init(jpeg bytes: [UInt8], label: String) throws(MediaError) {
        self = try JPEGDecoding.bgrImage(jpeg: bytes, label: label)
    }
}
