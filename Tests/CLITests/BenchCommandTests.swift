import Foundation
import Media
import Reports
import TestSupport
import Testing

/// `syncbench bench`, `db merge` and `report` end to end through the binary: synthetic clips with
/// face boxes and the stand-in weights, and the shared real clips when present.
@Suite("syncbench bench, db merge and report", .serialized, .timeLimit(.minutes(15)))
struct BenchCommandTests {
    static let data = EvalCommandTests.data

    let directory: URL
    let weights: String
    let database: String

    init() throws {
        directory = try ScratchDirectory.make("bench")
        weights = directory.appendingPathComponent("weights").path
        database = directory.appendingPathComponent("bench.sqlite").path
        let written = try SyncBenchBinary.run(["weights", "standin", weights])
        precondition(written.status == 0, written.stderr)
    }

    // MARK: Fixtures

    /// A ``ScorableClip`` of model `model` and its boxes file.
    func writeClip(_ name: String, model: String, frames: Int = 60, shade: Int = 0) throws {
        let folder = directory.appendingPathComponent(model), boxes = directory.appendingPathComponent("boxes-\(model)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: boxes, withIntermediateDirectories: true)
        try ScorableClip.write(
            to: folder.appendingPathComponent("\(name).mkv"), boxes: boxes.appendingPathComponent("\(name).json"), frames: frames, shade: shade)
    }

    /// Model `A`: `good` scorable clips and one damaged file, registered as suite `s`.
    func makeSuite(good: Int, model: String = "A") throws {
        for i in 0..<good { try writeClip(String(format: "%02d", i + 1), model: model, shade: 25 * i) }
        try Data(repeating: 0x47, count: 4000).write(to: directory.appendingPathComponent("\(model)/99.mp4"))
        try Data("[]".utf8).write(to: directory.appendingPathComponent("boxes-\(model)/99.json"))
        let added = try add(model)
        #expect(added.status == 0, "\(added.stderr)")
    }

    func add(_ model: String, db: String? = nil, suite: String = "s") throws -> SyncBenchBinary.Output {
        try SyncBenchBinary.run([
            "bench", "add", "folder", directory.appendingPathComponent(model).path, "--model", model, "--suite", suite,
            "--boxes", directory.appendingPathComponent("boxes-\(model)").path, "--db", db ?? database,
        ])
    }

    func runArguments(db: String? = nil, _ extra: [String] = []) -> [String] {
        ["bench", "run", "--weights", weights, "--db", db ?? database, "--plain"] + extra
    }

    func sql(_ statement: String, db: String? = nil) throws -> [String] {
        let output = try SyncBenchBinary.run(["query", "sql", statement, "--db", db ?? database])
        precondition(output.status == 0, output.stderr)
        return Array(output.stdout.split(separator: "\n").dropFirst().map(String.init))
    }

    /// `recorded N: …` of a run's summary.
    func recorded(_ output: SyncBenchBinary.Output) -> Int {
        guard let line = output.stdout.split(separator: "\n").first(where: { $0.hasPrefix("recorded ") }) else { return 0 }
        return Int(line.dropFirst("recorded ".count).prefix { $0.isNumber }) ?? 0
    }

    // MARK: Tests

    @Test("add is idempotent; run scores every clip and gives the damaged one its status; a rerun does nothing; a new model runs alone")
    func addRunRerun() throws {
        try makeSuite(good: 2)
        let again = try add("A")
        #expect(again.stdout.contains("3 samples: 0 added, 0 new version, 3 unchanged"), "\(again.stdout)")

        let run = try SyncBenchBinary.run(runArguments())
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("recorded 3: decode_error 1, ok 2"), "\(run.stdout)")
        #expect(run.stderr.contains("[1/3]") && run.stderr.contains("A 99  decode_error"), "\(run.stderr)")
        #expect(run.stderr.contains("not the published"), "stand-in weights must be flagged")

        let rerun = try SyncBenchBinary.run(runArguments())
        #expect(rerun.status == 0 && rerun.stdout.contains("3 already done, 0 to do") && recorded(rerun) == 0, "\(rerun.stdout)")

        try writeClip("01", model: "B", shade: 120)
        #expect(try add("B").status == 0)
        let withB = try SyncBenchBinary.run(runArguments())
        #expect(withB.stdout.contains("4 samples; 3 already done, 1 to do") && withB.stdout.contains("recorded 1: ok 1"), "\(withB.stdout)")
        let status = try SyncBenchBinary.run(["bench", "status", "--db", database])
        #expect(status.stdout.contains("A") && status.stdout.contains("3 samples: decode_error 1, ok 2"), "\(status.stdout)")
        #expect(status.stdout.contains("1 samples: ok 1"), "\(status.stdout)")
        #expect(try sql("SELECT model, sample, status FROM bench_result ORDER BY model, sample") == ["A\t01\tok", "A\t02\tok", "A\t99\tdecode_error", "B\t01\tok"])
    }

