import Foundation
import Media
import Models
import Reports
import Tensor
import TestSupport
import Testing

@testable import syncbench

@Suite("syncbench weights and detect commands", .serialized, .timeLimit(.minutes(5)))
struct WeightsCommandTests {
    let directory: URL

    init() throws {
        directory = try ScratchDirectory.make("weights")
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("standin writes both files; info validates them; a damaged file is reported with exit 41")
    func standInAndInfo() throws {
        let weights = path("weights")
        let written = try SyncBenchBinary.run(["weights", "standin", weights])
        #expect(written.status == 0, "\(written.stderr)")
        let again = try SyncBenchBinary.run(["weights", "standin", weights])
        #expect(again.status == 20 && again.stderr.contains("--force"), "existing files are not overwritten")

        let info = try SyncBenchBinary.run(["weights", "info", "--json"], environment: ["SYNCBENCH_WEIGHTS": weights])
        #expect(info.status == 0, "\(info.stderr)")
        let files = try #require(try json(info.stdout)["files"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == ["syncnet_v2.model", "sfd_face.pth"])
        for (file, count) in zip(files, [102, 65]) {
            #expect(file["valid"] as? Bool == true && file["stand_in"] as? Bool == true)
            #expect(file["format"] as? String == "legacy")
            #expect(file["published_sha256_match"] as? Bool == false)
            #expect((file["tensors"] as? [Any])?.count == count)
            #expect((file["value_digest"] as? String)?.count == 64)
        }
        let text = try SyncBenchBinary.run(["weights", "info", weights])
        #expect(text.stdout.contains("netcnnlip.0.weight") && text.stdout.contains("96×3×5×7×7"))

        // Cut the detector file short: a clear error, exit 41.
        let s3fd = URL(fileURLWithPath: weights).appendingPathComponent("sfd_face.pth")
        let bytes = try Data(contentsOf: s3fd)
        try bytes.prefix(bytes.count / 2).write(to: s3fd)
        let damaged = try SyncBenchBinary.run(["weights", "info", weights, "--json"])
        #expect(damaged.status == 41)
        let broken = try #require(try json(damaged.stdout)["files"] as? [[String: Any]])[1]
        #expect(broken["valid"] as? Bool == false && (broken["error"] as? String)?.isEmpty == false)

        let missing = try SyncBenchBinary.run(["weights", "info", path("nothing-here")])
        #expect(missing.status == 40 && missing.stdout.contains("not found"))
    }

    @Test("fetch copies from a mirror atomically, keeps valid files, and fails cleanly offline")
    func fetch() throws {
        let mirror = path("mirror"), destination = path("fetched")
        #expect(try SyncBenchBinary.run(["weights", "standin", mirror]).status == 0)
        let fetched = try SyncBenchBinary.run(["weights", "fetch", destination, "--from", "file://\(mirror)"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: destination + "/sfd_face.pth")) == Data(contentsOf: URL(fileURLWithPath: mirror + "/sfd_face.pth")))
        let kept = try SyncBenchBinary.run(["weights", "fetch", destination, "--from", "file://\(mirror)"])
        #expect(kept.status == 0 && kept.stdout.contains("present and valid"))

        // A mirror with a bad file: exit 42, nothing half-written left behind.
        let badMirror = path("bad-mirror"), target = path("target")
        try FileManager.default.createDirectory(atPath: badMirror, withIntermediateDirectories: true)
        try Data("<html>not found</html>".utf8).write(to: URL(fileURLWithPath: badMirror + "/syncnet_v2.model"))
        let bad = try SyncBenchBinary.run(["weights", "fetch", target, "--from", "file://\(badMirror)"])
        #expect(bad.status == 42)
        #expect(bad.stderr.contains("syncnet_v2.model") && bad.stderr.contains("not a valid SyncNet checkpoint"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)

        // Nothing listens on the discard port of the loopback address: the offline message.
        let offline = try SyncBenchBinary.run(["weights", "fetch", path("offline"), "--from", "http://127.0.0.1:9/"])
        #expect(offline.status == 42 && offline.stderr.contains("cannot download"))
    }

