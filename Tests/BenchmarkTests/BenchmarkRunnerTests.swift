import Foundation
import Media
import Pipeline
import Store
import TestSupport
import Testing

@testable import Benchmark

/// Batch runs through the real evaluator and a database file, on small synthetic clips with
/// face boxes and the stand-in weights.
@Suite("Benchmark runs: statuses, resume, new models, changed files, jobs, concurrent runs, shards", .serialized, .timeLimit(.minutes(10)))
struct BenchmarkRunnerTests {
    let folder: URL
    let database: URL

    init() throws {
        folder = try BenchmarkFixtures.temporaryDirectory()
        database = folder.appendingPathComponent("bench.sqlite")
    }

    /// A folder suite: model `A` with two scorable clips, a damaged file and a video whose boxes
    /// file is malformed; the damaged file and the bad boxes must not stop the batch.
    func makeSuite(_ store: Store) throws {
        let model = folder.appendingPathComponent("A"), boxes = folder.appendingPathComponent("boxes-A")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: boxes, withIntermediateDirectories: true)
        try ScorableClip.write(to: model.appendingPathComponent("01.mkv"), boxes: boxes.appendingPathComponent("01.json"))
        try ScorableClip.write(to: model.appendingPathComponent("02.mkv"), boxes: boxes.appendingPathComponent("02.json"), shade: 40)
        try Data(repeating: 0x47, count: 5000).write(to: model.appendingPathComponent("03.mp4"))
        try Data("[]".utf8).write(to: boxes.appendingPathComponent("03.json"))
        try ScorableClip.write(to: model.appendingPathComponent("04.mkv"), boxes: boxes.appendingPathComponent("04.json"), frames: 30)
        try Data("{not json".utf8).write(to: boxes.appendingPathComponent("04.json"))
        try add(model: "A", store: store)
    }

    func add(model: String, store: Store) throws {
        try store.registerSuite(name: "s", kind: .folder, root: folder.path)
        try store.registerModel(model, suite: "s", videoRoot: folder.appendingPathComponent(model).path)
        let layout = FolderLayout(folder: folder.appendingPathComponent(model), boxes: folder.appendingPathComponent("boxes-\(model)"))
        for spec in try layout.inputs(model: model) { _ = try store.register(spec, suite: "s") }
    }

    func runner(_ store: Store, jobs: Int = 1, shard: Shard? = nil) -> BenchmarkRunner {
        BenchmarkRunner(
            evaluator: ClipEvaluator(store: store, weights: BenchmarkFixtures.weights, settings: EvaluationSettings(profile: .mochabench, clean: true)),
            jobs: jobs, shard: shard)
    }

    func statuses(_ store: Store) throws -> [String: String] {
        var statuses: [String: String] = [:]
        for input in try store.currentInputs(suite: "s") {
            statuses["\(input.model)/\(input.sampleID)"] = try store.latestBenchResult(inputKey: input.key, profile: "mochabench", clean: true)?.status ?? "-"
        }
        return statuses
    }

    @Test("prepare plans a run without evaluating anything; running the prepared plan records its pending inputs")
    func prepareThenRun() throws {
        let store = try Store.open(at: database)
        try makeSuite(store)
        let runner = runner(store)
        let prepared = try runner.prepare(suite: "s", models: ["A"])
        #expect(prepared.suite == "s" && prepared.inputs.count == 4)
        #expect(prepared.plan == BenchmarkPlan(inputs: 4, outsideShard: 0, done: 0, pending: 4, changed: 0))
        #expect(try statuses(store).values.allSatisfy { $0 == "-" }, "planning records nothing")
        let summary = try runner.run(prepared)
        #expect(summary.plan == prepared.plan && summary.statuses.values.reduce(0, +) == 4 && summary.failed == 0)
        #expect(try runner.prepare(suite: "s").plan == BenchmarkPlan(inputs: 4, outsideShard: 0, done: 4, pending: 0, changed: 0))
    }

    @Test("Every clip gets a status, bad ones included; a rerun does nothing; a new model computes only its clips; a changed file only itself")
    func resumeAndIncremental() throws {
        let store = try Store.open(at: database)
        try makeSuite(store)
        let first = try runner(store, jobs: 2).run(suite: "s")
        #expect(first.plan == BenchmarkPlan(inputs: 4, outsideShard: 0, done: 0, pending: 4, changed: 0))
        #expect(first.failed == 0)
        #expect(try statuses(store) == ["A/01": "ok", "A/02": "ok", "A/03": "decode_error", "A/04": "input_error"])

        let again = try runner(store).run(suite: "s")
        #expect(again.plan.pending == 0 && again.plan.done == 4 && again.statuses.isEmpty)

        // A second model: only its two clips are evaluated.
        let modelB = folder.appendingPathComponent("B"), boxesB = folder.appendingPathComponent("boxes-B")
        try FileManager.default.createDirectory(at: modelB, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: boxesB, withIntermediateDirectories: true)
        try ScorableClip.write(to: modelB.appendingPathComponent("01.mkv"), boxes: boxesB.appendingPathComponent("01.json"), shade: 90)
        try ScorableClip.write(to: modelB.appendingPathComponent("02.mkv"), boxes: boxesB.appendingPathComponent("02.json"), shade: 130)
        try add(model: "B", store: store)
        let finished = Collected<String>()
        let withB = try runner(store).run(suite: "s", progress: { event in
            if case .finished(let input, _, _, let computed) = event, computed { finished.append("\(input.model)/\(input.sampleID)") }
        })
        #expect(withB.plan.pending == 2 && withB.plan.done == 4)
        #expect(finished.values.sorted() == ["B/01", "B/02"])

        // Model A's clip 02 is rendered again: it alone is a new version, evaluated by the next run.
        try ScorableClip.write(
            to: folder.appendingPathComponent("A/02.mkv"), boxes: folder.appendingPathComponent("boxes-A/02.json"), frames: 70, shade: 40)
        let changed = try runner(store).run(suite: "s")
        #expect(changed.plan.changed == 1 && changed.plan.pending == 1 && changed.statuses == ["ok": 1])
        #expect(try store.verify().isEmpty)
    }

    @Test("Two runs on one database at once evaluate every clip exactly once between them, and lose nothing")
    func concurrentRuns() throws {
        let setup = try Store.open(at: database)
        try makeSuite(setup)
        // Two stores, as two processes would open the file.
        let stores = [try Store.open(at: database), try Store.open(at: database)]
        let summaries = Collected<BenchmarkSummary>(), errors = Collected<String>()
        let runners = stores.map { runner($0) }
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            do {
                summaries.append(try runners[i].run(suite: "s"))
            } catch {
                errors.append("\(error)")
            }
        }
        #expect(errors.values.isEmpty, "\(errors.values)")
        let recorded = summaries.values.map { $0.statuses.values.reduce(0, +) }.reduce(0, +)
        let claimed = summaries.values.map(\.claimedElsewhere).reduce(0, +)
        #expect(recorded == 4, "each clip recorded by exactly one run (\(claimed) left to the other)")
        #expect(summaries.values.count == 2 && summaries.values.allSatisfy { $0.failed == 0 })
        #expect(try statuses(setup) == ["A/01": "ok", "A/02": "ok", "A/03": "decode_error", "A/04": "input_error"])
        #expect(try setup.verify().isEmpty)
    }

    @Test("Shards split the work; merged, they hold the same results as one run")
    func shardsAndMerge() throws {
        let base = try Store.open(at: database)
        try makeSuite(base)
        var shardFiles: [URL] = []
        for k in 0..<2 {
            let copy = folder.appendingPathComponent("shard-\(k).sqlite")
            let store = try Store.open(at: copy)
            _ = try store.merge(from: database)  // the registered suite, as `cp` would copy it
            let summary = try runner(store, shard: Shard(index: k, count: 2)).run(suite: "s")
            #expect(summary.plan.inputs + summary.plan.outsideShard == 4)
            shardFiles.append(copy)
        }
        let merged = try Store.open(at: folder.appendingPathComponent("merged.sqlite"))
        for file in shardFiles { _ = try merged.merge(from: file) }
        #expect(try statuses(merged) == ["A/01": "ok", "A/02": "ok", "A/03": "decode_error", "A/04": "input_error"])
        let rerun = try runner(merged).run(suite: "s")
        #expect(rerun.plan.pending == 0)
        #expect(try merged.verify().isEmpty)
    }

    @Test("A stop request ends the run between clips; the next run resumes with what is left")
    func stopAndResume() throws {
        let store = try Store.open(at: database)
        try makeSuite(store)
        let count = Counter()
        let stopped = try runner(store).run(suite: "s", shouldStop: { count.value >= 1 }, progress: { event in
            if case .finished = event { count.increment() }
        })
        #expect(stopped.interrupted)
        #expect(stopped.statuses.values.reduce(0, +) == 1)
        let resumed = try runner(store).run(suite: "s")
        #expect(resumed.plan.done == 1 && resumed.plan.pending == 3 && !resumed.interrupted)
        #expect(try statuses(store).values.allSatisfy { $0 != "-" })
    }

    @Test("A speech folder with one speech missing and one damaged: those clips get audio_error, the third is scored against its speech")
    func speechProblems() throws {
        let store = try Store.open(at: database)
        let model = folder.appendingPathComponent("S"), boxes = folder.appendingPathComponent("boxes-S"), speech = folder.appendingPathComponent("speech")
        for path in [model, boxes, speech] { try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true) }
        for (i, name) in ["01", "02", "03"].enumerated() {
            try ScorableClip.write(to: model.appendingPathComponent("\(name).mkv"), boxes: boxes.appendingPathComponent("\(name).json"), shade: 50 * i)
        }
        // 01: a real speech file (the clip's own audio track, as a WAV); 02: none; 03: not audio.
        let writer = try ClipWriter(path: speech.appendingPathComponent("01.wav").path, video: nil, audio: .init(sampleRate: 16_000, channels: 1, codec: "pcm_s16le"))
        try writer.append(samples: ScorableClip.chirp(seconds: 2.4))
        try writer.finish()
        try Data(repeating: 7, count: 2000).write(to: speech.appendingPathComponent("03.wav"))
        try store.registerSuite(name: "s", kind: .folder, root: folder.path)
        try store.registerModel("S", suite: "s", videoRoot: model.path)
        for spec in try FolderLayout(folder: model, speech: speech, boxes: boxes).inputs(model: "S") { _ = try store.register(spec, suite: "s") }
        let summary = try runner(store).run(suite: "s")
        #expect(summary.failed == 0)
        #expect(try statuses(store) == ["S/01": "ok", "S/02": "audio_error", "S/03": "audio_error"])
    }

    @Test("A missing video gets the status missing with its path, and the other clips are scored")
    func missingVideo() throws {
        let store = try Store.open(at: database)
        try makeSuite(store)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("A/01.mkv"))
        let summary = try runner(store).run(suite: "s")
        #expect(summary.statuses["missing"] == 1)
        let input = try #require(try store.currentInputs(suite: "s").first { $0.sampleID == "01" })
        let result = try #require(try store.latestBenchResult(inputKey: input.key, profile: "mochabench", clean: true))
        #expect(result.status == "missing" && result.message.contains("A/01.mkv") && result.evaluationKey == nil)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

