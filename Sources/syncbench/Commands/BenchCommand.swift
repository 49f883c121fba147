import ArgumentParser
import Benchmark
import Foundation
import Logging
import Media
import Models
import Pipeline
import Store
import Tensor

/// `syncbench bench`: benchmark suites — register models' videos, score them all, see where a
/// suite stands.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Register benchmark suites and score every model's videos through the cache.",
        discussion: """
            A suite is a set of samples that several models render: a MoChaBench checkout \
            (`bench add mochabench`) or plain folders of clips, one per model (`bench add folder`). \
            `bench run` scores every current input once per configuration, resuming where an \
            earlier run stopped; `syncbench report` turns the results into a leaderboard \
            (docs/bench.md).
            """,
        subcommands: [BenchAddCommand.self, BenchRunCommand.self, BenchStatusCommand.self]
    )
}

struct BenchAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Register a model's videos in a suite (idempotent; a changed file is a new version).",
        subcommands: [BenchAddMoChaBenchCommand.self, BenchAddFolderCommand.self]
    )
}

/// Prints what a registration did. `profile` (`--profile`) is recorded with the suite.
private func register(
    _ specs: [SampleInputSpec], suite: String, kind: SuiteKind, root: String, model: String, videoRoot: String, profile: EvaluationProfile?,
    store: Store
) throws {
    if let profile, let recorded = try reportingFailures({ try store.suite(named: suite)?.profile }), recorded != profile.rawValue {
        throw fail(
            "suite \(suite) was registered with --profile \(recorded), not \(profile.rawValue) (choose another --suite name, "
                + "or run this profile on it with `bench run --profile \(profile.rawValue)`)", status: .invalidInput)
    }
    try reportingFailures {
        try store.registerSuite(name: suite, kind: kind, root: root, profile: profile?.rawValue)
        try store.registerModel(model, suite: suite, videoRoot: videoRoot)
        var outcomes: [RegistrationOutcome: Int] = [:]
        var problems: [String] = []
        for spec in specs {
            outcomes[try store.register(spec, suite: suite), default: 0] += 1
        }
        for input in try store.currentInputs(suite: suite, models: [model]) {
            if let problem = input.problem { problems.append("\(input.sampleID): \(problem)") }
        }
        let counts = [RegistrationOutcome.added, .newVersion, .unchanged].map { "\(outcomes[$0] ?? 0) \($0.rawValue.replacingOccurrences(of: "_", with: " "))" }
        let recorded = try store.suite(named: suite)?.profile
        print("suite \(suite) (\(kind.rawValue)\(recorded.map { ", profile \($0)" } ?? "")), model \(model): \(specs.count) samples: " + counts.joined(separator: ", "))
        for problem in problems { FileHandle.standardError.write(Data("syncbench: warning: \(problem)\n".utf8)) }
    }
}

struct BenchAddMoChaBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mochabench",
        abstract: "Register a model's videos for a MoChaBench checkout.",
        discussion: """
            Reads ROOT/benchmark/benchmark.csv; each row is the sample <category>/<context_id>, \
            scored against ROOT/benchmark/speeches/<category>/<context_id>_speech.wav; the \
            model's video is <videos>/<category>/<context_id>.mp4. A missing video or speech is \
            registered (and reported as such), not an error.
            """
    )

    @Argument(help: "The MoChaBench checkout.", completion: .directory)
    var root: String

    @Option(help: "The model (a leaderboard row).")
    var model: String

    @Option(help: "The model's video folder, relative to ROOT or absolute (default: mocha-generation).", completion: .directory)
    var videos: String?

    @Option(help: "Suite name.")
    var suite = "mochabench"

    @Option(help: "Face boxes per video in the reference's detection JSON, <boxes>/<category>/<context_id>.json, used instead of S3FD.", completion: .directory)
    var boxes: String?

    @Option(help: ArgumentHelp(profileHelp))
    var profile: EvaluationProfile?

    @OptionGroup var store: StoreOptions

    func run() throws {
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        let layout = MoChaBenchLayout(root: rootURL, videos: videos, boxes: boxes.map { URL(fileURLWithPath: $0).standardizedFileURL })
        let specs = try reportingFailures { try layout.inputs(model: model) }
        try register(
            specs, suite: suite, kind: .mochabench, root: rootURL.path, model: model, videoRoot: layout.videos.path, profile: profile,
            store: try store.open())
        let unlisted = layout.unlistedVideos(besides: specs)
        if !unlisted.isEmpty {
            let shown = unlisted.prefix(5).joined(separator: ", ") + (unlisted.count > 5 ? ", …" : "")
            FileHandle.standardError.write(
                Data("syncbench: warning: \(unlisted.count) video(s) in \(layout.videos.path) are not in benchmark.csv and were not registered: \(shown)\n".utf8))
        }
    }
}

