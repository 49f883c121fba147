import Foundation
import GRDB
import Pipeline

/// The stage cache of the evaluator (docs/cache.md), in the `artifact` and `artifactFrame` tables.
extension Store: ArtifactCache {
    public func artifact(key: String) throws -> StoredArtifact? {
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

    public func containsArtifact(key: String) throws -> Bool {
        try perform("look up artifact \(key.prefix(12))") {
            try writer.read { db in
                try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM artifact WHERE key = ?)", arguments: [key]) ?? false
            }
        }
    }

    /// Writes the artifact row in one transaction; its frames, if any, must already be saved.
    public func save(_ artifact: StoredArtifact) throws {
        try perform("save \(artifact.stage) artifact") {
            try writer.write { db in
                let frames = try Int.fetchOne(db, sql: "SELECT count(*) FROM artifactFrame WHERE artifactKey = ?", arguments: [artifact.key]) ?? 0
                guard frames == artifact.frameCount else {
                    throw StoreError.invalidRecord(
                        database: databaseName, operation: "save \(artifact.stage) artifact",
                        reason: "\(frames) frames stored, \(artifact.frameCount) announced")
                }
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
    }

    public func discardFrames(of key: String) throws {
        try perform("discard frames of \(key.prefix(12))") {
            try writer.write { db in
                try db.execute(sql: "DELETE FROM artifactFrame WHERE artifactKey = ?", arguments: [key])
            }
        }
    }

    public func saveFrames(of key: String, startingAt index: Int, _ pngs: [Data]) throws {
        try perform("save frames of \(key.prefix(12))") {
            try writer.write { db in
                let statement = try db.makeStatement(sql: "INSERT OR REPLACE INTO artifactFrame (artifactKey, frameIndex, png) VALUES (?, ?, ?)")
                for (offset, png) in pngs.enumerated() {
                    try statement.execute(arguments: [key, index + offset, png])
                }
            }
        }
    }

    public func frames(of key: String, range: Range<Int>) throws -> [Data] {
        try perform("read frames of \(key.prefix(12))") {
            try writer.read { db in
                try Data.fetchAll(
                    db, sql: "SELECT png FROM artifactFrame WHERE artifactKey = ? AND frameIndex >= ? AND frameIndex < ? ORDER BY frameIndex",
                    arguments: [key, range.lowerBound, range.upperBound])
            }
        }
    }
}
