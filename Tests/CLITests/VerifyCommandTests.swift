import Foundation
import Reports
import TestSupport
import Testing

/// `syncbench verify` through the binary: the shared mochabench-mini clips evaluated with the
/// stand-in weights and the shared boxes against MoChaBench's published `sync_scores.csv` (the
/// numbers must disagree, and the verdict must say so); the same results written back as a plain
/// CSV and as Wav2Lip's `all_scores.txt` (they must agree); bad files and usage.
@Suite("syncbench verify", .serialized, .timeLimit(.minutes(10)))
struct VerifyCommandTests {
    static let data = EvalCommandTests.data
    static let publishedScores = "mochabench-mini/eval-lipsync/mocha-eval-results/sync_scores.csv"
    static let published = data.appendingPathComponent(publishedScores)

    /// Four samples of mochabench-mini, chosen for cost (the cheapest of their kind, about 20 s in a
    /// debug build) and for kind: with the shared boxes two are scored, one has no track and one no
    /// face (BenchCommandTests' run of all 16: no_face 1, no_track 4, ok 11). The published file has
    /// a score for all four.
    static let samples = [
        "1p_generalize_chinese/2_man_facing_right_agent_tense", "1p_mediumshot_actioncontrol/1_woman_cat_cry_rainy",
        "1p_mediumshot_actioncontrol/2_woman_anime_comb_hair", "1p_closeup_facingcamera/1_man_guitar",
    ]

    let workspace: BinaryWorkspace
    var directory: URL { workspace.directory }

    init() throws {
        workspace = try BinaryWorkspace("verify")
    }

    func run(_ arguments: [String]) throws -> SyncBenchBinary.Output {
        try SyncBenchBinary.run(arguments + ["--db", workspace.database])
    }

    func verify(_ arguments: [String]) throws -> SyncBenchBinary.Output {
        try run(["verify"] + arguments + ["--weights", workspace.weights])
    }