struct BenchAddFolderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "folder",
        abstract: "Register a folder of one model's clips.",
        discussion: """
            Every video under DIR is a sample named by its path without extension, so the same \
            file names in two models' folders are the same samples; a sub-folder is a category. \
            The speech is the video's own audio unless --audio-dir holds <sample>.wav (or \
            _speech.wav, .flac, .mp3, .m4a).
            """
    )

    @Argument(help: "The model's folder of clips.", completion: .directory)
    var directory: String

    @Option(help: "The model (a leaderboard row).")
    var model: String

    @Option(help: "Suite name (default: the name of DIR's parent folder).")
    var suite: String?

    @Option(name: .customLong("audio-dir"), help: "Folder of speech files named like the videos.", completion: .directory)
    var audioDirectory: String?

    @Option(help: "Face boxes per video in the reference's detection JSON, <boxes>/<sample>.json, used instead of S3FD.", completion: .directory)
    var boxes: String?

    @Option(help: ArgumentHelp(profileHelp))
    var profile: EvaluationProfile?

    @OptionGroup var store: StoreOptions

    func run() throws {
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        let layout = FolderLayout(
            folder: folder, speech: audioDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL },
            boxes: boxes.map { URL(fileURLWithPath: $0).standardizedFileURL })
        let specs = try reportingFailures { try layout.inputs(model: model) }
        let parent = PathText.parent(folder.path)
        try register(
            specs, suite: suite ?? PathText.lastComponent(parent), kind: .folder, root: parent, model: model, videoRoot: folder.path,
            profile: profile, store: try store.open())
    }
}

/// `--profile` of `bench add`.
private let profileHelp =
    "The protocol the suite is scored with, recorded with it: \(EvaluationProfile.allCases.map(\.rawValue).joined(separator: ", ")) "
    + "(docs/protocols.md). `bench run` and `report` use it unless given another --profile; a suite keeps the first one recorded."

/// The profile `suite` was registered with (`bench add --profile`), `mochabench` when none was.
func recordedProfile(of suite: SuiteRecord) throws -> EvaluationProfile {
    guard let name = suite.profile else { return .mochabench }
    guard let profile = EvaluationProfile(rawValue: name) else {
        throw fail(
            "suite \(suite.name) was registered with --profile \(name), which this build of SyncBench does not know "
                + "(it knows \(EvaluationProfile.allCases.map(\.rawValue).joined(separator: ", "))); give --profile to choose one",
            status: .invalidInput)
    }
    return profile
}

/// The suite a command works on: `--suite`, or the only suite of the database.
func resolveSuite(_ name: String?, in store: Store) throws -> SuiteRecord {
    let suites = try reportingFailures { try store.suites() }
    if let name {
        guard let suite = suites.first(where: { $0.name == name }) else {
            throw fail(
                "no suite named \(name) in \(store.location?.path ?? ":memory:")"
                    + (suites.isEmpty ? " (register one with `syncbench bench add`)" : " (suites: \(suites.map(\.name).joined(separator: ", ")))"),
                status: .notInCache)
        }
        return suite
    }
    guard let only = suites.first else {
        throw fail("the database has no suite (register one with `syncbench bench add`)", status: .notInCache)
    }
    guard suites.count == 1 else {
        throw fail("the database has several suites; choose one with --suite (\(suites.map(\.name).joined(separator: ", ")))", status: .invalidInput)
    }
    return only
}

