import DSP
import Media

// ref: syncnet_python/syncnet_pipeline.py, `SyncNetPipeline._crop` (PIPELINE.md §9.1–9.3)

/// Where one frame of a track is cut out: the frame is padded by `pad` pixels of grey 110 on every
/// side, then rows `y1..<y2` and columns `x1..<x2` of the padded frame (NumPy slicing rules) are
/// resized to 224×224.
public struct CropWindow: Sendable, Equatable, Codable {
    public var pad: Int
    public var y1: Int, y2: Int, x1: Int, x2: Int
}

/// The reference's mouth-centred crops of a face track.
public struct TrackCropper: Sendable {
    /// Side of the crops SyncNet sees.
    public static let outputSize = 224
    /// Grey level of the padding (`copyMakeBorder` value 110 in every channel).
    public static let padValue: UInt8 = 110
    /// The reference's `crop_scale`.
    public var cropScale: Double

    public init(cropScale: Double = 0.4) {
        self.cropScale = cropScale
    }

    /// One window per frame of `track`: half the longer box side and the box centre, each
    /// median-filtered over 13 frames with zero padding (SciPy `medfilt`), then the reference's
    /// double-precision arithmetic with truncation toward zero (§9.2).
    public func windows(for track: FaceTrack) -> [CropWindow] {
        let halfSides = track.boxes.map { max($0[3] - $0[1], $0[2] - $0[0]) / 2 }
        let centresX = track.boxes.map { ($0[0] + $0[2]) / 2 }
        let centresY = track.boxes.map { ($0[1] + $0[3]) / 2 }
        let s = medianFilter(halfSides, kernelSize: 13)
        let x = medianFilter(centresX, kernelSize: 13)
        let y = medianFilter(centresY, kernelSize: 13)
        let cs = cropScale
        return s.indices.map { i in
            let bs = s[i]
            let pad = Int(bs * (1 + 2 * cs))
            let my = y[i] + Double(pad), mx = x[i] + Double(pad)
            return CropWindow(
                pad: pad, y1: Int(my - bs), y2: Int(my + bs * (1 + 2 * cs)),
                x1: Int(mx - bs * (1 + cs)), x2: Int(mx + bs * (1 + cs)))
        }
    }

    /// The 224×224 crop of one BGR frame (before any video encoding).
    public func crop(_ frame: Image, window: CropWindow) -> Image {
        frame.padded(top: window.pad, bottom: window.pad, left: window.pad, right: window.pad, value: Self.padValue)
            .sliced(rowStart: window.y1, rowStop: window.y2, columnStart: window.x1, columnStop: window.x2)
            .resized(width: Self.outputSize, height: Self.outputSize)
    }
}
