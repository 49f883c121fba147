import ArgumentParser
import Foundation
import Store

/// `syncbench db`: whole-database operations.
struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Combine databases (e.g. the shards of a distributed bench run).",
        subcommands: [DBMergeCommand.self]
    )
}

struct DBMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Copy everything several databases hold into one.",
        discussion: """
            Copies the cache (artifacts, crops, evaluations), the suites, models, samples and \
            their inputs, and the bench results of every SOURCE into --into (created if needed), \
            one transaction per source. Rows are keyed by content, so merging the same source \
            twice adds nothing; where two databases hold versions of the same row, the later \
            registration (inputs) or the later result wins. The sources are migrated to this \
            binary's schema if needed and otherwise left untouched.
            """
    )

    @Argument(help: "Databases to copy from.", completion: .file(extensions: ["sqlite"]))
    var sources: [String]

    @Option(help: "The database to copy into.", completion: .file(extensions: ["sqlite"]))
    var into: String

    func validate() throws {
        guard !sources.isEmpty else { throw ValidationError("name at least one database to merge") }
        for source in sources where !FileManager.default.fileExists(atPath: source) {
            throw ValidationError("\(source): no such file")
        }
    }

    func run() throws {
        let destination = URL(fileURLWithPath: into).standardizedFileURL
        let store = try reportingFailures { try Store.open(at: destination) }
        for source in sources {
            let summary = try reportingFailures { try store.merge(from: URL(fileURLWithPath: source).standardizedFileURL) }
            let rows = summary.rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("\(source): " + (rows.isEmpty ? "nothing new" : rows))
        }
    }
}
