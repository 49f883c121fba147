import Foundation
import GRDB
import Pipeline

/// The stage cache (docs/cache.md), in the `artifact` and `artifactFrame` tables: reads. Writes
/// go through an ``ArtifactWriter``.
extension Store {
    public func artifact(key: String) throws(StoreError) -> StoredArtifact? {
        try perform("read artifact \(key.prefix(12))") {
            try writer.read { db in
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT key, stage, format, metaJSON, payload, frameCount, seconds FROM artifact WHERE key = ?", arguments: [key])
                else { return nil }
                return StoredArtifact(
                    key: row["key"], stage: row["stage"], format: row["format"], meta: Data((row["metaJSON"] as String).utf8),
                    payload: row["payload"] ?? Data(), frameCount: row["frameCount"], seconds: row["seconds"])
            }
        }
    }

    public func containsArtifact(key: String) throws(StoreError) -> Bool {
        try perform("look up artifact \(key.prefix(12))") {
            try writer.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM artifact WHERE key = ?)", arguments: [key]) ?? false
            }
        }
    }

    /// The frames of artifact `key` with indices in `range`, in order (only frames of artifacts
    /// whose row is written: frames being written are staged apart).
    public func frames(of key: String, range: Range<Int>) throws(StoreError) -> [Data] {
        try perform("read frames of \(key.prefix(12))") {
            try writer.read { db in
                try Data.fetchAll(
                    db, sql: "SELECT png FROM artifactFrame WHERE artifactKey = ? AND frameIndex >= ? AND frameIndex < ? ORDER BY frameIndex",
                    arguments: [key, range.lowerBound, range.upperBound])
            }
        }
    }

    /// Registers a writer of the cache for one evaluation (migration 0005, docs/cache.md "Transactions,
    /// interrupted runs and several writers"): until it records its evaluation or is closed, `cache gc` deletes no artifact.
    public func artifactWriter(owner: ClaimOwner = .current(), now: Date = Date()) throws(StoreError) -> ArtifactWriter {
        try perform("register cache writer") {
            try writer.write { db in
                try db.execute(
                    sql: "INSERT INTO cacheWriter (id, host, pid, startedAt, heartbeatAt) VALUES (?, ?, ?, ?, ?)",
                    arguments: [owner.id, owner.host, owner.pid, now.timeIntervalSince1970, now.timeIntervalSince1970])
            }
        }
        return ArtifactWriter(store: self, owner: owner)
    }
}

/// One evaluation's access to the stage cache: the evaluator's ``ArtifactCache``.
///
/// Made by ``Store/artifactWriter(owner:now:)``, which registers it in the `cacheWriter` table.
/// Frames are staged under the writer's id (`stagedFrame`), so several writers may produce the
/// same artifact at once: the first artifact row written wins, and a later writer of the same key
/// drops its staged frames and keeps that row (equal keys mean equal content). Each write is one
/// transaction and refreshes the writer's heartbeat. ``record(_:)`` stores the evaluation and
/// ends the writer in one transaction; ``close()`` ends it without one (its staged frames go too).
public final class ArtifactWriter: ArtifactCache, Sendable {
    public let store: Store
    public let owner: ClaimOwner

    init(store: Store, owner: ClaimOwner) {
        self.store = store
        self.owner = owner
    }

    public func artifact(key: String) throws -> StoredArtifact? { try store.artifact(key: key) }

    public func containsArtifact(key: String) throws -> Bool { try store.containsArtifact(key: key) }

    public func frames(of key: String, range: Range<Int>) throws -> [Data] { try store.frames(of: key, range: range) }