struct BenchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Score every registered video, resuming where the last run stopped.",
        discussion: """
            Without --suite every suite with work to do runs, in name order; --model keeps \
            the suites that have one of the models. \
            Each sample's result is recorded as soon as it is known, so Ctrl-C (or a kill) loses \
            only the clips in flight; run the same command again to go on. One bad clip never \
            stops the batch: it gets its status (docs/eval.md) and the run goes on. Runs on the \
            same database at the same time share the work (each sample is claimed by one run). \
            --shard K/N (0 <= K < N) takes a stable N-th of the samples: run N shards on N \
            machines, each on its own copy of the database, and combine them with \
            `syncbench db merge` (README: Slurm and Kubernetes recipes).

            Exit status: 0 when every sample has a result (whatever its status); 1 when some \
            failed for reasons outside the clips (they are retried by the next run); 130 when \
            interrupted (after the current suite's clips in flight; later suites do not start).
            """
    )

    @Option(help: "Only this suite (default: every suite with work to do).")
    var suite: String?

    @Option(name: .customLong("model"), parsing: .upToNextOption, help: "Only these models, in the suites that have them (default: all).")
    var models: [String] = []

    @Option(
        help: ArgumentHelp(
            "Clips evaluated at the same time (default: one per core, as memory allows); the cores are shared evenly among them.",
            discussion: "Each job's network layers use cores / jobs threads (--threads-per-job to override). See docs/bench.md."))
    var jobs: Int?

    @Option(help: "Cores each job's network layers may use (default: cores / jobs).")
    var threadsPerJob: Int?

    @Option(help: "Only part K of N of the samples (0-based, e.g. 0/4 ... 3/4).")
    var shard: String?

    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var store: StoreOptions

    @Flag(help: "One line per clip even on a terminal (default: a progress bar on a terminal, lines otherwise).")
    var plain = false

    // The worker process a supervising `bench run` starts (BenchSupervisor); not for users.
    @Flag(help: .private) var worker = false
    @Flag(name: .customLong("progress-bar"), help: .private) var progressBar = false
    @Option(name: .customLong("only-input"), help: .private) var onlyInputs: [String] = []

    func validate() throws {
        if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be in 1...64, got \(jobs)") }
        if let threadsPerJob, !(1...1024).contains(threadsPerJob) {
            throw ValidationError("--threads-per-job must be in 1...1024, got \(threadsPerJob)")
        }
        if let shard, Shard(parsing: shard) == nil { throw ValidationError("--shard must be K/N with 0 <= K < N, got \(shard)") }
    }

    func run() throws {
        guard worker else {
            // Supervise: the work happens in a worker process, so that nothing one clip does can
            // take the batch down (docs/reliability.md).
            let supervisor = BenchSupervisor(
                arguments: Array(CommandLine.arguments.dropFirst()), progressBar: !plain && isatty(STDERR_FILENO) == 1,
                store: try store.open(), profile: evaluation.profile, clean: evaluation.clean)
            let status = try supervisor.run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        BenchSupervisor.exitWithSupervisor()
        let jobs = jobs ?? BenchmarkRunner.defaultJobs()
        let store = try store.open()
        let selection = try selectedSuites(in: store)
        let records = try reportingFailures { try store.suites() }
        // Each suite runs with --profile, or else the profile it was registered with; one loaded
        // copy of each network serves them all.
        let weights = weights.resolved
        let networks = SharedNetworks(weights: weights, keepsLoaded: true)
        var runners: [BenchmarkRunner] = []
        for (suite, _) in selection {
            guard let record = records.first(where: { $0.name == suite }) else {
                throw fail("no suite named \(suite) in \(store.location?.path ?? ":memory:")", status: .notInCache)
            }
            let settings = evaluation.settings(defaultProfile: try recordedProfile(of: record))
            let evaluator = ClipEvaluator(store: store, weights: weights, settings: settings, networks: networks, syncbench: SyncBenchVersion.current)
            runners.append(
                BenchmarkRunner(evaluator: evaluator, jobs: jobs, threadsPerJob: threadsPerJob, shard: shard.flatMap(Shard.init(parsing:))))
        }
        let prepared = try reportingFailures {
            try zip(selection, runners).map { try $1.prepare(suite: $0.suite, models: $0.models, only: onlyInputs.isEmpty ? nil : Set(onlyInputs)) }
        }
        let evaluator = runners[0].evaluator
        for warning in evaluator.warnings(boxes: prepared.allSatisfy { $0.inputs.allSatisfy { $0.boxesPath != nil } }) {
            FileHandle.standardError.write(Data("syncbench: warning: \(warning)\n".utf8))
        }
        if prepared.count > 1 { print(header(prepared)) }
        let display = ProgressDisplay(bar: progressBar, jobs: jobs)
        Interrupts.installGracefulStop(progressBar: progressBar)
        let crashSample = ProcessInfo.processInfo.environment["SYNCBENCH_TEST_CRASH_SAMPLE"]
        var failed = false
        for (run, runner) in zip(prepared, runners) {
            // With several suites, only those with work run; the others just report where they stand.
            guard run.plan.pending > 0 || prepared.count == 1 else {
                print(summaryText(BenchmarkSummary(plan: run.plan), suite: run.suite))
                continue
            }
            display.begin(suite: run.suite, named: prepared.count > 1, profile: runner.evaluator.settings.label)
            let summary = try reportingFailures {
                try runner.run(
                    run, shouldStop: { Interrupts.isSet },
                    progress: { event in
                        // Fault injection for the tests of the supervisor (docs/reliability.md).
                        if case .started(let input) = event, let crashSample, input.sampleID == crashSample {
                            fatalError("injected fault while evaluating \(input.model) \(input.sampleID) (SYNCBENCH_TEST_CRASH_SAMPLE)")
                        }
                        display.show(event)
                    })
            }
            display.finish()
            print(summaryText(summary, suite: run.suite))
            if summary.interrupted { throw ExitCode(130) }
            failed = failed || summary.failed > 0
        }
        if failed { throw ExitCode(ExitStatus.failure.rawValue) }
    }

    /// The suites to run, in name order, each with the models to run (nil: all of them):
    /// `--suite`, or every suite; `--model` keeps the suites that have one of the models.
    private func selectedSuites(in store: Store) throws -> [(suite: String, models: [String]?)] {
        if let name = self.suite {
            let suite = try resolveSuite(name, in: store)
            let known = try reportingFailures { try store.models(ofSuite: suite.name) }
            let unknown = models.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw fail("suite \(suite.name) has no model \(unknown.joined(separator: ", ")) (models: \(known.joined(separator: ", ")))", status: .invalidInput)
            }
            return [(suite.name, models.isEmpty ? nil : models)]
        }
        let suites = try reportingFailures { try store.suites() }.map(\.name).sorted()
        guard !suites.isEmpty else {
            throw fail("the database has no suite (register one with `syncbench bench add`)", status: .notInCache)
        }
        guard !models.isEmpty else { return suites.map { ($0, nil) } }
        let known = try reportingFailures { try suites.map { (suite: $0, models: try store.models(ofSuite: $0)) } }
        let unknown = models.filter { model in !known.contains { $0.models.contains(model) } }
        guard unknown.isEmpty else {
            let listing = known.map { "\($0.suite): \($0.models.joined(separator: ", "))" }.joined(separator: "; ")
            throw fail("no model \(unknown.joined(separator: ", ")) in any suite (\(listing))", status: .invalidInput)
        }
        return known.compactMap { suite, theirs in
            let mine = models.filter(theirs.contains)
            return mine.isEmpty ? nil : (suite, mine)
        }
    }

    /// `2 suites: running a (3 to do), b (1 to do); nothing to do in c`.
    private func header(_ prepared: [PreparedRun]) -> String {
        let working = prepared.filter { $0.plan.pending > 0 }, idle = prepared.filter { $0.plan.pending == 0 }
        guard !working.isEmpty else { return "\(prepared.count) suites: nothing to do" }
        return "\(prepared.count) suites: running " + working.map { "\($0.suite) (\($0.plan.pending) to do)" }.joined(separator: ", ")
            + (idle.isEmpty ? "" : "; nothing to do in " + idle.map(\.suite).joined(separator: ", "))
    }

    private func summaryText(_ summary: BenchmarkSummary, suite: String) -> String {
        let plan = summary.plan
        var lines: [String] = []
        var scope = "\(plan.inputs) samples"
        if let shard { scope += " in shard \(shard) (\(plan.outsideShard) in other shards)" }
        lines.append("suite \(suite): \(scope); \(plan.done) already done, \(plan.pending) to do" + (plan.changed > 0 ? " (\(plan.changed) changed files)" : ""))
        let statuses = summary.statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let recorded = summary.statuses.values.reduce(0, +)
        if recorded > 0 { lines.append("recorded \(recorded): \(statuses)" + (summary.fromCache > 0 ? " (\(summary.fromCache) from the cache)" : "")) }
        if summary.failed > 0 { lines.append("failed \(summary.failed) (not recorded; the next run retries them)") }
        if summary.claimedElsewhere > 0 { lines.append("\(summary.claimedElsewhere) being evaluated by another run") }
        if summary.interrupted { lines.append("interrupted: rerun the same command to resume") }
        return lines.joined(separator: "\n")
    }
}

