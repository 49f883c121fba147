import Foundation

/// Runs the built `syncbench` binary as a user would.
public enum SyncBenchBinary {
    public static let url: URL = {
        // Test bundles are built next to the products: .build/<triple>/<configuration>/.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("syncbench")
    }()

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Whether the process died of a signal (`status` is then the signal number).
        public var signalled: Bool = false
    }

    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        try runProgram(url.path, arguments, environment: environment)
    }

    /// Runs another program (e.g. `script` around the binary) the same way.
    public static func runProgram(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal)
    }
}

/// A temporary folder for tests of the binary: stand-in weights in `weights/` and a database path.
public struct BinaryWorkspace: Sendable {
    public let directory: URL
    /// The weights folder (`--weights`), holding the stand-in files.
    public let weights: String
    /// The database (`--db`), not created yet.
    public let database: String

    /// Creates `syncbench-<name>-<UUID>` in the temporary folder and writes the stand-in weights.
    public init(_ name: String, database: String = "cache.sqlite") throws {
        directory = try ScratchDirectory.make(name)
        weights = directory.appendingPathComponent("weights").path
        self.database = directory.appendingPathComponent(database).path
        let written = try SyncBenchBinary.run(["weights", "standin", weights])
        guard written.status == 0 else { throw BinaryWorkspaceError(message: "weights standin failed: \(written.stderr)") }
    }
}

struct BinaryWorkspaceError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
