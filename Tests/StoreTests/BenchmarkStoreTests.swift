import Foundation
import GRDB
import Pipeline
import Testing

@testable import Store

@Suite("Benchmark suites, inputs, results, claims and merges in SQLite")
struct BenchmarkStoreTests {
    func spec(_ model: String, _ sample: String, video: URL, speech: URL? = nil) -> SampleInputSpec {
        SampleInputSpec(model: model, sampleID: sample, category: "cat", index: 1, videoPath: video.path, speechPath: speech?.path)
    }

    func result(_ input: SampleInput, config: String = String(repeating: "c", count: 64), status: String = "ok") -> BenchResult {
        BenchResult(inputKey: input.key, configKey: config, profile: "mochabench", clean: false, evaluationKey: nil, status: status, message: "", seconds: 1)
    }

    @Test("Registering is idempotent; a changed file is a new version and the current one; reverting makes the old one current again")
    func versions() throws {
        try withTemporaryDirectory { folder in
            let store = try Store.open(at: folder.appending(path: "db.sqlite"))
            let video = folder.appending(path: "a.mp4")
            try Data("one".utf8).write(to: video)
            #expect(try store.registerSuite(name: "s", kind: .folder, root: folder.path))
            #expect(try !store.registerSuite(name: "s", kind: .folder, root: folder.path))
            #expect(throws: StoreError.self) { try store.registerSuite(name: "s", kind: .mochabench, root: folder.path) }
            try store.registerModel("M", suite: "s", videoRoot: folder.path)
            try store.registerModel("M", suite: "s", videoRoot: folder.path)
            #expect(try store.models(ofSuite: "s") == ["M"])
            #expect(try store.register(spec("M", "a", video: video), suite: "s") == .added)
            #expect(try store.register(spec("M", "a", video: video), suite: "s") == .unchanged)
            let first = try #require(try store.currentInputs(suite: "s").first)
            #expect(first.videoSHA256 != nil && first.problem == nil)

            try Data("two!".utf8).write(to: video)  // another size: the path cache sees the change
            #expect(try store.register(spec("M", "a", video: video), suite: "s") == .newVersion)
            let second = try #require(try store.currentInputs(suite: "s").first)
            #expect(second.key != first.key)
            #expect(try store.currentInputs(suite: "s").count == 1)

            try Data("one".utf8).write(to: video)
            Thread.sleep(forTimeInterval: 0.01)  // registration times have millisecond resolution
            #expect(try store.register(spec("M", "a", video: video), suite: "s") == .newVersion)
            #expect(try store.currentInputs(suite: "s").first?.key == first.key)
        }
    }

    @Test("A missing video or speech is registered with its problem, not an error")
    func missingFiles() throws {
        try withTemporaryDirectory { folder in
            let store = try Store.open(at: folder.appending(path: "db.sqlite"))
            try store.registerSuite(name: "s", kind: .mochabench, root: folder.path)
            try store.registerModel("M", suite: "s", videoRoot: folder.path)
            let video = folder.appending(path: "v.mp4")
            try Data("v".utf8).write(to: video)
            _ = try store.register(spec("M", "gone", video: folder.appending(path: "gone.mp4")), suite: "s")
            _ = try store.register(spec("M", "mute", video: video, speech: folder.appending(path: "s.wav")), suite: "s")
            let inputs = try store.currentInputs(suite: "s")
            #expect(inputs.map(\.sampleID) == ["gone", "mute"])
            #expect(inputs[0].videoSHA256 == nil && inputs[0].problem?.contains("gone.mp4: no such file") == true)
            #expect(inputs[1].videoSHA256 != nil && inputs[1].speechSHA256 == nil && inputs[1].problem?.contains("speech") == true)
        }
    }

    @Test("A claim is exclusive while its run lives; a dead process's or a stale heartbeat's claim is taken over")
    func claims() throws {
        let store = try Store.inMemory()
        let key = String(repeating: "a", count: 64), config = String(repeating: "c", count: 64)
        let first = ClaimOwner(id: "one", host: "h1", pid: 100), second = ClaimOwner(id: "two", host: "h1", pid: 200)
        let remote = ClaimOwner(id: "three", host: "h2", pid: 100)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(try store.claim(inputKey: key, configKey: config, owner: first, staleAfter: 60, now: now, isAlive: { _ in true }))
        #expect(try store.claim(inputKey: key, configKey: config, owner: first, staleAfter: 60, now: now, isAlive: { _ in true }))
        #expect(try !store.claim(inputKey: key, configKey: config, owner: second, staleAfter: 60, now: now, isAlive: { _ in true }))
        #expect(try !store.claim(inputKey: key, configKey: config, owner: remote, staleAfter: 60, now: now + 30, isAlive: { _ in false }))
        #expect(try store.claim(inputKey: key, configKey: config, owner: second, staleAfter: 60, now: now, isAlive: { $0 != 100 }))
        try store.heartbeat(owner: second, now: now + 50)
        #expect(try !store.claim(inputKey: key, configKey: config, owner: remote, staleAfter: 60, now: now + 100, isAlive: { _ in true }))
        #expect(try store.claim(inputKey: key, configKey: config, owner: remote, staleAfter: 60, now: now + 111, isAlive: { _ in true }))
        try store.releaseClaim(inputKey: key, configKey: config, owner: remote)
        #expect(try store.claim(inputKey: key, configKey: config, owner: first, staleAfter: 60, now: now + 112, isAlive: { _ in true }))
    }

