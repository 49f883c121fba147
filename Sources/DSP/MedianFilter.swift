/// A running median with zero padding, SciPy's `medfilt` for one-dimensional input.
///
/// For a window of odd size `k = 2h + 1`,
///
///     y_i = median(x_{i−h}, …, x_{i+h}),   with x_j = 0 for j < 0 or j ≥ n,
///
/// i.e. the value of rank `h` (0-based) among the `k` window values. Near the ends the zeros pull
/// the result towards 0: `y_0` is the smallest of the first `h + 1` values when they are all
/// positive. The computation is a selection, so the output consists of input values (or 0) and
/// is exact in the input type: the reference filters track geometry in float64 with `k = 13` and
/// frame-wise confidences in float32 with `k = 9`, and calling this with `[Double]` or `[Float]`
/// reproduces each bit for bit.
///
/// A NaN in a window makes that output unspecified (SciPy's order is unspecified too), and when
/// `−0` and `+0` tie for the median either may be returned; neither occurs in the pipeline.
///
/// - Parameters:
///   - x: the signal; may be empty (the result is then empty).
///   - kernelSize: the window size `k`. SciPy raises `ValueError` for an even size; here a
///     non-positive or even size is a programming error and stops the program (precondition),
///     since every caller passes a constant.
/// - Returns: `n` filtered values.
///
/// ref: scipy/signal/_signaltools.py `medfilt()` 1.17.1 (`ndimage.rank_filter`, `mode="constant"`)
public func medianFilter<T: BinaryFloatingPoint>(_ x: [T], kernelSize: Int) -> [T] {
    precondition(kernelSize > 0 && kernelSize % 2 == 1, "median filter kernel size must be odd and positive, got \(kernelSize)")
    let n = x.count
    let half = kernelSize / 2
    var result = [T](repeating: 0, count: n)
    var window = [T](repeating: 0, count: kernelSize)
    x.withUnsafeBufferPointer { x in
        window.withUnsafeMutableBufferPointer { window in
            for i in 0..<n {
                // Insertion sort of the window; k is small (9 or 13 here).
                for w in 0..<kernelSize {
                    let j = i - half + w
                    let value = (j >= 0 && j < n) ? x[j] : 0
                    var p = w
                    while p > 0 && window[p - 1] > value {
                        window[p] = window[p - 1]
                        p -= 1
                    }
                    window[p] = value
                }
                result[i] = window[half]
            }
        }
    }
    return result
}
