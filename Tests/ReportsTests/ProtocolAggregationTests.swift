import Foundation
import Testing
@testable import Reports

/// The suite's numbers by each profile's own rule, checked against means worked out by hand on a
/// five-sample fixture.
@Suite("Suite aggregation per profile")
struct ProtocolAggregationTests {
    /// One model, categories `a` and `b`:
    ///
    /// | sample | status | clip C / D | scored tracks (C, D) |
    /// |---|---|---|---|
    /// | a/1 | ok | 6 / 7 | (6, 7), (2, 9) |
    /// | a/2 | ok | 4 / 8 | (4, 8), and one too_short |
    /// | a/3 | no_face | – | – |
    /// | b/1 | ok | 5 / 10 | (5, 10) |
    /// | b/2 | decode_error | – | – |
    ///
    /// `confidenceOnly` drops the clip distances, as the `latentsync` rule records them.
    static func samples(confidenceOnly: Bool = false) -> [ReportSample] {
        func track(_ number: Int, _ c: Double?, _ d: Double?, status: String = "ok") -> ReportTrack {
            ReportTrack(track: number, startFrame: 0, endFrame: 60, status: status, offset: c == nil ? nil : 0, confidence: c, minDistance: d, framewiseConfidence: [])
        }
        func sample(_ id: String, _ status: SampleStatus, clip: (Double, Double)?, tracks: [ReportTrack]) -> ReportSample {
            ReportSample(
                score: SampleScore(
                    model: "M", sampleID: id, category: String(id.prefix(1)), status: status, lseC: clip?.0, lseD: clip?.1,
                    trackOffsets: status == .ok ? [0] : [], bestTrack: status == .ok ? 0 : nil),
                index: 1, videoPath: "/v/\(id).mp4", audioPath: nil, message: "", runtimeSeconds: 1, tracks: tracks, thumbnails: [],
                clip: clip.map { ReportClipScore(lseC: $0.0, lseD: confidenceOnly ? nil : $0.1, rule: "hand-made") })
        }
        return [
            sample("a/1", .ok, clip: (6, 7), tracks: [track(0, 6, 7), track(1, 2, 9)]),
            sample("a/2", .ok, clip: (4, 8), tracks: [track(0, 4, 8), track(1, nil, nil, status: "too_short")]),
            sample("a/3", .noFace, clip: nil, tracks: []),
            sample("b/1", .ok, clip: (5, 10), tracks: [track(0, 5, 10)]),
            sample("b/2", .decodeError, clip: nil, tracks: []),
        ]
    }

    static let group = SampleGroup(name: "G", categories: ["a", "b"])

    static func entries(_ profile: String, confidenceOnly: Bool = false) throws -> [String: ProtocolSummary.Entry] {
        let rule = try #require(ProtocolAggregation(profile: profile, groups: [group]))
        let summary = rule.summary(of: "M", in: samples(confidenceOnly: confidenceOnly), categories: ["a", "b"])
        return Dictionary(uniqueKeysWithValues: summary.subsets.map { ($0.subset, $0) })
    }

