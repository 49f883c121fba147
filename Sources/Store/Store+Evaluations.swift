import Foundation
import GRDB
import Pipeline

extension Store {
    /// Records an evaluation, its tracks and the artifacts it used, in one transaction (replacing
    /// an earlier row with the same key).
    public func save(_ evaluation: ClipEvaluation) throws(StoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let settings: String, result: String
        do {
            settings = String(decoding: try encoder.encode(evaluation.settings), as: UTF8.self)
            result = String(decoding: try encoder.encode(evaluation), as: UTF8.self)
        } catch {
            throw .invalidRecord(database: databaseName, operation: "save evaluation", reason: "\(error)")
        }
        try perform("save evaluation") {
            try writer.write { db in
                try db.execute(sql: "DELETE FROM evaluation WHERE key = ?", arguments: [evaluation.key])
                try db.execute(
                    sql: """
                        INSERT INTO evaluation (key, videoSHA256, speechSHA256, videoPath, speechPath, profile, clean, status, message,
                            bestConfidence, minDistance, settingsJSON, resultJSON, seconds, evaluatedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%d %H:%M:%f', 'now'))
                        """,
                    arguments: [
                        evaluation.key, evaluation.videoSHA256, evaluation.speechSHA256, evaluation.videoPath, evaluation.speechPath,
                        evaluation.settings.profile.rawValue, evaluation.settings.clean ? 1 : 0, evaluation.status.rawValue,
                        evaluation.message, evaluation.bestConfidence.map { Double($0) }, evaluation.minDistance.map { Double($0) },
                        settings, result, evaluation.seconds,
                    ])
                for track in evaluation.tracks {
                    try db.execute(
                        sql: """
                            INSERT INTO evaluationTrack (evaluationKey, track, startFrame, endFrame, status, offset, confidence, minDistance, windows)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            evaluation.key, track.track, track.startFrame, track.endFrame, track.status.rawValue, track.offset,
                            track.confidence.map { Double($0) }, track.minDistance.map { Double($0) }, track.windows,
                        ])
                }
                for key in Set(evaluation.artifactKeys) {
                    try db.execute(sql: "INSERT OR IGNORE INTO evaluationArtifact (evaluationKey, artifactKey) VALUES (?, ?)", arguments: [evaluation.key, key])
                }
            }
        }
    }

    /// The stored evaluation with cache key `key`, if any.
    public func evaluation(key: String) throws(StoreError) -> ClipEvaluation? {
        let json: String? = try perform("read evaluation") {
            try writer.read { db in try String.fetchOne(db, sql: "SELECT resultJSON FROM evaluation WHERE key = ?", arguments: [key]) }
        }
        guard let json else { return nil }
        do {
            return try JSONDecoder().decode(ClipEvaluation.self, from: Data(json.utf8))
        } catch {
            throw .invalidRecord(database: databaseName, operation: "read evaluation", reason: "\(error)")
        }
    }

    /// Stored evaluations, newest first, optionally only those of one video (by SHA-256 or a
    /// unique prefix of at least 6 digits) and one profile label.
    public func evaluations(video: String? = nil, profile: EvaluationProfile? = nil, clean: Bool? = nil) throws(StoreError) -> [ClipEvaluation] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let video {
            conditions.append("videoSHA256 LIKE ?")
            arguments.append(video.lowercased() + "%")
        }
        if let profile {
            conditions.append("profile = ?")
            arguments.append(profile.rawValue)
        }
        if let clean {
            conditions.append("clean = ?")
            arguments.append(clean ? 1 : 0)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sqlArguments = StatementArguments(arguments)
        let rows: [String] = try perform("list evaluations") {
            try writer.read { db in
                try String.fetchAll(db, sql: "SELECT resultJSON FROM evaluation \(filter) ORDER BY evaluatedAt DESC, rowid DESC", arguments: sqlArguments)
            }
        }
        do {
            return try rows.map { try JSONDecoder().decode(ClipEvaluation.self, from: Data($0.utf8)) }
        } catch {
            throw .invalidRecord(database: databaseName, operation: "read evaluation", reason: "\(error)")
        }
    }
}
