/// OpenCV `cv::resize` with `INTER_LINEAR` on 8-bit, 3-channel images, bit for bit.
///
/// docs/reference/pipeline.md Appendix A describes the arithmetic. In short, for destination column `dx` the
/// source position is `float32((dx + 0.5) * sx - 0.5)` (double product, then float32), split into
/// an integer part and a fraction that becomes two 11-bit weights; the horizontal pass sums
/// `α0 * p[x0] + α1 * p[x0 + 1]` exactly, and the vertical pass combines two such row sums as
/// `(((β0 * (S0 >> 4)) >> 16) + ((β1 * (S1 >> 4)) >> 16) + 2) >> 2`.
///
/// One special case of `cv::resize` is reproduced as well: when both scale factors are exactly 2
/// (for example `fx = fy = 0.5`, or an explicit size of exactly half the source), OpenCV switches
/// to its fast `INTER_AREA` path, which averages 2×2 blocks. For full blocks this equals the
/// linear result; blocks cut by the right or bottom edge (odd sizes) average only the pixels that
/// exist, rounding half to even, which differs from the linear result.
extension Image {
    /// The output size of `cv::resize(src, dst, Size(0, 0), fx, fy)`.
    ///
    /// `width' = round_half_even(width * scaleX)`, `height' = round_half_even(height * scaleY)`,
    /// each product in double (OpenCV's `saturate_cast<int>(double)`); either may be 0, which
    /// OpenCV rejects (`!dsize.empty()` assertion).
    ///
    /// ref: OpenCV `cv::resize` (imgproc/src/resize.cpp), `dsize` computation for `dsize == (0, 0)`.
    public static func resizedSize(
        width: Int, height: Int, scaleX: Double, scaleY: Double
    ) -> (width: Int, height: Int) {
        let w = (Double(width) * scaleX).rounded(.toNearestOrEven)
        let h = (Double(height) * scaleY).rounded(.toNearestOrEven)
        return (Int(w), Int(h))
    }

    /// Resizes to an explicit size with bilinear interpolation, as `cv2.resize(img, (width, height))`.
    ///
    /// Scale factors are `sx = 1 / (width / self.width)` and `sy = 1 / (height / self.height)`
    /// in double (OpenCV inverts the inverse scale, it does not divide the other way round).
    ///
    /// ref: OpenCV `cv::resize`, `INTER_LINEAR` (`resizeGeneric_`, `HResizeLinear`,
    /// `VResizeLinear<uchar, int, short, …>`), and `resizeAreaFast_` for exact 2× reductions.
    ///
    /// - Precondition: the source and destination are not empty.
    public func resized(width: Int, height: Int) -> Image {
        precondition(self.width > 0 && self.height > 0, "cannot resize an empty \(self.width)x\(self.height) image")
        precondition(width > 0 && height > 0, "resize target \(width)x\(height) is empty")
        let scaleX = 1.0 / (Double(width) / Double(self.width))
        let scaleY = 1.0 / (Double(height) / Double(self.height))
        return resampled(width: width, height: height, scaleX: scaleX, scaleY: scaleY)
    }

    /// Resizes by factors with bilinear interpolation, as `cv2.resize(img, (0, 0), fx=scaleX, fy=scaleY)`.
    ///
    /// Output size from ``resizedSize(width:height:scaleX:scaleY:)``; sampling scale factors are
    /// `1 / scaleX` and `1 / scaleY` (so `0.25` samples at exactly 4). For an exact ¼ reduction
    /// an interior pixel is `(p[4y+1][4x+1] + p[4y+1][4x+2] + p[4y+2][4x+1] + p[4y+2][4x+2] + 2) >> 2`.
    ///
    /// ref: OpenCV `cv::resize` with `dsize = (0, 0)`, `INTER_LINEAR`.
    ///
    /// - Precondition: `scaleX > 0`, `scaleY > 0`, the source is not empty, and the output size
    ///   is not empty (OpenCV raises `!dsize.empty()` there, e.g. for a 1×1 image at 0.25).
    public func resized(scaleX: Double, scaleY: Double) -> Image {
        precondition(scaleX > 0 && scaleY > 0, "resize factors must be positive, got \(scaleX), \(scaleY)")
        precondition(self.width > 0 && self.height > 0, "cannot resize an empty \(self.width)x\(self.height) image")
        let size = Image.resizedSize(width: self.width, height: self.height, scaleX: scaleX, scaleY: scaleY)
        precondition(
            size.width > 0 && size.height > 0,
            "resizing \(self.width)x\(self.height) by \(scaleX)x\(scaleY) gives an empty image")
        return resampled(width: size.width, height: size.height, scaleX: 1.0 / scaleX, scaleY: 1.0 / scaleY)
    }

