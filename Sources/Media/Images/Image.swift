/// The order of the three interleaved 8-bit channels of an ``Image``.
public enum PixelLayout: String, Sendable, Codable {
    /// Blue, green, red: what OpenCV's `imread` returns and what SyncNet's lip tower is fed.
    case bgr
    /// Red, green, blue: what S3FD is fed (after a channel swap of the BGR frame).
    case rgb
    /// Hue 0...179, saturation 0...255, value 0...255: OpenCV's 8-bit `COLOR_BGR2HSV`.
    case hsv
}

/// A packed 8-bit, 3-channel image: `height` rows of `width * 3` bytes, no row padding.
///
/// This is the in-memory equivalent of a NumPy `uint8` array of shape `[height, width, 3]`
/// (C order), which is what every OpenCV call of the reference receives.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let layout: PixelLayout
    /// `height * width * 3` bytes; pixel `(x, y)` channel `c` is at `(y * width + x) * 3 + c`.
    public var pixels: [UInt8]

    /// Creates an image from packed pixels.
    ///
    /// - Precondition: `pixels.count == width * height * 3`, `width >= 0`, `height >= 0`.
    public init(width: Int, height: Int, layout: PixelLayout, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "image size must be non-negative, got \(width)x\(height)")
        precondition(
            pixels.count == width * height * 3,
            "image of \(width)x\(height) needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.layout = layout
        self.pixels = pixels
    }

    /// Creates an image filled with one value in every channel.
    public init(width: Int, height: Int, layout: PixelLayout, filledWith value: UInt8) {
        self.init(width: width, height: height, layout: layout, pixels: [UInt8](repeating: value, count: width * height * 3))
    }

    /// Bytes per row.
    public var rowStride: Int { width * 3 }
}
