import Foundation
import Testing
@testable import Reports

/// Hand-made score tables. Scores are multiples of 1/8 so that sums and differences are exact and
/// expected means can be written down.
@Suite("Leaderboard statistics on hand-made tables")
struct LeaderboardStatisticsTests {
    static func ok(_ model: String, _ id: String, _ category: String, _ c: Double, _ d: Double, offsets: [Int] = [0], best: Int? = nil)
        -> SampleScore
    {
        SampleScore(model: model, sampleID: id, category: category, status: .ok, lseC: c, lseD: d, trackOffsets: offsets, bestTrack: best)
    }

    static func failed(_ model: String, _ id: String, _ category: String, _ status: SampleStatus) -> SampleScore {
        SampleScore(model: model, sampleID: id, category: category, status: status)
    }

    static let statistics = LeaderboardStatistics(
        bootstrap: Bootstrap(replicates: 2_000), smallSampleThreshold: 3,
        groups: [SampleGroup(name: "Pooled", categories: ["a", "b"])])

    @Test("coverage counts every unscored and missing sample, and means use only the scored ones")
    func coverage() throws {
        let benchmark = ["a/1", "a/2", "a/3", "b/1", "b/2", "c/1"].map { BenchmarkSample(sampleID: $0, category: String($0.prefix(1))) }
        let table = try ScoreTable(
            [
                Self.ok("M", "a/1", "a", 6, 8), Self.failed("M", "a/2", "a", .noFace), Self.ok("M", "a/3", "a", 5, 9),
                Self.failed("M", "b/1", "b", .decodeError), Self.ok("M", "b/2", "b", 7, 7.5),
            ], benchmark: benchmark)
        let summary = Self.statistics.modelSummary(of: "M", in: table)
        #expect(summary.overall.total == 6 && summary.overall.scored == 3)
        #expect(summary.overall.coverage == 0.5)
        #expect(summary.overall.excluded.map(\.sampleID) == ["a/2", "b/1", "c/1"])
        #expect(summary.overall.excluded.map(\.status) == [.noFace, .decodeError, .missing])
        #expect(summary.overall.lseC?.mean == 6 && summary.overall.lseD?.mean == 24.5 / 3)
        #expect(summary.overall.lseC?.count == 3)
        // Per category: a has 2 of 3 scored, b 1 of 2, c none (no mean, still counted).
        #expect(summary.categories.map(\.subset) == [.category("a"), .category("b"), .category("c")])
        #expect(summary.categories.map(\.total) == [3, 2, 1] && summary.categories.map(\.scored) == [2, 1, 0])
        #expect(summary.categories[0].lseC?.mean == 5.5 && summary.categories[0].lseD?.mean == 8.5)
        #expect(summary.categories[2].lseC == nil && summary.categories[2].offsets == nil && summary.categories[2].coverage == 0)
        // Small-n flag: threshold 3 scored samples.
        #expect(summary.overall.isSmallSample == false)
        #expect(summary.categories.map(\.isSmallSample) == [true, true, true])
    }

    @Test("a group pools its videos: the mean over videos, not the mean of category means")
    func pooling() throws {
        let table = try ScoreTable([
            Self.ok("M", "a/1", "a", 2, 10), Self.ok("M", "a/2", "a", 4, 10), Self.ok("M", "a/3", "a", 6, 10),
            Self.ok("M", "b/1", "b", 10, 6), Self.ok("M", "c/1", "c", 100, 1),
        ])
        let group = Self.statistics.summary(of: "M", in: table, subset: .group(Self.statistics.groups[0]))
        #expect(group.scored == 4 && group.lseC?.mean == 5.5 && group.lseD?.mean == 9)  // not (4 + 10) / 2 = 7
        #expect(group.lseC?.intervalContains(5.5) == true)
    }

    @Test("offsets: the best track's when known, the common one when tracks agree, otherwise undetermined")
    func offsets() throws {
        let table = try ScoreTable([
            Self.ok("M", "a/1", "a", 6, 8, offsets: [0]), Self.ok("M", "a/2", "a", 6, 8, offsets: [1, 1]),
            Self.ok("M", "a/3", "a", 6, 8, offsets: [0, 15]),  // undetermined
            Self.ok("M", "a/4", "a", 6, 8, offsets: [0, -4], best: 1), Self.ok("M", "a/5", "a", 6, 8, offsets: [-1]),
            Self.ok("M", "a/6", "a", 6, 8, offsets: [3]), Self.failed("M", "a/7", "a", .noFace),
        ])
        #expect(table.scores.map(\.offsetInFrames) == [0, 1, nil, -4, -1, 3, nil])
        let offsets = try #require(Self.statistics.summary(of: "M", in: table).offsets)
        // Known offsets 0, 1, -4, -1, 3 → median 0; |offset| ≤ 1 for 0, 1, -1.
        #expect(offsets.count == 5 && offsets.undetermined == 1)
        #expect(offsets.median == 0 && offsets.withinOneFrame == 3 && offsets.shareWithinOneFrame == 0.6)
        let even = try ScoreTable([Self.ok("M", "a/1", "a", 6, 8, offsets: [0]), Self.ok("M", "a/2", "a", 6, 8, offsets: [3])])
        #expect(Self.statistics.summary(of: "M", in: even).offsets?.median == 1.5)
    }