    func write(_ text: String, _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func json(_ output: SyncBenchBinary.Output) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)\(output.stderr)")
    }

    /// A MoChaBench checkout of ``samples`` only: links to the shared videos and speeches under a
    /// `benchmark.csv` of four rows; registered and run with the shared boxes.
    func evaluateSubset() throws {
        let root = directory.appendingPathComponent("mini"), shared = Self.data.appendingPathComponent("mochabench-mini")
        var csv = "idx_in_category,category,context_id,prompt\n"
        for (index, sample) in Self.samples.enumerated() {
            let parts = sample.split(separator: "/").map(String.init)
            csv += "\(index + 1),\(parts[0]),\(parts[1]),a prompt\n"
            for (folder, suffix) in [("mocha-generation", ".mp4"), ("benchmark/speeches", "_speech.wav")] {
                let link = root.appendingPathComponent("\(folder)/\(sample)\(suffix)")
                try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(at: link, withDestinationURL: shared.appendingPathComponent("\(folder)/\(sample)\(suffix)"))
            }
        }
        try Data(csv.utf8).write(to: root.appendingPathComponent("benchmark/benchmark.csv"))
        let added = try run([
            "bench", "add", "mochabench", root.path, "--model", "MoCha", "--boxes", Self.data.appendingPathComponent("boxes/mochabench-mini").path,
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let ran = try run(["bench", "run", "--weights", workspace.weights, "--plain", "--jobs", "2"])
        #expect(ran.status == 0 && ran.stdout.contains("recorded 4: no_face 1, no_track 1, ok 2"), "\(ran.stdout)\(ran.stderr)")
    }

    /// Our stored numbers, read with `query sql` (not through verify): sample → (LSE-C, LSE-D, video).
    func ourScores() throws -> [String: (c: Double, d: Double, video: String)] {
        let output = try run(["query", "sql", "SELECT sample, lse_c, lse_d, video FROM bench_result WHERE status = 'ok'", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        var scores: [String: (c: Double, d: Double, video: String)] = [:]
        for line in output.stdout.split(separator: "\n") {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let sample = try #require(row["sample"] as? String)
            scores[sample] = (try #require(row["lse_c"] as? Double), try #require(row["lse_d"] as? Double), try #require(row["video"] as? String))
        }
        return scores
    }

    /// Our tracks, read with `query sql`: video → [(offset, confidence, min_dist)] in track order.
    func ourTracks() throws -> [String: [(offset: Int, c: Double, d: Double)]] {
        let output = try run(["query", "sql", "SELECT video, track, offset, confidence, min_dist FROM track WHERE status = 'ok' ORDER BY video, track", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        var tracks: [String: [(offset: Int, c: Double, d: Double)]] = [:]
        for line in output.stdout.split(separator: "\n") {
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let video = try #require(row["video"] as? String)
            tracks[video, default: []].append(
                (try #require(row["offset"] as? Int), try #require(row["confidence"] as? Double), try #require(row["min_dist"] as? Double)))
        }
        return tracks
    }

    /// The published `best_conf`, `min_dist` and `offsets` of `sample`, read off the raw line (the
    /// quoted offsets field is the only one with commas, so the fields after it are the last four).
    static func publishedLine(_ sample: String) throws -> (c: Double, d: Double, offsets: String) {
        let lines = try String(contentsOf: published, encoding: .utf8).split(whereSeparator: \.isNewline)
        let windows = sample.replacingOccurrences(of: "/", with: "\\") + ".mp4"
        let line = try #require(lines.first { $0.split(separator: ",")[2] == windows })
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        let tail = Array(fields.suffix(4))
        let offsets = fields.dropFirst(4).dropLast(4).joined(separator: ",")
        return (try #require(Double(tail[0])), try #require(Double(tail[1])), offsets)
    }

    @Test("mochabench-mini with stand-in weights against the published sync_scores.csv: matched, deltas as computed here, disagreement said plainly",
          .enabled(if: SharedData.has(publishedScores), "needs ../shared/data/mochabench-mini (shared test data, not part of the repository)"))
    func publishedMoChaBench() throws {
        try evaluateSubset()
        let plot = directory.appendingPathComponent("agreement.png")
        let output = try verify([Self.published.path, "--json", "--plot", plot.path, "--top", "1"])
        #expect(output.status == 33, "disagrees is exit 33: \(output.stderr)")
        let document = try json(output)
        #expect(document["format"] as? String == "mochabench")
        #expect(document["matched"] as? Int == 4 && document["compared"] as? Int == 2 && document["one_sided"] as? Int == 2)
        #expect((document["unmatched_published"] as? [Any])?.count == 216 && (document["unmatched_ours"] as? [Any])?.isEmpty == true)
        #expect(document["verdict"] as? String == "disagrees" && document["stand_in_weights"] as? Bool == true)
        #expect((document["verdict_line"] as? String)?.contains("made with stand-in weights") == true)

        // Each compared row's deltas: ours (query sql) minus published (the raw line), exact up to
        // the JSON text round trip of a double (shortest digits, read back exactly; 1e-12 allows
        // for a parser that is off by an ulp).
        let ours = try ourScores()
        #expect(ours.count == 2)
        let rows = try #require(document["rows"] as? [[String: Any]])
        var absC: [Double] = [], absD: [Double] = []
        for row in rows where row["kind"] as? String == "compared" {
            let sample = try #require(row["sample"] as? String)
            let mine = try #require(ours[sample]), theirs = try Self.publishedLine(sample)
            let (dc, dd) = (try #require(row["delta_lse_c"] as? Double), try #require(row["delta_lse_d"] as? Double))
            #expect(abs(dc - (mine.c - theirs.c)) < 1e-12 && abs(dd - (mine.d - theirs.d)) < 1e-12, "\(sample)")
            #expect(row["published_lse_c"] as? Double == theirs.c && row["agrees"] as? Bool == false)
            let offsets = try #require(row["published_offsets"] as? [Int])
            #expect("[" + offsets.map(String.init).joined(separator: ", ") + "]" == theirs.offsets.replacingOccurrences(of: "\"", with: ""))
            (absC, absD) = (absC + [abs(mine.c - theirs.c)], absD + [abs(mine.d - theirs.d)])
        }
        #expect(absC.count == 2)
        // Two values: the median is their mean, the 95th percentile 5 % of the way from the larger down.
        let deltas = try #require(document["deltas"] as? [String: [String: Double]])
        let c = try #require(deltas["lse_c_abs"]), d = try #require(deltas["lse_d_abs"])
        #expect(abs(c["median"]! - (absC[0] + absC[1]) / 2) < 1e-9 && abs(d["median"]! - (absD[0] + absD[1]) / 2) < 1e-9)
        #expect(abs(c["p95"]! - (absC.min()! + 0.95 * (absC.max()! - absC.min()!))) < 1e-9)
        #expect((document["differing_most"] as? [Any])?.count == 1)
        let oneSided = rows.filter { $0["kind"] as? String == "published_only" }.compactMap { $0["status"] as? String }.sorted()
        #expect(oneSided == ["no_face", "no_track"])

        let png = try Data(contentsOf: plot)
        let text = Dictionary(PNGFile.textChunks(of: png).map { ($0.keyword, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(text["Warning"] == "stand-in weights: scores are not comparable with published numbers" && text["Verdict"]?.hasPrefix("disagrees") == true)

        // The summary ends with the verdict line.
        let summary = try verify([Self.published.path])
        #expect(summary.status == 33)
        let last = summary.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("disagrees: 2 of 2 compared samples outside the tolerances (|ΔLSE-C| ≤ 0.01, |ΔLSE-D| ≤ 0.5 %)"), "\(summary.stdout)")
        #expect(last.contains("2 scored on one side only") && last.contains("stand-in weights"))
        #expect(summary.stdout.contains("matched 4 of 220 published rows; compared 2 samples"))

        // Weights that did not make the results (an empty folder) cannot be said to have: unknown, not stand-in
        // (all four results count, scored or not: each records its settings).
        let empty = directory.appendingPathComponent("no-weights")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let other = try json(try run(["verify", Self.published.path, "--json", "--weights", empty.path]))
        #expect(other["stand_in_weights"] as? Bool == false)
        #expect((other["verdict_line"] as? String)?.hasSuffix("4 result(s) were not made with the weights in \(empty.path) (or with settings their evaluation does not record): which weights made them is unknown") == true, "\(other)")
    }

    @Test("our own numbers written as a plain CSV and as all_scores.txt with a file list agree (exit 0); nudged past a tolerance they do not",
          .enabled(if: SharedData.has(publishedScores), "needs ../shared/data/mochabench-mini (shared test data, not part of the repository)"))
    func ownNumbersAgree() throws {
        try evaluateSubset()
        let ours = try ourScores(), tracks = try ourTracks()
        // Plain CSV by file name, with the offsets of the single tracks; the no-face and no-track samples without scores.
        var csv = "video,lse_c,lse_d,offset\n"
        for sample in Self.samples {
            let name = String(sample.split(separator: "/")[1]) + ".mp4"
            if let mine = ours[sample], let track = tracks[mine.video], track.count == 1 {
                csv += "\(name),\(mine.c),\(mine.d),\(track[0].offset)\n"
            } else {
                csv += "\(name),,,\n"
            }
        }
        let agreeing = try verify([try write(csv, "ours.csv"), "--json"])
        let document = try json(agreeing)
        #expect(agreeing.status == 0, "\(agreeing.stdout)")
        #expect(document["verdict"] as? String == "agrees" && document["compared"] as? Int == 2 && document["unscored_both"] as? Int == 2)
        #expect((document["offsets"] as? [String: Any])?["equal"] as? Int == 2)

        // LSE-C 0.011 off on one sample: outside |ΔLSE-C| ≤ 0.01.
        let first = try #require(ours[Self.samples[0]])
        let nudged = csv.replacingOccurrences(of: "\(first.c),", with: "\(first.c + 0.011),")
        #expect(nudged != csv)
        let disagreeing = try verify([try write(nudged, "nudged.csv")])
        #expect(disagreeing.status == 33 && disagreeing.stdout.contains("disagrees: 1 of 2 compared samples"), "\(disagreeing.stdout)")

        // all_scores.txt: dist conf per track, the file list by absolute path.
        var lines = "", list = ""
        for (video, scored) in tracks.sorted(by: { $0.key < $1.key }) {
            for track in scored {
                lines += "\(track.d) \(track.c)\n"
                list += video + "\n"
            }
        }
        let allScores = try verify([try write(lines, "all_scores.txt"), "--file-list", try write(list, "list.txt"), "--json"])
        let perTrack = try json(allScores)
        #expect(allScores.status == 0 && perTrack["format"] as? String == "all-scores" && perTrack["per_track"] as? Bool == true, "\(allScores.stdout)")
        #expect(perTrack["compared"] as? Int == tracks.values.map(\.count).reduce(0, +) && (perTrack["unmatched_ours"] as? [String])?.sorted() == [Self.samples[3], Self.samples[2]])
    }

    @Test("bad score files are exit 21 naming file, line and reason; missing 10, empty 12, usage 64; nothing evaluated is 34")
    func badInput() throws {
        // A folder suite of one synthetic clip, registered but not run.
        let clips = directory.appendingPathComponent("clips/G"), boxes = directory.appendingPathComponent("boxes")
        try FileManager.default.createDirectory(at: clips, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: boxes, withIntermediateDirectories: true)
        try ScorableClip.write(to: clips.appendingPathComponent("01.mkv"), boxes: boxes.appendingPathComponent("01.json"))
        #expect(try run(["bench", "add", "folder", clips.path, "--model", "G", "--boxes", boxes.path]).status == 0)

        let malformed = try verify([try write("video,lse_c,lse_d\n01.mkv,6.1,8\n02.mkv,abc,8\n", "bad.csv")])
        #expect(malformed.status == 21 && malformed.stderr.contains("bad.csv, line 3, column lse_c: expected a number, got 'abc'"), "\(malformed.stderr)")
        let nan = try verify([try write("video,lse_c,lse_d\n01.mkv,nan,8\n", "nan.csv")])
        #expect(nan.status == 21 && nan.stderr.contains("line 2, column lse_c: expected a finite number, got 'nan'"), "\(nan.stderr)")
        let lengths = try verify([try write("7 6\n8 5\n", "all.txt"), "--file-list", try write("01.mkv\n", "one.txt")])
        #expect(lengths.status == 21 && lengths.stderr.contains("one.txt: names 1 video(s) but"), "\(lengths.stderr)")
        let unknown = try verify([try write("a,b\n1,2\n", "unknown.csv")])
        #expect(unknown.status == 21 && unknown.stderr.contains("not a score file SyncBench knows"), "\(unknown.stderr)")
        #expect(try verify([directory.appendingPathComponent("absent.csv").path]).status == 10)
        #expect(try verify([try write("", "empty.csv")]).status == 12)
        #expect(try verify([directory.path]).status == 11)
        #expect(try verify([try write("7 6\n", "a.txt"), "--format", "all-scores"]).status == 64)
        #expect(try verify([try write("video,lse_c,lse_d\n01.mkv,6,8\n", "ok.csv"), "--model", "nobody"]).status == 21)
        let nothing = try verify([directory.appendingPathComponent("ok.csv").path])
        #expect(nothing.status == 34 && nothing.stdout.contains("nothing to compare"), "\(nothing.stdout)\(nothing.stderr)")
        #expect(nothing.stdout.contains("not evaluated under profile mochabench: 01"), "\(nothing.stdout)")
        // wav2lip-real has no number per video: a clip-level file is refused.
        let perTrackProfile = try verify([directory.appendingPathComponent("ok.csv").path, "--profile", "wav2lip-real"])
        #expect(perTrackProfile.status == 21 && perTrackProfile.stderr.contains("--format all-scores"), "\(perTrackProfile.stderr)")
    }
}