/// Progress of a run on standard error: a bar redrawn in place on a terminal, one line per clip
/// otherwise. Every clip that fails, and every clip without a score, is also logged.
final class ProgressDisplay: @unchecked Sendable {
    private let bar: Bool
    private let jobs: Int
    private let lock = NSLock()
    private var total = 0, finished = 0
    private var statuses: [String: Int] = [:]
    private var started = ContinuousClock.now
    private var suite: String?
    private var profile = ""
    private var logger = Logger(label: "syncbench.bench", factory: { StreamLogHandler.standardError(label: $0) })

    /// Statuses that point at a problem with the input files (logged as warnings on a terminal).
    static let problemStatuses: Set<String> = ["decode_error", "audio_error", "no_audio", "unsupported", "crop_error", "missing", "input_error", "internal_error"]

    init(bar: Bool, jobs: Int) {
        self.bar = bar
        self.jobs = jobs
    }

    /// A suite's run starts: counts start again; `named` puts the suite in its first line, which
    /// names the profile it runs with.
    func begin(suite: String, named: Bool, profile: String) {
        lock.withLock {
            self.suite = named ? suite : nil
            self.profile = profile
            total = 0
            finished = 0
            statuses = [:]
        }
    }

    func note(_ text: String) {
        lock.withLock { write((bar ? "\r\u{1B}[K" : "") + "syncbench: \(text)\n") }
    }

