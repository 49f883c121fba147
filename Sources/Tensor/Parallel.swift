import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The module's multi-threading: each layer splits its work over `workerCount` workers driven by
/// `DispatchQueue.concurrentPerform`.
///
/// By default a layer may use every active core. A caller that runs several evaluations at once
/// (`bench run --jobs N`) gives each of its threads a share of the cores with ``withWorkers(_:_:)``:
/// with one worker a layer runs on the calling thread alone, so N jobs with one worker each keep N
/// cores busy without the jobs' layers competing for the same cores. Workers write disjoint
/// outputs, but how a layer cuts a product into pieces follows ``workerCount``, and OpenBLAS's
/// kernels for some CPUs (its ZEN ones, on AMD Zen 3) round an element differently when a product's
/// rows or columns are split: there, a one-worker job's embeddings can differ from a two-worker
/// evaluation's in their last bits (docs/performance.md, "Jobs and threads"). A
/// ``WorkerShare`` changes only how many pieces run at once, never the pieces.
public enum Parallel {
    /// The active processors of the machine.
    public static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The workers a layer plans its work for on the calling thread: ``processorCount``, or the
    /// count given to the enclosing ``withWorkers(_:_:)``. How a layer cuts its work into pieces
    /// depends on it (and with OpenBLAS's kernels on some CPUs, the last bits of a product do).
    public static var workerCount: Int { threadBudget ?? processorCount }

    /// The pieces of a layer that run at once: ``workerCount``, or fewer while an enclosing
    /// ``withWorkers(_:_:)-(WorkerShare,_)``'s share holds fewer. The pieces, and so every result,
    /// stay those of ``workerCount``.
    static var concurrency: Int {
        guard let raw = pthread_getspecific(shareKey) else { return workerCount }
        return max(1, min(Unmanaged<WorkerShare>.fromOpaque(raw).takeUnretainedValue().count, workerCount))
    }

    /// Runs `body` with as many of its layers' pieces at once as `share` holds when each layer
    /// starts them (clamped to 1...``workerCount``): its owner changes the count while `body` runs,
    /// e.g. to leave a core to another thread while that thread has work. The layers still cut
    /// their work for ``workerCount`` workers, so no result changes.
    public static func withWorkers<Result>(_ share: WorkerShare, _ body: () throws -> Result) rethrows -> Result {
        let previous = pthread_getspecific(shareKey)
        return try withExtendedLifetime(share) {
            pthread_setspecific(shareKey, Unmanaged.passUnretained(share).toOpaque())
            defer { pthread_setspecific(shareKey, previous) }
            return try body()
        }
    }

    /// A number of workers that one thread sets and the layers of another read (``withWorkers(_:_:)-(WorkerShare,_)``).
    public final class WorkerShare: Sendable {
        private let value: Atomic<Int>

        public init(_ count: Int) { value = Atomic(max(1, count)) }

        /// The pieces a layer may run at once now.
        public var count: Int {
            get { value.load(ordering: .relaxed) }
            set { value.store(max(1, newValue), ordering: .relaxed) }
        }
    }

    private static let shareKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed with \(status)")
        return key
    }()

    /// Runs `body` with at most `count` workers per layer on the calling thread (clamped to
    /// 1...``processorCount``), then restores the previous count.
    public static func withWorkers<Result>(_ count: Int, _ body: () throws -> Result) rethrows -> Result {
        let previous = threadBudget, previousShare = pthread_getspecific(shareKey)
        threadBudget = max(1, min(count, processorCount))
        pthread_setspecific(shareKey, nil)
        defer {
            threadBudget = previous
            pthread_setspecific(shareKey, previousShare)
        }
        return try body()
    }

    /// The calling thread's worker count, kept in thread-specific storage (nil: not set).
    private static var threadBudget: Int? {
        get {
            let raw = Int(bitPattern: pthread_getspecific(budgetKey))
            return raw > 0 ? raw : nil
        }
        set { pthread_setspecific(budgetKey, newValue.flatMap { UnsafeRawPointer(bitPattern: $0) }) }
    }

    private static let budgetKey: pthread_key_t = {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed with \(status)")
        return key
    }()

    /// Calls `body(i)` for every `i` in `0..<count`, concurrently when more than one worker and
    /// more than one iteration exist. Iterations must write disjoint memory.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        let workers = concurrency
        if count == 1 || workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        // Iterations write disjoint memory by contract; Dispatch requires a @Sendable closure.
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            if workers >= processorCount || workers >= count {
                DispatchQueue.concurrentPerform(iterations: count) { work($0) }
            } else {
                // A share of the cores: `workers` strands, each taking every workers-th iteration.
                DispatchQueue.concurrentPerform(iterations: workers) { strand in
                    for i in stride(from: strand, to: count, by: workers) { work(i) }
                }
            }
        }
    }

    /// Splits `0..<count` into at most `workerCount × oversubscription` contiguous chunks and calls
    /// `body(range)` for each, concurrently.
    static func forChunks(_ count: Int, minimumChunk: Int = 1, oversubscription: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let pieces = max(1, min(workerCount * oversubscription, count / max(minimumChunk, 1)))
        let chunk = (count + pieces - 1) / pieces
        forEach((count + chunk - 1) / chunk) { i in
            body((i * chunk)..<min(count, (i + 1) * chunk))
        }
    }
}

/// Timing for benchmarks (no output of its own).
public enum KernelBenchmark {
    /// Runs `body` `warmup` times untimed, then `repetitions` times timed, and returns the timed
    /// durations in seconds (monotonic clock), in run order.
    public static func seconds(repetitions: Int, warmup: Int = 1, _ body: () -> Void) -> [Double] {
        precondition(repetitions > 0 && warmup >= 0, "KernelBenchmark needs repetitions > 0 and warmup >= 0")
        for _ in 0..<warmup { body() }
        let clock = ContinuousClock()
        return (0..<repetitions).map { _ in
            clock.measure(body).seconds
        }
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}

extension Duration {
    /// The duration in seconds (the one conversion SyncBench's timings use).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
