import DSP
import Media

// ref: syncnet_python/syncnet_pipeline.py, `SyncNetPipeline._crop` (docs/reference/pipeline.md §9.1–9.3)

/// Where one frame of a track is cut out: the frame is padded by `pad` pixels of grey 110 on every
/// side, then rows `y1..<y2` and columns `x1..<x2` of the padded frame (NumPy slicing rules) are
/// resized to 224×224.
public struct CropWindow: Sendable, Equatable, Codable {
    public var pad: Int
    public var y1: Int, y2: Int, x1: Int, x2: Int
}

/// Why a frame of a track cannot be cropped. Each case is a point where the reference raises (and
/// so fails the whole clip), or a window too large to cut out in memory.
public enum CropError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The box geometry is not a finite number of a sane size (it would overflow the integer
    /// arithmetic of §9.2).
    case invalidGeometry(frame: Int, reason: String)
    /// The border is negative (a box with x2 < x1 and y2 < y1): the reference's
    /// `cv2.copyMakeBorder` asserts `top >= 0 && …`.
    case negativeBorder(frame: Int, pad: Int)
    /// The slice of the padded frame is empty (the smoothed face centre lies outside the window the
    /// padding covers, or the box has no size): the reference's `cv2.resize` asserts
    /// `!ssize.empty()`.
    case emptyWindow(frame: Int, window: CropWindow, paddedWidth: Int, paddedHeight: Int)
    /// The window is larger than ``TrackCropper/maximumWindowPixels``.
    case windowTooLarge(frame: Int, width: Int, height: Int)

    public var description: String {
        switch self {
        case let .invalidGeometry(frame, reason): "frame \(frame): cannot crop: \(reason)"
        case let .negativeBorder(frame, pad):
            "frame \(frame): the crop border is negative (\(pad) px: the box has negative size); the reference fails here (cv2.copyMakeBorder)"
        case let .emptyWindow(frame, w, pw, ph):
            "frame \(frame): the crop window (rows \(w.y1)..<\(w.y2), columns \(w.x1)..<\(w.x2) of the \(pw)x\(ph) padded frame) "
                + "is empty: the face lies too far outside the picture; the reference fails here (cv2.resize of an empty image)"
        case let .windowTooLarge(frame, width, height):
            "frame \(frame): the crop window is \(width)x\(height) px, larger than SyncBench cuts out "
                + "(\(TrackCropper.maximumWindowPixels / 1_000_000) megapixels): the face box is absurdly large"
        }
    }
}

/// The reference's mouth-centred crops of a face track.
public struct TrackCropper: Sendable {
    /// Side of the crops SyncNet sees.
    public static let outputSize = 224
    /// Grey level of the padding (`copyMakeBorder` value 110 in every channel).
    public static let padValue: UInt8 = 110
    /// The largest window cut out: 64 megapixels (192 MB of pixels), a face box over 2 800 px on a
    /// side. The reference would pad the whole frame by 1.8× that (gigabytes) and go on; SyncBench
    /// stops with ``CropError/windowTooLarge(frame:width:height:)`` instead (docs/reliability.md).
    public static let maximumWindowPixels = 64_000_000
    /// Box geometry beyond ±2^40 px cannot come from a picture; it is refused before any integer
    /// conversion (`Int(Double)` traps on values out of range).
    static let geometryLimit = 1_099_511_627_776.0
    /// The reference's `crop_scale`.
    public var cropScale: Double

    public init(cropScale: Double = 0.4) {
        self.cropScale = cropScale
    }

    /// One window per frame of `track`: half the longer box side and the box centre, each
    /// median-filtered over 13 frames with zero padding (SciPy `medfilt`), then the reference's
    /// double-precision arithmetic with truncation toward zero (§9.2).
    ///
    /// - Throws: ``CropError/invalidGeometry(frame:reason:)`` when a value is not finite or is
    ///   beyond ±2^40 px (the integer conversions would overflow).
    public func windows(for track: FaceTrack) throws(CropError) -> [CropWindow] {
        let halfSides = track.boxes.map { max($0[3] - $0[1], $0[2] - $0[0]) / 2 }
        let centresX = track.boxes.map { ($0[0] + $0[2]) / 2 }
        let centresY = track.boxes.map { ($0[1] + $0[3]) / 2 }
        let s = medianFilter(halfSides, kernelSize: 13)
        let x = medianFilter(centresX, kernelSize: 13)
        let y = medianFilter(centresY, kernelSize: 13)
        let cs = cropScale
        var windows: [CropWindow] = []
        windows.reserveCapacity(s.count)
        for i in s.indices {
            let frame = track.firstFrame + i
            func truncated(_ value: Double) throws(CropError) -> Int {
                guard value.isFinite, abs(value) < Self.geometryLimit else {
                    throw .invalidGeometry(frame: frame, reason: "box geometry \(value) is not a finite number below 2^40 px")
                }
                return Int(value)
            }
            let bs = s[i]
            let pad = try truncated(bs * (1 + 2 * cs))
            let my = y[i] + Double(pad), mx = x[i] + Double(pad)
            windows.append(
                CropWindow(
                    pad: pad, y1: try truncated(my - bs), y2: try truncated(my + bs * (1 + 2 * cs)),
                    x1: try truncated(mx - bs * (1 + cs)), x2: try truncated(mx + bs * (1 + cs))))
        }
        return windows
    }

    /// The 224×224 crop of one BGR frame (before any video encoding): `padded[y1:y2, x1:x2]`
    /// resized, where the padded frame is never built: only the slice is cut out, with the border's
    /// grey where it falls outside the frame, so the memory used is the slice's, whatever the pad.
    ///
    /// - Parameter frame: the frame's index, for the error messages.
    /// - Throws: ``CropError`` where the reference raises (negative border, empty slice), and for
    ///   a window over ``maximumWindowPixels``.
    public func crop(_ image: Image, window: CropWindow, frame: Int) throws(CropError) -> Image {
        guard window.pad >= 0 else { throw .negativeBorder(frame: frame, pad: window.pad) }
        // pad < 2^40, so these sums cannot overflow.
        let paddedWidth = image.width + 2 * window.pad
        let paddedHeight = image.height + 2 * window.pad
        let rows = Image.sliceRange(start: window.y1, stop: window.y2, count: paddedHeight)
        let columns = Image.sliceRange(start: window.x1, stop: window.x2, count: paddedWidth)
        guard !rows.isEmpty, !columns.isEmpty else {
            throw .emptyWindow(frame: frame, window: window, paddedWidth: paddedWidth, paddedHeight: paddedHeight)
        }
        guard rows.count <= Self.maximumWindowPixels / columns.count else {
            throw .windowTooLarge(frame: frame, width: columns.count, height: rows.count)
        }
        return image.paddedSlice(pad: window.pad, value: Self.padValue, rows: rows, columns: columns)
            .resized(width: Self.outputSize, height: Self.outputSize)
    }
}
