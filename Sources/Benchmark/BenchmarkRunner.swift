import Foundation
import Models
import Pipeline
import Store
import Tensor

/// What a run will do, known before it starts.
public struct BenchmarkPlan: Sendable, Equatable {
    /// Current inputs of the selected models (in this shard).
    public var inputs: Int
    /// Inputs left to other shards.
    public var outsideShard: Int
    /// Inputs with a result under this configuration already (skipped).
    public var done: Int
    /// Inputs to evaluate now.
    public var pending: Int
    /// Inputs whose files changed since they were registered (registered again as new versions).
    public var changed: Int
}

/// What happened to one input.
public enum BenchmarkEvent: Sendable {
    case planned(BenchmarkPlan)
    /// A job started on the input.
    case started(SampleInput)
    /// The input has a result now, with its evaluation when there is one. `computed` is false
    /// when nothing had to be computed (the evaluation was in the cache).
    case finished(SampleInput, BenchResult, evaluation: ClipEvaluation?, computed: Bool)
    /// The input could not be evaluated for a reason outside the clip (database, I/O); nothing was
    /// recorded and the next run retries it.
    case failed(SampleInput, message: String)
    /// Another live run holds the input's claim (it evaluates it), or has just recorded its result.
    case claimedElsewhere(SampleInput)
}

/// Totals of a run.
public struct BenchmarkSummary: Sendable, Equatable {
    public var plan: BenchmarkPlan
    /// Results recorded by this run, per status.
    public var statuses: [String: Int] = [:]
    /// Of those, evaluations found in the cache (computed earlier, e.g. by `syncbench eval`).
    public var fromCache = 0
    public var failed = 0
    /// Inputs left to other runs on the same database (being evaluated, or just recorded, by them).
    public var claimedElsewhere = 0
    /// Whether the run stopped early because it was asked to (Ctrl-C).
    public var interrupted = false

    /// The summary of a run that has recorded nothing yet.
    public init(plan: BenchmarkPlan) { self.plan = plan }
}

/// A suite's run as planned by ``BenchmarkRunner/prepare(suite:models:)``: what is done and
/// what is left, before anything is evaluated.
public struct PreparedRun: Sendable {
    public let suite: String
    public let plan: BenchmarkPlan
    /// The current inputs of the selected models in this shard, done or not.
    public let inputs: [SampleInput]
    let pending: [SampleInput]
    let configWithS3FD: String
    let configWithBoxes: String

    /// The configuration key an input's result is recorded under (S3FD's weights count only
    /// for inputs without boxes).
    func configKey(of input: SampleInput) -> String { input.boxesPath == nil ? configWithS3FD : configWithBoxes }
}

/// Scores the current inputs of a suite through the cache, several at a time, resuming where an
/// earlier run stopped (docs/bench.md).
///
/// Each input's result is recorded in its own transaction as soon as it is known, so a killed run
/// loses at most the evaluations in flight (whose finished stages stay cached). A bad clip is a
/// status, never an error; a failure of the installation (weights) stops the run.
public struct BenchmarkRunner: Sendable {
    public var evaluator: ClipEvaluator
    /// Evaluations run at the same time.
    public var jobs: Int
    /// Cores each job's network layers may use (`Parallel.withWorkers`).
    public var threadsPerJob: Int
    public var shard: Shard?
    /// A claim whose heartbeat is older than this is taken over (runs on other hosts; on this host
    /// a claim whose process is gone is taken over at once).
    public var staleAfter: TimeInterval
    /// How often claims are refreshed while evaluations run.
    public var heartbeatInterval: TimeInterval

    /// - Parameter threadsPerJob: cores each job's layers may use; nil shares the machine's cores
    ///   evenly (``threads(forJobs:)``).
    public init(
        evaluator: ClipEvaluator, jobs: Int = 1, threadsPerJob: Int? = nil, shard: Shard? = nil, staleAfter: TimeInterval = 600,
        heartbeatInterval: TimeInterval = 30
    ) {
        precondition(jobs >= 1)
        self.threadsPerJob = max(1, threadsPerJob ?? Self.threads(forJobs: jobs))
        // One loaded copy of each network for the whole batch, shared by the jobs.
        self.evaluator =
            evaluator.networks.keepsLoaded
            ? evaluator
            : ClipEvaluator(
                store: evaluator.store, weights: evaluator.weights, settings: evaluator.settings,
                networks: SharedNetworks(weights: evaluator.weights, keepsLoaded: true), syncbench: evaluator.syncbench)
        self.jobs = jobs
        self.shard = shard
        self.staleAfter = staleAfter
        self.heartbeatInterval = heartbeatInterval
    }