    func show(_ event: BenchmarkEvent) {
        lock.withLock {
            switch event {
            case .planned(let plan):
                total = plan.pending
                started = .now
                if plan.pending > 0 {
                    // The jobs that will run: no more than there are samples to score.
                    let running = min(jobs, plan.pending)
                    write(
                        "scoring \(plan.pending) of \(plan.inputs) samples\(suite.map { " of suite \($0)" } ?? "") with profile \(profile), "
                            + "\(running) job\(running == 1 ? "" : "s")\n")
                }
            case .started(let input):
                if bar { draw(current: "\(input.model) \(input.sampleID)") }
            case .finished(let input, let result, let evaluation, let computed):
                finished += 1
                statuses[result.status, default: 0] += 1
                let problem = Self.problemStatuses.contains(result.status)
                if bar {
                    if problem {
                        clearBar()
                        logger.warning("\(input.model) \(input.sampleID): \(result.status): \(result.message)")
                    }
                    draw(current: nil)
                } else {
                    var scores = ""
                    if let c = evaluation?.bestConfidence, let d = evaluation?.minDistance { scores = String(format: "  LSE-C %.3f  LSE-D %.3f", c, d) }
                    write(
                        "[\(finished)/\(total)] \(input.model) \(input.sampleID)  \(result.status)\(scores)\(problem ? " (\(result.message))" : "")  "
                            + String(format: "%.1f s", result.seconds) + (computed ? "" : " (cached)") + "  ETA \(eta())\n")
                }
            case .failed(let input, let message):
                finished += 1
                clearBar()
                logger.error("\(input.model) \(input.sampleID): failed (retried by the next run): \(message)")
                if bar { draw(current: nil) }
            case .claimedElsewhere(let input):
                finished += 1
                if !bar { write("[\(finished)/\(total)] \(input.model) \(input.sampleID)  being evaluated by another run\n") }
            }
        }
    }

    /// A suite's run is over: ends the bar's line.
    func finish() {
        lock.withLock { if bar && total > 0 { write("\n") } }
    }

    private func eta() -> String {
        guard finished > 0 else { return "-" }
        let seconds = (ContinuousClock.now - started).seconds / Double(finished) * Double(total - finished)
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }

    private func clearBar() { if bar { write("\r\u{1B}[K") } }

    private func draw(current: String?) {
        let width = 30
        let filled = total == 0 ? width : width * finished / total
        let counts = statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: " ")
        let line =
            "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] \(finished)/\(total)  \(counts)  ETA \(eta())"
            + (current.map { "  \($0)" } ?? "")
        write("\r\u{1B}[K" + line)
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

struct BenchStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Suites, models and how many samples each has scored, by status.")

    @Option(help: "Suite (default: every suite).")
    var suite: String?

    @Option(help: "Profile of the results counted (default: the profile each suite was registered with, or mochabench).")
    var profile: EvaluationProfile?

    @Flag(help: "Count --clean results.")
    var clean = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let store = try store.open()
        let suites = try suite.map { [try resolveSuite($0, in: store)] } ?? (try reportingFailures { try store.suites() })
        guard !suites.isEmpty else {
            print("no suites (register one with `syncbench bench add`)")
            return
        }
        var lines: [String] = []
        for suite in suites {
            let inputs = try reportingFailures { try store.currentInputs(suite: suite.name) }
            let profile = try self.profile ?? recordedProfile(of: suite)
            lines.append("suite \(suite.name) (\(suite.kind.rawValue), \(suite.root)\(self.profile == nil && suite.profile != nil ? ", profile \(profile.rawValue)" : ""))")
            for model in try reportingFailures({ try store.models(ofSuite: suite.name) }) {
                var counts: [String: Int] = [:]
                let mine = inputs.filter { $0.model == model }
                for input in mine {
                    let status = try reportingFailures { try store.latestBenchResult(inputKey: input.key, profile: profile.rawValue, clean: clean)?.status }
                    counts[status ?? "not run", default: 0] += 1
                }
                let text = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                lines.append("  \(model.padding(toLength: max(20, model.count), withPad: " ", startingAt: 0))  \(mine.count) samples: \(text)")
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
