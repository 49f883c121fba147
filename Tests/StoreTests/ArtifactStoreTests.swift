import Foundation
import GRDB
import Pipeline
import Testing

@testable import Store

@Suite("Artifact cache in SQLite")
struct ArtifactStoreTests {
    static let key1 = String(repeating: "1", count: 64), key2 = String(repeating: "2", count: 64)

    func artifact(_ key: String, stage: String = "speech", payload: Data = Data([1, 2, 3]), frames: Int = 0) -> StoredArtifact {
        StoredArtifact(key: key, stage: stage, format: "test", meta: Data("{\"n\":1}".utf8), payload: payload, frameCount: frames, seconds: 0.5)
    }

    @Test("an artifact reads back exactly as written; a missing key is nil")
    func roundTrip() throws {
        let store = try Store.inMemory()
        #expect(try store.artifact(key: Self.key1) == nil)
        #expect(try !store.containsArtifact(key: Self.key1))
        let written = artifact(Self.key1, payload: Data((0..<1000).map { UInt8($0 % 251) }))
        try store.save(written)
        #expect(try store.artifact(key: Self.key1) == written)
        #expect(try store.containsArtifact(key: Self.key1))
    }

    @Test("frames are staged in chunks, become readable with their artifact row, which must announce their number")
    func frames() throws {
        let store = try Store.inMemory()
        let writer = try store.artifactWriter()
        let pngs = (0..<10).map { Data([UInt8($0), 7]) }
        try writer.saveFrames(of: Self.key1, startingAt: 0, Array(pngs[0..<4]))
        try writer.saveFrames(of: Self.key1, startingAt: 4, Array(pngs[4...]))
        #expect(try store.frames(of: Self.key1, range: 0..<100).isEmpty, "staged frames are not the artifact's yet")
        #expect(throws: StoreError.self) { try writer.save(artifact(Self.key1, stage: "crops", frames: 9)) }
        try writer.save(artifact(Self.key1, stage: "crops", frames: 10))
        #expect(try store.frames(of: Self.key1, range: 2..<6) == Array(pngs[2..<6]))
        #expect(try store.frames(of: Self.key1, range: 0..<100).count == 10)
        #expect(try store.cacheStatistics().stagedFrames == 0)
        // Discarding drops only what this writer staged since.
        try writer.saveFrames(of: Self.key2, startingAt: 0, [Data([1])])
        try writer.discardFrames(of: Self.key2)
        #expect(try store.cacheStatistics().stagedFrames == 0)
        #expect(try store.frames(of: Self.key1, range: 0..<100).count == 10)
        #expect(throws: StoreError.self) { try store.save(artifact(Self.key2, stage: "crops", frames: 1)) }
        try writer.close()
        #expect(try store.cacheStatistics().writers == 0)
    }

    @Test("stats count artifacts per stage; gc drops what no evaluation uses and orphan frames; verify finds damage")
    func maintenance() throws {
        try withTemporaryDirectory { directory in
            let store = try Store.open(at: directory.appending(path: "cache.sqlite"))
            try store.save(artifact(Self.key1, stage: "speech"))
            try store.save(artifact(Self.key2, stage: "tracks"))
            // Frames without an artifact row, as binaries before migration 0005 could leave them.
            try store.writer.write { db in
                try db.execute(sql: "INSERT INTO artifactFrame VALUES (?, 0, x'01'), (?, 1, x'02')", arguments: [String(repeating: "3", count: 64), String(repeating: "3", count: 64)])
            }
            var stats = try store.cacheStatistics()
            #expect(stats.stages.map(\.stage) == ["speech", "tracks"])
            #expect(stats.orphanFrames == 2 && stats.unreferencedArtifacts == 2)
            #expect(try store.verify().isEmpty)

            // Keep key1 through an evaluation.
            let evaluation = ClipEvaluation(
                videoPath: "/v.mp4", videoSHA256: String(repeating: "a", count: 64), speechPath: nil, speechSHA256: nil,
                settings: EvaluationSettings(), status: .ok, message: "", tracks: [], bestConfidence: 1, minDistance: 2, stages: [],
                frames: 10, speechSamples: 100, seconds: 1, key: String(repeating: "e", count: 64), artifactKeys: [Self.key1])
            try store.save(evaluation)
            #expect(try store.evaluation(key: evaluation.key) == evaluation)
            let report = try store.collectGarbage()
            #expect(report.artifacts == 1 && report.frames == 2)
            stats = try store.cacheStatistics()
            #expect(stats.stages.map(\.stage) == ["speech"] && stats.orphanFrames == 0 && stats.evaluations == 1)

            // Damage a payload behind the store's back: verify reports it.
            try store.writer.write { db in try db.execute(sql: "UPDATE artifact SET payload = x'00' WHERE key = ?", arguments: [Self.key1]) }
            let issues = try store.verify()
            #expect(issues.count == 1 && issues[0].problem.contains("SHA-256"))
        }
    }

    @Test("query sql runs read-only statements, keeps SQLite's types and refuses writes")
    func readOnlyQuery() throws {
        let store = try Store.inMemory()
        try store.save(artifact(Self.key1))
        let result = try store.readOnlyQuery("SELECT stage, payload_bytes FROM cached_artifact")
        #expect(result.columns == ["stage", "payload_bytes"] && result.rows == [[.text("speech"), .integer(3)]])
        let typed = try store.readOnlyQuery("SELECT 1.4654922485351562, NULL, x'00ff', 9e999, 7 UNION ALL SELECT 2, 3, 4, 5, 6", limit: 1)
        #expect(typed.rows == [[.real(1.4654922485351562), .null, .blob(Data([0x00, 0xFF])), .real(.infinity), .integer(7)]], "SQLite's types, up to the limit")
        #expect(throws: StoreError.self) { try store.readOnlyQuery("DELETE FROM artifact") }
        #expect(try store.artifact(key: Self.key1) != nil)
    }
}
