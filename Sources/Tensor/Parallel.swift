import Dispatch
import Foundation

/// The module's multi-threading: a fixed number of workers (one per active core) driven by
/// `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// The number of workers, one per active processor.
    public static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body(i)` for every `i` in `0..<count`, concurrently when more than one worker and
    /// more than one iteration exist. Iterations must write disjoint memory.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if count == 1 || workerCount == 1 {
            for i in 0..<count { body(i) }
            return
        }
        // Iterations write disjoint memory by contract; Dispatch requires a @Sendable closure.
        withoutActuallyEscaping(body) { escapable in
            nonisolated(unsafe) let work = escapable
            DispatchQueue.concurrentPerform(iterations: count) { work($0) }
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
