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
        /// Evaluations writing the cache (registered writers, live or left by a killed process).
        public var writers: Int
        /// Frames writers have staged for artifacts they have not finished.
        public var stagedFrames: Int
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
                let writers = try Int.fetchOne(db, sql: "SELECT count(*) FROM cacheWriter") ?? 0
                let staged = try Int.fetchOne(db, sql: "SELECT count(*) FROM stagedFrame") ?? 0
                var bytes: Int? = nil
                if let location {
                    let path = location.path(percentEncoded: false)
                    bytes = ["", "-wal"].compactMap { suffix in
                        (try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int) ?? nil
                    }.reduce(0, +)
                }
                return CacheStatistics(
                    stages: stages, evaluations: evaluations, evaluationsByStatus: byStatus, orphanFrames: orphans,
                    unreferencedArtifacts: unreferenced, writers: writers, stagedFrames: staged, databaseBytes: bytes)
            }
        }
    }

    /// What ``collectGarbage(staleAfter:now:isAlive:)`` did.
    public struct GarbageReport: Sendable, Codable, Equatable {
        /// Artifacts deleted (none while an evaluation is running).
        public var artifacts: Int
        /// Frames without an artifact row deleted (left by binaries before migration 0005).
        public var frames: Int
        /// Writers found dead (their process is gone) and deleted, and the frames they had staged.
        public var deadWriters: Int
        public var stagedFrames: Int
        /// Live writers: evaluations running now. While there is one, gc deletes no artifact
        /// (``keptArtifacts`` says how many it kept) and does not compact the file.
        public var runningWriters: Int
        public var keptArtifacts: Int
        public var bytesBefore: Int?
        public var bytesAfter: Int?
    }

    /// How long a writer on another host may go without a heartbeat before `cache gc` takes it for
    /// dead: 6 hours (a writer refreshes it with every artifact it writes; on this host a writer
    /// is dead as soon as its process is gone).
    public static let writerStaleAfter: TimeInterval = 6 * 3600

    /// Whether process `pid` exists on this host.
    @Sendable public static func processIsAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Deletes, in one transaction: dead writers with the frames they staged; then, unless a live
    /// writer remains (an evaluation is running and may use any artifact), the artifacts no
    /// evaluation refers to; and frames without an artifact row. Then, when no evaluation is
    /// running, vacuums the file and truncates the WAL.
    ///
    /// A writer is dead when it is registered on this host (`ProcessInfo.hostName`) and
    /// `isAlive(pid)` is false, or when its heartbeat is older than `staleAfter` seconds.
    public func collectGarbage(
        staleAfter: TimeInterval = Store.writerStaleAfter, now: Date = Date(), isAlive: (Int32) -> Bool = Store.processIsAlive
    ) throws(StoreError) -> GarbageReport {
        let before = try cacheStatistics().databaseBytes
        let host = ProcessInfo.processInfo.hostName
        var report: GarbageReport = try perform("collect garbage") {
            try writer.write { db in
                var report = GarbageReport(
                    artifacts: 0, frames: 0, deadWriters: 0, stagedFrames: 0, runningWriters: 0, keptArtifacts: 0, bytesBefore: before,
                    bytesAfter: nil)
                for row in try Row.fetchAll(db, sql: "SELECT id, host, pid, heartbeatAt FROM cacheWriter") {
                    let id: String = row["id"], writerHost: String = row["host"], pid: Int32 = row["pid"], heartbeat: Double = row["heartbeatAt"]
                    let dead = (writerHost == host && !isAlive(pid)) || now.timeIntervalSince1970 - heartbeat > staleAfter
                    guard dead else {
                        report.runningWriters += 1
                        continue
                    }
                    report.stagedFrames += try Int.fetchOne(db, sql: "SELECT count(*) FROM stagedFrame WHERE writerID = ?", arguments: [id]) ?? 0
                    try db.execute(sql: "DELETE FROM cacheWriter WHERE id = ?", arguments: [id])
                    report.deadWriters += 1
                }
                let unreferenced = "FROM artifact WHERE key NOT IN (SELECT artifactKey FROM evaluationArtifact)"
                if report.runningWriters > 0 {
                    report.keptArtifacts = try Int.fetchOne(db, sql: "SELECT count(*) \(unreferenced)") ?? 0
                } else {
                    try db.execute(sql: "DELETE \(unreferenced)")
                    report.artifacts = db.changesCount
                }
                try db.execute(sql: "DELETE FROM artifactFrame WHERE artifactKey NOT IN (SELECT key FROM artifact)")
                report.frames = db.changesCount
                return report
            }
        }
        // VACUUM and a TRUNCATE checkpoint hold the database for as long as they take: not while
        // an evaluation may be waiting to write.
        if location != nil && report.runningWriters == 0 {
            try perform("vacuum") {
                try writer.vacuum()
                try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
            }
        }
        report.bytesAfter = try cacheStatistics().databaseBytes
        return report
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
