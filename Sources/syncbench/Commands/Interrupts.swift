import Foundation
import Synchronization

/// Ctrl-C in `bench run`, handled in a plain signal handler so that it works however busy the
/// process is (a Dispatch signal source needs a free thread of the global queue, which a batch's
/// jobs can all be holding: the second Ctrl-C was then ignored).
///
/// A worker (the process that evaluates) stops after the clips in flight at the first Ctrl-C and
/// quits at once at the second. A supervisor forwards every SIGINT, SIGTERM and SIGHUP to its
/// worker, which runs in a process group of its own so that a terminal's Ctrl-C reaches it once.
enum Interrupts {
    /// SIGINTs received so far.
    private static let count = Atomic<Int>(0)
    /// Whether the worker draws a progress bar (the note then starts by clearing its line).
    private static let bar = Atomic<Bool>(false)
    /// The supervisor's current worker process, 0 when none runs.
    private static let worker = Atomic<Int32>(0)

    /// Whether Ctrl-C was pressed.
    static var isSet: Bool { count.load(ordering: .acquiring) > 0 }

    /// Worker: the first SIGINT asks the run to stop after the clips in flight (with a note on
    /// standard error), the second quits at once with status 130 (`_exit`: no teardown under
    /// running BLAS jobs; finished results are committed, the clips in flight are redone by the
    /// next run).
    static func installGracefulStop(progressBar: Bool) {
        bar.store(progressBar, ordering: .releasing)
        _ = count.load(ordering: .relaxed)
        signal(SIGINT) { _ in
            let (_, n) = Interrupts.count.wrappingAdd(1, ordering: .acquiringAndReleasing)
            guard n == 1 else { _exit(130) }
            let clear: StaticString = "\r\u{1B}[K"
            if Interrupts.bar.load(ordering: .acquiring) { _ = write(STDERR_FILENO, clear.utf8Start, clear.utf8CodeUnitCount) }
            let note: StaticString = "syncbench: stopping after the clips in flight (Ctrl-C again to quit now); rerun to resume\n"
            _ = write(STDERR_FILENO, note.utf8Start, note.utf8CodeUnitCount)
        }
    }

    /// Supervisor: passes SIGINT, SIGTERM and SIGHUP on to the current worker. At the third
    /// SIGINT (the worker should have quit at the second) the worker is killed and the supervisor
    /// exits with 130.
    static func installForwarding() {
        _ = count.load(ordering: .relaxed)
        _ = worker.load(ordering: .relaxed)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber) { signalNumber in
                let pid = Interrupts.worker.load(ordering: .acquiring)
                if signalNumber == SIGINT {
                    let (_, n) = Interrupts.count.wrappingAdd(1, ordering: .acquiringAndReleasing)
                    if n >= 3 {
                        if pid > 0 { kill(pid, SIGKILL) }
                        _exit(130)
                    }
                }
                if pid > 0 { kill(pid, signalNumber) }
            }
        }
    }

    /// Supervisor: the worker that signals go to (0: none).
    static func forward(to pid: Int32) { worker.store(pid, ordering: .releasing) }
}
