import Foundation

/// `x = max(x, 0)` element-wise, in place.
public func relu(_ x: inout Tensor) {
    x.scalars.withUnsafeMutableBufferPointer { p in
        for i in 0..<p.count { p[i] = max(p[i], 0) }
    }
}

/// S3FD's `L2Norm` over the channel axis of `[N, C, H, W]` (docs/reference/networks.md §3.3).
///
/// For every `(n, i, j)`: `norm = sqrt(Σ_c x[n, c, i, j]²) + epsilon` (epsilon added after the
/// square root), then `y[n, c, i, j] = gamma[c] · (x[n, c, i, j] / norm)` — divide first, then
/// multiply, in float32, as the reference. The sum of squares is accumulated in double and
/// rounded once.
public func l2Normalized(_ x: Tensor, scale gamma: [Float], epsilon: Float = 1e-10) -> Tensor {
    precondition(
        x.shape.count == 4 && x.shape[1] == gamma.count,
        "L2Norm(\(gamma.count)) expects [N, \(gamma.count), H, W], got \(x.shape)")
    let (n, c, plane) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
    var out = x
    x.scalars.withUnsafeBufferPointer { xb in
        out.scalars.withUnsafeMutableBufferPointer { yb in
            let xp = xb.baseAddress!, yp = yb.baseAddress!
            let norms = UnsafeMutablePointer<Double>.allocate(capacity: plane)
            defer { norms.deallocate() }
            for b in 0..<n {
                let base = b * c * plane
                norms.update(repeating: 0, count: plane)
                for ch in 0..<c {
                    let row = xp + base + ch * plane
                    for k in 0..<plane { norms[k] += Double(row[k]) * Double(row[k]) }
                }
                let norm = (0..<plane).map { Float(norms[$0]).squareRoot() + epsilon }
                for ch in 0..<c {
                    let src = xp + base + ch * plane, dst = yp + base + ch * plane
                    let g = gamma[ch]
                    for k in 0..<plane { dst[k] = g * (src[k] / norm[k]) }
                }
            }
        }
    }
    return out
}

/// Softmax over the last axis: `y = exp(x − max) / Σ exp(x − max)` per row (float32 exponentials,
/// double sum).
public func softmax(_ x: Tensor) -> Tensor {
    precondition(!x.shape.isEmpty && x.shape.last! > 0, "softmax needs a non-empty last axis, got \(x.shape)")
    let width = x.shape.last!
    var out = x
    out.scalars.withUnsafeMutableBufferPointer { p in
        for row in stride(from: 0, to: p.count, by: width) {
            var m = -Float.infinity
            for j in 0..<width { m = max(m, p[row + j]) }
            var sum = 0.0
            for j in 0..<width {
                let e = Foundation.exp(p[row + j] - m)
                p[row + j] = e
                sum += Double(e)
            }
            let s = Float(sum)
            for j in 0..<width { p[row + j] /= s }
        }
    }
    return out
}
