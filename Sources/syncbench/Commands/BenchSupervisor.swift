import Benchmark
import Foundation
import Pipeline
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps a batch alive whatever one clip does: `bench run` evaluates in a worker process (the same
/// command with `--worker`) and watches it. When the worker dies of a signal (a trap, a crash in a
/// C library, the kernel's OOM killer), the clips it held claims on were in flight:
///
/// - one clip in flight: it gets the status `internal_error` with the worker's last fatal-error
///   line, and a new worker goes on with the rest;
/// - several (`--jobs` > 1): each is run again alone (`--only-input KEY --jobs 1`); the one that
///   brings its worker down again gets `internal_error`, the others their real results.
///
/// The worker's standard error passes through (its last 64 KiB kept for the message); its standard
/// output is the supervisor's. Signals go to the worker (``Interrupts``), which runs in a process
/// group of its own and dies with its supervisor (``exitWithSupervisor()``).
struct BenchSupervisor {
    /// The `bench run` arguments as given (without the executable).
    var arguments: [String]
    var progressBar: Bool
    var store: Store
    /// `--profile`, or nil: each suite's recorded profile (``recordedProfile(of:)``).
    var profile: EvaluationProfile?
    var clean: Bool

    /// How a worker ended.
    struct Exit {
        var status: Int32?
        var signal: Int32?
        var pid: pid_t
        var stderrTail: String
    }

    /// Runs workers until one finishes the batch; returns the exit status for `bench run`.
    func run() throws -> Int32 {
        Interrupts.installForwarding()
        var isolate: [String] = []
        var isolated: Set<String> = []
        while true {
            if Interrupts.isSet { return 130 }
            let alone = isolate.first
            var workerArguments = arguments + ["--worker"] + (progressBar ? ["--progress-bar"] : [])
            if let alone { workerArguments += ["--only-input", alone, "--jobs", "1"] }
            let exit = try spawnWorker(workerArguments)
            guard let signal = exit.signal else {
                let status = exit.status ?? 1
                guard alone != nil, status == 0 else { return status }
                isolate.removeFirst()
                continue
            }
            let inFlight = try reportingFailures { try store.claims(host: ClaimOwner.current().host, pid: exit.pid) }
            guard !inFlight.isEmpty else {
                throw fail("the worker process died (\(Self.describe(signal: signal))) while no clip was in flight\(Self.lastFatalLine(exit.stderrTail).map { ": \($0)" } ?? "")", status: .failure)
            }
            if inFlight.count == 1 || alone != nil {
                for claim in inFlight { try recordCrash(claim, signal: signal, stderrTail: exit.stderrTail) }
                if alone != nil { isolate.removeFirst() }
            } else {
                let keys = inFlight.map(\.inputKey).filter { !isolated.contains($0) }
                isolated.formUnion(keys)
                isolate += keys
                note("the worker process died (\(Self.describe(signal: signal))) with \(inFlight.count) clips in flight; running each of them alone")
                if keys.isEmpty {
                    // Every clip in flight was already run alone and survived: record them all.
                    for claim in inFlight { try recordCrash(claim, signal: signal, stderrTail: exit.stderrTail) }
                }
            }
        }
    }

    private func recordCrash(_ claim: (inputKey: String, configKey: String), signal: Int32, stderrTail: String) throws {
        let fatal = Self.lastFatalLine(stderrTail).map { ": \($0)" } ?? ""
        let message = "the evaluation crashed (\(Self.describe(signal: signal)))\(fatal). This is a bug in SyncBench: please report it with the clip"
        let result = BenchResult(
            inputKey: claim.inputKey, configKey: claim.configKey, profile: try profile(ofInput: claim.inputKey).rawValue, clean: clean, evaluationKey: nil,
            status: Self.internalError, message: message, seconds: 0)
        try reportingFailures { try store.save(result) }
        note("\(sampleName(claim.inputKey)): \(Self.internalError): \(message)")
    }

    /// The status of a clip whose evaluation brought its process down.
    static let internalError = "internal_error"

    /// The profile the worker ran the input `key` with: `--profile`, or its suite's recorded one.
    private func profile(ofInput key: String) throws -> EvaluationProfile {
        if let profile { return profile }
        for suite in try reportingFailures({ try store.suites() }) where try reportingFailures({ try store.currentInputs(suite: suite.name) }).contains(where: { $0.key == key }) {
            return try recordedProfile(of: suite)
        }
        return .mochabench
    }

    private func sampleName(_ key: String) -> String {
        let suites = (try? store.suites()) ?? []
        for suite in suites {
            if let input = try? store.currentInputs(suite: suite.name).first(where: { $0.key == key }) { return "\(input.model) \(input.sampleID)" }
        }
        return "input \(key.prefix(12))"
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data(((progressBar ? "\r\u{1B}[K" : "") + "syncbench: \(text)\n").utf8))
    }

    /// `SIGILL (signal 4)`.
    static func describe(signal: Int32) -> String {
        let names: [Int32: String] = [SIGILL: "SIGILL", SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGTRAP: "SIGTRAP"]
        return "\(names[signal] ?? "signal") (signal \(signal))"
    }

    /// The Swift runtime's `…: Fatal error: …` line, the last one in `text`.
    static func lastFatalLine(_ text: String) -> String? {
        text.split(separator: "\n").last { $0.contains("Fatal error") || $0.contains("Precondition failed") || $0.contains("Assertion failed") }
            .map { String($0.trimmingCharacters(in: .whitespaces).prefix(500)) }
    }

    /// Starts the worker in its own process group with its standard error on a pipe, passes that on
    /// while it runs, and waits for it.
    private func spawnWorker(_ workerArguments: [String]) throws -> Exit {
        let executable = Self.executablePath()
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw fail("cannot start the worker process: pipe: \(String(cString: strerror(errno)))", status: .failure) }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, STDERR_FILENO)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        // Own process group: a terminal's Ctrl-C reaches the supervisor only, which passes it on
        // once. Default signal actions and an empty mask in the worker.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + workerArguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw fail("cannot start the worker process \(executable): \(String(cString: strerror(spawned)))", status: .failure)
        }
        Interrupts.forward(to: pid)
        defer { Interrupts.forward(to: 0) }
        let tail = StderrTail()
        let relay = Thread {
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                let chunk = Data(buffer[0..<n])
                FileHandle.standardError.write(chunk)
                tail.append(chunk)
            }
            close(readEnd)
            tail.finish()
        }
        relay.start()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        tail.waitUntilFinished()
        // WIFEXITED / WIFSIGNALED, spelled out (macros are not imported).
        let signalled = status & 0x7f
        if signalled == 0 { return Exit(status: (status >> 8) & 0xff, signal: nil, pid: pid, stderrTail: tail.text) }
        return Exit(status: nil, signal: signalled, pid: pid, stderrTail: tail.text)
    }

    /// Worker: quits (status 137) within 50 ms of its supervisor's death, so that a `kill -9` of
    /// `bench run` stops the work and frees its claims, as it did before the work moved to a worker.
    static func exitWithSupervisor() {
        let supervisor = getppid()
        let watch = Thread {
            while getppid() == supervisor { usleep(50_000) }
            _exit(137)
        }
        watch.start()
    }

    /// This program's executable.
    static func executablePath() -> String {
        #if os(Linux)
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}

/// The last 64 KiB of what the worker wrote on standard error.
private final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()
    private let done = DispatchSemaphore(value: 0)

    func append(_ chunk: Data) {
        lock.withLock {
            bytes.append(chunk)
            if bytes.count > 65536 { bytes = bytes.suffix(65536) }
        }
    }

    func finish() { done.signal() }
    func waitUntilFinished() { done.wait() }
    var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }
}