    /// Dispatches like `cv::hal::resize`: copy for equal sizes, fast area for exact 2×, else linear.
    private func resampled(width: Int, height: Int, scaleX: Double, scaleY: Double) -> Image {
        if width == self.width && height == self.height {
            return Image(width: width, height: height, layout: layout, pixels: pixels)
        }
        if scaleX == 2 && scaleY == 2 {
            return halvedByArea(width: width, height: height)
        }
        return resampledLinear(width: width, height: height, scaleX: scaleX, scaleY: scaleY)
    }

    /// The 11-bit fixed-point weight pair for a fractional position `f` in float32.
    ///
    /// `(rint(float32(1 - f) * 2048), rint(f * 2048))`, the products in float32.
    @inline(__always)
    private static func weights(_ f: Float) -> (Int32, Int32) {
        let one: Float = 1
        let scale: Float = 2048
        let w0 = ((one - f) * scale).rounded(.toNearestOrEven)
        let w1 = (f * scale).rounded(.toNearestOrEven)
        return (Int32(w0), Int32(w1))
    }

    /// General bilinear path (Appendix A).
    private func resampledLinear(width dw: Int, height dh: Int, scaleX: Double, scaleY: Double) -> Image {
        let sw = self.width
        let sh = self.height
        let rowLength = dw * 3

        // Horizontal tables, one entry per destination column: byte offsets of the two source
        // pixels and their weights.
        var xOffset0 = [Int](repeating: 0, count: dw)
        var xOffset1 = [Int](repeating: 0, count: dw)
        var alpha0 = [Int32](repeating: 0, count: dw)
        var alpha1 = [Int32](repeating: 0, count: dw)
        for dx in 0..<dw {
            var f = Float((Double(dx) + 0.5) * scaleX - 0.5)
            let fl = f.rounded(.down)
            var x0 = Int(fl)
            f -= fl
            if x0 < 0 {
                f = 0
                x0 = 0
            }
            if x0 >= sw - 1 {
                f = 0
                x0 = sw - 1
            }
            let (a0, a1) = Image.weights(f)
            xOffset0[dx] = x0 * 3
            xOffset1[dx] = min(x0 + 1, sw - 1) * 3
            alpha0[dx] = a0
            alpha1[dx] = a1
        }

        // Vertical tables, one entry per destination row: clamped source rows and weights
        // (the fraction itself is not clamped).
        var row0 = [Int](repeating: 0, count: dh)
        var row1 = [Int](repeating: 0, count: dh)
        var beta0 = [Int32](repeating: 0, count: dh)
        var beta1 = [Int32](repeating: 0, count: dh)
        for dy in 0..<dh {
            let g = Float((Double(dy) + 0.5) * scaleY - 0.5)
            let fl = g.rounded(.down)
            let y0 = Int(fl)
            let (b0, b1) = Image.weights(g - fl)
            row0[dy] = min(max(y0, 0), sh - 1)
            row1[dy] = min(max(y0 + 1, 0), sh - 1)
            beta0[dy] = b0
            beta1[dy] = b1
        }

        var out = [UInt8](repeating: 0, count: dw * dh * 3)
        // Two horizontally resampled rows, reused while consecutive destination rows share them.
        var sums = [Int32](repeating: 0, count: rowLength * 2)

        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                sums.withUnsafeMutableBufferPointer { sumBuffer in
                    xOffset0.withUnsafeBufferPointer { xo0 in
                        xOffset1.withUnsafeBufferPointer { xo1 in
                            alpha0.withUnsafeBufferPointer { a0 in
                                alpha1.withUnsafeBufferPointer { a1 in
                                    let srcBase = src.baseAddress!
                                    let sumBase = sumBuffer.baseAddress!
                                    let dstBase = dst.baseAddress!
                                    var slotRow = (-1, -1)

                                    func horizontal(row: Int, into slot: Int) {
                                        let s = srcBase + row * sw * 3
                                        let d = sumBase + slot * rowLength
                                        for dx in 0..<dw {
                                            let p0 = s + xo0[dx]
                                            let p1 = s + xo1[dx]
                                            let w0 = a0[dx]
                                            let w1 = a1[dx]
                                            let o = dx * 3
                                            d[o] = w0 &* Int32(p0[0]) &+ w1 &* Int32(p1[0])
                                            d[o + 1] = w0 &* Int32(p0[1]) &+ w1 &* Int32(p1[1])
                                            d[o + 2] = w0 &* Int32(p0[2]) &+ w1 &* Int32(p1[2])
                                        }
                                    }

                                    /// Slot holding the horizontal sums of `row`, computing them
                                    /// into a slot not holding `keep` when absent.
                                    func slot(for row: Int, keeping keep: Int) -> Int {
                                        if slotRow.0 == row { return 0 }
                                        if slotRow.1 == row { return 1 }
                                        let target = slotRow.0 == keep ? 1 : 0
                                        horizontal(row: row, into: target)
                                        if target == 0 { slotRow.0 = row } else { slotRow.1 = row }
                                        return target
                                    }

                                    for dy in 0..<dh {
                                        let r0 = row0[dy]
                                        let r1 = row1[dy]
                                        let s0 = sumBase + slot(for: r0, keeping: r1) * rowLength
                                        let s1 = sumBase + slot(for: r1, keeping: r0) * rowLength
                                        let b0 = beta0[dy]
                                        let b1 = beta1[dy]
                                        let d = dstBase + dy * rowLength
                                        for i in 0..<rowLength {
                                            let v =
                                                (((b0 &* (s0[i] &>> 4)) &>> 16)
                                                    &+ ((b1 &* (s1[i] &>> 4)) &>> 16) &+ 2) &>> 2
                                            d[i] = UInt8(truncatingIfNeeded: min(max(v, 0), 255))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Image(width: dw, height: dh, layout: layout, pixels: out)
    }

    /// OpenCV's fast `INTER_AREA` path for exact 2× reductions.
    ///
    /// Full 2×2 blocks give `(a + b + c + d + 2) >> 2`; blocks cut by the right or bottom edge give
    /// `rint(float32(sum) / count)` over the pixels that exist.
    ///
    /// ref: OpenCV `resizeAreaFast_Invoker` with `ResizeAreaFastVec` (imgproc/src/resize.cpp).
    private func halvedByArea(width dw: Int, height dh: Int) -> Image {
        let sw = self.width
        let sh = self.height
        let srcStride = sw * 3
        var out = [UInt8](repeating: 0, count: dw * dh * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let srcBase = src.baseAddress!
                let dstBase = dst.baseAddress!
                for dy in 0..<dh {
                    let sy0 = dy * 2
                    let fullRow = sy0 + 2 <= sh
                    let fullColumns = fullRow ? sw / 2 : 0
                    let s0 = srcBase + sy0 * srcStride
                    let s1 = s0 + srcStride
                    let d = dstBase + dy * dw * 3
                    for dx in 0..<fullColumns {
                        let i = dx * 6
                        for c in 0..<3 {
                            let sum = Int(s0[i + c]) + Int(s0[i + c + 3]) + Int(s1[i + c]) + Int(s1[i + c + 3])
                            d[dx * 3 + c] = UInt8(truncatingIfNeeded: (sum + 2) >> 2)
                        }
                    }
                    for dx in fullColumns..<dw {
                        for c in 0..<3 {
                            var sum = 0
                            var count = 0
                            for sy in sy0..<min(sy0 + 2, sh) {
                                for sx in (dx * 2)..<min(dx * 2 + 2, sw) {
                                    sum += Int(srcBase[sy * srcStride + sx * 3 + c])
                                    count += 1
                                }
                            }
                            let mean = (Float(sum) / Float(count)).rounded(.toNearestOrEven)
                            d[dx * 3 + c] = UInt8(min(max(mean, 0), 255))
                        }
                    }
                }
            }
        }
        return Image(width: dw, height: dh, layout: layout, pixels: out)
    }
}
