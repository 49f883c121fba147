/// Channel swaps and OpenCV's 8-bit BGR→HSV conversion (docs/reference/pipeline.md Appendix B).
extension Image {
    /// Swaps the first and third channel: BGR becomes RGB and RGB becomes BGR.
    ///
    /// `out[y][x] = (p[y][x][2], p[y][x][1], p[y][x][0])`; the layout flips between `.bgr` and `.rgb`.
    ///
    /// ref: OpenCV `cv::cvtColor` with `COLOR_BGR2RGB` / `COLOR_RGB2BGR` (a pure swap for 8-bit),
    /// NumPy `img[:, :, ::-1]`.
    ///
    /// - Precondition: the layout is `.bgr` or `.rgb`.
    public func swappingRedBlue() -> Image {
        let newLayout: PixelLayout
        switch layout {
        case .bgr: newLayout = .rgb
        case .rgb: newLayout = .bgr
        case .hsv: preconditionFailure("an HSV image has no red and blue channels to swap")
        }
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for p in 0..<(src.count / 3) {
                    let i = 3 * p
                    let c0 = s[i]
                    let c1 = s[i + 1]
                    let c2 = s[i + 2]
                    d[i] = c2
                    d[i + 1] = c1
                    d[i + 2] = c0
                }
            }
        }
        return Image(width: width, height: height, layout: newLayout, pixels: out)
    }

    /// Converts a BGR image to 8-bit HSV exactly as `cv2.cvtColor(img, cv2.COLOR_BGR2HSV)`.
    ///
    /// With `v = max(r, g, b)`, `d = v − min(r, g, b)`: `S = (d · sdiv[v] + 2048) >> 12`;
    /// `h = g − b` if `v = r`, else `b − r + 2d` if `v = g`, else `r − g + 4d`;
    /// `H = (h · hdiv[d] + 2048) >> 12` (arithmetic shift), plus 180 if negative; `V = v`.
    /// Tables: `sdiv[i] = rint(255 · 4096 / i)`, `hdiv[i] = rint(180 · 4096 / (6i))`, both 0 at 0.
    ///
    /// ref: OpenCV `RGB2HSV_b` (imgproc/src/color_hsv.simd.hpp), `hrange = 180`.
    ///
    /// - Precondition: the layout is `.bgr`.
    public func hsv() -> Image {
        precondition(layout == .bgr, "hsv() converts BGR images, this one is \(layout)")
        var out = [UInt8](repeating: 0, count: pixels.count)
        HSVTables.sdiv.withUnsafeBufferPointer { sdiv in
            HSVTables.hdiv.withUnsafeBufferPointer { hdiv in
                pixels.withUnsafeBufferPointer { src in
                    out.withUnsafeMutableBufferPointer { dst in
                        let n = src.count
                        var i = 0
                        while i < n {
                            let b = Int32(src[i])
                            let g = Int32(src[i + 1])
                            let r = Int32(src[i + 2])
                            let v = max(r, g, b)
                            let d = v &- min(r, g, b)
                            // Branch-free selection, as OpenCV does with masks: random colours
                            // would otherwise mispredict on every pixel.
                            let vr: Int32 = v == r ? -1 : 0
                            let vg: Int32 = v == g ? -1 : 0
                            let h =
                                (vr & (g &- b))
                                | (~vr & ((vg & (b &- r &+ 2 &* d)) | (~vg & (r &- g &+ 4 &* d))))
                            let s = (d &* sdiv[Int(v)] &+ 2048) &>> 12
                            var hue = (h &* hdiv[Int(d)] &+ 2048) &>> 12
                            hue &+= (hue &>> 31) & 180
                            dst[i] = UInt8(truncatingIfNeeded: hue)
                            dst[i + 1] = UInt8(truncatingIfNeeded: s)
                            dst[i + 2] = UInt8(truncatingIfNeeded: v)
                            i += 3
                        }
                    }
                }
            }
        }
        return Image(width: width, height: height, layout: .hsv, pixels: out)
    }
}

/// The division tables of OpenCV's 8-bit HSV conversion (shift 12, round half to even in double).
///
/// ref: OpenCV `RGB2HSV_b::initTables` / `sdiv_table`, `hdiv_table180`.
enum HSVTables {
    /// `sdiv[i] = rint(255 · 4096 / i)` for `i = 1…255`, `sdiv[0] = 0`.
    static let sdiv: [Int32] = (0..<256).map { i in
        i == 0 ? 0 : Int32((Double(255 << 12) / Double(i)).rounded(.toNearestOrEven))
    }

    /// `hdiv[i] = rint(180 · 4096 / (6 · i))` for `i = 1…255`, `hdiv[0] = 0`.
    static let hdiv: [Int32] = (0..<256).map { i in
        i == 0 ? 0 : Int32((Double(180 << 12) / Double(6 * i)).rounded(.toNearestOrEven))
    }
}