    /// Plans a run of the suite's current inputs (of `models`, or all) without evaluating
    /// anything: files that changed since they were registered become new versions, and the
    /// inputs without a result under this configuration are pending.
    ///
    /// - Parameter only: when given, only the inputs with these keys (a supervisor re-running the
    ///   clips that were in flight when its worker crashed, one at a time).
    /// - Throws: `WeightsError` (the weights are missing or invalid), `StoreError` when the suite
    ///   cannot be read.
    public func prepare(suite: String, models: [String]? = nil, only: Set<String>? = nil) throws -> PreparedRun {
        let store = evaluator.store
        // Files may have changed since they were registered: register them again (cheap through
        // the path cache), so a changed file is a new version, evaluated now.
        var changed = 0
        for input in try store.currentInputs(suite: suite, models: models) {
            let spec = SampleInputSpec(
                model: input.model, sampleID: input.sampleID, category: input.category, index: input.index, videoPath: input.videoPath,
                speechPath: input.speechPath, boxesPath: input.boxesPath)
            if try store.register(spec, suite: suite) == .newVersion { changed += 1 }
        }
        let all = try store.currentInputs(suite: suite, models: models)
        let mine = all.filter { input in
            (shard?.contains(suite: suite, model: input.model, sampleID: input.sampleID) ?? true) && (only?.contains(input.key) ?? true)
        }
        let configWithS3FD = mine.contains { $0.boxesPath == nil } ? try evaluator.configurationKey(usesS3FD: true) : ""
        let configWithBoxes = mine.contains { $0.boxesPath != nil } ? try evaluator.configurationKey(usesS3FD: false) : ""
        var pending: [SampleInput] = []
        for input in mine where try store.benchResult(inputKey: input.key, configKey: input.boxesPath == nil ? configWithS3FD : configWithBoxes) == nil {
            pending.append(input)
        }
        let plan = BenchmarkPlan(inputs: mine.count, outsideShard: all.count - mine.count, done: mine.count - pending.count, pending: pending.count, changed: changed)
        return PreparedRun(suite: suite, plan: plan, inputs: mine, pending: pending, configWithS3FD: configWithS3FD, configWithBoxes: configWithBoxes)
    }

    /// Runs the suite's current inputs (of `models`, or all): ``prepare(suite:models:)``, then
    /// ``run(_:shouldStop:progress:)``.
    public func run(
        suite: String, models: [String]? = nil, only: Set<String>? = nil, shouldStop: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (BenchmarkEvent) -> Void = { _ in }
    ) throws -> BenchmarkSummary {
        try run(prepare(suite: suite, models: models, only: only), shouldStop: shouldStop, progress: progress)
    }

