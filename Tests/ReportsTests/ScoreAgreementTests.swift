import Foundation
import Testing
@testable import Reports

/// Matching published rows to our samples, the deltas, their summary and the verdict of
/// `syncbench verify`, on hand-made samples whose expected values are worked out in the comments.
@Suite("Agreement with published scores")
struct ScoreAgreementTests {
    static func sample(
        _ id: String, video: String? = nil, status: String = "ok", c: Double? = nil, d: Double? = nil, offsets: [Int] = [],
        tracks: [VerifiedSample.Track] = []
    ) -> VerifiedSample {
        VerifiedSample(
            sampleID: id, videoPath: video ?? "/data/suite/videos/\(id).mp4", status: status, message: "", lseC: status == "ok" ? c : nil,
            lseD: status == "ok" ? d : nil, offsets: offsets, rule: nil, tracks: tracks)
    }

    static func row(_ video: String, line: Int? = nil, track: Int? = nil, c: Double?, d: Double?, offsets: [Int]? = nil) -> PublishedScore {
        PublishedScore(video: video, line: line, track: track, lseC: c, lseD: d, offsets: offsets)
    }

    @Test("matching by sample ID, by the end of the video path, with or without extension and either separator")
    func matching() {
        let ours = [
            Self.sample("cat/a", c: 6, d: 8, offsets: [0]), Self.sample("cat/b", c: 6, d: 8, offsets: [0]),
            Self.sample("other/b", c: 6, d: 8, offsets: [0]), Self.sample("cat/c", video: "rel/./cat/c.mkv", c: 6, d: 8, offsets: [0]),
        ]
        let published = PublishedScores(
            format: .csv, file: "p.csv",
            rows: [
                Self.row("cat\\a.mp4", line: 2, c: 6, d: 8),  // the sample ID, Windows separator
                Self.row("b.mp4", line: 3, c: 6, d: 8),  // fits cat/b and other/b: ambiguous
                Self.row("/elsewhere/videos/other/b.mp4", line: 4, c: 6, d: 8),  // no: "elsewhere" is not in our path
                Self.row("videos/other/b", line: 5, c: 6, d: 8),  // the end of other/b's path, no extension
                Self.row("c.mp4", line: 6, c: 6, d: 8),  // the extension does not have to agree (c.mkv)
                Self.row("cat/a", line: 7, c: 6, d: 8),  // cat/a a second time
                Self.row("zzz.mp4", line: 8, c: 6, d: 8),
            ])
        let agreement = ScoreAgreement(published: published, ours: ours)
        #expect(agreement.entries.map(\.sampleID) == ["cat/a", "other/b", "cat/c"])
        #expect(agreement.entries.map { $0.published?.line } == [2, 5, 6])
        #expect(
            agreement.unmatchedPublished.map(\.reason) == [
                "fits 2 samples (cat/b, other/b): give more of the path", "no sample of the suite has this name",
                "sample cat/a is already matched by line 2", "no sample of the suite has this name",
            ])
        #expect(agreement.unmatchedPublished.map(\.published.line) == [3, 4, 7, 8])
        #expect(agreement.unmatchedOurs == ["cat/b"])
        #expect(agreement.matched == 3 && agreement.verdict == .agrees)
    }

    @Test("deltas, spreads, offsets and the verdict: ours minus published, tolerances inclusive")
    func deltas() throws {
        // Published D = 8 allows |ΔD| ≤ 0.04; C allows 0.01 (both inclusive; the values are exact in binary).
        let ours = [
            Self.sample("s/1", c: 6.0078125, d: 8.0390625, offsets: [0]),  // ΔC +0.0078, ΔD +0.039: within
            Self.sample("s/2", c: 5.5, d: 9, offsets: [1]),  // ΔC −0.5, ΔD +1 (12.5 %): outside
            Self.sample("s/3", c: 6, d: 8, offsets: [2]),  // numbers equal, offset differs
            Self.sample("s/4", c: 7, d: 7.5, offsets: [0, 3]),  // ΔC +1, ΔD −0.5 (6.25 %): outside
            Self.sample("s/5", status: "no_face"),  // neither side scored
            Self.sample("s/6", status: "no_track"),  // published scored, ours not
            Self.sample("s/7", status: "missing"),  // not evaluated
        ]
        let published = PublishedScores(
            format: .mochabench, file: "sync_scores.csv",
            rows: [
                Self.row("s/1", c: 6, d: 8, offsets: [0]), Self.row("s/2", c: 6, d: 8, offsets: [1]), Self.row("s/3", c: 6, d: 8, offsets: [0]),
                Self.row("s/4", c: 6, d: 8, offsets: [0, 3]), Self.row("s/5", c: nil, d: nil, offsets: []), Self.row("s/6", c: 4, d: 10, offsets: [0]),
                Self.row("s/7", c: 4, d: 10, offsets: [0]),
            ])
        let agreement = ScoreAgreement(published: published, ours: ours)
        #expect(agreement.entries.map(\.kind) == [.compared, .compared, .compared, .compared, .neither, .publishedOnly, .notEvaluated])
        #expect(agreement.compared.map(\.deltaC) == [0.0078125, -0.5, 0, 1])
        #expect(agreement.compared.map(\.deltaD) == [0.0390625, 1, 0, -0.5])
        #expect(agreement.compared.map(\.agrees) == [true, false, false, false])
        #expect(agreement.withinTolerance == 2 && agreement.offsetsCompared == 4 && agreement.offsetsEqual == 3)
        // |ΔC| sorted: 0, 0.0078125, 0.5, 1 → median (0.0078125 + 0.5) / 2; p95 at h = 3 × 0.95 = 2.85: 0.5 + 0.85 × 0.5.
        let c = try #require(agreement.lseC)
        #expect(c.median == (0.0078125 + 0.5) / 2 && abs(c.p95 - 0.925) < 1e-12 && c.max == 1)
        // |ΔD| sorted: 0, 0.0390625, 0.5, 1 → median 0.26953125, p95 0.5 + 0.85 × 0.5.
        let d = try #require(agreement.lseD)
        #expect(d.median == 0.26953125 && abs(d.p95 - 0.925) < 1e-12 && d.max == 1)
        #expect(agreement.lseDRelative?.max == 0.125)
        #expect(agreement.verdict == .disagrees)
        #expect(agreement.oneSided.map(\.sampleID) == ["s/6"] && agreement.notEvaluated.map(\.sampleID) == ["s/7"])
        // Most outside first: s/4 (ΔC 1 = 100 × tolerance), s/2 (ΔC 0.5 = 50 ×), then s/3 (offsets only).
        #expect(agreement.differingMost(10).map(\.sampleID) == ["s/4", "s/2", "s/3"])
        #expect(agreement.differingMost(1).map(\.sampleID) == ["s/4"] && agreement.differingMost(0).isEmpty)
        #expect(
            agreement.verdictLine(weights: nil)
                == "disagrees: 2 of 4 compared samples outside the tolerances (|ΔLSE-C| ≤ 0.01, |ΔLSE-D| ≤ 0.5 %); offsets differ on 1 of 4; 1 scored on one side only")
    }

    @Test("just outside a tolerance disagrees; a sample scored on one side only disagrees even when the rest agree")
    func edges() {
        let published = PublishedScores(format: .csv, file: "p", rows: [Self.row("s/1", c: 6, d: 8)])
        #expect(ScoreAgreement(published: published, ours: [Self.sample("s/1", c: 6.0101, d: 8)]).verdict == .disagrees)
        #expect(ScoreAgreement(published: published, ours: [Self.sample("s/1", c: 6, d: 8.0401)]).verdict == .disagrees)
        #expect(ScoreAgreement(published: published, ours: [Self.sample("s/1", c: 6.01, d: 8.04)]).verdict == .agrees)
        // Without offsets in the file, offsets are not compared.
        #expect(ScoreAgreement(published: published, ours: [Self.sample("s/1", c: 6, d: 8, offsets: [5])]).offsetsCompared == 0)
        let two = PublishedScores(format: .csv, file: "p", rows: [Self.row("s/1", c: 6, d: 8), Self.row("s/2", c: nil, d: nil)])
        let oursOnly = ScoreAgreement(published: two, ours: [Self.sample("s/1", c: 6, d: 8), Self.sample("s/2", c: 3, d: 9)])
        #expect(oursOnly.oneSided.map(\.kind) == [.oursOnly] && oursOnly.verdict == .disagrees)
        let nothing = ScoreAgreement(published: two, ours: [Self.sample("s/1", status: "missing"), Self.sample("x", status: "missing")])
        #expect(nothing.verdict == .nothingToCompare && nothing.unmatchedOurs.isEmpty)
        #expect(nothing.verdictLine(weights: nil) == "nothing to compare: no published row matches a sample of ours with a result")
    }

    @Test("all_scores.txt compares track by track; missing and extra tracks are one-sided")
    func perTrack() {
        let track = { (c: Double, d: Double, o: Int) in VerifiedSample.Track(status: "ok", offset: o, confidence: c, minDistance: d) }
        let ours = [
            Self.sample("a", c: 6, d: 7, offsets: [0, 1], tracks: [track(6, 8, 0), track(5, 7, 1)]),
            Self.sample("b", c: 6, d: 8, offsets: [0], tracks: [track(6, 8, 0)]),
            Self.sample("c", c: 6, d: 8, offsets: [0, 2], tracks: [track(6, 8, 0), track(4, 9, 2)]),
        ]
        let published = PublishedScores(
            format: .allScores, file: "all_scores.txt", fileList: "list",
            rows: [
                Self.row("a.mp4", line: 1, track: 0, c: 6, d: 8), Self.row("a.mp4", line: 2, track: 1, c: 5.5, d: 7),
                Self.row("b.mp4", line: 3, track: 0, c: 6, d: 8), Self.row("b.mp4", line: 4, track: 1, c: 3, d: 9),
                Self.row("c.mp4", line: 5, track: 0, c: 6, d: 8),
            ])
        let agreement = ScoreAgreement(published: published, ours: ours)
        #expect(agreement.perTrack)
        #expect(agreement.entries.map(\.label) == ["a track 0", "a track 1", "b track 0", "b track 1", "c track 0", "c track 1"])
        #expect(agreement.entries.map(\.kind) == [.compared, .compared, .compared, .publishedOnly, .compared, .oursOnly])
        #expect(agreement.entries[3].status == "no_such_track" && agreement.entries[5].published == nil)
        #expect(agreement.compared.map(\.deltaC) == [0, -0.5, 0, 0])
        #expect(agreement.verdict == .disagrees && agreement.offsetsCompared == 0)
        #expect(agreement.verdictLine(weights: nil).hasPrefix("disagrees: 1 of 4 compared tracks outside the tolerances"))
    }

    @Test("the verdict line says plainly when the results were made with stand-in weights, and when the weights are unknown")
    func weights() {
        let published = PublishedScores(format: .csv, file: "p", rows: [Self.row("s/1", c: 6, d: 8)])
        let agreement = ScoreAgreement(published: published, ours: [Self.sample("s/1", c: 1, d: 12)])
        let standIn = ResultWeights(
            directory: "/w",
            files: [
                Provenance.Weights(file: "syncnet_v2.model", sha256: "ab", published: false, used: true),
                Provenance.Weights(file: "sfd_face.pth", sha256: "cd", published: false, used: false),
            ], identified: 1, unidentified: 0)
        #expect(standIn.usesStandInWeights)
        #expect(
            agreement.verdictLine(weights: standIn)
                == "disagrees: 1 of 1 compared samples outside the tolerances (|ΔLSE-C| ≤ 0.01, |ΔLSE-D| ≤ 0.5 %). These results were made with stand-in weights (syncnet_v2.model in /w is not the published file): scores are not comparable with published numbers")
        var unknown = standIn
        (unknown.identified, unknown.unidentified) = (0, 1)
        #expect(!unknown.usesStandInWeights)
        #expect(agreement.verdictLine(weights: unknown).hasSuffix("1 result(s) were not made with the weights in /w (or with settings their evaluation does not record): which weights made them is unknown"))
        let official = ResultWeights(
            directory: "/w", files: [Provenance.Weights(file: "syncnet_v2.model", sha256: "961e8696…5442", published: true, used: true)], identified: 1,
            unidentified: 0)
        #expect(official.verdictNote == nil)
    }

    @Test("the JSON document and the scatter PNG carry the numbers, the verdict and the stand-in notice")
    func outputs() throws {
        let published = PublishedScores(format: .csv, file: "p.csv", rows: [Self.row("s/1", c: 6, d: 8, offsets: [0]), Self.row("s/2", c: 5, d: 9, offsets: [1])])
        let agreement = ScoreAgreement(published: published, ours: [Self.sample("s/1", c: 6.5, d: 8, offsets: [0]), Self.sample("s/2", c: 5, d: 9, offsets: [1])])
        let weights = ResultWeights(
            directory: "/w", files: [Provenance.Weights(file: "syncnet_v2.model", sha256: "ab", published: false, used: true)], identified: 2, unidentified: 0)
        let context = AgreementContext(
            suite: "s", model: "M", profile: "mochabench", clean: false, publishedFile: "p.csv", fileList: nil, format: .csv, toolVersion: "0.1.0 (test)",
            weights: weights)
        let object = try #require(try JSONSerialization.jsonObject(with: agreement.json(context: context, top: 5)) as? [String: Any])
        #expect(object["verdict"] as? String == "disagrees" && object["compared"] as? Int == 2 && object["stand_in_weights"] as? Bool == true)
        #expect((object["verdict_line"] as? String)?.contains("stand-in weights") == true)
        let deltas = try #require(object["deltas"] as? [String: Any])
        #expect((deltas["lse_c_abs"] as? [String: Double])?["max"] == 0.5)
        #expect((object["offsets"] as? [String: Any])?["share_equal"] as? Double == 1)
        let most = try #require(object["differing_most"] as? [[String: Any]])
        #expect(most.count == 1 && most[0]["sample"] as? String == "s/1" && most[0]["delta_lse_c"] as? Double == 0.5)
        let png = try agreement.scatterPNG(context: context, file: "plot.png", scale: 1)
        let text = Dictionary(PNGFile.textChunks(of: png).map { ($0.keyword, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(text["Warning"] == Provenance.standInNotice && text["Verdict"]?.hasPrefix("disagrees: 1 of 2") == true && text["Suite"] == "s")
        let image = try PNGFile.decode(png)
        #expect(image.width > 600 && image.height > 900)
    }
}
