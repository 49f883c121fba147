/// Which samples of a model a summary or comparison covers.
public enum Subset: Sendable, Codable, Hashable, CustomStringConvertible {
    /// Every sample of the model.
    case all
    /// The samples of one category.
    case category(String)
    /// The samples of a group's categories, pooled.
    case group(SampleGroup)

    /// Whether a sample of `category` is in the subset.
    public func contains(category: String) -> Bool {
        switch self {
        case .all: true
        case .category(let name): name == category
        case .group(let group): group.contains(category: category)
        }
    }

    /// `all`, `category:<name>` or `group:<name>`; also part of the bootstrap labels (seeds).
    public var description: String {
        switch self {
        case .all: "all"
        case .category(let name): "category:\(name)"
        case .group(let group): "group:\(group.name)"
        }
    }
}

/// A sample left out of the means, and why: what the reference rule ("face-detected samples only")
/// excluded, or what the model did not produce.
public struct ExcludedSample: Sendable, Codable, Equatable {
    public var sampleID: String
    public var category: String
    /// The status that kept it out (never ``SampleStatus/ok``).
    public var status: SampleStatus
}

/// The AV offsets of the scored samples (see ``SampleScore/offsetInFrames``).
public struct OffsetSummary: Sendable, Codable, Equatable {
    /// Scored samples whose offset is known.
    public var count: Int
    /// Scored samples whose offset is undetermined (several tracks with different offsets, best
    /// track unknown): left out of the median and the share, and shown.
    public var undetermined: Int
    /// Median offset in frames (the mean of the two middle values when `count` is even); `nil`
    /// when no offset is known.
    public var median: Double?
    /// Samples with |offset| ≤ 1 frame.
    public var withinOneFrame: Int
    /// `withinOneFrame / count`; `nil` when no offset is known.
    public var shareWithinOneFrame: Double?
}

/// The statistics of one model on one subset of the benchmark.
///
/// Means follow the reference rule: they are over the scored samples only (status `ok`, the
/// reference's `has_face = True`); every other sample is counted in `total` and listed in
/// `excluded` with its status, so coverage is never hidden.
public struct ScoreSummary: Sendable, Codable, Equatable {
    /// The model.
    public var model: String
    /// The samples summarised.
    public var subset: Subset
    /// Samples of the subset, scored or not (including `missing` ones when the table has a benchmark).
    public var total: Int
    /// Samples that are scored and counted in the means.
    public var scored: Int
    /// Samples not counted in the means, in table order, with why.
    public var excluded: [ExcludedSample]
    /// Mean LSE-C over the scored samples with its bootstrap interval; `nil` when none is scored.
    public var lseC: MeanEstimate?
    /// Mean LSE-D over the scored samples with its bootstrap interval (same resamples as `lseC`).
    public var lseD: MeanEstimate?
    /// Offsets of the scored samples; `nil` when none is scored.
    public var offsets: OffsetSummary?
    /// `scored` is below the threshold (``LeaderboardStatistics/smallSampleThreshold``): the means
    /// and intervals are shown but should not be ranked on.
    public var isSmallSample: Bool

    /// `scored / total`; `nil` for an empty subset.
    public var coverage: Double? { total == 0 ? nil : Double(scored) / Double(total) }
}

/// Everything the leaderboard shows about one model: overall, per category and per group.
public struct ModelSummary: Sendable, Codable, Equatable {
    /// The model.
    public var model: String
    /// All of the model's samples.
    public var overall: ScoreSummary
    /// One summary per category present in the table, sorted by category name.
    public var categories: [ScoreSummary]
    /// One summary per group, in the order the groups were given.
    public var groups: [ScoreSummary]
}
