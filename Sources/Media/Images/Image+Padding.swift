/// Constant-colour borders and rectangular crops (§9.2 of docs/reference/pipeline.md).
extension Image {
    /// Adds a border of constant colour, as `cv2.copyMakeBorder(img, top, bottom, left, right,
    /// cv2.BORDER_CONSTANT, value=(value, value, value))`.
    ///
    /// The result is `(width + left + right) × (height + top + bottom)`; the source lands at
    /// `(left, top)` and every other byte, in every channel, is `value` (the crop step uses 110).
    ///
    /// ref: OpenCV `cv::copyMakeBorder` with `BORDER_CONSTANT` (core/src/copy.cpp); identical to
    /// NumPy `np.pad(img, ((t, b), (l, r), (0, 0)), constant_values=value)`.
    ///
    /// - Precondition: all four border sizes are non-negative.
    public func padded(top: Int, bottom: Int, left: Int, right: Int, value: UInt8) -> Image {
        precondition(
            top >= 0 && bottom >= 0 && left >= 0 && right >= 0,
            "border sizes must be non-negative, got \(top), \(bottom), \(left), \(right)")
        let outWidth = width + left + right
        let outHeight = height + top + bottom
        var out = [UInt8](repeating: value, count: outWidth * outHeight * 3)
        let srcStride = rowStride
        if srcStride > 0 {
            pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    let outStride = outWidth * 3
                    for y in 0..<height {
                        let d = dst.baseAddress! + (y + top) * outStride + left * 3
                        d.update(from: src.baseAddress! + y * srcStride, count: srcStride)
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, layout: layout, pixels: out)
    }

    /// Copies the rectangle of `width × height` pixels whose top-left corner is `(x, y)`.
    ///
    /// Equals NumPy `img[y:y+height, x:x+width]` for a rectangle inside the image.
    ///
    /// ref: NumPy basic slicing of an `H×W×3` array (the reference's `frame[y1:y2, x1:x2]`).
    ///
    /// - Precondition: the rectangle lies inside the image; width and height are non-negative.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(width >= 0 && height >= 0, "crop size must be non-negative, got \(width)x\(height)")
        precondition(
            x >= 0 && y >= 0 && x + width <= self.width && y + height <= self.height,
            "crop \(width)x\(height) at (\(x), \(y)) leaves the \(self.width)x\(self.height) image")
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let rowBytes = width * 3
        if rowBytes > 0 {
            pixels.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    for row in 0..<height {
                        let s = src.baseAddress! + (y + row) * rowStride + x * 3
                        (dst.baseAddress! + row * rowBytes).update(from: s, count: rowBytes)
                    }
                }
            }
        }
        return Image(width: width, height: height, layout: layout, pixels: out)
    }

    /// The index range Python selects with `a[start:stop]` on an axis of `count` elements.
    ///
    /// A negative bound counts from the end (`start + count`), then both bounds are clamped to
    /// `0...count`; a stop before the start gives an empty range.
    ///
    /// ref: CPython `PySlice_AdjustIndices` with step 1.
    public static func sliceRange(start: Int, stop: Int, count: Int) -> Range<Int> {
        func adjust(_ index: Int) -> Int {
            let i = index < 0 ? index + count : index
            return min(max(i, 0), count)
        }
        let lower = adjust(start)
        let upper = max(adjust(stop), lower)
        return lower..<upper
    }

    /// Rows `rows` and columns `columns` of this image padded by `pad` pixels of `value` on every
    /// side, without building the padded image: equals
    /// `padded(top: pad, bottom: pad, left: pad, right: pad, value: value).cropped(…)` for ranges
    /// inside the padded image, in memory proportional to the slice alone (a huge `pad` costs
    /// nothing).
    ///
    /// ref: the reference's `cv2.copyMakeBorder(…, BORDER_CONSTANT)` followed by
    /// `padded[y1:y2, x1:x2]` (docs/reference/pipeline.md §9.2).
    ///
    /// - Precondition: `pad >= 0`; both ranges lie inside the padded image.
    public func paddedSlice(pad: Int, value: UInt8, rows: Range<Int>, columns: Range<Int>) -> Image {
        precondition(pad >= 0, "border size must be non-negative, got \(pad)")
        precondition(
            rows.lowerBound >= 0 && columns.lowerBound >= 0 && rows.upperBound <= height + 2 * pad
                && columns.upperBound <= width + 2 * pad,
            "slice rows \(rows), columns \(columns) leave the \(width + 2 * pad)x\(height + 2 * pad) padded image")
        let outWidth = columns.count
        var out = [UInt8](repeating: value, count: outWidth * rows.count * 3)
        // The source columns that land in the slice, in padded coordinates shifted back by `pad`.
        let firstColumn = max(columns.lowerBound - pad, 0), endColumn = min(columns.upperBound - pad, width)
        guard firstColumn < endColumn else { return Image(width: outWidth, height: rows.count, layout: layout, pixels: out) }
        let sourceColumns = firstColumn..<endColumn
        let copyBytes = sourceColumns.count * 3
        let outColumn = sourceColumns.lowerBound + pad - columns.lowerBound
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (outRow, row) in rows.enumerated() {
                    let y = row - pad
                    guard y >= 0 && y < height else { continue }
                    let s = src.baseAddress! + y * rowStride + sourceColumns.lowerBound * 3
                    (dst.baseAddress! + (outRow * outWidth + outColumn) * 3).update(from: s, count: copyBytes)
                }
            }
        }
        return Image(width: outWidth, height: rows.count, layout: layout, pixels: out)
    }

    /// Crops with NumPy slicing semantics, as `img[rowStart:rowStop, columnStart:columnStop]`.
    ///
    /// Bounds are adjusted by ``sliceRange(start:stop:count:)``: an end beyond the image is
    /// clipped silently and a negative start counts from the end; the result may be empty.
    ///
    /// ref: NumPy basic slicing; used by the reference's `crop = padded[y1:y2, x1:x2]` (§9.2).
    public func sliced(rowStart: Int, rowStop: Int, columnStart: Int, columnStop: Int) -> Image {
        let rows = Image.sliceRange(start: rowStart, stop: rowStop, count: height)
        let columns = Image.sliceRange(start: columnStart, stop: columnStop, count: width)
        return cropped(x: columns.lowerBound, y: rows.lowerBound, width: columns.count, height: rows.count)
    }
}
