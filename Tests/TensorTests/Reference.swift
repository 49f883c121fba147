import TestSupport
@testable import Tensor

// Naive direct implementations (double accumulation) that the optimised layers are checked
// against, and the random inputs they run on.

/// Uniform values in [-1, 1) from SplitMix64 (24 random bits each).
func randomScalars(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in (Float(rng.next() >> 40) / Float(1 << 23) - 1) * scale }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    Tensor(shape: shape, scalars: randomScalars(shape.reduce(1, *), seed: seed, scale: scale))
}

/// Direct 3-D convolution `[N, C, T, H, W]` (2-D: T = 1, kT = 1) in double. Returns the outputs
/// and, per output, `Σ |w·x| + |b|`, the scale of the rounding error of any float32 evaluation.
func naiveConv(
    _ x: Tensor, weight: [Float], bias: [Float]?, out o: Int, kernel k: (Int, Int, Int),
    stride s: (Int, Int, Int), padding p: (Int, Int, Int), dilation d: (Int, Int, Int)
) -> (values: [Double], magnitude: [Double], shape: [Int]) {
    let (n, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
    func size(_ len: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int { (len + 2 * p - d * (k - 1) - 1) / s + 1 }
    let (to, ho, wo) = (size(t, k.0, s.0, p.0, d.0), size(h, k.1, s.1, p.1, d.1), size(w, k.2, s.2, p.2, d.2))
    var values = [Double](repeating: 0, count: n * o * to * ho * wo)
    var magnitude = values
    for b in 0..<n {
        for oc in 0..<o {
            for ot in 0..<to {
                for oi in 0..<ho {
                    for oj in 0..<wo {
                        var sum = Double(bias?[oc] ?? 0), mag = abs(sum)
                        for ic in 0..<c {
                            for kt in 0..<k.0 {
                                let tt = ot * s.0 - p.0 + kt * d.0
                                if tt < 0 || tt >= t { continue }
                                for ki in 0..<k.1 {
                                    let ii = oi * s.1 - p.1 + ki * d.1
                                    if ii < 0 || ii >= h { continue }
                                    for kj in 0..<k.2 {
                                        let jj = oj * s.2 - p.2 + kj * d.2
                                        if jj < 0 || jj >= w { continue }
                                        let wv = Double(weight[(((oc * c + ic) * k.0 + kt) * k.1 + ki) * k.2 + kj])
                                        let xv = Double(x.scalars[(((b * c + ic) * t + tt) * h + ii) * w + jj])
                                        sum += wv * xv
                                        mag += abs(wv * xv)
                                    }
                                }
                            }
                        }
                        let idx = (((b * o + oc) * to + ot) * ho + oi) * wo + oj
                        values[idx] = sum
                        magnitude[idx] = mag
                    }
                }
            }
        }
    }
    return (values, magnitude, [n, o, to, ho, wo])
}

/// The largest `|got − expected| / (magnitude + floor)` over all elements.
func worstRelativeError(_ got: [Float], _ expected: [Double], magnitude: [Double], floor: Double = 1e-3) -> Double {
    precondition(got.count == expected.count)
    var worst = 0.0
    for i in 0..<got.count {
        worst = max(worst, abs(Double(got[i]) - expected[i]) / (magnitude[i] + floor))
    }
    return worst
}

/// Direct max pooling with −∞ padding over `[N, C, T, H, W]`, output sizes given.
func naiveMaxPool(
    _ x: Tensor, kernel k: (Int, Int, Int), stride s: (Int, Int, Int), padding p: (Int, Int, Int),
    outSize: (Int, Int, Int)
) -> [Float] {
    let (n, c, t, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
    var out = [Float]()
    for plane in 0..<(n * c) {
        for ot in 0..<outSize.0 {
            for oi in 0..<outSize.1 {
                for oj in 0..<outSize.2 {
                    var best = -Float.infinity
                    for a in 0..<k.0 {
                        for b in 0..<k.1 {
                            for e in 0..<k.2 {
                                let tt = ot * s.0 - p.0 + a, ii = oi * s.1 - p.1 + b, jj = oj * s.2 - p.2 + e
                                if tt < 0 || tt >= t || ii < 0 || ii >= h || jj < 0 || jj >= w { continue }
                                best = max(best, x.scalars[((plane * t + tt) * h + ii) * w + jj])
                            }
                        }
                    }
                    out.append(best)
                }
            }
        }
    }
    return out
}
