/// Output length of a max-pooling axis, PyTorch rule: `floor((n + 2p − k)/s) + 1`, or with
/// `ceilMode` `ceil((n + 2p − k)/s) + 1`, minus one if the last window would then start in the
/// right padding (at or beyond `n + p`).
func poolOutputLength(_ n: Int, kernel k: Int, stride s: Int, padding p: Int, ceilMode: Bool) -> Int {
    let span = n + 2 * p - k
    precondition(span >= 0, "pooling window \(k) with padding \(p) is larger than the input length \(n)")
    var out = (ceilMode ? (span + s - 1) / s : span / s) + 1
    if ceilMode && (out - 1) * s >= n + p { out -= 1 }
    return out
}

/// Max pooling over `[N, C, T, H, W]` (the shared kernel of ``MaxPool2D`` and ``MaxPool3D``).
/// Padding behaves as −∞: each window is clipped to the input.
///
/// Separable: per input row, the maximum over each window's columns (`hmax`), then per output
/// row the maximum of those over the window's frames and rows — `kT·kH + kW` comparisons per
/// output instead of `kT·kH·kW`. Planes are spread over the workers.
func maxPool(
    _ input: Tensor, kernel: (Int, Int, Int), stride: (Int, Int, Int), padding: (Int, Int, Int), ceilMode: Bool,
    name: String
) -> (scalars: [Float], t: Int, h: Int, w: Int) {
    let s = input.shape
    let (t, h, w) = (s[2], s[3], s[4])
    let to = poolOutputLength(t, kernel: kernel.0, stride: stride.0, padding: padding.0, ceilMode: ceilMode)
    let ho = poolOutputLength(h, kernel: kernel.1, stride: stride.1, padding: padding.1, ceilMode: ceilMode)
    let wo = poolOutputLength(w, kernel: kernel.2, stride: stride.2, padding: padding.2, ceilMode: ceilMode)
    // Clipped windows per axis (never empty: padding ≤ kernel/2 and the ceil rule guarantee it).
    func windows(_ n: Int, _ out: Int, _ k: Int, _ st: Int, _ p: Int) -> [Range<Int>] {
        (0..<out).map { o in max(o * st - p, 0)..<min(o * st - p + k, n) }
    }
    let tw = windows(t, to, kernel.0, stride.0, padding.0)
    let hw = windows(h, ho, kernel.1, stride.1, padding.1)
    let ww = windows(w, wo, kernel.2, stride.2, padding.2)
    let planes = s[0] * s[1]
    var out = [Float](repeating: -.infinity, count: planes * to * ho * wo)
    input.scalars.withUnsafeBufferPointer { xb in
        out.withUnsafeMutableBufferPointer { yb in
            let x = xb.baseAddress!, y = yb.baseAddress!
            Parallel.forChunks(planes, minimumChunk: 4) { range in
                let hmax = UnsafeMutablePointer<Float>.allocate(capacity: t * h * wo)
                defer { hmax.deallocate() }
                let lo = ww.map(\.lowerBound), hi = ww.map(\.upperBound)
                let firstFull = (0..<wo).first { hi[$0] - lo[$0] == kernel.2 } ?? wo
                for plane in range {
                    let src = x + plane * t * h * w
                    let dst = y + plane * to * ho * wo
                    // Horizontal pass over every input row (rows no window uses are skipped cheaply
                    // enough not to matter).
                    for r in 0..<(t * h) {
                        let row = src + r * w, out = hmax + r * wo
                        if kernel.2 == 1 && stride.2 == 1 && padding.2 == 0 {
                            out.update(from: row, count: wo)
                            continue
                        }
                        var j0 = 0
                        if stride.2 == 2 && (kernel.2 == 2 || kernel.2 == 3) {
                            // Clipped windows at the left edge first (scalar).
                            while j0 < firstFull {
                                var m = row[lo[j0]]
                                for v in (lo[j0] + 1)..<hi[j0] { m = max(m, row[v]) }
                                out[j0] = m
                                j0 += 1
                            }
                            // Full windows 8 at a time: even/odd lanes of 16 (and 18) inputs.
                            while j0 + 8 <= wo && hi[j0] - lo[j0] == kernel.2 && lo[j0] + 16 + (kernel.2 - 2) * 2 <= w
                                && hi[j0 + 7] - lo[j0 + 7] == kernel.2
                            {
                                let base = row + lo[j0]
                                let a = UnsafeRawPointer(base).loadUnaligned(as: SIMD16<Float>.self)
                                var m = lanewiseMax(a.evenHalf, a.oddHalf)
                                if kernel.2 == 3 {
                                    let b = UnsafeRawPointer(base + 2).loadUnaligned(as: SIMD16<Float>.self)
                                    m = lanewiseMax(m, b.evenHalf)
                                }
                                UnsafeMutableRawPointer(out + j0).storeBytes(of: m, as: SIMD8<Float>.self)
                                j0 += 8
                            }
                        }
                        for j in j0..<wo {
                            var m = row[lo[j]]
                            var v = lo[j] + 1
                            while v < hi[j] {
                                m = max(m, row[v])
                                v += 1
                            }
                            out[j] = m
                        }
                    }
                    // Vertical pass (frames × rows of each window).
                    for ot in 0..<to {
                        for oi in 0..<ho {
                            let target = dst + (ot * ho + oi) * wo
                            var first = true
                            for tt in tw[ot] {
                                for i in hw[oi] {
                                    let row = hmax + (tt * h + i) * wo
                                    if first {
                                        target.update(from: row, count: wo)
                                        first = false
                                    } else {
                                        var j = 0
                                        while j + 8 <= wo {
                                            let a = UnsafeRawPointer(target + j).loadUnaligned(as: SIMD8<Float>.self)
                                            let b = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                                            UnsafeMutableRawPointer(target + j).storeBytes(of: lanewiseMax(a, b), as: SIMD8<Float>.self)
                                            j += 8
                                        }
                                        while j < wo {
                                            target[j] = max(target[j], row[j])
                                            j += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    return (out, to, ho, wo)
}

/// `max(a, b)` per lane as `Swift.max` evaluates it (`b` where `b >= a`), compiled to a compare
/// and a blend (the standard library's `pointwiseMax` is not inlined and runs lane by lane).
@inline(__always)
func lanewiseMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .>= a)
}

private func checkPooling(_ kernel: [Int], _ stride: [Int], _ padding: [Int], name: String) {
    precondition(
        kernel.allSatisfy { $0 > 0 } && stride.allSatisfy { $0 > 0 } && padding.allSatisfy { $0 >= 0 },
        "\(name) kernel \(kernel) and stride \(stride) must be positive, padding \(padding) non-negative")
    precondition(
        zip(kernel, padding).allSatisfy { 2 * $1 <= $0 },
        "\(name) padding \(padding) must be at most half the kernel \(kernel) (PyTorch rule)")
}

/// 2-D max pooling (PyTorch `MaxPool2d`): `[N, C, H, W]` → `[N, C, H', W']`.
///
/// Padding behaves as −∞; output sizes follow PyTorch, including the `ceil_mode` rule that drops
/// a last window starting in the right padding.
public struct MaxPool2D: Sendable {
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let ceilMode: Bool

    /// - Precondition: kernel and stride positive, `0 <= padding <= kernel / 2`.
    public init(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0), ceilMode: Bool = false) {
        checkPooling([kernel.0, kernel.1], [stride.0, stride.1], [padding.0, padding.1], name: "MaxPool2D")
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.count == 4, "MaxPool2D expects [N, C, H, W], got \(input.shape)")
        let s = input.shape
        let r = maxPool(
            input.reshaped([s[0], s[1], 1, s[2], s[3]]), kernel: (1, kernel.0, kernel.1), stride: (1, stride.0, stride.1),
            padding: (0, padding.0, padding.1), ceilMode: ceilMode, name: "MaxPool2D")
        return Tensor(shape: [s[0], s[1], r.h, r.w], scalars: r.scalars)
    }
}

/// 3-D max pooling (PyTorch `MaxPool3d`): `[N, C, T, H, W]` → `[N, C, T', H', W']`; kernel,
/// stride and padding are `(t, h, w)`, rules as ``MaxPool2D``.
public struct MaxPool3D: Sendable {
    public let kernel: (Int, Int, Int)
    public let stride: (Int, Int, Int)
    public let padding: (Int, Int, Int)
    public let ceilMode: Bool

    /// - Precondition: kernel and stride positive, `0 <= padding <= kernel / 2`.
    public init(
        kernel: (Int, Int, Int), stride: (Int, Int, Int), padding: (Int, Int, Int) = (0, 0, 0), ceilMode: Bool = false
    ) {
        checkPooling(
            [kernel.0, kernel.1, kernel.2], [stride.0, stride.1, stride.2], [padding.0, padding.1, padding.2],
            name: "MaxPool3D")
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.count == 5, "MaxPool3D expects [N, C, T, H, W], got \(input.shape)")
        let r = maxPool(input, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, name: "MaxPool3D")
        return Tensor(shape: [input.shape[0], input.shape[1], r.t, r.h, r.w], scalars: r.scalars)
    }
}
