/// Computes the leaderboard's statistics from a ``ScoreTable``: per model coverage, means with
/// bootstrap intervals, offsets, per category and per group, and paired comparisons.
///
/// Pure and deterministic: the same table and configuration give the same summaries, bit for bit
/// (see ``Bootstrap`` for how intervals are seeded).
public struct LeaderboardStatistics: Sendable, Codable, Equatable {
    /// The default small-sample threshold: a subset with fewer than 10 scored (or paired) samples
    /// is flagged. With so few videos a percentile bootstrap interval is too narrow and one clip
    /// moves the mean by a tenth of its spread; MoChaBench's `1p_generalize_chinese` (4 samples) is
    /// the case in point.
    public static let defaultSmallSampleThreshold = 10

    /// How intervals are computed.
    public var bootstrap: Bootstrap
    /// Subsets with fewer scored samples than this are flagged ``ScoreSummary/isSmallSample``.
    public var smallSampleThreshold: Int
    /// The groups summarised for every model (pooled over their categories' videos).
    public var groups: [SampleGroup]

    public init(
        bootstrap: Bootstrap = Bootstrap(), smallSampleThreshold: Int = LeaderboardStatistics.defaultSmallSampleThreshold,
        groups: [SampleGroup] = MoChaBenchGroups.groups
    ) {
        self.bootstrap = bootstrap
        self.smallSampleThreshold = smallSampleThreshold
        self.groups = groups
    }

    /// The summary of `model`'s samples in `subset`.
    ///
    /// Means are over the samples with status `ok` (the reference rule); every other sample is in
    /// ``ScoreSummary/excluded``. LSE-C and LSE-D are resampled together, with the bootstrap label
    /// `"<model>|<subset>|LSE-C,LSE-D"`.
    public func summary(of model: String, in table: ScoreTable, subset: Subset = .all) -> ScoreSummary {
        let samples = table.scores(of: model).filter { subset.contains(category: $0.category) }
        let scored = samples.filter(\.isScored)
        let estimates = bootstrap.means(of: [scored.map { $0.lseC! }, scored.map { $0.lseD! }], label: "\(model)|\(subset)|LSE-C,LSE-D")
        let excluded = samples.filter { !$0.isScored }.map { ExcludedSample(sampleID: $0.sampleID, category: $0.category, status: $0.status) }
        return ScoreSummary(
            model: model, subset: subset, total: samples.count, scored: scored.count, excluded: excluded, lseC: estimates?[0],
            lseD: estimates?[1], offsets: offsetSummary(of: scored), isSmallSample: scored.count < smallSampleThreshold)
    }

    /// The summaries of `model`: overall, each category of the table (sorted by name; a category the
    /// model has no row in appears with total 0), and each of ``groups``.
    public func modelSummary(of model: String, in table: ScoreTable) -> ModelSummary {
        ModelSummary(
            model: model, overall: summary(of: model, in: table),
            categories: table.categories.map { summary(of: model, in: table, subset: .category($0)) },
            groups: groups.map { summary(of: model, in: table, subset: .group($0)) })
    }

    /// The summaries of every model of the table, in table order.
    public func modelSummaries(of table: ScoreTable) -> [ModelSummary] {
        table.models.map { modelSummary(of: $0, in: table) }
    }

    /// Compares `first` with `second` on the samples of `subset` both scored.
    ///
    /// Differences are `first − second` per sample; their means get a bootstrap interval over the
    /// pairs (LSE-C and LSE-D resampled together, label `"<first> vs <second>|<subset>|paired"`).
    /// Wins are counted per metric in the metric's direction (higher LSE-C, lower LSE-D); exact
    /// equality is a tie.
    public func comparison(of first: String, with second: String, in table: ScoreTable, subset: Subset = .all) -> PairedComparison {
        let firstScored = table.scores(of: first).filter { $0.isScored && subset.contains(category: $0.category) }
        let secondScored = table.scores(of: second).filter { $0.isScored && subset.contains(category: $0.category) }
        let secondByID = Dictionary(uniqueKeysWithValues: secondScored.map { ($0.sampleID, $0) })
        let firstIDs = Set(firstScored.map(\.sampleID))
        let pairs = firstScored.compactMap { a in secondByID[a.sampleID].map { (a, $0) } }
        let differenceC = pairs.map { $0.0.lseC! - $0.1.lseC! }
        let differenceD = pairs.map { $0.0.lseD! - $0.1.lseD! }
        let estimates = bootstrap.means(of: [differenceC, differenceD], label: "\(first) vs \(second)|\(subset)|paired")
        return PairedComparison(
            firstModel: first, secondModel: second, subset: subset, pairedSampleIDs: pairs.map { $0.0.sampleID },
            onlyFirstScored: firstScored.map(\.sampleID).filter { secondByID[$0] == nil },
            onlySecondScored: secondScored.map(\.sampleID).filter { !firstIDs.contains($0) },
            lseC: estimates.map { tally($0[0], differences: differenceC, higherIsBetter: true) },
            lseD: estimates.map { tally($0[1], differences: differenceD, higherIsBetter: false) },
            isSmallSample: pairs.count < smallSampleThreshold)
    }

    /// Every pair of models of the table (each unordered pair once, in table order) on `subset`.
    public func comparisons(in table: ScoreTable, subset: Subset = .all) -> [PairedComparison] {
        let models = table.models
        return models.indices.flatMap { i in
            models.indices.dropFirst(i + 1).map { comparison(of: models[i], with: models[$0], in: table, subset: subset) }
        }
    }

    private func tally(_ estimate: MeanEstimate, differences: [Double], higherIsBetter: Bool) -> PairedMetricComparison {
        let better = differences.filter { higherIsBetter ? $0 > 0 : $0 < 0 }.count
        let ties = differences.filter { $0 == 0 }.count
        return PairedMetricComparison(meanDifference: estimate, wins: better, ties: ties, losses: differences.count - better - ties)
    }

    private func offsetSummary(of scored: [SampleScore]) -> OffsetSummary? {
        guard !scored.isEmpty else { return nil }
        let known = scored.compactMap(\.offsetInFrames)
        let within = known.filter { abs($0) <= 1 }.count
        return OffsetSummary(
            count: known.count, undetermined: scored.count - known.count, median: Descriptive.median(known.map(Double.init)),
            withinOneFrame: within, shareWithinOneFrame: known.isEmpty ? nil : Double(within) / Double(known.count))
    }
}
