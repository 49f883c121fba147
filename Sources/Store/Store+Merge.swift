import Foundation
import GRDB

/// What ``Store/merge(from:)`` added: rows per table.
public struct MergeSummary: Sendable, Equatable, Codable {
    /// The source database.
    public var source: String
    /// Rows added (or updated to a newer version) per table, for tables where something changed.
    public var rows: [String: Int]
}

extension Store {
    /// The tables a merge copies, in an order that satisfies the foreign keys, with the conflict
    /// rule of each: content-keyed rows are equal when their keys are, so the first copy wins;
    /// sample inputs keep the later registration time (which decides the current version) and
    /// results the later finishing time. Claims are not copied (they belong to running processes).
    private static let mergedTables: [(table: String, key: [String], newer: String?)] = [
        ("mediaFile", ["sha256", "timelineMode"], nil),
        ("mediaPath", ["path"], nil),
        ("artifact", ["key"], nil),
        ("artifactFrame", ["artifactKey", "frameIndex"], nil),
        ("evaluation", ["key"], nil),
        ("evaluationTrack", ["evaluationKey", "track"], nil),
        ("evaluationArtifact", ["evaluationKey", "artifactKey"], nil),
        ("evaluationWeights", ["evaluationKey", "file"], nil),
        ("evaluationSoftware", ["evaluationKey"], nil),
        ("suite", ["name"], nil),
        ("suiteModel", ["suite", "model"], nil),
        ("suiteSample", ["suite", "sampleID"], nil),
        ("sampleInput", ["key"], "registeredAt"),
        ("benchResult", ["inputKey", "configKey"], "finishedAt"),
    ]

    /// Copies everything `source` holds that this database lacks, in one transaction: the cache,
    /// the evaluations, suites, models, samples, inputs and bench results (docs/bench.md).
    ///
    /// `source` is opened as a ``Store`` first (so it is migrated to this binary's schema) and
    /// otherwise not modified. Suites of the same name must have the same kind. Frames are copied
    /// only for artifacts the source holds whole.
    public func merge(from source: URL) throws(StoreError) -> MergeSummary {
        let sourceStore = try Store.open(at: source)
        let sourcePath = sourceStore.databaseName
        guard sourcePath != databaseName else {
            throw .invalidRecord(database: databaseName, operation: "merge", reason: "cannot merge a database into itself")
        }
        for suite in try sourceStore.suites() {
            if let existing = try self.suite(named: suite.name), existing.kind != suite.kind {
                throw .invalidRecord(
                    database: databaseName, operation: "merge \(sourcePath)",
                    reason: "suite \(suite.name) is a \(existing.kind.rawValue) suite here and a \(suite.kind.rawValue) suite there")
            }
        }
        return try perform("merge \(sourcePath)") {
            try writer.writeWithoutTransaction { db in
                try db.execute(sql: "ATTACH DATABASE ? AS source", arguments: [sourcePath])
                defer { try? db.execute(sql: "DETACH DATABASE source") }
                var rows: [String: Int] = [:]
                try db.inTransaction {
                    for (table, key, newer) in Self.mergedTables {
                        let columns = try Row.fetchAll(db, sql: "PRAGMA main.table_info(\(table))").map { $0["name"] as String }
                        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                        var filter = ""
                        if table == "artifactFrame" { filter = "WHERE artifactKey IN (SELECT key FROM source.artifact)" }
                        let conflict: String
                        if let newer {
                            let updates = columns.filter { !key.contains($0) }.map { "\"\($0)\" = excluded.\"\($0)\"" }.joined(separator: ", ")
                            conflict = "ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE SET \(updates) WHERE excluded.\(newer) > \(table).\(newer)"
                        } else {
                            conflict = "ON CONFLICT DO NOTHING"
                        }
                        // `WHERE true` disambiguates the upsert's ON CONFLICT from a join condition.
                        try db.execute(
                            sql: "INSERT INTO main.\(table) (\(list)) SELECT \(list) FROM source.\(table) \(filter.isEmpty ? "WHERE true" : filter) \(conflict)")
                        if db.changesCount > 0 { rows[table] = db.changesCount }
                    }
                    return .commit
                }
                return MergeSummary(source: sourcePath, rows: rows)
            }
        }
    }
}
