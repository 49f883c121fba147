/// A benchmark sample every model is expected to have a score for.
public struct BenchmarkSample: Sendable, Codable, Hashable {
    /// The sample's identifier (see ``SampleScore/sampleID``).
    public var sampleID: String
    /// The sample's category.
    public var category: String

    public init(sampleID: String, category: String) {
        self.sampleID = sampleID
        self.category = category
    }
}

/// Why a set of sample scores cannot form a ``ScoreTable``.
public enum ScoreTableError: Error, Equatable, CustomStringConvertible {
    /// The model has two rows for the same sample.
    case duplicateSample(model: String, sampleID: String)
    /// Two rows give the same sample different categories.
    case conflictingCategory(sampleID: String, categories: [String])
    /// A row names a sample the benchmark does not have.
    case unknownSample(model: String, sampleID: String)

    public var description: String {
        switch self {
        case .duplicateSample(let model, let sampleID): "model \(model) has more than one score for sample \(sampleID)"
        case .conflictingCategory(let sampleID, let categories):
            "sample \(sampleID) is given different categories: \(categories.joined(separator: ", "))"
        case .unknownSample(let model, let sampleID): "model \(model) has a score for \(sampleID), which is not in the benchmark"
        }
    }
}

/// The scores of one or more models on a benchmark: at most one row per model and sample, each
/// sample in one category.
///
/// When the benchmark's sample list is given, every model gets a row for every sample — those it has
/// no score for are added with status ``SampleStatus/missing`` — so that coverage counts them.
public struct ScoreTable: Sendable, Codable, Equatable {
    /// All rows: each model's rows in the order given, then its missing samples in benchmark order.
    public private(set) var scores: [SampleScore]
    /// The models, in order of first appearance.
    public private(set) var models: [String]

    /// Checks and collects `scores`.
    ///
    /// - Parameters:
    ///   - scores: the rows, of any number of models.
    ///   - benchmark: the samples every model should have; `nil` when the rows themselves are the
    ///     benchmark (coverage then counts only unscored rows, not absent ones).
    /// - Throws: ``ScoreTableError`` for a duplicate row, a sample with two categories, or (with a
    ///   benchmark) a sample the benchmark does not list.
    public init(_ scores: [SampleScore], benchmark: [BenchmarkSample]? = nil) throws(ScoreTableError) {
        var categoryOf: [String: String] = [:]
        for sample in benchmark ?? [] {
            if let known = categoryOf[sample.sampleID], known != sample.category {
                throw .conflictingCategory(sampleID: sample.sampleID, categories: [known, sample.category])
            }
            categoryOf[sample.sampleID] = sample.category
        }
        var models: [String] = []
        var seen: [String: Set<String>] = [:]
        for score in scores {
            if benchmark != nil, categoryOf[score.sampleID] == nil { throw .unknownSample(model: score.model, sampleID: score.sampleID) }
            if let known = categoryOf[score.sampleID], known != score.category {
                throw .conflictingCategory(sampleID: score.sampleID, categories: [known, score.category])
            }
            categoryOf[score.sampleID] = score.category
            if seen[score.model] == nil { models.append(score.model) }
            guard seen[score.model, default: []].insert(score.sampleID).inserted else {
                throw .duplicateSample(model: score.model, sampleID: score.sampleID)
            }
        }
        var rows: [SampleScore] = []
        for model in models {
            rows += scores.filter { $0.model == model }
            for sample in benchmark ?? [] where !seen[model, default: []].contains(sample.sampleID) {
                rows.append(SampleScore(model: model, sampleID: sample.sampleID, category: sample.category, status: .missing))
            }
        }
        self.scores = rows
        self.models = models
    }

    /// The rows of `model`, in table order.
    public func scores(of model: String) -> [SampleScore] { scores.filter { $0.model == model } }

    /// The categories present, sorted by name.
    public var categories: [String] { Set(scores.map(\.category)).sorted() }
}
