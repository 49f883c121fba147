import Foundation
import Testing
import TestSupport
@testable import Reports

/// The published per-sample scores of MoCha's 220 MoChaBench generations, aggregated as the
/// leaderboard does, against the numbers MoChaBench publishes (docs/reference/pipeline.md §12.4, §13).
///
/// Expected values come from three places, none of them the code under test:
/// - the published leaderboard values, quoted in docs/reference/pipeline.md §12.4 and `../shared/data/README.md`
///   (6.333 / 8.185 over n = 199, 4.951 / 8.601 over n = 15, `1p_camera_movement` 5.432 / 8.455 over
///   n = 18; a mean of category means would be 6.262 / 8.180; offsets `[0]` 118×, `[1]` 46×, `[-1]` 29×);
/// - the row counts per category of `benchmark.csv` (docs/reference/pipeline.md §12.2) and the two rows with
///   `has_face = False` (read off the CSV by eye: lines 32 and 213);
/// - per-category means recomputed in this file by a separate, deliberately naive loop over the raw
///   lines (``independentCategoryMeans()``), which shares no code with `MoChaBenchScoreCSV` or
///   `LeaderboardStatistics`.
@Suite(
    "Published MoCha scores reproduce the MoChaBench leaderboard",
    .enabled(if: SharedData.has("mochabench-mini/eval-lipsync/mocha-eval-results/sync_scores.csv"), "needs ../shared/data/mochabench-mini (shared test data, not part of the repository)"))
struct PublishedMoChaScoresTests {
    static let csv = PublishedMoChaScores.csv

    static let statistics = LeaderboardStatistics()

    static func table() throws -> ScoreTable { try ScoreTable(MoChaBenchScoreCSV.read(csv, model: "MoCha")) }

    /// Rounds to the three decimals the leaderboard publishes.
    static func published(_ value: Double?) -> Double? { value.map { ($0 * 1000).rounded() / 1000 } }

    /// Per category: (n, mean best_conf, mean min_dist) over rows whose `has_face` is `True`. The
    /// only quoted field is `offsets`, so the last four fields and the second are found by splitting
    /// on commas from both ends.
    static func independentCategoryMeans() throws -> [String: (n: Int, c: Double, d: Double)] {
        let lines = try String(contentsOf: csv, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        var sums: [String: (n: Int, c: Double, d: Double)] = [:]
        for line in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let category = String(fields[1])
            let tail = Array(fields.suffix(4))  // best_conf, min_dist, has_face, runtime_s
            guard tail[2] == "True" else { continue }
            let old = sums[category, default: (0, 0, 0)]
            sums[category] = (old.n + 1, old.c + Double(tail[0])!, old.d + Double(tail[1])!)
        }
        return sums.mapValues { ($0.n, $0.c / Double($0.n), $0.d / Double($0.n)) }
    }

    @Test("the file reads as 220 samples, 2 without a face, with the published offset counts")
    func reading() throws {
        let table = try Self.table()
        #expect(table.scores.count == 220)
        #expect(table.scores.filter { !$0.isScored }.map(\.sampleID) == ["1p_camera_movement/4_man_skateboarding", "1p_protrait/31_woman_swimming"])
        #expect(table.scores.filter { $0.trackOffsets == [0] }.count == 118)
        #expect(table.scores.filter { $0.trackOffsets == [1] }.count == 46)
        #expect(table.scores.filter { $0.trackOffsets == [-1] }.count == 29)
        let rows: [String: Int] = [
            "1p_camera_movement": 19, "1p_closeup_facingcamera": 27, "1p_emotion": 34, "1p_generalize_chinese": 4,
            "1p_mediumshot_actioncontrol": 52, "1p_protrait": 39, "2p_1clip_1talk": 30, "2p_2clip_2talk": 15,
        ]
        #expect(table.categories == MoChaBenchGroups.categories)
        #expect(Dictionary(grouping: table.scores, by: \.category).mapValues(\.count) == rows)
    }

