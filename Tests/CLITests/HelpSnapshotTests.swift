import ArgumentParser
import Foundation
import TestSupport
import Testing

@testable import syncbench

/// Snapshots of what users see in `--help`: `syncbench --help` and the help of every command below
/// it, nested ones included (`bench add folder`, `query export`, …), each stored as
/// `HelpSnapshots/<command path>.txt` (`syncbench.txt` for the root, `bench-add-folder.txt` for
/// `syncbench bench add folder`) and compared exactly.
///
/// The help is rendered as swift-argument-parser's own `AssertHelp` does,
/// `SyncBench.helpMessage(for:includeHidden:columns:)` at a fixed 80 columns, so the terminal of
/// whoever runs the tests does not matter. The commands are read recursively from the
/// `CommandConfiguration`s, never listed here, so a new subcommand without a snapshot fails
/// ("no snapshot"), and so does a snapshot whose command is gone.
///
/// Nothing is normalised: no help text holds a version (`--version` prints it; the help only says
/// the flag exists), a path of this machine or a default computed at run time. If one ever does,
/// replace it here with a placeholder before comparing, and say why.
///
/// To accept a change: `SYNCBENCH_UPDATE_HELP_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`
/// rewrites the files (and deletes those of removed commands) instead of failing; review the
/// result with `git diff Tests/CLITests/HelpSnapshots` (docs/cli.md).
@Suite("syncbench help snapshots")
struct HelpSnapshotTests {
    static let columns = 80
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("HelpSnapshots")
    static let updating = ProcessInfo.processInfo.environment["SYNCBENCH_UPDATE_HELP_SNAPSHOTS"] == "1"
    static let regenerate = "SYNCBENCH_UPDATE_HELP_SNAPSHOTS=1 swift test --filter HelpSnapshotTests"

    /// A command: its names below `syncbench` (empty for the root) and its type.
    struct Command {
        var path: [String]
        var type: any ParsableCommand.Type

        var displayName: String { (["syncbench"] + path).joined(separator: " ") }
        var fileName: String { (path.isEmpty ? "syncbench" : path.joined(separator: "-")) + ".txt" }
    }

    /// Every command of the tree, depth first, from the configurations.
    static func commands(below type: any ParsableCommand.Type = SyncBench.self, path: [String] = []) -> [Command] {
        [Command(path: path, type: type)]
            + type.configuration.subcommands.flatMap { sub in
                commands(below: sub, path: path + [sub._commandName])
            }
    }

    /// The snapshot file names of every command, for the parameterised test (names are `Sendable`,
    /// command types are not).
    static let fileNames = commands().map(\.fileName)

    static func command(file: String) -> Command {
        commands().first { $0.fileName == file }!
    }

    @Test("The command tree is what the snapshots are named after: at least the known nested commands, no two with one file name")
    func commandTree() {
        let commands = Self.commands()
        let names = commands.map(\.displayName)
        for expected in ["syncbench", "syncbench bench add folder", "syncbench bench run", "syncbench query export", "syncbench db merge", "syncbench weights standin"] {
            #expect(names.contains(expected), "\(expected) is missing from the command tree: \(names)")
        }
        let files = commands.map(\.fileName)
        #expect(Set(files).count == files.count, "two commands share a snapshot file name: \(files)")
    }

    @Test("Each command's help matches its snapshot", arguments: fileNames)
    func help(file: String) throws {
        let command = Self.command(file: file)
        let actual = Self.help(command.type)
        let url = Self.folder.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if Self.updating { return try Self.write(actual, to: url) }
            Issue.record(
                """
                \(command.displayName) has no help snapshot (Tests/CLITests/HelpSnapshots/\(file)); a new command \
                needs one. Create it with: \(Self.regenerate)
                """)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        guard actual != expected else { return }
        if Self.updating { return try Self.write(actual, to: url) }
        Issue.record(
            """
            The help of \(command.displayName) differs from Tests/CLITests/HelpSnapshots/\(file) \
            (- snapshot, + now):
            \(Self.lineDiff(expected, actual))
            If the change is intended, regenerate the snapshots with: \(Self.regenerate)
            and review them with git diff.
            """)
    }

    @Test("No snapshot without a command")
    func noStaleSnapshots() throws {
        let known = Set(Self.fileNames)
        let stored = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".txt") }
        for file in stored.sorted() where !known.contains(file) {
            if Self.updating {
                try FileManager.default.removeItem(at: Self.folder.appendingPathComponent(file))
            } else {
                Issue.record("Tests/CLITests/HelpSnapshots/\(file) names no command; delete it, or run: \(Self.regenerate)")
            }
        }
    }

    @Test("The binary's --help at COLUMNS=80 prints the same text: the snapshots are what users see")
    func binaryMatches() throws {
        for command in Self.commands() {
            let output = try SyncBenchBinary.run(command.path + ["--help"], environment: ["COLUMNS": String(Self.columns)])
            #expect(output.status == 0, "\(command.displayName) --help: \(output.stderr)")
            let expected = Self.help(command.type)
            #expect(output.stdout == expected, "\(command.displayName) --help (- in process, + binary):\n\(Self.lineDiff(expected, output.stdout))")
        }
    }

    /// The help of `type` as `syncbench … --help` prints it in an 80-column terminal: the generator's
    /// text and the newline of its print().
    static func help(_ type: any ParsableCommand.Type) -> String {
        SyncBench.helpMessage(for: type, includeHidden: false, columns: columns) + "\n"
    }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// A line diff of `old` and `new` (longest common subsequence): unchanged lines indented two
    /// spaces, removed ones `- `, added ones `+ `. Help texts are short, so the quadratic table is
    /// fine.
    static func lineDiff(_ old: String, _ new: String) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false)
        var common = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var lines: [String] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append("  " + a[i])
                i += 1
                j += 1
            } else if i < a.count, j == b.count || common[i + 1][j] >= common[i][j + 1] {
                lines.append("- " + a[i])
                i += 1
            } else {
                lines.append("+ " + b[j])
                j += 1
            }
        }
        return lines.joined(separator: "\n")
    }
}
