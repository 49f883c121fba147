import Foundation

/// `leaderboard.csv` and `leaderboard.json`: the statistics of every model, overall, per category
/// and per group, in leaderboard order.
enum LeaderboardFiles {
    static let columns = [
        "model", "subset", "total", "scored", "coverage", "lse_c_mean", "lse_c_lower", "lse_c_upper", "lse_d_mean", "lse_d_lower",
        "lse_d_upper", "offsets_known", "offsets_undetermined", "median_offset", "within_one_frame", "share_within_one_frame", "small_n",
        "excluded", "protocol_count", "protocol_lse_c", "protocol_lse_d", "profile", "profile_version", "weights", "weights_published",
        "computed_by", "precision",
    ]

    /// The JSON document: provenance, how the statistics were computed, the leaderboard order,
    /// every model's summaries (as ``LeaderboardStatistics/modelSummary(of:in:)`` returns them)
    /// and the paired comparisons.
    struct Document: Codable {
        var provenance: ReportProvenance
        /// Bootstrap replicates, level and seed, the small-n threshold and the groups.
        var statistics: LeaderboardStatistics
        /// "Means are over samples with status ok (the reference's face-detected rule); ...".
        var rule: String
        /// The models, best mean LSE-C first, those without a score last.
        var leaderboard: [String]
        /// One entry per model, in the report's model order.
        var models: [ModelSummary]
        var comparisons: [PairedComparison]
        /// The suite's numbers by the profile's own rule, beside SyncBench's statistics (null when
        /// the profile's upstream code has no suite rule).
        var `protocol`: ProtocolDocument?
    }

    /// `protocol` in `leaderboard.json`.
    struct ProtocolDocument: Codable {
        var rule: String
        /// `video` (the clip's numbers by the profile's rule) or `track` (Wav2Lip's lines).
        var unit: ProtocolAggregation.Unit
        /// One entry per model, in the report's model order.
        var models: [ProtocolSummary]
    }

    static let rule =
        "Means are over the samples with status ok (the reference's face-detected rule); every other sample counts in total and is listed in excluded with its status."

    /// `leaderboard.csv`: one record per model and subset (`all`, `category:<name>`,
    /// `group:<name>`), models in leaderboard order. Numbers are written in full precision; empty
    /// where there is no value. The `protocol_*` columns hold the subset's numbers by the profile's
    /// own rule (empty where the rule has no such subset); the last five the provenance of the
    /// model's results (`precision`: ``ReportProvenance/precisionText``).
    static func csv(_ analysis: ReportAnalysis) -> String {
        var text = CSVText.record(columns)
        for index in analysis.leaderboardOrder {
            let model = analysis.summaries[index]
            let provenance = ReportProvenance(analysis.report, samples: analysis.report.samples.filter { $0.score.model == model.model })
            let weights = provenance.weights.map { $0.files.map { "\($0.file)=\($0.sha256)\($0.used ? "" : " (not used)")" }.joined(separator: "; ") }
            let published =
                provenance.weights.isEmpty ? "unknown" : provenance.standInWeights ? "no" : provenance.weightsNotRecorded > 0 ? "unknown for some" : "yes"
            let software = provenance.software.map { set in
                "SyncBench \(set.syncbench); FFmpeg " + set.ffmpeg.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            }
            let protocolSummary = analysis.protocolSummaries?[index]
            for summary in [model.overall] + model.categories + model.groups {
                let entry = protocolSummary?.entry(summary.subset.description)
                text += CSVText.record([
                    model.model, summary.subset.description, "\(summary.total)", "\(summary.scored)", CSVText.number(summary.coverage),
                    CSVText.number(summary.lseC?.mean), CSVText.number(summary.lseC?.lower), CSVText.number(summary.lseC?.upper),
                    CSVText.number(summary.lseD?.mean), CSVText.number(summary.lseD?.lower), CSVText.number(summary.lseD?.upper),
                    summary.offsets.map { "\($0.count)" } ?? "0", summary.offsets.map { "\($0.undetermined)" } ?? "0",
                    CSVText.number(summary.offsets?.median), summary.offsets.map { "\($0.withinOneFrame)" } ?? "0",
                    CSVText.number(summary.offsets?.shareWithinOneFrame), CSVText.boolean(summary.isSmallSample), "\(summary.excluded.count)",
                    entry.map { "\($0.count)" } ?? "", CSVText.number(entry?.lseC), CSVText.number(entry?.lseD), provenance.profile,
                    provenance.profileVersion.map { "\($0)" } ?? "", weights.isEmpty ? "not recorded" : weights.joined(separator: " | "), published,
                    software.isEmpty ? "not recorded" : software.joined(separator: " | "), provenance.precisionText,
                ])
            }
        }
        return text
    }

    /// `leaderboard.json`, keys sorted.
    static func json(_ analysis: ReportAnalysis) throws -> Data {
        try JSONOutput.encode(
            Document(
                provenance: analysis.provenance, statistics: analysis.statistics, rule: rule,
                leaderboard: analysis.leaderboardOrder.map { analysis.models[$0] }, models: analysis.summaries,
                comparisons: analysis.comparisons,
                protocol: ProtocolAggregation(profile: analysis.report.profile, groups: analysis.statistics.groups).map { rule in
                    ProtocolDocument(rule: rule.description, unit: rule.unit, models: analysis.protocolSummaries ?? [])
                }))
    }
}