    @Test("Monologue: 6.333 / 8.185 over 199 face-detected videos, and the report shows the 2 excluded")
    func monologue() throws {
        let summary = Self.statistics.summary(of: "MoCha", in: try Self.table(), subset: .group(MoChaBenchGroups.monologue))
        #expect(summary.total == 201 && summary.scored == 199 && !summary.isSmallSample)
        #expect(Self.published(summary.lseC?.mean) == 6.333 && Self.published(summary.lseD?.mean) == 8.185)
        #expect(summary.excluded == [
            ExcludedSample(sampleID: "1p_camera_movement/4_man_skateboarding", category: "1p_camera_movement", status: .noFace),
            ExcludedSample(sampleID: "1p_protrait/31_woman_swimming", category: "1p_protrait", status: .noFace),
        ])
        let c = try #require(summary.lseC)
        let d = try #require(summary.lseD)
        #expect(c.intervalContains(c.mean) && d.intervalContains(d.mean))
        #expect(c.upper - c.lower > 0.1 && c.upper - c.lower < 0.8, "\(c)")  // ≈ ±1.96 · 1.3 / √199
    }

    @Test("Dialogue: 4.951 / 8.601 over 15; 1p_camera_movement: 5.432 / 8.455 over 18")
    func dialogueAndCameraMovement() throws {
        let table = try Self.table()
        let dialogue = Self.statistics.summary(of: "MoCha", in: table, subset: .group(MoChaBenchGroups.dialogue))
        #expect(dialogue.scored == 15 && dialogue.total == 15 && dialogue.excluded.isEmpty)
        #expect(Self.published(dialogue.lseC?.mean) == 4.951 && Self.published(dialogue.lseD?.mean) == 8.601)
        let camera = Self.statistics.summary(of: "MoCha", in: table, subset: .category("1p_camera_movement"))
        #expect(camera.scored == 18 && camera.total == 19)
        #expect(Self.published(camera.lseC?.mean) == 5.432 && Self.published(camera.lseD?.mean) == 8.455)
    }

    @Test("every category's n and means match an independent computation from the raw rows")
    func categories() throws {
        let expected = try Self.independentCategoryMeans()
        let summary = Self.statistics.modelSummary(of: "MoCha", in: try Self.table())
        #expect(summary.categories.count == 8 && Set(expected.keys) == Set(MoChaBenchGroups.categories))
        for category in summary.categories {
            guard case .category(let name) = category.subset, let reference = expected[name] else {
                Issue.record("unexpected subset \(category.subset)")
                continue
            }
            #expect(category.scored == reference.n, "\(name)")
            #expect(abs(category.lseC!.mean - reference.c) < 1e-12 && abs(category.lseD!.mean - reference.d) < 1e-12, "\(name)")
            #expect(category.lseC!.intervalContains(category.lseC!.mean) && category.lseD!.intervalContains(category.lseD!.mean))
            #expect(category.isSmallSample == (reference.n < 10), "\(name)")
        }
        // Scored counts: the §12.2 row counts less the two rows without a face.
        #expect(summary.categories.map(\.scored) == [18, 27, 34, 4, 52, 38, 30, 15])
        #expect(summary.categories.filter(\.isSmallSample).map(\.subset) == [.category("1p_generalize_chinese")])
        #expect(summary.overall.total == 220 && summary.overall.scored == 218)
    }

    @Test("the group mean is pooled over videos: a mean of the six category means would give 6.262 / 8.180")
    func pooledNotMeanOfMeans() throws {
        let summary = Self.statistics.modelSummary(of: "MoCha", in: try Self.table())
        let six = summary.categories.filter { MoChaBenchGroups.monologue.contains(category: $0.category ?? "") }
        #expect(six.count == 6)
        let meanOfMeansC = six.map { $0.lseC!.mean }.reduce(0, +) / 6
        let meanOfMeansD = six.map { $0.lseD!.mean }.reduce(0, +) / 6
        #expect(Self.published(meanOfMeansC) == 6.262 && Self.published(meanOfMeansD) == 8.180)
        #expect(Self.published(summary.groups[0].lseC?.mean) == 6.333)
        // 1p_generalize_chinese is in no group: the two groups hold 201 + 15 = 216 of the 220 samples.
        #expect(summary.groups.map(\.total) == [201, 15])
    }

    @Test("offsets of the MoCha videos: median 0, and the share within one frame")
    func offsets() throws {
        let table = try Self.table()
        let offsets = try #require(Self.statistics.summary(of: "MoCha", in: table).offsets)
        // Every scored sample has a known offset except the 13 multi-track rows whose tracks disagree.
        let disagreeing = table.scores.filter { Set($0.trackOffsets).count > 1 }.count
        #expect(disagreeing == 13 && offsets.undetermined == 13 && offsets.count == 218 - 13)
        #expect(offsets.median == 0)
        // Single-track [0], [1], [-1] rows alone are 193; agreeing multi-track rows can only add to that.
        #expect(offsets.withinOneFrame >= 193 && offsets.withinOneFrame <= offsets.count)
        let manual = table.scores.compactMap(\.offsetInFrames).filter { abs($0) <= 1 }.count
        #expect(offsets.withinOneFrame == manual && offsets.shareWithinOneFrame == Double(manual) / Double(offsets.count))
    }
}

/// Where the shared data keeps the published scores: `../shared/data` next to the repository.
enum PublishedMoChaScores {
    static let csv = SharedData.url("mochabench-mini/eval-lipsync/mocha-eval-results/sync_scores.csv")
}

extension ScoreSummary {
    /// The category name of a per-category summary (test helper).
    fileprivate var category: String? {
        if case .category(let name) = subset { return name }
        return nil
    }
}