    @Test("a paired comparison recovers a known shift, its win rate, and the samples it could not pair")
    func pairedShift() throws {
        // B's LSE-C is A's plus 0.5 + e, with e summing to zero: the mean difference A − B is exactly
        // −0.5. LSE-D: B = A − 0.25 on every sample, a constant shift (zero-width interval).
        let noise: [Double] = [0.5, -0.5, 0.25, -0.25, 0.75, -0.75, 0, 0, -1.0, 1.0]
        var rows: [SampleScore] = []
        for (i, e) in noise.enumerated() {
            let c = 4 + Double(i) / 4
            let d = 9 - Double(i) / 8
            rows.append(Self.ok("A", "a/\(i)", "a", c, d))
            rows.append(Self.ok("B", "a/\(i)", "a", c + 0.5 + e, d - 0.25))
        }
        rows += [
            Self.ok("A", "b/only-a", "b", 3, 9), Self.failed("B", "b/only-a", "b", .noFace), Self.failed("A", "b/only-b", "b", .tooShort),
            Self.ok("B", "b/only-b", "b", 3, 9), Self.failed("A", "b/neither", "b", .noFace),
        ]
        let table = try ScoreTable(rows)
        let comparison = Self.statistics.comparison(of: "A", with: "B", in: table)
        #expect(comparison.pairedSampleIDs.count == 10)
        #expect(comparison.onlyFirstScored == ["b/only-a"] && comparison.onlySecondScored == ["b/only-b"])
        let c = try #require(comparison.lseC)
        #expect(c.meanDifference.mean == -0.5 && c.meanDifference.count == 10)
        #expect(c.meanDifference.intervalContains(-0.5) && c.meanDifference.upper < 0)
        // A − B = −0.5 − e: A wins (positive) for e = −0.75 and −1.0; ties for e = −0.5; 7 losses.
        #expect(c.wins == 2 && c.ties == 1 && c.losses == 7 && c.winRate == 0.2)
        let d = try #require(comparison.lseD)
        #expect(d.meanDifference.mean == 0.25 && d.meanDifference.lower == 0.25 && d.meanDifference.upper == 0.25)
        #expect(d.wins == 0 && d.ties == 0 && d.losses == 10 && d.winRate == 0)  // A's LSE-D is always higher: worse
        // Restricted to category b nothing is paired.
        let onB = Self.statistics.comparison(of: "A", with: "B", in: table, subset: .category("b"))
        #expect(onB.pairedSampleIDs.isEmpty && onB.lseC == nil && onB.isSmallSample)
        // The reverse comparison mirrors it.
        let reverse = Self.statistics.comparison(of: "B", with: "A", in: table)
        #expect(reverse.lseC?.meanDifference.mean == 0.5 && reverse.lseC?.wins == 7 && reverse.lseC?.ties == 1)
        #expect(Self.statistics.comparisons(in: table).map { "\($0.firstModel)-\($0.secondModel)" } == ["A-B"])
    }

    @Test("score tables reject duplicates, conflicting categories and samples outside the benchmark")
    func tableErrors() {
        #expect(throws: ScoreTableError.duplicateSample(model: "M", sampleID: "a/1")) {
            try ScoreTable([Self.ok("M", "a/1", "a", 1, 1), Self.ok("M", "a/1", "a", 2, 2)])
        }
        #expect(throws: ScoreTableError.conflictingCategory(sampleID: "a/1", categories: ["a", "b"])) {
            try ScoreTable([Self.ok("M", "a/1", "a", 1, 1), Self.ok("N", "a/1", "b", 2, 2)])
        }
        #expect(throws: ScoreTableError.unknownSample(model: "M", sampleID: "z/9")) {
            try ScoreTable([Self.ok("M", "z/9", "z", 1, 1)], benchmark: [BenchmarkSample(sampleID: "a/1", category: "a")])
        }
        #expect(ScoreTableError.duplicateSample(model: "M", sampleID: "a/1").description.contains("a/1"))
    }

    @Test("summaries are identical run after run and survive a JSON round trip")
    func deterministicAndCodable() throws {
        let table = try ScoreTable([
            Self.ok("M", "a/1", "a", 6.125, 8), Self.ok("M", "a/2", "a", 5, 9.5), Self.ok("M", "b/1", "b", 7.25, 7.5),
            Self.failed("M", "b/2", "b", SampleStatus(rawValue: "something_new")), Self.ok("N", "a/1", "a", 3, 10),
        ])
        let first = Self.statistics.modelSummaries(of: table)
        #expect(first == Self.statistics.modelSummaries(of: table))
        let data = try JSONEncoder().encode(first)
        #expect(try JSONDecoder().decode([ModelSummary].self, from: data) == first)
        #expect(String(decoding: data, as: UTF8.self).contains("\"something_new\""))
        let comparison = Self.statistics.comparison(of: "M", with: "N", in: table)
        #expect(try JSONDecoder().decode(PairedComparison.self, from: JSONEncoder().encode(comparison)) == comparison)
    }
}
