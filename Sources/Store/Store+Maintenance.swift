import Foundation
import GRDB

/// `syncbench cache stats | gc | verify`.
extension Store {
    /// Counts and sizes of what the cache holds.
    public struct CacheStatistics: Sendable, Codable, Equatable {
        public struct Stage: Sendable, Codable, Equatable {
            public var stage: String
            public var artifacts: Int
            public var payloadBytes: Int
            public var frames: Int
            public var frameBytes: Int
            public var computeSeconds: Double
        }
        public var stages: [Stage]
        public var evaluations: Int
        public var evaluationsByStatus: [String: Int]
        /// Frames whose artifact row does not exist (left by an interrupted run).
        public var orphanFrames: Int
        /// Artifacts no evaluation refers to.
        public var unreferencedArtifacts: Int
        public var databaseBytes: Int?
    }

    public func cacheStatistics() throws(StoreError) -> CacheStatistics {
        let location = location
        return try perform("read cache statistics") {
            try writer.read { db in
                var stages: [CacheStatistics.Stage] = []
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT a.stage AS stage, count(*) AS artifacts, sum(length(a.payload)) AS bytes, sum(a.frameCount) AS frames,
                               sum(a.seconds) AS seconds,
                               coalesce(sum((SELECT sum(length(f.png)) FROM artifactFrame f WHERE f.artifactKey = a.key)), 0) AS frameBytes
                        FROM artifact a GROUP BY a.stage ORDER BY a.stage
                        """)
                {
                    stages.append(
                        .init(stage: row["stage"], artifacts: row["artifacts"], payloadBytes: row["bytes"] ?? 0, frames: row["frames"] ?? 0,
                              frameBytes: row["frameBytes"] ?? 0, computeSeconds: row["seconds"] ?? 0))
                }
                var byStatus: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM evaluation GROUP BY status") {
                    byStatus[row["status"]] = row["n"]
                }
                let evaluations = byStatus.values.reduce(0, +)
                let orphans = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM artifactFrame WHERE artifactKey NOT IN (SELECT key FROM artifact)") ?? 0
                let unreferenced = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM artifact WHERE key NOT IN (SELECT artifactKey FROM evaluationArtifact)") ?? 0
                var bytes: Int? = nil
                if let location {
                    let path = location.path(percentEncoded: false)
                    bytes = ["", "-wal"].compactMap { suffix in
                        (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? nil
                    }.reduce(0, +)
                }
                return CacheStatistics(
                    stages: stages, evaluations: evaluations, evaluationsByStatus: byStatus, orphanFrames: orphans,
                    unreferencedArtifacts: unreferenced, databaseBytes: bytes)
            }
        }
    }

    /// What `collectGarbage()` removed.
    public struct GarbageReport: Sendable, Codable, Equatable {
        public var artifacts: Int
        public var frames: Int
        public var bytesBefore: Int?
        public var bytesAfter: Int?
    }

    /// Deletes artifacts no evaluation refers to and frames without an artifact, in one
    /// transaction, then checkpoints the WAL and vacuums the file.
    public func collectGarbage() throws(StoreError) -> GarbageReport {
        let before = try cacheStatistics().databaseBytes
        let (artifacts, frames): (Int, Int) = try perform("collect garbage") {
            try writer.write { db in
                try db.execute(sql: "DELETE FROM artifact WHERE key NOT IN (SELECT artifactKey FROM evaluationArtifact)")
                let artifacts = db.changesCount
                try db.execute(sql: "DELETE FROM artifactFrame WHERE artifactKey NOT IN (SELECT key FROM artifact)")
                return (artifacts, db.changesCount)
            }
        }
        if location != nil {
            try perform("vacuum") {
                try writer.vacuum()
                try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            }
        }
        let after = try cacheStatistics().databaseBytes
        return GarbageReport(artifacts: artifacts, frames: frames, bytesBefore: before, bytesAfter: after)
    }

    /// A problem `verify()` found.
    public struct VerificationIssue: Sendable, Codable, Equatable {
        public var subject: String
        public var problem: String
    }

    /// Checks the database: SQLite's `integrity_check` and `foreign_key_check`, every artifact's
    /// payload against its stored SHA-256 and its frame count, and every evaluation's JSON.
    public func verify() throws(StoreError) -> [VerificationIssue] {
        try perform("verify") {
            try writer.read { db in
                var issues: [VerificationIssue] = []
                for message in try String.fetchAll(db, sql: "PRAGMA integrity_check") where message != "ok" {
                    issues.append(.init(subject: "database", problem: message))
                }
                for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                    issues.append(.init(subject: "table \(row[0] as String? ?? "?")", problem: "row \(row[1] as Int64? ?? -1) breaks a foreign key"))
                }
                let cursor = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT a.key, a.stage, a.payload, a.payloadSHA256, a.frameCount,
                               (SELECT count(*) FROM artifactFrame f WHERE f.artifactKey = a.key) AS frames
                        FROM artifact a
                        """)
                while let row = try cursor.next() {
                    let key: String = row["key"], stage: String = row["stage"]
                    let payload: Data = row["payload"] ?? Data()
                    if ContentDigest.sha256(of: payload) != row["payloadSHA256"] {
                        issues.append(.init(subject: "\(stage) \(key.prefix(12))", problem: "payload does not match its SHA-256"))
                    }
                    let expected: Int = row["frameCount"], found: Int = row["frames"]
                    if expected != found {
                        issues.append(.init(subject: "\(stage) \(key.prefix(12))", problem: "\(found) frames stored, \(expected) expected"))
                    }
                }
                for row in try Row.fetchAll(db, sql: "SELECT key FROM evaluation WHERE NOT json_valid(resultJSON)") {
                    issues.append(.init(subject: "evaluation \((row["key"] as String).prefix(12))", problem: "result is not valid JSON"))
                }
                return issues
            }
        }
    }

    /// Runs a read-only SQL statement (`syncbench query sql`): column names and rows, each value
    /// as SQLite holds it (integer, real, text, blob or NULL).
    ///
    /// The statement runs on a read-only connection, so it cannot change the database.
    public func readOnlyQuery(_ sql: String, limit: Int = 10_000) throws(StoreError) -> (columns: [String], rows: [[QueryValue]]) {
        try perform("run query") {
            try writer.read { db in
                let statement = try db.makeStatement(sql: sql)
                guard statement.isReadonly else {
                    throw StoreError.invalidRecord(database: databaseName, operation: "run query", reason: "only read-only statements are allowed")
                }
                let columns = statement.columnNames
                var rows: [[QueryValue]] = []
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next(), rows.count < limit {
                    rows.append((0..<row.count).map { index -> QueryValue in
                        switch (row[index] as DatabaseValue).storage {
                        case .null: .null
                        case .int64(let v): .integer(v)
                        case .double(let v): .real(v)
                        case .string(let v): .text(v)
                        case .blob(let v): .blob(v)
                        }
                    })
                }
                return (columns, rows)
            }
        }
    }
}

/// A value of a `query sql` result, with SQLite's storage class.
public enum QueryValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}
