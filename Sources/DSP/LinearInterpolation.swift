/// Piecewise-linear interpolation through increasing sample points, NumPy's `interp`.
///
/// With sample points `x_0 < x_1 < … < x_{n−1}` and values `f_j`, the value at `x` is
///
///     f_j + s_j·(x − x_j),   s_j = (f_{j+1} − f_j)/(x_{j+1} − x_j),   for x_j < x < x_{j+1},
///
/// evaluated in exactly this order (slope first, then one multiply and one add), and `f_j`
/// exactly when `x = x_j`. The reference fills the frames between face detections this way
/// (SciPy's `interp1d(kind="linear")` on 1-D float64 data delegates to `numpy.interp`), so every
/// result is bit-identical to it.
///
/// Outside `[x_0, x_{n−1}]` NumPy's `interp` clamps: `f_0` below, `f_{n−1}` above; this type does
/// the same. (`interp1d` would raise instead; the reference only evaluates inside the range.)
/// A NaN argument gives NaN (with a single sample point, NumPy gives `f_0`, and so does this).
/// If `f_j + s_j·(x − x_j)` is NaN (infinite values), NumPy retries from the right end,
/// `f_{j+1} + s_j·(x − x_{j+1})`, then falls back to `f_j` when `f_j = f_{j+1}`; so does this.
///
/// ref: numpy/_core/src/multiarray/compiled_base.c `arr_interp()` (NumPy 2.4.6);
/// scipy/interpolate/_interpolate.py `interp1d._call_linear_np()` 1.17.1
public struct LinearInterpolation: Sendable, Equatable {
    /// Why the sample points were rejected.
    public enum Error: Swift.Error, Equatable, CustomStringConvertible {
        /// No sample points (NumPy raises `ValueError` too).
        case empty
        /// `samplePoints` and `values` differ in length.
        case countMismatch(samplePoints: Int, values: Int)
        /// `samplePoints[index] ≥ samplePoints[index + 1]`, or a point is NaN. NumPy does not
        /// check this and returns meaningless values; here it is rejected.
        case notStrictlyIncreasing(index: Int)

        public var description: String {
            switch self {
            case .empty: "interpolation needs at least one sample point"
            case let .countMismatch(p, v): "interpolation got \(p) sample points but \(v) values"
            case let .notStrictlyIncreasing(i): "sample points must increase strictly (at index \(i))"
            }
        }
    }

    /// The abscissae `x_j`, strictly increasing.
    public let samplePoints: [Double]
    /// The ordinates `f_j`.
    public let values: [Double]

    /// - Throws: ``Error`` when the points are empty, the counts differ or the points do not
    ///   increase strictly.
    public init(samplePoints: [Double], values: [Double]) throws(Error) {
        try self.init(samplePoints: samplePoints, values: values, allowingRepeats: false)
    }

    /// With `allowingRepeats`, equal neighbouring sample points are accepted, as `numpy.interp`
    /// accepts them: at a repeated point the last of its values is returned, the segment to its
    /// left ends at the first, the segment to its right starts at the last.
    public init(samplePoints: [Double], values: [Double], allowingRepeats: Bool) throws(Error) {
        guard !samplePoints.isEmpty else { throw .empty }
        guard samplePoints.count == values.count else {
            throw .countMismatch(samplePoints: samplePoints.count, values: values.count)
        }
        for j in 0..<samplePoints.count where !(samplePoints[j] == samplePoints[j]) {
            throw .notStrictlyIncreasing(index: j)
        }
        for j in 0..<(samplePoints.count - 1)
        where !(samplePoints[j] < samplePoints[j + 1] || (allowingRepeats && samplePoints[j] == samplePoints[j + 1])) {
            throw .notStrictlyIncreasing(index: j)
        }
        self.samplePoints = samplePoints
        self.values = values
    }

    /// The interpolated value at `x`.
    public func callAsFunction(_ x: Double) -> Double {
        let xp = samplePoints, fp = values
        let n = xp.count
        if n == 1 { return fp[0] }  // NumPy: left, right and exact value are all f_0 here.
        if x.isNaN { return x }
        if x < xp[0] { return fp[0] }
        if x > xp[n - 1] { return fp[n - 1] }
        // Largest j with xp[j] ≤ x (exists: xp[0] ≤ x ≤ xp[n − 1]).
        var lo = 0, hi = n - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if xp[mid] <= x { lo = mid } else { hi = mid - 1 }
        }
        let j = lo
        if j == n - 1 || xp[j] == x { return fp[j] }
        let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        var y = slope * (x - xp[j]) + fp[j]
        if y.isNaN {
            y = slope * (x - xp[j + 1]) + fp[j + 1]
            if y.isNaN && fp[j] == fp[j + 1] { y = fp[j] }
        }
        return y
    }

    /// The interpolated values at each of `xs`.
    public func callAsFunction(_ xs: [Double]) -> [Double] {
        xs.map { self($0) }
    }
}