    /// Means of at most four numbers that are integers: exact in binary, except a third, within
    /// one rounding of the quotient (2⁻⁵² relative).
    static func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) <= 2 * expected.ulp
    }

    @Test("MoChaBench: the face-detected videos of each category and each group, no pooled 'all'")
    func mochabench() throws {
        let entries = try Self.entries("mochabench")
        #expect(Set(entries.keys) == ["category:a", "category:b", "group:G"])
        #expect(entries["category:a"] == .init(subset: "category:a", count: 2, lseC: 5, lseD: 7.5))
        #expect(entries["category:b"] == .init(subset: "category:b", count: 1, lseC: 5, lseD: 10))
        let group = try #require(entries["group:G"])
        // (6 + 4 + 5) / 3 and (7 + 8 + 10) / 3: pooled over videos, not the mean of the category means (5 and 8.75).
        #expect(group.count == 3 && group.lseC == 5 && Self.close(group.lseD, 25.0 / 3))
    }

    @Test("MOVA: each category and all videos pooled")
    func mova() throws {
        let entries = try Self.entries("mova")
        #expect(Set(entries.keys) == ["all", "category:a", "category:b"])
        let all = try #require(entries["all"])
        #expect(all.count == 3 && all.lseC == 5 && Self.close(all.lseD, 25.0 / 3))
        #expect(entries["category:a"] == .init(subset: "category:a", count: 2, lseC: 5, lseD: 7.5))
    }

    @Test("LatentSync: mean confidence over the videos with a face, no distance")
    func latentsync() throws {
        let entries = try Self.entries("latentsync", confidenceOnly: true)
        #expect(entries == ["all": .init(subset: "all", count: 3, lseC: 5, lseD: nil)])
    }

    @Test("Wav2Lip real videos: the mean of the all_scores.txt lines, one per scored track")
    func wav2lipReal() throws {
        let entries = try Self.entries("wav2lip-real")
        // Lines (6, 7), (2, 9), (4, 8), (5, 10): the too_short track and the unscored videos add none.
        #expect(entries == ["all": .init(subset: "all", count: 4, lseC: 4.25, lseD: 8.5)])
    }

    @Test("Wav2Lip LRS: the mean over the videos")
    func wav2lipLRS() throws {
        let entries = try Self.entries("wav2lip-lrs")
        let all = try #require(entries["all"])
        #expect(entries.count == 1 && all.count == 3 && all.lseC == 5 && Self.close(all.lseD, 25.0 / 3))
    }

    @Test("joonson and unknown profiles have no suite rule, and the page says so")
    func noRule() throws {
        #expect(ProtocolAggregation(profile: "joonson", groups: []) == nil)
        #expect(ProtocolAggregation(profile: "no-such-profile", groups: []) == nil)
        var report = try ReportFixture.report()
        report.profile = "joonson"
        let analysis = try ReportAnalysis(report, statistics: ReportFixture.statistics)
        #expect(analysis.protocolSummaries == nil)
        #expect(IndexPage(analysis: analysis, charts: ReportCharts(analysis: analysis)).protocolSection().contains("has no suite mean"))
    }

    @Test("the report shows the rule's numbers beside SyncBench's: leaderboard.csv, leaderboard.json and index.html")
    func inTheReport() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = try ReportProvenanceTests.csvRows(directory, "leaderboard.csv").filter { $0["model"] == ReportFixture.alpha }
        func row(_ subset: String) throws -> [String: String] { try #require(rows.first { $0["subset"] == subset }, "\(subset)") }
        // Alpha's face-detected 1p_emotion videos: (6.5, 7.25) and (5.75, 8.0); the Monologue group
        // holds only that category of the fixture's; Dialogue: (4.5, 8.75) and (5.0, 8.25).
        #expect(try row("category:1p_emotion")["protocol_count"] == "2")
        #expect(try row("category:1p_emotion")["protocol_lse_c"] == "6.125" && row("category:1p_emotion")["protocol_lse_d"] == "7.625")
        #expect(try row("group:Monologue")["protocol_lse_c"] == "6.125" && row("group:Dialogue")["protocol_lse_d"] == "8.5")
        // MoChaBench's rule has no pooled mean over all categories: SyncBench's row stays, the rule's cells are empty.
        #expect(try row("all")["protocol_count"] == "" && row("all")["lse_c_mean"] != "")

        let json = try ReportProvenanceTests.json(directory, "leaderboard.json")
        let rule = try #require(json["protocol"] as? [String: Any])
        #expect((rule["rule"] as? String)?.hasPrefix("MoChaBench: mean LSE-C and LSE-D over the face-detected videos") == true)
        #expect(rule["unit"] as? String == "video")
        let models = try #require(rule["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == [ReportFixture.alpha, ReportFixture.beta, ReportFixture.gamma])
        let gamma = try #require(models[2]["subsets"] as? [[String: Any]])
        #expect(gamma.allSatisfy { $0["count"] as? Int == 0 && $0["lse_c"] is NSNull })

        let html = try ReportFixture.text(directory, "index.html")
        #expect(html.contains("<section id=\"protocol\">") && html.contains("C 6.125 · D 7.625<br><span class=\"ci\">n = 2 videos</span>"))
        #expect(html.contains("<section id=\"leaderboard\">"))
    }
}
