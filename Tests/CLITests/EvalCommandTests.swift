import Foundation
import Media
import NPY
import TestSupport
import Testing

/// `syncbench eval`, `query`, `cache` end to end through the binary, on the example clip with its
/// boxes and stand-in weights.
@Suite("syncbench eval, query and cache", .serialized, .timeLimit(.minutes(10)))
struct EvalCommandTests {
    static let data = SharedData.root

    let directory: URL
    let weights: String
    let database: String

    init() throws {
        directory = try ScratchDirectory.make("eval")
        weights = directory.appendingPathComponent("weights").path
        database = directory.appendingPathComponent("cache.sqlite").path
        let written = try SyncBenchBinary.run(["weights", "standin", weights])
        precondition(written.status == 0, written.stderr)
    }

    func eval(_ extra: [String]) throws -> (SyncBenchBinary.Output, [String: Any]) {
        let output = try SyncBenchBinary.run(
            [
                "eval", Self.data.appendingPathComponent("example.avi").path, "--audio", Self.data.appendingPathComponent("example_speech.wav").path,
                "--boxes", Self.data.appendingPathComponent("example_boxes.json").path, "--weights", weights, "--db", database, "--json",
            ] + extra)
        let object = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]) ?? [:]
        return (output, object)
    }

    func computedStages(_ object: [String: Any]) -> [String] {
        let stages = object["stages"] as? [String: [String: Any]] ?? [:]
        return stages.filter { $0.value["status"] as? String == "computed" }.map(\.key).sorted()
    }

    @Test(
        "eval scores the example, a rerun computes nothing, --vshift recomputes only the scores; every artifact exports",
        .enabled(if: SharedData.has("example.avi"), "needs ../shared/data (shared test clips, not part of the repository)"))
    func evalQueryExport() throws {
        let (first, result) = try eval([])
        #expect(first.status == 0, "\(first.stderr)")
        for key in ["video", "sha256", "status", "message", "profile", "tracks", "best_confidence", "min_dist", "stages"] {
            #expect(result[key] != nil, "missing \(key)")
        }
        #expect(result["status"] as? String == "ok" && result["profile"] as? String == "mochabench")
        let tracks = try #require(result["tracks"] as? [[String: Any]])
        #expect(tracks.count == 1)
        #expect(tracks[0]["start_frame"] as? Int == 0 && tracks[0]["end_frame"] as? Int == 131)
        for key in ["track", "offset", "confidence", "min_dist"] { #expect(tracks[0][key] != nil) }
        #expect(computedStages(result) == ["crops", "decode", "detections", "embeddings", "mfcc", "scenes", "scores", "speech", "tracks"])

        let (second, again) = try eval([])
        #expect(second.status == 0)
        #expect(computedStages(again).isEmpty)
        #expect(again["best_confidence"] as? Double == result["best_confidence"] as? Double)
        #expect(again["min_dist"] as? Double == result["min_dist"] as? Double)

        let (third, narrow) = try eval(["--vshift", "7"])
        #expect(third.status == 0)
        #expect(computedStages(narrow) == ["scores"])

        let table = try SyncBenchBinary.run(["query", "tracks", Self.data.appendingPathComponent("example.avi").path, "--db", database])
        #expect(table.status == 0 && table.stdout.contains("LSE-C") && table.stdout.contains("0-131"))

        let sha = try #require(result["sha256"] as? String)
        func export(_ artifact: String, _ name: String, track: Bool = false) throws -> String {
            let out = directory.appendingPathComponent(name).path
            let run = try SyncBenchBinary.run(
                ["query", "export", String(sha.prefix(10)), "--artifact", artifact, "--out", out, "--db", database] + (track ? ["--track", "0"] : []))
            #expect(run.status == 0, "\(artifact): \(run.stderr)")
            return out
        }
        let crops = try NPYArray(contentsOf: URL(fileURLWithPath: try export("crops", "crops.npy", track: true)))
        #expect(crops.dtype == .uint8 && crops.shape == [132, 224, 224, 3])
        let windows = 127  // distances: the latest evaluation is the --vshift 7 one (2·7+1 offsets)
        for (artifact, shape, dtype) in [
            ("lip-embeddings", [windows, 1024], NPYArray.DType.float32), ("audio-embeddings", [windows, 1024], .float32),
            ("distances", [windows, 15], .float32), ("framewise", [windows], .float32), ("mfcc", [13, 527], .float64),
            ("speech", [84_480], .int16),
        ] {
            let array = try NPYArray(contentsOf: URL(fileURLWithPath: try export(artifact, "\(artifact).npy", track: true)))
            #expect(array.shape == shape && array.dtype == dtype, "\(artifact): \(array.shape) \(array.dtype)")
        }
        let video = try MediaProbe.probe(path: try export("crops", "crops.mp4", track: true))
        #expect(video.video?.width == 224 && video.audio != nil)
        let detections = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: try export("detections", "d.json")))) as? [[String: Any]]
        #expect(detections?.count == 134 && detections?.first?["bbox"] != nil)
        let csv = try String(contentsOfFile: try export("scores", "scores.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 2 && csv.hasPrefix("video,sha256,profile"))

        // Wrong extension, missing track: usage errors before anything runs.
        let bad = try SyncBenchBinary.run(["query", "export", sha, "--artifact", "crops", "--out", "x.json", "--db", database])
        #expect(bad.status == 64)

        let sql = try SyncBenchBinary.run(["query", "sql", "SELECT status, tracks FROM clip", "--db", database])
        #expect(sql.stdout.contains("ok\t1"))
        let write = try SyncBenchBinary.run(["query", "sql", "DELETE FROM evaluation", "--db", database])
        #expect(write.status == 30 && write.stderr.contains("read-only"))

        let verify = try SyncBenchBinary.run(["cache", "verify", "--db", database])
        #expect(verify.status == 0 && verify.stdout.hasPrefix("ok"))
        let stats = try SyncBenchBinary.run(["cache", "stats", "--db", database, "--json"])
        let statsObject = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(statsObject["evaluations"] as? Int == 2)
        // The vshift-7 scores and the vshift-15 scores are both referenced: gc keeps everything.
        let gc = try SyncBenchBinary.run(["cache", "gc", "--db", database])
        #expect(gc.status == 0 && gc.stdout.hasPrefix("removed 0 artifacts"))
    }

    @Test("bad input: a recorded status and a documented exit code; the database stays intact")
    func badInput() throws {
        let notVideo = directory.appendingPathComponent("notes.mp4")
        try Data("hello, not a video".utf8).write(to: notVideo)
        let decode = try SyncBenchBinary.run(["eval", notVideo.path, "--boxes", "/dev/null", "--weights", weights, "--db", database, "--json"])
        // /dev/null is a device, not a boxes file: exit 11 (not a regular file) before anything is evaluated.
        #expect(decode.status == 11 && decode.stderr.contains("/dev/null"), "\(decode.stderr)")
        let boxes = directory.appendingPathComponent("boxes.json")
        try Data("[]".utf8).write(to: boxes)
        let broken = try SyncBenchBinary.run(["eval", notVideo.path, "--boxes", boxes.path, "--weights", weights, "--db", database, "--json"])
        #expect(broken.status == 5)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(broken.stdout.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "decode_error")
        #expect((object["message"] as? String)?.hasPrefix(notVideo.path) == true)

        let missing = try SyncBenchBinary.run(["eval", directory.appendingPathComponent("nope.mp4").path, "--weights", weights, "--db", database])
        #expect(missing.status == 10 && missing.stderr.contains("no such file"))

        let noWeights = try SyncBenchBinary.run(["eval", notVideo.path, "--weights", directory.appendingPathComponent("none").path, "--db", database])
        #expect(noWeights.status == 40)

        let list = try SyncBenchBinary.run(["query", "list", "--db", database])
        #expect(list.status == 0 && list.stdout.contains("decode_error"))
        #expect(try SyncBenchBinary.run(["cache", "verify", "--db", database]).status == 0)
    }
}
