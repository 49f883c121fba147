import Foundation
import GRDB
import Pipeline

extension Store {
    /// Records an evaluation, its tracks and the artifacts it refers to, in one transaction
    /// (replacing an earlier row with the same key).
    ///
    /// The evaluation refers to every artifact it used and every artifact its result names, clip
    /// level and per track, loaded or not (the speech behind cached scores): `cache gc` keeps all
    /// of them, so `query export` finds whatever the result names.
    ///
    /// - Parameter provenance: the weights and software that made it (migration 0006), written in
    ///   the same transaction; nil records none (reports then say the weights are not recorded).
    public func save(_ evaluation: ClipEvaluation, provenance: EvaluationProvenance? = nil) throws(StoreError) {
        let rows = try evaluationRows(evaluation, provenance: provenance)
        try perform("save evaluation") {
            try writer.write { db in try insert(rows, db) }
        }
    }

    /// An evaluation encoded for its rows.
    struct EvaluationRows {
        var evaluation: ClipEvaluation
        var settingsJSON: String
        var resultJSON: String
        var provenance: EvaluationProvenance?
    }

    func evaluationRows(_ evaluation: ClipEvaluation, provenance: EvaluationProvenance?) throws(StoreError) -> EvaluationRows {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return EvaluationRows(
                evaluation: evaluation, settingsJSON: String(decoding: try encoder.encode(evaluation.settings), as: UTF8.self),
                resultJSON: String(decoding: try encoder.encode(evaluation), as: UTF8.self), provenance: provenance)
        } catch {
            throw .invalidRecord(database: databaseName, operation: "save evaluation", reason: "\(error)")
        }
    }

    func insert(_ rows: EvaluationRows, _ db: Database) throws {
        let evaluation = rows.evaluation
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
                rows.settingsJSON, rows.resultJSON, evaluation.seconds,
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
        var referenced = Set(evaluation.artifactKeys)
        referenced.formUnion(evaluation.artifacts.map { Array($0.values) } ?? [])
        for track in evaluation.tracks { referenced.formUnion(track.artifacts.map { Array($0.values) } ?? []) }
        for key in referenced.sorted() {
            try db.execute(sql: "INSERT OR IGNORE INTO evaluationArtifact (evaluationKey, artifactKey) VALUES (?, ?)", arguments: [evaluation.key, key])
        }
        if let provenance = rows.provenance { try insertProvenance(provenance, of: evaluation.key, db) }
    }

    /// The statuses of evaluations that failed on their input (the video or speech could not be
    /// read or decoded, or has no usable audio): what `cache forget` drops without `--all`.
    public static let failedStatuses: Set<ClipStatus> = [.decodeError, .audioError, .noAudio, .unsupported]

    /// Deletes the recorded evaluations of the video with SHA-256 `videoSHA256` whose status is in
    /// `statuses` (all of them when nil), with their tracks and artifact references, in one
    /// transaction, together with the bench results that point at them (so `bench run` evaluates
    /// those inputs again). Cached artifacts stay (`cache gc` drops those no evaluation refers to
    /// any more).
    ///
    /// - Returns: the number of evaluations deleted.
    public func forgetEvaluations(videoSHA256: String, statuses: Set<ClipStatus>?) throws(StoreError) -> Int {
        var condition = "videoSHA256 = ?"
        var arguments: [(any DatabaseValueConvertible)?] = [videoSHA256.lowercased()]
        if let statuses {
            guard !statuses.isEmpty else { return 0 }
            condition += " AND status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))"
            arguments += statuses.map(\.rawValue).sorted()
        }
        let filter = condition, values = StatementArguments(arguments)
        return try perform("forget evaluations of \(videoSHA256.prefix(12))") {
            try writer.write { db in
                try db.execute(sql: "DELETE FROM benchResult WHERE evaluationKey IN (SELECT key FROM evaluation WHERE \(filter))", arguments: values)
                try db.execute(sql: "DELETE FROM evaluation WHERE \(filter)", arguments: values)
                return db.changesCount
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