    @Test("detect prints the reference's detection shape; missing weights exit 40")
    func detect() throws {
        let weights = path("w")
        #expect(try SyncBenchBinary.run(["weights", "standin", weights]).status == 0)
        let clip = directory.appendingPathComponent("faces.mp4")
        let writer = try ClipWriter(path: clip.path, video: .init(width: 160, height: 120, frameRate: (25, 1), options: ["qscale": "2"]), audio: nil)
        for i in 0..<3 {
            var pixels = [UInt8](repeating: 0, count: 160 * 120 * 3)
            for p in 0..<(160 * 120) {
                pixels[3 * p] = UInt8((p * 7 + i) & 255)
                pixels[3 * p + 1] = UInt8((p / 160 * 3) & 255)
                pixels[3 * p + 2] = UInt8((p % 160 * 2) & 255)
            }
            try writer.append(Image(width: 160, height: 120, layout: .bgr, pixels: pixels))
        }
        try writer.finish()
        let result = try SyncBenchBinary.run(["detect", clip.path, "--weights", weights, "--threshold", "0.05", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        for row in rows {
            #expect(Set(row.keys) == ["frame", "bbox", "conf"])
            #expect((row["bbox"] as? [Double])?.count == 4)
            #expect((row["conf"] as? Double).map { $0 > 0.05 && $0 <= 1 } == true)
            #expect((row["frame"] as? Int).map { (0..<3).contains($0) } == true)  // at most 3 frames
        }
        // Frames are those of the reference timeline, as `media probe` counts them.
        let probe = try SyncBenchBinary.run(["media", "probe", clip.path, "--json", "--db", path("cache.sqlite")])
        let frames = try #require(try json(probe.stdout)["frames"] as? Int)
        let table = try SyncBenchBinary.run(["detect", clip.path, "--weights", weights])
        #expect(table.status == 0 && table.stdout.contains(" faces in \(frames) frames"), "\(table.stdout)")
        #expect(table.stdout.split(separator: "\n").count == frames + 2)
        // Frames go through the network in batches of 3: --max-frames still stops inside one.
        let two = try SyncBenchBinary.run(["detect", clip.path, "--weights", weights, "--max-frames", "2"])
        #expect(two.status == 0 && two.stdout.contains(" in 2 frames ") && two.stdout.split(separator: "\n").count == 4, "\(two.stdout)")
        // A still image (PNG, JPEG, …) is read as a one-frame video.
        let still = directory.appendingPathComponent("still.png")
        try PNGFile.write(Image(width: 160, height: 120, layout: .bgr, filledWith: 90), to: still)
        let image = try SyncBenchBinary.run(["detect", still.path, "--weights", weights, "--threshold", "0.5"])
        #expect(image.status == 0 && image.stdout.contains(" in 1 frame "), "\(image.stdout)\(image.stderr)")

        let missing = try SyncBenchBinary.run(["detect", clip.path, "--weights", path("none")])
        #expect(missing.status == 40 && missing.stderr.contains("sfd_face.pth"))
    }
}

@Suite("syncbench bench-kernels", .timeLimit(.minutes(5)))
struct BenchKernelsCommandTests {
    @Test("reports S3FD per size and SyncNet per window with GFLOP/s; bad sizes are usage errors")
    func smallRun() throws {
        let result = try SyncBenchBinary.run(["bench-kernels", "--sizes", "64x48", "--batch", "1", "--repeat", "3", "--no-reference", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let s3fd = try #require(object["s3fd"] as? [[String: Any]])
        #expect(s3fd.count == 1 && s3fd[0]["size"] as? String == "64x48")
        #expect((s3fd[0]["msPerFrame"] as? Double).map { $0 > 0 } == true && (s3fd[0]["gflops"] as? Double).map { $0 > 0 } == true)
        let syncNet = try #require(object["syncNet"] as? [String: Any])
        #expect((syncNet["lipMsPerWindow"] as? Double).map { $0 > 0 } == true)
        #expect(object["weights"] as? String == "stand-in" && object["reference"] == nil)
        // Three runs: the spread (max − min) / median is reported, non-negative.
        #expect((s3fd[0]["spread"] as? Double).map { $0 >= 0 } == true && (syncNet["lipSpread"] as? Double).map { $0 >= 0 } == true)
        // The forward and Detect + NMS are timed apart; the whole detector again with few candidates.
        for key in ["forwardMs", "detectMs"] { #expect((s3fd[0][key] as? Double).map { $0 > 0 } == true, "\(key)") }
        let few = try #require(object["s3fdFewCandidates"] as? [[String: Any]])
        #expect(few.count == 1 && few[0]["size"] as? String == "64x48" && (few[0]["msPerFrame"] as? Double).map { $0 > 0 } == true)
        // fp32 is the measured precision: no baseline beside it.
        #expect(object["precision"] as? String == "fp32" && object["fp32"] == nil)
        let bad = try SyncBenchBinary.run(["bench-kernels", "--sizes", "64by48"])
        #expect(bad.status == 64 && bad.stderr.contains("WIDTHxHEIGHT"))
        for counts in [["--batch", "0"], ["--batch", "100000"], ["--repeat", "0"]] {
            let outOfRange = try SyncBenchBinary.run(["bench-kernels", "--no-reference"] + counts)
            #expect(outOfRange.status == 64 && outOfRange.stderr.contains("1…256"), "\(counts): \(outOfRange.stderr.suffix(300))")
        }
        // A size the network cannot take is a usage error, not a trap in its pooling.
        for size in ["16x16", "200x16", "64x24"] {
            let small = try SyncBenchBinary.run(["bench-kernels", "--sizes", size, "--no-reference"])
            #expect(small.status == 64 && small.stderr.contains("too small for S3FD"), "\(size): \(small.stderr.suffix(300))")
        }
    }
}

@Suite(
    "syncbench bench-kernels --precision bf16", .timeLimit(.minutes(5)),
    .enabled(if: Precision.bf16.isSupported, "this CPU has no AVX512_BF16: bf16 cannot be benchmarked here"))
struct BenchKernelsBF16Tests {
    @Test("times fp32 in the same run as bf16 and prints bf16's speed-up over it")
    func fp32Baseline() throws {
        let arguments = ["bench-kernels", "--sizes", "64x48", "--batch", "1", "--repeat", "2", "--no-reference", "--precision", "bf16"]
        let result = try SyncBenchBinary.run(arguments + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["precision"] as? String == "bf16")
        let fp32 = try #require(object["fp32"] as? [String: Any], "no fp32 baseline in \(result.stdout)")
        let s3fd = try #require(fp32["s3fd"] as? [[String: Any]])
        #expect(s3fd.count == 1 && s3fd[0]["size"] as? String == "64x48" && (s3fd[0]["forwardMs"] as? Double).map { $0 > 0 } == true)
        #expect((fp32["s3fdFewCandidates"] as? [[String: Any]])?.count == 1)
        #expect(((fp32["syncNet"] as? [String: Any])?["lipMsPerWindow"] as? Double).map { $0 > 0 } == true)
        let table = try SyncBenchBinary.run(arguments)
        #expect(table.status == 0 && table.stdout.contains("vs fp32"), "\(table.stdout)")
    }
}

@Suite("bench-kernels statistics")
struct KernelStatisticsTests {
    @Test("the few-candidates stand-ins differ from the stand-ins only in the face logit of each confidence head, lowered by 5")
    func fewCandidatesWeights() throws {
        let plain = S3FD.standInStateDict(), few = try BenchKernelsCommand.fewCandidatesStandIn()
        #expect(plain.names == few.names)
        var changed: [String] = []
        for name in plain.names where plain[name] != few[name] {
            changed.append(name)
            let (a, b) = (try plain[name]!.float32Values(), try few[name]!.float32Values())
            #expect(Array(a.dropLast()) == Array(b.dropLast()) && b.last! == a.last! - 5, "\(name)")
        }
        #expect(changed == (0..<6).map { "conf.\($0).bias" })
    }

    @Test("with an fp32 baseline, each row ends with fp32's time and its ratio to this precision's; without, neither is printed")
    func versusFP32Column() {
        var report = KernelReport(threads: 2, batch: 20, precision: "bf16")
        report.syncNet = .init(lipMsPerWindow: 10, lipGflops: 1, audioMsPerWindow: 2, audioGflops: 1, lipSpread: 0.1, audioSpread: 0.2)
        #expect(!report.table().contains("vs fp32"))
        var fp32 = KernelReport.Timings()
        fp32.syncNet = .init(lipMsPerWindow: 25, lipGflops: 1, audioMsPerWindow: 3, audioGflops: 1, lipSpread: 0.3, audioSpread: 0.1)
        report.fp32 = fp32
        let lines = report.table().split(separator: "\n")
        #expect(lines.contains { $0.contains("vs fp32") })
        let lip = lines.first { $0.hasPrefix("SyncNet lip") }, window = lines.first { $0.hasPrefix("SyncNet window") }
        #expect(lip?.hasSuffix("25.00 ms/win   ± 30%   2.50x") == true, "\(lip ?? "")")
        #expect(window?.hasSuffix("28.00 ms/win           2.33x") == true, "\(window ?? "")")
    }

    @Test("the median is the middle run (or the mean of the middle two); the spread is (max − min) / median")
    func medianAndSpread() {
        #expect(KernelReport.medianAndSpread([3, 1, 2]) == (2, 1))
        #expect(KernelReport.medianAndSpread([4, 1, 2, 3]) == (2.5, 3 / 2.5))
        #expect(KernelReport.medianAndSpread([5]) == (5, 0))
        #expect(KernelReport.medianAndSpread([]) == (0, 0))
    }
}
