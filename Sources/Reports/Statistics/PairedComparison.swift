/// How two models compare on one metric over the samples both scored.
public struct PairedMetricComparison: Sendable, Codable, Equatable {
    /// Mean of (first model − second model) over the paired samples, with its bootstrap interval.
    /// Positive favours the first model for LSE-C, the second for LSE-D.
    public var meanDifference: MeanEstimate
    /// Paired samples where the first model is better (higher LSE-C, or lower LSE-D).
    public var wins: Int
    /// Paired samples where both have exactly the same value.
    public var ties: Int
    /// Paired samples where the second model is better.
    public var losses: Int

    /// `wins / (wins + ties + losses)`: ties count as neither a win nor a loss (they are reported
    /// apart, not split in halves).
    public var winRate: Double { Double(wins) / Double(wins + ties + losses) }
}

/// A paired comparison of two models on the samples both of them scored.
///
/// Comparing the two models' separate means would mix model quality with coverage (a model that
/// fails on hard samples looks better); pairing by ``SampleScore/sampleID`` compares them on the same
/// prompts only, and reports how many samples each of them could not be compared on.
public struct PairedComparison: Sendable, Codable, Equatable {
    /// The first model (differences are first − second).
    public var firstModel: String
    /// The second model.
    public var secondModel: String
    /// The samples compared.
    public var subset: Subset
    /// Samples of the subset both models scored, in the first model's order.
    public var pairedSampleIDs: [String]
    /// Samples only the first model scored (the second has a row that is not `ok`, or none).
    public var onlyFirstScored: [String]
    /// Samples only the second model scored.
    public var onlySecondScored: [String]
    /// LSE-C, higher is better. `nil` when no sample is paired.
    public var lseC: PairedMetricComparison?
    /// LSE-D, lower is better. `nil` when no sample is paired.
    public var lseD: PairedMetricComparison?
    /// Fewer paired samples than ``LeaderboardStatistics/smallSampleThreshold``.
    public var isSmallSample: Bool
}
