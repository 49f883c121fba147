import Foundation
import GRDB

/// Where an evaluation's numbers come from, as recorded with it (migration 0006): the weight files
/// and the software. `syncbench report` states it in every output (docs/reports.md).
public struct EvaluationProvenance: Sendable, Equatable, Codable {
    /// One weight file as the evaluation used it.
    public struct Weights: Sendable, Equatable, Hashable, Codable {
        /// `syncnet_v2.model`, `sfd_face.pth`.
        public var file: String
        public var sha256: String
        /// Whether the digest is the published file's.
        public var published: Bool
        /// False for a file that played no part (S3FD when face boxes were given).
        public var used: Bool

        public init(file: String, sha256: String, published: Bool, used: Bool) {
            self.file = file
            self.sha256 = sha256
            self.published = published
            self.used = used
        }
    }

    /// The software that computed the evaluation.
    public struct Software: Sendable, Equatable, Hashable, Codable {
        /// `0.1.0 (1a2b3c4d5e6f)`: SyncBench's version and git commit.
        public var syncbench: String
        public var profileVersion: Int
        /// `libavformat` … `libswresample` → `major.minor.micro`.
        public var ffmpeg: [String: String]

        public init(syncbench: String, profileVersion: Int, ffmpeg: [String: String]) {
            self.syncbench = syncbench
            self.profileVersion = profileVersion
            self.ffmpeg = ffmpeg
        }
    }

    /// The weight files, by file name; empty when not recorded (evaluations older than migration 0006).
    public var weights: [Weights]
    /// Nil when not recorded.
    public var software: Software?
    /// The networks' arithmetic, `fp32` or `bf16` (`--precision`), from the evaluation's settings.
    public var precision: String

    public init(weights: [Weights], software: Software?, precision: String = "fp32") {
        self.weights = weights.sorted { $0.file < $1.file }
        self.software = software
        self.precision = precision
    }
}

extension Store {
    /// Writes the provenance rows of the evaluation `key` (replacing earlier ones of the same files);
    /// a digest that is not 64 lowercase hex digits fails the table's CHECK.
    /// `software` nil keeps what is recorded (a stored evaluation found again: its weights follow
    /// from its key, but the software that computed it is the one recorded then).
    func insertProvenance(_ provenance: EvaluationProvenance, of key: String, _ db: Database) throws {
        for weights in provenance.weights {
            try db.execute(
                sql: "INSERT OR REPLACE INTO evaluationWeights (evaluationKey, file, sha256, published, used) VALUES (?, ?, ?, ?, ?)",
                arguments: [key, weights.file, weights.sha256, weights.published ? 1 : 0, weights.used ? 1 : 0])
        }
        if let software = provenance.software {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let ffmpeg = String(decoding: try encoder.encode(software.ffmpeg), as: UTF8.self)
            try db.execute(
                sql: "INSERT OR REPLACE INTO evaluationSoftware (evaluationKey, syncbench, profileVersion, ffmpegJSON) VALUES (?, ?, ?, ?)",
                arguments: [key, software.syncbench, software.profileVersion, ffmpeg])
        }
    }

    /// Records the weights of an evaluation that is already stored, in one transaction: a stored
    /// evaluation found again by its key was made with the weights that key names, so evaluations
    /// recorded before migration 0006 learn theirs when they are looked up again. Weights already
    /// recorded stay; nothing is written for an evaluation that is not stored.
    public func recordWeights(_ weights: [EvaluationProvenance.Weights], ofEvaluation key: String) throws(StoreError) {
        try perform("save evaluation weights") {
            try writer.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM evaluation WHERE key = ?)", arguments: [key]) == true else { return }
                let recorded = try Int.fetchOne(db, sql: "SELECT count(*) FROM evaluationWeights WHERE evaluationKey = ?", arguments: [key]) ?? 0
                guard recorded == 0 else { return }
                try insertProvenance(EvaluationProvenance(weights: weights, software: nil), of: key, db)
            }
        }
    }

    /// The recorded provenance of the evaluation `key` (empty weights and nil software when none was
    /// recorded).
    public func provenance(ofEvaluation key: String) throws(StoreError) -> EvaluationProvenance {
        let rows: (weights: [Row], software: Row?, settings: String?) = try perform("read evaluation provenance") {
            try writer.read { db in
                (
                    try Row.fetchAll(
                        db, sql: "SELECT file, sha256, published, used FROM evaluationWeights WHERE evaluationKey = ? ORDER BY file", arguments: [key]),
                    try Row.fetchOne(db, sql: "SELECT syncbench, profileVersion, ffmpegJSON FROM evaluationSoftware WHERE evaluationKey = ?", arguments: [key]),
                    try String.fetchOne(db, sql: "SELECT settingsJSON FROM evaluation WHERE key = ?", arguments: [key])
                )
            }
        }
        let weights = rows.weights.map { row in
            EvaluationProvenance.Weights(file: row["file"], sha256: row["sha256"], published: row["published"] as Int == 1, used: row["used"] as Int == 1)
        }
        var software: EvaluationProvenance.Software? = nil
        if let row = rows.software {
            let json: String = row["ffmpegJSON"]
            do {
                software = EvaluationProvenance.Software(
                    syncbench: row["syncbench"], profileVersion: row["profileVersion"],
                    ffmpeg: try JSONDecoder().decode([String: String].self, from: Data(json.utf8)))
            } catch {
                throw .invalidRecord(database: databaseName, operation: "read evaluation provenance", reason: "ffmpegJSON of \(key.prefix(12)): \(error)")
            }
        }
        // Settings without `precision` (every fp32 evaluation, and those recorded before the option existed) are fp32.
        struct Arithmetic: Decodable { var precision: String? }
        var precision = "fp32"
        if let json = rows.settings {
            do {
                precision = try JSONDecoder().decode(Arithmetic.self, from: Data(json.utf8)).precision ?? "fp32"
            } catch {
                throw .invalidRecord(database: databaseName, operation: "read evaluation provenance", reason: "settingsJSON of \(key.prefix(12)): \(error)")
            }
        }
        return EvaluationProvenance(weights: weights, software: software, precision: precision)
    }
}
