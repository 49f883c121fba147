import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Scratch folders for tests, all inside one folder per test process
/// (`$TMPDIR/syncbench-test-run-<pid>/`) that is removed when the process exits.
///
/// Test databases, stand-in weights and extracted frames add up to gigabytes per run; before this
/// helper each test left its folder behind and repeated runs filled the disk. A run that was killed
/// cannot clean up after itself, so the first use also removes the folders of earlier runs whose
/// process no longer exists. Set `SYNCBENCH_KEEP_TEST_FILES=1` to keep the folder for inspection.
public enum ScratchDirectory {
    /// A new, empty folder named `<prefix>-<UUID>` inside this process's scratch folder.
    public static func make(_ prefix: String) throws -> URL {
        let url = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// This process's scratch folder, created (and its removal at exit registered) on first use.
    public static let root: URL = {
        let base = FileManager.default.temporaryDirectory
        removeFoldersOfFinishedRuns(in: base)
        let url = base.appendingPathComponent("\(prefix)\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["SYNCBENCH_KEEP_TEST_FILES"] != "1" {
            url.path.withCString { registeredRoot = strdup($0) }
            atexit {
                guard let path = registeredRoot else { return }
                try? FileManager.default.removeItem(atPath: String(cString: path))
            }
        }
        return url
    }()

    private static let prefix = "syncbench-test-run-"

    /// The root to remove at exit, as a C string: the `atexit` handler cannot capture context.
    nonisolated(unsafe) private static var registeredRoot: UnsafeMutablePointer<CChar>?

    /// Removes `syncbench-test-run-<pid>` folders whose process has ended.
    private static func removeFoldersOfFinishedRuns(in base: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
            }
        }
    }
}
