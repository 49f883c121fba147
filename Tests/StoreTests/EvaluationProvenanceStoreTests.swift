import Foundation
import GRDB
import Pipeline
import Testing

@testable import Store

/// The weights and software recorded with every evaluation, and the profile recorded with a suite
/// (migration 0006).
@Suite("Evaluation provenance and suite profiles in SQLite")
struct EvaluationProvenanceStoreTests {
    static let key = String(repeating: "e", count: 64)
    static let weights = [
        EvaluationProvenance.Weights(file: "syncnet_v2.model", sha256: String(repeating: "5a", count: 32), published: false, used: true),
        EvaluationProvenance.Weights(file: "sfd_face.pth", sha256: String(repeating: "3f", count: 32), published: true, used: false),
    ]
    static let software = EvaluationProvenance.Software(syncbench: "0.1.0 (abc)", profileVersion: 1, ffmpeg: ["libavcodec": "61.19.101"])

    static func evaluation(key: String = key) -> ClipEvaluation {
        ClipEvaluation(
            videoPath: "/v.mkv", videoSHA256: String(repeating: "a", count: 64), speechPath: nil, speechSHA256: nil,
            settings: EvaluationSettings(), status: .ok, message: "", tracks: [], bestConfidence: 1, minDistance: 2, stages: [],
            frames: 10, speechSamples: 100, seconds: 1, key: key, artifactKeys: [])
    }

    @Test("saved with its evaluation, read back sorted by file; replaced with it; deleted with it")
    func roundTrip() throws {
        let store = try Store.inMemory()
        try store.save(Self.evaluation(), provenance: EvaluationProvenance(weights: Self.weights, software: Self.software))
        let read = try store.provenance(ofEvaluation: Self.key)
        #expect(read.weights.map(\.file) == ["sfd_face.pth", "syncnet_v2.model"])
        #expect(read == EvaluationProvenance(weights: Self.weights, software: Self.software))
        // Saving the same evaluation again (the row is replaced) keeps exactly the new provenance.
        let other = [EvaluationProvenance.Weights(file: "syncnet_v2.model", sha256: String(repeating: "77", count: 32), published: true, used: true)]
        try store.save(Self.evaluation(), provenance: EvaluationProvenance(weights: other, software: nil))
        #expect(try store.provenance(ofEvaluation: Self.key) == EvaluationProvenance(weights: other, software: nil))
        #expect(try store.forgetEvaluations(videoSHA256: String(repeating: "a", count: 64), statuses: nil) == 1)
        #expect(try store.provenance(ofEvaluation: Self.key) == EvaluationProvenance(weights: [], software: nil))
        let orphans = try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM evaluationWeights") }
        #expect(orphans == 0)
    }

