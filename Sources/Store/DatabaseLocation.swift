import Foundation

/// Where the SyncBench database lives, and what chose it.
///
/// The path is resolved in this order:
/// 1. the explicit value of the `--db` option;
/// 2. the environment variable `SYNCBENCH_DB`;
/// 3. `syncbench.sqlite` in the current directory.
///
/// An empty value counts as absent, so `SYNCBENCH_DB=` falls through to the default. A relative
/// path is relative to the current directory. ``resolve(explicit:environment:currentDirectory:)``
/// is a pure function of its arguments; the command-line tool passes `ProcessInfo`'s environment.
public struct DatabaseLocation: Sendable, Equatable {
    /// What chose a database location.
    public enum Source: String, Sendable {
        /// The `--db` option.
        case option
        /// The `SYNCBENCH_DB` environment variable.
        case environment
        /// Neither: the default file name in the current directory.
        case defaultFile
    }

    /// The environment variable naming the database file.
    public static let environmentVariable = "SYNCBENCH_DB"
    /// The database file name used when neither `--db` nor `SYNCBENCH_DB` is given.
    public static let defaultFileName = "syncbench.sqlite"

    /// The absolute, standardized file URL of the database.
    public var url: URL
    /// What chose ``url``.
    public var source: Source

    public init(url: URL, source: Source) {
        self.url = url
        self.source = source
    }

    /// Resolves the database location.
    ///
    /// - Parameters:
    ///   - explicit: The value of the `--db` option, or `nil` if it was not given.
    ///   - environment: The process environment; only ``environmentVariable`` is read.
    ///   - currentDirectory: The directory relative paths are resolved against.
    /// - Returns: The location and what chose it.
    public static func resolve(
        explicit: String?, environment: [String: String], currentDirectory: URL
    ) -> DatabaseLocation {
        if let explicit, !explicit.isEmpty {
            return DatabaseLocation(url: absolute(explicit, in: currentDirectory), source: .option)
        }
        if let value = environment[environmentVariable], !value.isEmpty {
            return DatabaseLocation(url: absolute(value, in: currentDirectory), source: .environment)
        }
        return DatabaseLocation(url: absolute(defaultFileName, in: currentDirectory), source: .defaultFile)
    }

    private static func absolute(_ path: String, in directory: URL) -> URL {
        let url =
            path.hasPrefix("/")
            ? URL(filePath: path, directoryHint: .notDirectory)
            : directory.appending(path: path, directoryHint: .notDirectory)
        return url.standardizedFileURL
    }
}
