import Foundation
import GRDB
import Pipeline
import Testing

@testable import Store

/// Two processes writing one cache (issue #11, item 4), and `cache gc` beside a running evaluation
/// (items 4 and 10): two `Store`s on one file stand for two processes, their calls interleaved by
/// hand so every schedule is deterministic.
@Suite("Cache writers running at once")
struct CacheConcurrencyTests {
    static let crops = String(repeating: "c", count: 64), tracks = String(repeating: "d", count: 64)
    static let speech = String(repeating: "5", count: 64)
    static let pngs = (0..<10).map { Data([UInt8($0), 0x89, 0x50]) }

    func artifact(_ key: String, stage: String, frames: Int = 0) -> StoredArtifact {
        StoredArtifact(key: key, stage: stage, format: "test", meta: Data("{}".utf8), payload: Data([7]), frameCount: frames, seconds: 0.1)
    }

    func evaluation(key: String = String(repeating: "e", count: 64), using keys: [String], artifacts: [String: String]? = nil) -> ClipEvaluation {
        var evaluation = ClipEvaluation(
            videoPath: "/v.mkv", videoSHA256: String(repeating: "a", count: 64), speechPath: nil, speechSHA256: nil,
            settings: EvaluationSettings(), status: .ok, message: "", tracks: [], bestConfidence: 1, minDistance: 2, stages: [],
            frames: 10, speechSamples: 100, seconds: 1, key: key, artifactKeys: keys)
        evaluation.artifacts = artifacts
        return evaluation
    }

    @Test("a second writer of the same crops starting while the first is between its frames and its row: both succeed")
    func interleavedWritersOfOneArtifact() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "cache.sqlite")
            let store = try Store.open(at: url)
            let first = try store.artifactWriter(), second = try Store.open(at: url).artifactWriter()
            try first.discardFrames(of: Self.crops)
            try first.saveFrames(of: Self.crops, startingAt: 0, Array(Self.pngs[0..<4]))
            try first.saveFrames(of: Self.crops, startingAt: 4, Array(Self.pngs[4...]))
            // The second process starts the same stage and clears its leftovers.
            try second.discardFrames(of: Self.crops)
            try second.saveFrames(of: Self.crops, startingAt: 0, Array(Self.pngs[0..<4]))
            try first.save(artifact(Self.crops, stage: "crops", frames: 10))
            try second.saveFrames(of: Self.crops, startingAt: 4, Array(Self.pngs[4...]))
            try second.save(artifact(Self.crops, stage: "crops", frames: 10))
            #expect(try store.frames(of: Self.crops, range: 0..<100) == Self.pngs)
            #expect(try store.cacheStatistics().stagedFrames == 0, "the second writer dropped its copy")
            try first.record(evaluation(using: [Self.crops]))
            try second.record(evaluation(using: [Self.crops]))
            #expect(try store.cacheStatistics().writers == 0)
            #expect(try store.verify().isEmpty)
        }
    }

    @Test("gc between a writer's frame chunks and its row removes none of them")
    func gcBetweenChunks() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "cache.sqlite")
            let writer = try Store.open(at: url).artifactWriter(), collector = try Store.open(at: url)
            try writer.discardFrames(of: Self.crops)
            try writer.saveFrames(of: Self.crops, startingAt: 0, Array(Self.pngs[0..<4]))
            let report = try collector.collectGarbage()
            #expect(report.runningWriters == 1 && report.stagedFrames == 0 && report.deadWriters == 0)
            try writer.saveFrames(of: Self.crops, startingAt: 4, Array(Self.pngs[4...]))
            try writer.save(artifact(Self.crops, stage: "crops", frames: 10))
            #expect(try collector.frames(of: Self.crops, range: 0..<100) == Self.pngs)
        }
    }

    @Test("gc while an evaluation runs keeps the artifacts it saved before recording itself")
    func gcDuringEvaluation() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "cache.sqlite")
            let writer = try Store.open(at: url).artifactWriter(), collector = try Store.open(at: url)
            try writer.save(artifact(Self.tracks, stage: "tracks"))
            let during = try collector.collectGarbage()
            #expect(during.artifacts == 0 && during.keptArtifacts == 1 && during.runningWriters == 1)
            try writer.record(evaluation(using: [Self.tracks]))
            #expect(try collector.artifact(key: Self.tracks) != nil)
            let after = try collector.collectGarbage()
            #expect(after.runningWriters == 0 && after.artifacts == 0)
            #expect(try collector.verify().isEmpty)
        }
    }

    @Test("gc ends a writer whose process is gone (or, on another host, whose heartbeat is stale) with its staged frames")
    func gcEndsDeadWriters() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "cache.sqlite")
            let store = try Store.open(at: url)
            let host = ProcessInfo.processInfo.hostName
            let killed = try store.artifactWriter(owner: ClaimOwner(id: "killed", host: host, pid: 4242))
            try killed.save(artifact(Self.tracks, stage: "tracks"))
            try killed.saveFrames(of: Self.crops, startingAt: 0, Array(Self.pngs[0..<4]))
            let elsewhere = try store.artifactWriter(owner: ClaimOwner(id: "elsewhere", host: "other-host", pid: 4242), now: Date(timeIntervalSinceNow: -60))
            try elsewhere.saveFrames(of: Self.crops, startingAt: 0, Array(Self.pngs[0..<2]))
            let alive: (Int32) -> Bool = { $0 != 4242 }
            // The other host's writer beat a moment ago: alive; this host's pid 4242 is gone.
            var report = try store.collectGarbage(isAlive: alive)
            #expect(report.deadWriters == 1 && report.stagedFrames == 4 && report.runningWriters == 1 && report.artifacts == 0)
            report = try store.collectGarbage(staleAfter: 3600, now: Date(timeIntervalSinceNow: 7200), isAlive: alive)
            #expect(report.deadWriters == 1 && report.stagedFrames == 2 && report.runningWriters == 0 && report.artifacts == 1)
            let stats = try store.cacheStatistics()
            #expect(stats.writers == 0 && stats.stagedFrames == 0 && stats.stages.isEmpty)
        }
    }

    @Test("every artifact an evaluation names is kept by gc, also one it did not load (the speech behind cached scores)")
    func gcKeepsNamedArtifacts() throws {
        let store = try Store.inMemory()
        // The state a killed run leaves (artifacts without an evaluation), then the rerun's record:
        // its scores came from the cache, so it never loaded the speech, but it names it.
        try store.save(artifact(Self.tracks, stage: "tracks"))
        try store.save(artifact(Self.speech, stage: "speech"))
        try store.save(evaluation(using: [Self.tracks], artifacts: ["tracks": Self.tracks, "speech": Self.speech]))
        let report = try store.collectGarbage()
        #expect(report.artifacts == 0)
        #expect(try store.artifact(key: Self.speech) != nil)
    }
}