    @Test("Saving a result releases its claim and replaces an earlier result of the same configuration")
    func results() throws {
        try withTemporaryDirectory { folder in
            let store = try Store.open(at: folder.appending(path: "db.sqlite"))
            let video = folder.appending(path: "a.mp4")
            try Data("one".utf8).write(to: video)
            try store.registerSuite(name: "s", kind: .folder, root: folder.path)
            try store.registerModel("M", suite: "s", videoRoot: folder.path)
            _ = try store.register(spec("M", "a", video: video), suite: "s")
            let input = try #require(try store.currentInputs(suite: "s").first)
            let owner = ClaimOwner(id: "one", host: "h", pid: 1)
            #expect(try store.claim(inputKey: input.key, configKey: result(input).configKey, owner: owner, staleAfter: 60, isAlive: { _ in true }))
            try store.save(result(input, status: "decode_error"))
            try store.save(result(input, status: "ok"))
            #expect(try store.benchResult(inputKey: input.key, configKey: result(input).configKey)?.status == "ok")
            #expect(try store.latestBenchResult(inputKey: input.key, profile: "mochabench", clean: false)?.status == "ok")
            #expect(try store.latestBenchResult(inputKey: input.key, profile: "joonson", clean: false) == nil)
            let other = ClaimOwner(id: "two", host: "h", pid: 2)
            #expect(try store.claim(inputKey: input.key, configKey: result(input).configKey, owner: other, staleAfter: 60, isAlive: { _ in true }))
        }
    }

    @Test("Merging unions suites, inputs, results and cache rows; merging again adds nothing; a suite kind conflict is refused")
    func merge() throws {
        try withTemporaryDirectory { folder in
            let video = folder.appending(path: "a.mp4"), other = folder.appending(path: "b.mp4")
            try Data("one".utf8).write(to: video)
            try Data("other".utf8).write(to: other)
            func database(_ name: String, samples: [(String, URL)], status: String) throws -> Store {
                let store = try Store.open(at: folder.appending(path: name))
                try store.registerSuite(name: "s", kind: .folder, root: folder.path)
                try store.registerModel("M", suite: "s", videoRoot: folder.path)
                for (id, url) in samples { _ = try store.register(spec("M", id, video: url), suite: "s") }
                for input in try store.currentInputs(suite: "s") { try store.save(result(input, status: status)) }
                try store.save(StoredArtifact(key: ContentDigest.sha256(of: Data(name.utf8)), stage: "speech", format: "t", meta: Data("{}".utf8), payload: Data([1]), seconds: 0))
                return store
            }
            let a = try database("a.sqlite", samples: [("a", video)], status: "ok")
            _ = try database("b.sqlite", samples: [("b", other)], status: "no_face")
            let summary = try a.merge(from: folder.appending(path: "b.sqlite"))
            #expect(summary.rows["sampleInput"] == 1 && summary.rows["benchResult"] == 1 && summary.rows["artifact"] == 1)
            #expect(summary.rows["suite"] == nil)
            let inputs = try a.currentInputs(suite: "s")
            #expect(inputs.map(\.sampleID) == ["a", "b"])
            #expect(try inputs.map { try a.latestBenchResult(inputKey: $0.key, profile: "mochabench", clean: false)?.status } == ["ok", "no_face"])
            #expect(try a.merge(from: folder.appending(path: "b.sqlite")).rows.isEmpty)
            #expect(throws: StoreError.self) { try a.merge(from: folder.appending(path: "a.sqlite")) }

            let c = try Store.open(at: folder.appending(path: "c.sqlite"))
            try c.registerSuite(name: "s", kind: .mochabench, root: folder.path)
            #expect(throws: StoreError.self) { try a.merge(from: folder.appending(path: "c.sqlite")) }
            #expect(try a.verify().isEmpty)
        }
    }
}