    /// Evaluates the pending inputs of a prepared run. An input another run has finished since
    /// it was prepared is skipped (`claimedElsewhere`).
    ///
    /// - Parameters:
    ///   - shouldStop: polled between inputs; when it returns true no new input starts.
    ///   - progress: called for every event, from the jobs' threads (serialised).
    /// - Throws: `WeightsError` (the weights are missing or invalid).
    public func run(
        _ prepared: PreparedRun, shouldStop: @escaping @Sendable () -> Bool = { false },
        progress: @escaping @Sendable (BenchmarkEvent) -> Void = { _ in }
    ) throws -> BenchmarkSummary {
        let store = evaluator.store
        let pending = prepared.pending
        let state = RunState(summary: BenchmarkSummary(plan: prepared.plan), pending: pending, progress: progress)
        state.report(.planned(prepared.plan))
        guard !pending.isEmpty else { return state.summary }
        let config: @Sendable (SampleInput) -> String = { prepared.configKey(of: $0) }

        let owner = ClaimOwner.current()
        let heartbeat = Heartbeat(store: store, owner: owner, interval: heartbeatInterval)
        heartbeat.start()
        defer { heartbeat.stop() }
        let workers = min(jobs, pending.count)
        let threads = threadsPerJob
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            Parallel.withWorkers(threads) {
                while !state.isAborted, let input = state.next() {
                    if shouldStop() {
                        state.interrupt()
                        return
                    }
                    work(on: input, config: config(input), owner: owner, state: state)
                }
            }
        }
        if let fatal = state.fatalError { throw fatal }
        return state.summary
    }

    private func work(on input: SampleInput, config: String, owner: ClaimOwner, state: RunState) {
        let store = evaluator.store
        do {
            guard try store.claim(inputKey: input.key, configKey: config, owner: owner, staleAfter: staleAfter, isAlive: Self.processIsAlive) else {
                state.claimedElsewhere(input)
                return
            }
            // Another run may have finished it between planning and claiming.
            if try store.benchResult(inputKey: input.key, configKey: config) != nil {
                try store.releaseClaim(inputKey: input.key, configKey: config, owner: owner)
                state.claimedElsewhere(input)
                return
            }
            state.report(.started(input))
            let started = ContinuousClock.now
            let result: BenchResult
            var computed = true
            var evaluated: ClipEvaluation? = nil
            func record(_ status: String, _ message: String, evaluation: String? = nil) -> BenchResult {
                BenchResult(
                    inputKey: input.key, configKey: config, profile: evaluator.settings.profile.rawValue, clean: evaluator.settings.clean,
                    evaluationKey: evaluation, status: status, message: message, seconds: (ContinuousClock.now - started).seconds)
            }
            if input.videoSHA256 == nil || !FileManager.default.fileExists(atPath: input.videoPath) {
                result = record("missing", input.problem ?? "\(input.videoPath): no such file (video)")
            } else {
                do {
                    let evaluation = try evaluator.evaluate(video: input.videoPath, audio: input.speechPath, boxes: input.boxesPath)
                    computed = evaluation.stages.contains { $0.outcome != .cached }
                    evaluated = evaluation
                    result = record(evaluation.status.rawValue, evaluation.message, evaluation: evaluation.key)
                } catch let error as MissingInputFile {
                    result = record("missing", error.description)
                } catch let error as DetectionBoxes.LoadError {
                    result = record("input_error", error.description)
                }
            }
            try store.save(result)
            state.finished(input, result, evaluation: evaluated, computed: computed)
        } catch let error as WeightsError {
            try? store.releaseClaim(inputKey: input.key, configKey: config, owner: owner)
            state.abort(error)
        } catch {
            try? store.releaseClaim(inputKey: input.key, configKey: config, owner: owner)
            state.failed(input, message: String(describing: error))
        }
    }

    /// The cores each of `jobs` jobs gets when they share the machine evenly: `cores / jobs`, at
    /// least 1.
    public static func threads(forJobs jobs: Int) -> Int { max(1, Parallel.processorCount / max(1, jobs)) }

    /// The number of jobs `bench run` uses when none is given: one per core (each then runs its
    /// layers on its own thread, the fastest split measured; docs/performance.md), but no more
    /// than the memory allows at ``memoryPerJob`` bytes each, and at most 64.
    public static func defaultJobs(memory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Int {
        let byMemory = Int(min(memory / memoryPerJob, 64))
        return max(1, min(Parallel.processorCount, byMemory, 64))
    }

    /// Memory set aside per job for ``defaultJobs(memory:)``: the largest peak measured for one job,
    /// the 1952×1056 clips of `four-models` (≈ 0.75 GiB, docs/performance.md), rounded up.
    public static let memoryPerJob: UInt64 = 1 << 30

    /// Whether process `pid` exists on this host and has not exited: a zombie (a worker killed
    /// with its supervisor, not yet reaped) holds no claim.
    @Sendable public static func processIsAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
            // /proc/PID/stat: "PID (COMMAND) STATE ...", COMMAND may hold spaces or parentheses.
            if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
                return stat[stat.index(after: close)...].trimmingPrefix(" ").first != "Z"
            }
        #endif
        return true
    }
}

/// The shared, locked state of a run's jobs.
private final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var queue: ArraySlice<SampleInput>
    private(set) var summary: BenchmarkSummary
    private(set) var fatalError: (any Error)?
    private let progress: @Sendable (BenchmarkEvent) -> Void

    init(summary: BenchmarkSummary, pending: [SampleInput], progress: @escaping @Sendable (BenchmarkEvent) -> Void) {
        self.summary = summary
        self.queue = pending[...]
        self.progress = progress
    }

    var isAborted: Bool { lock.withLock { fatalError != nil } }

    func next() -> SampleInput? { lock.withLock { queue.popFirst() } }

    func report(_ event: BenchmarkEvent) { lock.withLock { progress(event) } }

    func finished(_ input: SampleInput, _ result: BenchResult, evaluation: ClipEvaluation?, computed: Bool) {
        lock.withLock {
            summary.statuses[result.status, default: 0] += 1
            if !computed { summary.fromCache += 1 }
            progress(.finished(input, result, evaluation: evaluation, computed: computed))
        }
    }

    func failed(_ input: SampleInput, message: String) {
        lock.withLock {
            summary.failed += 1
            progress(.failed(input, message: message))
        }
    }

    func claimedElsewhere(_ input: SampleInput) {
        lock.withLock {
            summary.claimedElsewhere += 1
            progress(.claimedElsewhere(input))
        }
    }

    func interrupt() { lock.withLock { summary.interrupted = true } }

    func abort(_ error: any Error) { lock.withLock { if fatalError == nil { fatalError = error } } }
}

/// Refreshes a run's claims on a background thread.
private final class Heartbeat: @unchecked Sendable {
    private let store: Store
    private let owner: ClaimOwner
    private let interval: TimeInterval
    private let stopped = DispatchSemaphore(value: 0)
    private var thread: Thread?

    init(store: Store, owner: ClaimOwner, interval: TimeInterval) {
        self.store = store
        self.owner = owner
        self.interval = interval
    }

    func start() {
        let thread = Thread { [self] in
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                try? store.heartbeat(owner: owner)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() { stopped.signal() }
}