    @Test("the precision is read from the evaluation's settings: bf16 when recorded, fp32 when absent (every fp32 and older evaluation)")
    func precisionFromSettings() throws {
        let store = try Store.inMemory()
        try store.save(Self.evaluation(), provenance: EvaluationProvenance(weights: Self.weights, software: Self.software))
        #expect(try store.provenance(ofEvaluation: Self.key).precision == "fp32")
        var bf16 = Self.evaluation(key: String(repeating: "b", count: 64))
        bf16.settings.precision = .bf16
        try store.save(bf16, provenance: EvaluationProvenance(weights: Self.weights, software: Self.software))
        #expect(try store.provenance(ofEvaluation: bf16.key).precision == "bf16")
        // Settings recorded before `precision` existed have no such field.
        try store.writer.write { db in
            try db.execute(sql: "UPDATE evaluation SET settingsJSON = ? WHERE key = ?", arguments: [#"{"clean":false}"#, bf16.key])
        }
        #expect(try store.provenance(ofEvaluation: bf16.key).precision == "fp32")
        // A record whose precision is not text is an error naming it, not a guess (the table's CHECK keeps the JSON valid).
        try store.writer.write { db in
            try db.execute(sql: "UPDATE evaluation SET settingsJSON = ? WHERE key = ?", arguments: [#"{"precision":16}"#, bf16.key])
        }
        #expect(throws: StoreError.self) { try store.provenance(ofEvaluation: bf16.key) }
    }

    @Test("a digest that is not SHA-256 fails, and nothing of the evaluation is saved (one transaction)")
    func badDigestRollsBack() throws {
        let store = try Store.inMemory()
        let bad = [EvaluationProvenance.Weights(file: "syncnet_v2.model", sha256: "not-a-digest", published: false, used: true)]
        #expect(throws: StoreError.self) { try store.save(Self.evaluation(), provenance: EvaluationProvenance(weights: bad, software: nil)) }
        #expect(try store.evaluation(key: Self.key) == nil)
    }

    @Test("an evaluation without recorded weights learns them once; recorded weights are never overwritten")
    func recordWeightsLater() throws {
        let store = try Store.inMemory()
        try store.recordWeights(Self.weights, ofEvaluation: Self.key)  // no such evaluation: nothing
        #expect(try store.provenance(ofEvaluation: Self.key).weights.isEmpty)
        try store.save(Self.evaluation())
        #expect(try store.provenance(ofEvaluation: Self.key).weights.isEmpty)
        try store.recordWeights(Self.weights, ofEvaluation: Self.key)
        #expect(try store.provenance(ofEvaluation: Self.key).weights.count == 2)
        let other = [EvaluationProvenance.Weights(file: "syncnet_v2.model", sha256: String(repeating: "77", count: 32), published: true, used: true)]
        try store.recordWeights(other, ofEvaluation: Self.key)
        #expect(try store.provenance(ofEvaluation: Self.key).weights == EvaluationProvenance(weights: Self.weights, software: nil).weights)
        #expect(try store.provenance(ofEvaluation: Self.key).software == nil)
    }

    @Test("an artifact writer records the provenance in the transaction that ends it; db merge copies it")
    func writerAndMerge() throws {
        try withTemporaryDirectory { directory in
            let source = try Store.open(at: directory.appending(path: "b.sqlite"))
            let writer = try source.artifactWriter()
            try writer.record(Self.evaluation(), provenance: EvaluationProvenance(weights: Self.weights, software: Self.software))
            let target = try Store.open(at: directory.appending(path: "a.sqlite"))
            let summary = try target.merge(from: directory.appending(path: "b.sqlite"))
            #expect(summary.rows["evaluationWeights"] == 2 && summary.rows["evaluationSoftware"] == 1)
            #expect(try target.provenance(ofEvaluation: Self.key) == EvaluationProvenance(weights: Self.weights, software: Self.software))
        }
    }

    @Test("bench add --profile: recorded with a new suite, added to one registered without, refused when it differs")
    func suiteProfile() throws {
        let store = try Store.inMemory()
        #expect(try store.registerSuite(name: "s", kind: .folder, root: "/r", profile: "mova"))
        #expect(try store.suite(named: "s")?.profile == "mova")
        #expect(try !store.registerSuite(name: "s", kind: .folder, root: "/r"))  // no --profile: unchanged
        #expect(try store.suite(named: "s")?.profile == "mova")
        let error = #expect(throws: StoreError.self) { try store.registerSuite(name: "s", kind: .folder, root: "/r", profile: "joonson") }
        #expect(error?.description.contains("registered with --profile mova, not joonson") == true)
        try store.registerSuite(name: "t", kind: .folder, root: "/r")
        #expect(try store.suite(named: "t")?.profile == nil)
        try store.registerSuite(name: "t", kind: .folder, root: "/r", profile: "wav2lip-real")
        #expect(try store.suite(named: "t")?.profile == "wav2lip-real")
    }

    @Test("0006 applies to a database with suites and evaluations: no profile, no weights recorded")
    func migratesOlderDatabase() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "old.sqlite")
            let older = Array(EmbeddedMigration.all.prefix { $0.identifier < "0006" })
            do {
                let store = try Store.open(at: url, migrations: older)
                try store.writer.write { db in
                    try db.execute(sql: "INSERT INTO suite (name, kind, root, createdAt) VALUES ('s', 'folder', '/r', '2025-01-01 00:00:00.000')")
                }
                try store.save(Self.evaluation())
            }
            let store = try Store.open(at: url)
            #expect(try store.suite(named: "s")?.profile == nil)
            #expect(try store.provenance(ofEvaluation: Self.key) == EvaluationProvenance(weights: [], software: nil))
            try store.recordWeights(Self.weights, ofEvaluation: Self.key)
            let view = try store.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT file, published, used FROM evaluation_weights WHERE evaluation = ? ORDER BY file", arguments: [Self.key])
            }
            #expect(view.map { $0["file"] as String } == ["sfd_face.pth", "syncnet_v2.model"])
        }
    }
}
