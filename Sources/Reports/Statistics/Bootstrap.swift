/// A mean with its bootstrap confidence interval.
public struct MeanEstimate: Sendable, Codable, Equatable {
    /// The arithmetic mean of the `count` values (summed in order, divided by `count`).
    public var mean: Double
    /// Lower end of the interval.
    public var lower: Double
    /// Upper end of the interval.
    public var upper: Double
    /// How many values the mean is over.
    public var count: Int

    /// Whether `value` lies in the closed interval `[lower, upper]`.
    public func intervalContains(_ value: Double) -> Bool { lower <= value && value <= upper }
}

/// Seeded, reproducible nonparametric bootstrap of means, with percentile intervals.
///
/// **Method.** Each replicate draws `count` rows with replacement (indices uniform in `0..<count`,
/// ``Xoshiro256StarStar/next(below:)``) and takes the mean of each column over the drawn rows; the
/// interval is the percentile interval, the `(1 − level)/2` and `(1 + level)/2` quantiles of the
/// replicate means (quantiles interpolated linearly between order statistics: NumPy's default,
/// Hyndman–Fan type 7). Columns resampled together (LSE-C and LSE-D of the same videos; the two
/// differences of a paired comparison) share the drawn indices.
///
/// **Why the percentile interval.** It needs no normality or variance formula, respects the range of
/// the statistic, and is easy to state and reproduce; the mean is a smooth statistic for which it
/// behaves well at the sample sizes of a benchmark category (tens of videos). Like every bootstrap
/// interval it is too narrow for very small samples, which is why summaries flag small `n` instead
/// of pretending (see ``LeaderboardStatistics/smallSampleThreshold``). BCa would correct skew
/// better but needs a jackknife and is harder to audit.
///
/// **Seeds.** Every interval gets its own generator, seeded with ``seed(for:)``: the configured
/// ``seed`` mixed with a label naming what is estimated (model, subset, statistic). So an interval
/// depends only on its data, the seed and its label — not on how many other intervals were computed
/// before it or in which order — and a report is identical run after run.
public struct Bootstrap: Sendable, Codable, Equatable {
    /// The seed used when none is given: the date the statistics layer was written, 2025-06-01.
    public static let defaultSeed: UInt64 = 20_250_601

    /// Number of bootstrap replicates (default 10 000: the Monte Carlo error of a 95 % percentile
    /// bound is then small next to the third decimal that LSE values are quoted with).
    public var replicates: Int
    /// Confidence level of the intervals, in (0, 1) (default 0.95).
    public var level: Double
    /// The base seed.
    public var seed: UInt64

    /// Creates a bootstrap configuration.
    /// - Precondition: `replicates > 0` and `0 < level < 1`.
    public init(replicates: Int = 10_000, level: Double = 0.95, seed: UInt64 = Bootstrap.defaultSeed) {
        precondition(replicates > 0, "replicates must be positive")
        precondition(level > 0 && level < 1, "level must lie in (0, 1)")
        self.replicates = replicates
        self.level = level
        self.seed = seed
    }

    /// The seed of the interval named `label`: `SplitMix64.mix(seed ^ FNV-1a-64(label's UTF-8))`.
    public func seed(for label: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a 64-bit offset basis
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3  // FNV-1a 64-bit prime
        }
        return SplitMix64.mix(seed ^ hash)
    }

    /// The mean of `values` with its percentile interval.
    /// - Returns: `nil` when `values` is empty.
    public func mean(of values: [Double], label: String) -> MeanEstimate? {
        means(of: [values], label: label)?.first
    }

    /// The means of several equally long columns, resampling rows jointly (the same drawn indices for
    /// every column), each with its percentile interval.
    ///
    /// - Parameters:
    ///   - columns: one array per statistic; all the same length.
    ///   - label: names what is estimated; selects the generator's seed (``seed(for:)``).
    /// - Returns: one estimate per column, or `nil` when the columns are empty.
    /// - Precondition: at least one column, all of the same length.
    public func means(of columns: [[Double]], label: String) -> [MeanEstimate]? {
        precondition(!columns.isEmpty, "no column to resample")
        let count = columns[0].count
        precondition(columns.allSatisfy { $0.count == count }, "columns of different lengths")
        guard count > 0 else { return nil }
        var generator = Xoshiro256StarStar(seed: seed(for: label))
        var replicateMeans = [[Double]](repeating: [Double](repeating: 0, count: replicates), count: columns.count)
        var sums = [Double](repeating: 0, count: columns.count)
        for replicate in 0..<replicates {
            for column in sums.indices { sums[column] = 0 }
            for _ in 0..<count {
                let row = generator.next(below: count)
                for column in columns.indices { sums[column] += columns[column][row] }
            }
            for column in columns.indices { replicateMeans[column][replicate] = sums[column] / Double(count) }
        }
        let tail = (1 - level) / 2
        return columns.indices.map { column in
            let sorted = replicateMeans[column].sorted()
            return MeanEstimate(
                mean: Descriptive.mean(columns[column])!, lower: Descriptive.quantile(sorted: sorted, tail),
                upper: Descriptive.quantile(sorted: sorted, 1 - tail), count: count)
        }
    }
}

/// Plain descriptive statistics shared by the summaries.
enum Descriptive {
    /// Arithmetic mean, summing in order; `nil` for no values.
    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The `p`-quantile of sorted values, interpolating linearly between order statistics
    /// (Hyndman–Fan type 7, NumPy's default): `h = (n − 1) p`, `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`.
    /// - Precondition: `sorted` is non-empty and ascending; `0 ≤ p ≤ 1`.
    static func quantile(sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty && p >= 0 && p <= 1)
        let h = Double(sorted.count - 1) * p
        let below = Int(h.rounded(.down))
        guard below + 1 < sorted.count else { return sorted[sorted.count - 1] }
        let fraction = h - Double(below)
        // Equal neighbours give exactly that value (no rounding from the interpolation).
        if sorted[below] == sorted[below + 1] { return sorted[below] }
        return sorted[below] + fraction * (sorted[below + 1] - sorted[below])
    }

    /// The median (the mean of the two middle values for an even count); `nil` for no values.
    static func median(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : quantile(sorted: values.sorted(), 0.5)
    }
}
