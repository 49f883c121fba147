/// Everything the renderers show, computed once from a report and its statistics configuration:
/// the score table, every model's summaries, the paired comparisons, the leaderboard order, the
/// colours and the output file names.
struct ReportAnalysis {
    let report: BenchmarkReport
    let statistics: LeaderboardStatistics
    let table: ScoreTable
    /// The report's models in registration order, then any model that has samples but is not
    /// listed (never dropped).
    let models: [String]
    /// One summary per model, in ``models`` order.
    let summaries: [ModelSummary]
    /// Indices into ``models``: best mean LSE-C first, models without a score last, ties in
    /// registration order.
    let leaderboardOrder: [Int]
    /// Every pair of models, each unordered pair once, in ``models`` order: over all samples, then
    /// over each group's samples.
    let comparisons: [PairedComparison]
    /// The categories of the table, sorted by name.
    let categories: [String]
    /// Per sample of the report (same index): its page, relative to the report directory.
    let samplePages: [String]
    /// Per category (same index as ``categories``): its PNG, relative to the report directory.
    let categoryImages: [String]
    /// Where the numbers come from, stated by every output.
    let provenance: ReportProvenance
    /// The suite's numbers by the profile's own rule, per model in ``models`` order (nil when the
    /// profile's upstream code has no suite rule).
    let protocolSummaries: [ProtocolSummary]?

    /// - Throws: ``ReportError`` when the samples do not form a score table (a model with two rows
    ///   for one sample, a sample given two categories).
    init(_ report: BenchmarkReport, statistics: LeaderboardStatistics) throws(ReportError) {
        self.report = report
        self.statistics = statistics
        let table: ScoreTable
        do { table = try report.scoreTable() } catch {
            throw ReportError(file: "report of suite \(report.suite)", reason: error.description)
        }
        self.table = table
        var models = report.models
        for model in table.models where !models.contains(model) { models.append(model) }
        self.models = models
        let summaries = models.map { statistics.modelSummary(of: $0, in: table) }
        self.summaries = summaries
        leaderboardOrder = models.indices.sorted { a, b in
            switch (summaries[a].overall.lseC?.mean, summaries[b].overall.lseC?.mean) {
            case let (x?, y?) where x != y: x > y
            case (.some, nil): true
            case (nil, .some): false
            default: a < b
            }
        }
        // All samples first, then each group (MoChaBench's leaderboard is its Monologue group).
        comparisons = ([Subset.all] + statistics.groups.map(Subset.group)).flatMap { subset in
            models.indices.flatMap { i in
                models.indices.dropFirst(i + 1).map { statistics.comparison(of: models[i], with: models[$0], in: table, subset: subset) }
            }
        }
        categories = table.categories
        let modelDirectories = Dictionary(uniqueKeysWithValues: zip(models, FileNames.unique(models)))
        var pages = [String](repeating: "", count: report.samples.count)
        for model in models {
            let indices = report.samples.indices.filter { report.samples[$0].score.model == model }
            let names = FileNames.unique(indices.map { report.samples[$0].score.sampleID })
            for (index, name) in zip(indices, names) { pages[index] = "samples/\(modelDirectories[model]!)/\(name).html" }
        }
        samplePages = pages
        categoryImages = FileNames.unique(categories).map { "categories/\($0).png" }
        provenance = ReportProvenance(report)
        let rule = ProtocolAggregation(profile: report.profile, groups: statistics.groups)
        protocolSummaries = rule.map { rule in models.map { rule.summary(of: $0, in: report.samples, categories: table.categories) } }
    }

    /// How `model` is drawn (by its position in ``models``, so it is the same in every chart).
    func style(of model: String) -> ModelStyle {
        Palette.style(ofModelAt: models.firstIndex(of: model) ?? models.count)
    }

    /// The report's sample of `model` with identifier `sampleID`, with its index in the report.
    func sample(of model: String, id sampleID: String) -> (index: Int, sample: ReportSample)? {
        guard let index = report.samples.firstIndex(where: { $0.score.model == model && $0.score.sampleID == sampleID }) else {
            return nil
        }
        return (index, report.samples[index])
    }

    /// The footnote for †.
    var smallSampleNote: String { "fewer than \(statistics.smallSampleThreshold) scored samples: do not rank on it" }
}