    @Test("bench add folder with one-character, unicode and spaced names and deep folders registers them, and run scores them")
    func oddNames() throws {
        let folder = directory.appendingPathComponent("odd/G"), boxes = directory.appendingPathComponent("odd-boxes")
        for name in ["1", "é clip", "a/b/c/d/1"] {
            let clip = folder.appendingPathComponent(name + ".mkv"), box = boxes.appendingPathComponent(name + ".json")
            for url in [clip, box] { try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) }
            try ScorableClip.write(to: clip, boxes: box)
        }
        // Generated videos are often named 1.mp4 … 9.mp4 (FFmpeg reads the clip by its content).
        try FileManager.default.moveItem(at: folder.appendingPathComponent("1.mkv"), to: folder.appendingPathComponent("1.mp4"))
        let added = try SyncBenchBinary.run(["bench", "add", "folder", folder.path, "--model", "G", "--boxes", boxes.path, "--db", database])
        #expect(added.status == 0 && added.stdout.contains("suite odd (folder), model G: 3 samples: 3 added"), "\(added.stdout)\(added.stderr)")
        let run = try SyncBenchBinary.run(runArguments())
        #expect(run.status == 0 && run.stdout.contains("recorded 3: ok 3"), "\(run.stdout)\(run.stderr)")
        #expect(
            try sql("SELECT sample, category, status FROM bench_result ORDER BY sample") == [
                "1\tall\tok", "a/b/c/d/1\ta/b/c/d\tok", "é clip\tall\tok",
            ])
    }

    @Test("bench run without --suite runs every suite with work to do, in name order; --model narrows to the suites that have it")
    func severalSuites() throws {
        try writeClip("01", model: "A")
        try writeClip("02", model: "A", shade: 50)
        try writeClip("01", model: "B", shade: 120)
        #expect(try add("A", suite: "u").status == 0)
        #expect(try add("B", suite: "t").status == 0)

        let unknown = try SyncBenchBinary.run(runArguments(["--model", "Nope"]))
        #expect(unknown.status == 21 && unknown.stderr.contains("no model Nope in any suite"), "\(unknown.stderr)")
        let onlyB = try SyncBenchBinary.run(runArguments(["--model", "B"]))
        #expect(onlyB.status == 0, "\(onlyB.stderr)")
        #expect(onlyB.stdout.hasPrefix("suite t: 1 samples; 0 already done, 1 to do\nrecorded 1: ok 1"), "\(onlyB.stdout)")
        #expect(!onlyB.stdout.contains("suite u"), "\(onlyB.stdout)")

        let all = try SyncBenchBinary.run(runArguments())
        #expect(all.status == 0, "\(all.stderr)")
        let lines = all.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "2 suites: running u (2 to do); nothing to do in t",
                "suite t: 1 samples; 1 already done, 0 to do",
                "suite u: 2 samples; 0 already done, 2 to do",
                "recorded 2: ok 2",
            ], "\(all.stdout)")
        #expect(try sql("SELECT suite, model, sample, status FROM bench_result ORDER BY suite, model, sample") == ["t\tB\t01\tok", "u\tA\t01\tok", "u\tA\t02\tok"])

        let rerun = try SyncBenchBinary.run(runArguments())
        #expect(rerun.status == 0 && rerun.stdout.hasPrefix("2 suites: nothing to do\n") && recorded(rerun) == 0, "\(rerun.stdout)")
        let narrowed = try SyncBenchBinary.run(runArguments(["--suite", "u", "--model", "A"]))
        #expect(narrowed.status == 0 && narrowed.stdout == "suite u: 2 samples; 2 already done, 0 to do\n", "\(narrowed.stdout)")
        let wrongPair = try SyncBenchBinary.run(runArguments(["--suite", "u", "--model", "B"]))
        #expect(wrongPair.status == 21 && wrongPair.stderr.contains("suite u has no model B"), "\(wrongPair.stderr)")
    }

    @Test("A run killed mid-way (SIGKILL) resumes: the rerun finishes the rest, and the database stays sound")
    func killAndResume() throws {
        try makeSuite(good: 5)
        let process = Process()
        process.executableURL = SyncBenchBinary.url
        process.arguments = runArguments()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var done = 0
        let deadline = Date().addingTimeInterval(300)
        while done < 1 && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            done = Int(try sql("SELECT count(*) FROM benchResult").first ?? "0") ?? 0
        }
        #expect(process.isRunning, "the run finished before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let before = Int(try sql("SELECT count(*) FROM benchResult").first ?? "0") ?? 0
        #expect(before >= 1 && before < 6)

        let resumed = try SyncBenchBinary.run(runArguments())
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("6 samples; \(before) already done, \(6 - before) to do"), "\(resumed.stdout)")
        #expect(recorded(resumed) == 6 - before)
        #expect(try sql("SELECT count(*) FROM benchResult") == ["6"])
        #expect(try sql("SELECT count(*) FROM benchClaim") == ["0"], "the dead run's claim is taken over and released")
        let verify = try SyncBenchBinary.run(["cache", "verify", "--db", database])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("A clip that crashes its evaluation (injected trap) gets internal_error; the batch goes on, with one job and with two", arguments: [1, 2])
    func crashIsolated(jobs: Int) throws {
        try makeSuite(good: 3)
        let run = try SyncBenchBinary.run(runArguments(["--jobs", "\(jobs)"]), environment: ["SYNCBENCH_TEST_CRASH_SAMPLE": "02"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try sql("SELECT sample, status FROM bench_result ORDER BY sample") == ["01\tok", "02\tinternal_error", "03\tok", "99\tdecode_error"])
        let message = try sql("SELECT message FROM bench_result WHERE sample = '02'").first ?? ""
        #expect(message.contains("SIGILL") && message.contains("injected fault while evaluating A 02"), "\(message)")
        #expect(run.stderr.contains("A 02: internal_error: the evaluation crashed"), "\(run.stderr)")
        #expect(try sql("SELECT count(*) FROM benchClaim") == ["0"])
        // The crash is recorded: a rerun has nothing to do.
        let rerun = try SyncBenchBinary.run(runArguments(), environment: ["SYNCBENCH_TEST_CRASH_SAMPLE": "02"])
        #expect(rerun.status == 0 && rerun.stdout.contains("4 already done, 0 to do"), "\(rerun.stdout)\(rerun.stderr)")
    }

    @Test("Ctrl-C: the first stops after the clips in flight (exit 130, resumable), the second quits at once, every time", arguments: 0..<3)
    func interruptTwice(attempt: Int) throws {
        try makeSuite(good: 4)
        let process = Process()
        process.executableURL = SyncBenchBinary.url
        process.arguments = runArguments(["--jobs", "2"])
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        // Wait until a clip is being evaluated, then press Ctrl-C twice.
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning, Date() < deadline, try sql("SELECT count(*) FROM benchClaim").first == "0" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        // As a person presses it twice: signals of one kind sent at the same instant merge into one
        // (POSIX does not queue them), so the second comes 0.2–0.6 s after the first.
        Thread.sleep(forTimeInterval: 0.2 * Double(attempt + 1))
        kill(process.processIdentifier, SIGINT)
        let started = Date()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(Date().timeIntervalSince(started) < 5, "the second Ctrl-C must quit at once")
        #expect(stderr.contains("stopping after the clips in flight"), "\(stderr)")
        let resumed = try SyncBenchBinary.run(runArguments())
        let results = try sql("SELECT count(*) FROM benchResult")
        #expect(resumed.status == 0 && results == ["5"], "\(resumed.stdout)\(resumed.stderr)")
    }

    @Test("Two runs started together on one database share the clips: each is recorded once, nothing is lost")
    func concurrentRuns() throws {
        try makeSuite(good: 3)
        let outputs = Collected<SyncBenchBinary.Output>()
        let arguments = runArguments()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            if let output = try? SyncBenchBinary.run(arguments) { outputs.append(output) }
        }
        #expect(outputs.values.count == 2)
        for output in outputs.values { #expect(output.status == 0, "\(output.stderr)") }
        #expect(outputs.values.map(recorded).reduce(0, +) == 4, "\(outputs.values.map(\.stdout))")
        #expect(try sql("SELECT status, count(*) FROM benchResult GROUP BY status ORDER BY status") == ["decode_error\t1", "ok\t3"])
        #expect(try SyncBenchBinary.run(["cache", "verify", "--db", database]).status == 0)
    }

    @Test("--shard K/N on copies of the database, then db merge: the same results as one run")
    func shardsAndMerge() throws {
        try makeSuite(good: 3)
        var shards: [String] = []
        for k in 0..<2 {
            let copy = directory.appendingPathComponent("shard-\(k).sqlite").path
            try FileManager.default.copyItem(atPath: database, toPath: copy)
            let run = try SyncBenchBinary.run(runArguments(db: copy, ["--shard", "\(k)/2"]))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("in shard \(k)/2"), "\(run.stdout)")
            shards.append(copy)
        }
        let merged = directory.appendingPathComponent("merged.sqlite").path
        let merge = try SyncBenchBinary.run(["db", "merge"] + shards + ["--into", merged])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(try sql("SELECT status, count(*) FROM bench_result GROUP BY status ORDER BY status", db: merged) == ["decode_error\t1", "ok\t3"])
        let rerun = try SyncBenchBinary.run(runArguments(db: merged))
        #expect(rerun.stdout.contains("4 already done, 0 to do"), "\(rerun.stdout)")
        let again = try SyncBenchBinary.run(["db", "merge", shards[0], "--into", merged])
        #expect(again.stdout.contains("nothing new"), "\(again.stdout)")
    }

    @Test("report writes the leaderboard, sample pages, PNGs with provenance and results.csv with one row per model and sample")
    func report() throws {
        try makeSuite(good: 2)
        try writeClip("01", model: "B", shade: 120)
        #expect(try add("B").status == 0)
        #expect(try SyncBenchBinary.run(runArguments()).status == 0)
        let out = directory.appendingPathComponent("reports/s")
        let report = try SyncBenchBinary.run(["report", "--db", database, "--out", out.path])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("2 models, 3 of 6 samples scored"), "\(report.stdout)")
        #expect(report.stdout.contains("not scored: decode_error 1, missing 2"), "\(report.stdout)")
        for file in [
            "index.html", "leaderboard.png", "categories/all.png", "results.csv", "results.json", "leaderboard.csv", "leaderboard.json",
            "samples/A/01.html", "samples/B/99.html",
        ] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let png = try Data(contentsOf: out.appendingPathComponent("leaderboard.png"))
        let text = String(decoding: png.prefix(4096).map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        let version = try SyncBenchBinary.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.contains("tEXtSuite s") && text.contains("SyncBench \(version)") && text.contains("Database digest"), "\(text.prefix(600))")
        let rows = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 7 && rows[0].hasPrefix("idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s,model,status"))
        #expect(rows.filter { $0.contains(",True,") }.count == 3)
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("SyncBench leaderboard: s") && !html.contains("src=\"http"))
        let missing = try SyncBenchBinary.run(["report", "--db", database, "--suite", "nope", "--out", out.path])
        #expect(missing.status == 31)
        let other = try SyncBenchBinary.run(["report", "--db", database, "--profile", "joonson", "--out", directory.appendingPathComponent("reports/j").path])
        #expect(other.stdout.contains("0 of 6 samples scored"), "\(other.stdout)")
        #expect(other.stderr.contains("4 results of this suite were made with --profile mochabench"), "\(other.stderr)")
    }

    @Test("bench add --profile is recorded with the suite; run and report use it unless told otherwise; results and report state it with the weights")
    func recordedProfile() throws {
        try writeClip("01", model: "A")
        let added = try SyncBenchBinary.run([
            "bench", "add", "folder", directory.appendingPathComponent("A").path, "--model", "A", "--suite", "s", "--profile", "mova",
            "--boxes", directory.appendingPathComponent("boxes-A").path, "--db", database,
        ])
        #expect(added.status == 0 && added.stdout.contains("suite s (folder, profile mova), model A"), "\(added.stdout)\(added.stderr)")
        // Another profile on the same suite is refused: its results would mix protocols.
        let other = try SyncBenchBinary.run([
            "bench", "add", "folder", directory.appendingPathComponent("A").path, "--model", "A", "--suite", "s", "--profile", "joonson",
            "--db", database,
        ])
        #expect(other.status == 21 && other.stderr.contains("registered with --profile mova, not joonson"), "\(other.stderr)")

        let run = try SyncBenchBinary.run(runArguments())
        #expect(run.status == 0 && run.stdout.contains("recorded 1: ok 1"), "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("with profile mova, 1 job"), "\(run.stderr)")
        #expect(try sql("SELECT profile FROM benchResult") == ["mova"])
        #expect(try sql("SELECT profile FROM evaluation") == ["mova"])
        // The stand-in weights by digest: SyncNet played a part, S3FD did not (face boxes).
        let weights = try sql("SELECT file, published, used FROM evaluation_weights ORDER BY file")
        #expect(weights == ["sfd_face.pth\t0\t0", "syncnet_v2.model\t0\t1"], "\(weights)")
        let version = try SyncBenchBinary.run(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try sql("SELECT syncbench, profileVersion FROM evaluationSoftware") == ["\(version)\t1"])
        let status = try SyncBenchBinary.run(["bench", "status", "--db", database])
        #expect(status.stdout.contains("profile mova") && status.stdout.contains("1 samples: ok 1"), "\(status.stdout)")

        // --profile overrides the recorded one for this run only; its results record it.
        let joonson = try SyncBenchBinary.run(runArguments(["--profile", "joonson"]))
        #expect(joonson.status == 0 && joonson.stdout.contains("0 already done, 1 to do"), "\(joonson.stdout)")
        #expect(try sql("SELECT profile FROM benchResult ORDER BY profile") == ["joonson", "mova"])

        let out = directory.appendingPathComponent("reports/s")
        let report = try SyncBenchBinary.run(["report", "--db", database, "--out", out.path])
        #expect(report.status == 0 && report.stdout.contains("1 of 1 samples scored"), "\(report.stdout)\(report.stderr)")
        #expect(report.stderr.contains("warning: stand-in weights: scores are not comparable with published numbers"), "\(report.stderr)")
        let html = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("<dt>Profile</dt><dd>mova v1</dd>") && html.contains("<div class=\"banner\" role=\"alert\">"))
        #expect(html.contains("MOVA: mean max_C_inperson and min_D_inperson"))
        let png = try Data(contentsOf: out.appendingPathComponent("leaderboard.png"))
        let text = Dictionary(uniqueKeysWithValues: PNGFile.textChunks(of: png).map { ($0.keyword, $0.value) })
        #expect(text["Profile"] == "mova v1" && text["Warning"] == "stand-in weights: scores are not comparable with published numbers")
        #expect(text["Computed by"]?.contains("SyncBench \(version), profile v1; FFmpeg libavcodec ") == true, "\(text)")
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.contains(",mova,") && csv.contains(",False,"))
    }

    @Test(
        "The report renders in headless Chromium without JavaScript errors or external requests",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "needs Debian's chromium (apt-get install chromium)"))
    func reportInBrowser() throws {
        try makeSuite(good: 1)
        #expect(try SyncBenchBinary.run(runArguments()).status == 0)
        let out = directory.appendingPathComponent("reports/s")
        #expect(try SyncBenchBinary.run(["report", "--db", database, "--out", out.path]).status == 0)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tools/report/check-in-browser.sh")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, out.path, directory.appendingPathComponent("shots").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        for shot in ["index.png", "sample.png"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("shots/\(shot)").path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(shot): \(size) bytes")
        }
    }

    @Test(
        "The shared four-models clips: two generators registered as one suite, run with their boxes, reported",
        .enabled(if: SharedData.has("four-models/MoCha/02.mp4"), "needs ../shared/data (shared test clips, not part of the repository)"))
    func fourModels() throws {
        // Two clips per model, linked (not copied) into model folders; the boxes are the shared ones.
        for model in ["MoCha", "hallo3"] {
            let folder = directory.appendingPathComponent("four-models/\(model)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for clip in ["02", "05"] {
                try FileManager.default.createSymbolicLink(
                    at: folder.appendingPathComponent("\(clip).mp4"), withDestinationURL: Self.data.appendingPathComponent("four-models/\(model)/\(clip).mp4"))
            }
            let added = try SyncBenchBinary.run([
                "bench", "add", "folder", folder.path, "--model", model, "--boxes", Self.data.appendingPathComponent("boxes/four-models/\(model)").path,
                "--db", database,
            ])
            #expect(added.status == 0 && added.stdout.contains("suite four-models (folder), model \(model): 2 samples: 2 added"), "\(added.stdout)\(added.stderr)")
        }
        let run = try SyncBenchBinary.run(runArguments(["--jobs", "2"]))
        #expect(run.status == 0, "\(run.stderr)")
        // With the shared boxes, 02 of both models has a track and 05 has too few detections (boxes/README.md coverage).
        #expect(
            try sql("SELECT model, sample, status FROM bench_result ORDER BY model, sample") == [
                "MoCha\t02\tok", "MoCha\t05\tno_track", "hallo3\t02\tok", "hallo3\t05\tno_track",
            ])
        let out = directory.appendingPathComponent("reports/four-models")
        let report = try SyncBenchBinary.run(["report", "--db", database, "--out", out.path])
        #expect(report.status == 0 && report.stdout.contains("2 models, 2 of 4 samples scored"), "\(report.stdout)\(report.stderr)")
        let leaderboard = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("leaderboard.json"))) as? [String: Any]
        #expect(leaderboard != nil)
    }

    @Test(
        "The shared mochabench-mini checkout through the MoChaBench importer: 16 samples, statuses from its boxes, groups in the report",
        .enabled(if: SharedData.has("four-models/MoCha/02.mp4"), "needs ../shared/data (shared test clips, not part of the repository)"))
    func mochabenchMini() throws {
        let root = Self.data.appendingPathComponent("mochabench-mini")
        let added = try SyncBenchBinary.run([
            "bench", "add", "mochabench", root.path, "--model", "MoCha", "--boxes", Self.data.appendingPathComponent("boxes/mochabench-mini").path,
            "--db", database,
        ])
        #expect(added.status == 0 && added.stdout.contains("suite mochabench (mochabench), model MoCha: 16 samples: 16 added"), "\(added.stdout)")
        let run = try SyncBenchBinary.run(runArguments(["--jobs", "2"]))
        #expect(run.status == 0, "\(run.stderr)")
        // Which samples keep a track depends only on the boxes (boxes/README.md), not on the weights.
        #expect(run.stdout.contains("recorded 16: no_face 1, no_track 4, ok 11"), "\(run.stdout)")
        let out = directory.appendingPathComponent("reports/mochabench")
        #expect(try SyncBenchBinary.run(["report", "--db", database, "--out", out.path]).status == 0)
        let leaderboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("leaderboard.json"))) as? [String: Any])
        let text = String(decoding: try JSONSerialization.data(withJSONObject: leaderboard), as: UTF8.self)
        #expect(text.contains("Monologue") && text.contains("Dialogue") && text.contains("1p_generalize_chinese"))
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(csv.contains("2p_2clip_2talk/1_woman_man_in_room.mp4,2p_2clip_2talk/1_woman_man_in_room_speech.wav,"))
        let page = try String(contentsOf: out.appendingPathComponent("samples/MoCha/1p_closeup_facingcamera__1_man_guitar.html"), encoding: .utf8)
        #expect(page.contains("<dt>Prompt</dt>") && page.contains("A close-up shot of a man singing and playing guitar"), "the benchmark.csv prompt")
    }

    @Test("Usage errors: a bad shard, an unknown model or suite, an empty database, a missing MoChaBench checkout")
    func usageErrors() throws {
        #expect(try SyncBenchBinary.run(runArguments(["--shard", "2/2"])).status == 64)
        let empty = try SyncBenchBinary.run(runArguments())
        #expect(empty.status == 31 && empty.stderr.contains("no suite"), "\(empty.stderr)")
        try makeSuite(good: 1)
        let unknown = try SyncBenchBinary.run(runArguments(["--model", "Nope"]))
        #expect(unknown.status == 21 && unknown.stderr.contains("no model Nope"), "\(unknown.stderr)")
        let noSuite = try SyncBenchBinary.run(runArguments(["--suite", "other"]))
        #expect(noSuite.status == 31 && noSuite.stderr.contains("suites: s"), "\(noSuite.stderr)")
        let checkout = try SyncBenchBinary.run(["bench", "add", "mochabench", directory.path, "--model", "M", "--db", database])
        #expect(checkout.status == 21 && checkout.stderr.contains("benchmark.csv: no such file"), "\(checkout.stderr)")
    }
}