    /// Writes the artifact row in one transaction, with the frames this writer staged for it
    /// (which must number `frameCount`). When another writer's row for the key is already there,
    /// keeps it and drops the staged frames.
    public func save(_ artifact: StoredArtifact) throws {
        let operation = "save \(artifact.stage) artifact"
        try store.perform(operation) {
            try store.writer.write { db in
                try beat(db)
                let staged = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM stagedFrame WHERE writerID = ? AND artifactKey = ?", arguments: [owner.id, artifact.key]) ?? 0
                if artifact.frameCount > 0 || staged > 0 {
                    if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM artifact WHERE key = ?)", arguments: [artifact.key]) == true {
                        try dropStaged(artifact.key, db)
                        return
                    }
                    guard staged == artifact.frameCount else {
                        throw StoreError.invalidRecord(
                            database: store.databaseName, operation: operation,
                            reason: "\(staged) frames stored, \(artifact.frameCount) announced")
                    }
                    // Frames without a row can only be left by a binary older than migration 0005.
                    try db.execute(sql: "DELETE FROM artifactFrame WHERE artifactKey = ?", arguments: [artifact.key])
                    try db.execute(
                        sql: """
                            INSERT INTO artifactFrame (artifactKey, frameIndex, png)
                            SELECT artifactKey, frameIndex, png FROM stagedFrame WHERE writerID = ? AND artifactKey = ?
                            """,
                        arguments: [owner.id, artifact.key])
                    try dropStaged(artifact.key, db)
                }
                try Store.insertRow(of: artifact, db)
            }
        }
    }

    /// Drops the frames this writer staged for `key` (never another writer's).
    public func discardFrames(of key: String) throws {
        try store.perform("discard frames of \(key.prefix(12))") {
            try store.writer.write { db in try dropStaged(key, db) }
        }
    }

    /// Stages frames `index ..< index + pngs.count` of artifact `key`, in one transaction.
    public func saveFrames(of key: String, startingAt index: Int, _ pngs: [Data]) throws {
        try store.perform("save frames of \(key.prefix(12))") {
            try store.writer.write { db in
                try beat(db)
                let statement = try db.makeStatement(
                    sql: "INSERT OR REPLACE INTO stagedFrame (writerID, artifactKey, frameIndex, png) VALUES (?, ?, ?, ?)")
                for (offset, png) in pngs.enumerated() {
                    try statement.execute(arguments: [owner.id, key, index + offset, png])
                }
            }
        }
    }

    /// Records `evaluation` with its `provenance` (``Store/save(_:provenance:)``) and ends this
    /// writer, in one transaction.
    public func record(_ evaluation: ClipEvaluation, provenance: EvaluationProvenance? = nil) throws(StoreError) {
        let rows = try store.evaluationRows(evaluation, provenance: provenance)
        try store.perform("save evaluation") {
            try store.writer.write { db in
                try store.insert(rows, db)
                try end(db)
            }
        }
    }

    /// Ends this writer without recording anything; the frames it staged are deleted with it.
    public func close() throws(StoreError) {
        try store.perform("end cache writer") {
            try store.writer.write { db in try end(db) }
        }
    }

    /// Refreshes the heartbeat, registering the writer again if `cache gc` took it for dead.
    private func beat(_ db: Database) throws {
        let now = Date().timeIntervalSince1970
        try db.execute(
            sql: """
                INSERT INTO cacheWriter (id, host, pid, startedAt, heartbeatAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET heartbeatAt = excluded.heartbeatAt
                """,
            arguments: [owner.id, owner.host, owner.pid, now, now])
    }

    private func dropStaged(_ key: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM stagedFrame WHERE writerID = ? AND artifactKey = ?", arguments: [owner.id, key])
    }

    private func end(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM cacheWriter WHERE id = ?", arguments: [owner.id])
    }
}

extension Store {
    /// Writes an artifact without frames in one transaction, replacing a row with the same key
    /// (tests and tools; evaluations write through an ``ArtifactWriter``).
    public func save(_ artifact: StoredArtifact) throws(StoreError) {
        let operation = "save \(artifact.stage) artifact"
        guard artifact.frameCount == 0 else {
            throw .invalidRecord(database: databaseName, operation: operation, reason: "an artifact with frames is written through an ArtifactWriter")
        }
        try perform(operation) {
            try writer.write { db in try Self.insertRow(of: artifact, db) }
        }
    }

    static func insertRow(of artifact: StoredArtifact, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO artifact (key, stage, format, metaJSON, payload, payloadSHA256, frameCount, seconds, createdAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))
                """,
            arguments: [
                artifact.key, artifact.stage, artifact.format, String(decoding: artifact.meta, as: UTF8.self), artifact.payload,
                ContentDigest.sha256(of: artifact.payload), artifact.frameCount, max(0, artifact.seconds),
            ])
    }
}
