import Foundation
import Pipeline
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// A file's content digest computed on a thread of its own at the lowest scheduling priority, so
/// that it takes only the CPU time an evaluation leaves idle.
///
/// An evaluation with face boxes records the S3FD weights it did not use with their digest
/// (``ClipEvaluator/provenance(usesS3FD:)``): reading and hashing the 90 MB file took about
/// 0.15 s of one core after the scores were known, with the other core idle. At nice 19 the
/// hashing yields to the evaluation's threads and runs in their slack instead (measured: during
/// the decode pass; docs/performance.md, "Idle time"). ``wait()`` returns once the digest is in
/// the store's path cache, where ``ClipEvaluator/digest(of:)`` then finds it; a failure is not
/// reported here but by that later call, which reads the file again.
final class IdleDigest: Sendable {
    private let hashing: BackgroundResult<Void>

    init(store: Store, path: String) {
        hashing = BackgroundResult(name: "syncbench.idle-digest") {
            // When the priority cannot be lowered, the digest is only computed at the normal one.
            _ = Self.lowerThreadPriority()
            _ = try? store.contentDigest(ofFileAt: URL(fileURLWithPath: path))
        }
    }

    /// Waits until the digest is recorded (or failed).
    func wait() {
        // The hashing does not throw: a failure is the later `contentDigest` call's to report.
        _ = try? hashing.value()
    }

    /// The nice value of the hashing thread: the lowest priority Linux gives a normal thread.
    static let niceness: Int32 = 19

    /// Gives the calling thread ``niceness`` (on Linux a nice value belongs to the thread:
    /// `setpriority(PRIO_PROCESS, gettid(), 19)`). Returns whether it took.
    static func lowerThreadPriority() -> Bool {
        #if canImport(Glibc)
            guard let threadID = currentThreadID() else { return false }
            return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(threadID), niceness) == 0
        #else
            return false
        #endif
    }

    #if canImport(Glibc)
        /// The calling thread's id: glibc's `gettid()`, found at run time because Swift's Glibc
        /// module leaves it out; nil when the C library has none.
        static func currentThreadID() -> pid_t? {
            typealias GetThreadID = @convention(c) () -> pid_t
            guard let symbol = dlsym(nil, "gettid") else { return nil }
            return unsafeBitCast(symbol, to: GetThreadID.self)()
        }
    #endif
}
