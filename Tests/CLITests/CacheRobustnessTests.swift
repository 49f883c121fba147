import Foundation
import Testing
import TestSupport

/// Issue #11 through the binary: evaluations and `cache gc` at the same time, inputs that are not
/// regular files, `cache forget`, and exports after a run lost its record — on a synthetic clip
/// with boxes and stand-in weights.
@Suite("syncbench cache robustness", .serialized, .timeLimit(.minutes(10)))
struct CacheRobustnessTests {
    let directory: URL
    let weights: String
    let database: String
    let clip: URL
    let boxes: URL

    init() throws {
        let workspace = try BinaryWorkspace("robust")
        (directory, weights, database) = (workspace.directory, workspace.weights, workspace.database)
        clip = directory.appendingPathComponent("talk.mkv")
        boxes = directory.appendingPathComponent("boxes.json")
        try ScorableClip.write(to: clip, boxes: boxes, frames: 90)
    }

    func eval(_ video: String, _ extra: [String] = []) throws -> (SyncBenchBinary.Output, [String: Any]) {
        let output = try SyncBenchBinary.run(
            ["eval", video, "--boxes", boxes.path, "--clean", "--weights", weights, "--db", database, "--json"] + extra)
        let object = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]) ?? [:]
        return (output, object)
    }

    func cache(_ arguments: [String]) throws -> SyncBenchBinary.Output {
        try SyncBenchBinary.run(["cache"] + arguments + ["--db", database])
    }

    /// Runs `body` on its own thread; `wait()` returns its result.
    final class Background<T: Sendable>: @unchecked Sendable {
        private var result: Result<T, any Error>?
        private let done = DispatchSemaphore(value: 0)
        init(_ body: @escaping @Sendable () throws -> T) {
            Thread { [self] in
                result = Result { try body() }
                done.signal()
            }.start()
        }
        func wait() throws -> T {
            done.wait()
            return try result!.get()
        }
    }

    @Test("two evaluations of one clip at once and `cache gc` during them: all succeed, equal results, the cache verifies")
    func concurrentEvaluationsAndGC() throws {
        let video = clip.path, boxes = boxes.path, weights = weights, database = database
        let run: @Sendable () throws -> SyncBenchBinary.Output = {
            try SyncBenchBinary.run(["eval", video, "--boxes", boxes, "--clean", "--weights", weights, "--db", database, "--json"])
        }
        let first = Background(run)
        Thread.sleep(forTimeInterval: 0.8)
        let second = Background(run)
        var collections: [SyncBenchBinary.Output] = []
        for _ in 0..<4 {
            Thread.sleep(forTimeInterval: 0.5)
            collections.append(try SyncBenchBinary.run(["cache", "gc", "--db", database]))
        }
        let outputs = [try first.wait(), try second.wait()]
        for output in outputs { #expect(output.status == 0, "\(output.stderr)") }
        for gc in collections { #expect(gc.status == 0, "\(gc.stderr)") }
        let results = outputs.map { (try? JSONSerialization.jsonObject(with: Data($0.stdout.utf8)) as? [String: Any]) ?? [:] }
        #expect(results[0]["status"] as? String == "ok")
        #expect(results[0]["best_confidence"] as? Double == results[1]["best_confidence"] as? Double)
        #expect(results[0]["min_dist"] as? Double == results[1]["min_dist"] as? Double)
        #expect(results[0]["best_confidence"] != nil)
        let verify = try cache(["verify"])
        #expect(verify.status == 0, "\(verify.stdout)")
        // Once both are recorded, gc has nothing of theirs to remove, and a rerun computes nothing.
        #expect(try cache(["gc"]).stdout.hasPrefix("removed 0 artifacts"))
        let (again, object) = try eval(clip.path)
        #expect(again.status == 0)
        let stages = object["stages"] as? [String: [String: Any]] ?? [:]
        #expect(stages.values.allSatisfy { $0["status"] as? String == "cached" })
    }

    @Test("a pipe as the video is refused with an input error naming it; nothing is recorded; the real file then scores")
    func fifoInput() throws {
        let fifo = directory.appendingPathComponent("clip.fifo")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat \"$0\" > \"$1\"", clip.path, fifo.path]
        try writer.run()
        defer {
            // Let the writer finish (it waits for a reader), so no process outlives the test.
            _ = FileHandle(forReadingAtPath: fifo.path)?.readDataToEndOfFile()
            writer.waitUntilExit()
        }
        let (piped, _) = try eval(fifo.path)
        #expect(piped.status == 11, "\(piped.stdout)\(piped.stderr)")
        #expect(piped.stderr.contains(fifo.path) && piped.stderr.contains("not a regular file"))
        let list = try SyncBenchBinary.run(["query", "list", "--db", database])
        #expect(list.stdout.contains("0 evaluations"), "\(list.stdout)")

        let (real, object) = try eval(clip.path)
        #expect(real.status == 0, "\(real.stderr)")
        #expect(object["status"] as? String == "ok")

        // A directory, and the speech as a pipe, are refused the same way.
        let (folder, _) = try eval(directory.path)
        #expect(folder.status == 11 && folder.stderr.contains(directory.path))
        let (speech, _) = try eval(clip.path, ["--audio", fifo.path])
        #expect(speech.status == 11 && speech.stderr.contains(fifo.path))
    }

    @Test("cache forget drops a clip's recorded failures (all its evaluations with --all), so the next eval recomputes")
    func forget() throws {
        let junk = directory.appendingPathComponent("junk.mkv")
        try Data("not a video at all".utf8).write(to: junk)
        let (failed, object) = try eval(junk.path)
        #expect(failed.status == 5 && object["status"] as? String == "decode_error")
        let (cached, _) = try eval(junk.path)
        #expect(cached.status == 5)

        let forgot = try cache(["forget", junk.path])
        #expect(forgot.status == 0, "\(forgot.stderr)")
        #expect(forgot.stdout.contains("forgot 1 evaluation"), "\(forgot.stdout)")
        #expect(!(try SyncBenchBinary.run(["query", "list", "--db", database])).stdout.contains("decode_error"))
        let (again, _) = try eval(junk.path)
        #expect(again.status == 5)
        #expect(try SyncBenchBinary.run(["query", "list", "--db", database]).stdout.contains("decode_error"), "evaluated and recorded again")

        // A scored clip is not a failure: kept unless --all.
        let (scored, result) = try eval(clip.path)
        #expect(scored.status == 0)
        let sha = try #require(result["sha256"] as? String)
        #expect(try cache(["forget", String(sha.prefix(8))]).stdout.contains("forgot 0 evaluations"))
        #expect(try cache(["forget", String(sha.prefix(8)), "--all"]).stdout.contains("forgot 1 evaluation"))
        #expect(try cache(["verify"]).status == 0)
        #expect(try cache(["forget", "nothex!"]).status == 10)
    }

    @Test("after a run lost its record (kill -9), a rerun, `cache gc` and an export of the speech succeed")
    func exportAfterLostRecord() throws {
        let (first, result) = try eval(clip.path)
        #expect(first.status == 0, "\(first.stderr)")
        let sha = try #require(result["sha256"] as? String)
        // What `kill -9` before the record leaves: every artifact, no evaluation.
        #expect(try cache(["forget", sha, "--all"]).status == 0)
        let (rerun, again) = try eval(clip.path)
        #expect(rerun.status == 0)
        #expect((again["stages"] as? [String: [String: Any]])?["speech"] == nil, "the speech stage did not run: the scores were cached")
        #expect(try cache(["gc"]).status == 0)
        for (artifact, track) in [("speech", false), ("crops", true), ("mfcc", true), ("distances", true), ("tracks", false)] {
            let out = directory.appendingPathComponent(artifact + (artifact == "tracks" ? ".json" : ".npy")).path
            let export = try SyncBenchBinary.run(
                ["query", "export", sha, "--artifact", artifact, "--out", out, "--db", database, "--clean"] + (track ? ["--track", "0"] : []))
            #expect(export.status == 0, "\(artifact): \(export.stderr)")
        }
    }
}
