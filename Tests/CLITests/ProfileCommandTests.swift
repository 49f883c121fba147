import Foundation
import Reports
import Tensor
import TestSupport
import Testing

/// `eval --profile` through the binary: the clip's numbers by the profile's rule, and the
/// provenance every `--json` output states (issue #12).
@Suite("syncbench eval: profiles and provenance", .serialized, .timeLimit(.minutes(5)))
struct ProfileCommandTests {
    @Test("each profile's rule and the provenance (tool and commit, profile version, weights by SHA-256 and published or not, FFmpeg)")
    func profilesAndProvenance() throws {
        let clip = try ScoredClip("profiles")
        let (directory, video) = (clip.directory, clip.video)
        func eval(_ profile: String) throws -> [String: Any] {
            let (output, object) = try clip.eval(["--profile", profile])
            #expect(output.status == 0, "\(profile): \(output.stderr)")
            return try #require(object)
        }
        let mocha = try eval("mochabench")
        #expect(mocha["lse_c"] as? Double == mocha["best_confidence"] as? Double && mocha["lse_d"] as? Double == mocha["min_dist"] as? Double)
        #expect((mocha["rule"] as? String)?.hasPrefix("mochabench: the best confidence and the smallest distance over 1 track") == true)
        let real = try eval("wav2lip-real")
        #expect(real["lse_c"] is NSNull && real["lse_d"] is NSNull && real["offset"] is NSNull, "null, not absent: \(real)")
        #expect((real["warnings"] as? [String])?.contains { $0.contains("one line per track") } == true)
        let mova = try eval("mova")
        #expect(mova["offset"] is NSNull && mova["lse_c"] is NSNumber && (mova["rule"] as? String)?.hasPrefix("mova: ") == true)

        // The upstream files: Wav2Lip's all_scores.txt and MOVA's _lip_score.json.
        let db = clip.database
        let lines = directory.appendingPathComponent("all_scores.txt"), json = directory.appendingPathComponent("clip_lip_score.json")
        let exported = try SyncBenchBinary.run(["query", "export", video.path, "--artifact", "all-scores", "--profile", "wav2lip-real", "--out", lines.path, "--db", db])
        #expect(exported.status == 0, "\(exported.stderr)")
        let tracks = try #require(real["tracks"] as? [[String: Any]])
        let text = try String(contentsOf: lines, encoding: .utf8)
        #expect(text.split(separator: "\n").count == tracks.count && text.hasSuffix("\n"))
        let first = text.split(separator: "\n")[0].split(separator: " ").compactMap { Double($0) }
        #expect(first.count == 2 && abs(first[0] - (tracks[0]["min_dist"] as? Double ?? 0)) < 1e-4 && abs(first[1] - (tracks[0]["confidence"] as? Double ?? 0)) < 1e-4)
        let lip = try SyncBenchBinary.run(["query", "export", video.path, "--artifact", "lip-score", "--profile", "mova", "--out", json.path, "--db", db])
        #expect(lip.status == 0, "\(lip.stderr)")
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Double])
        #expect(Set(fields.keys) == ["person0_LSE-D", "person0_LSE-C", "mean_LSE-D", "mean_LSE-C", "max_C_inperson", "min_D_inperson"], "\(fields)")

        let provenance = try #require(mova["provenance"] as? [String: Any])
        #expect((provenance["syncbench"] as? String)?.hasPrefix("0.1.0 (") == true)
        #expect(provenance["profile"] as? String == "mova" && provenance["profile_version"] as? Int == 1)
        let files = try #require(provenance["weights"] as? [[String: Any]])
        #expect(files.map { $0["file"] as? String } == ["syncnet_v2.model", "sfd_face.pth"])
        #expect(files.allSatisfy { $0["published"] as? Bool == false && ($0["sha256"] as? String)?.count == 64 })
        #expect(files.map { $0["used"] as? Bool } == [true, false], "S3FD plays no part with --boxes")
        let ffmpeg = try #require(provenance["ffmpeg"] as? [String: String])
        #expect(Set(ffmpeg.keys) == ["libavformat", "libavcodec", "libavutil", "libswscale", "libswresample"])
        #expect(ffmpeg.values.allSatisfy { $0.split(separator: ".").count == 3 })
    }

    @Test("--version names the commit it was built from")
    func version() throws {
        let output = try SyncBenchBinary.run(["--version"])
        #expect(output.status == 0)
        let text = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.hasPrefix("0.1.0 (") && text.hasSuffix(")") && text.count > "0.1.0 ()".count, "\(text)")
    }
}

/// `--precision bf16` through the binary: recorded in the settings and the provenance, warned
/// about, and refused where the CPU cannot run it.
@Suite("syncbench eval --precision", .serialized, .timeLimit(.minutes(5)))
struct PrecisionCommandTests {
    @Test("bf16: settings, provenance and a warning say so; fp32 results and keys are untouched; a stored bf16 result is not served for fp32")
    func bf16IsRecordedAndWarned() throws {
        let clip = try ScoredClip("precision")
        func eval(_ extra: [String]) throws -> (SyncBenchBinary.Output, [String: Any]) {
            let (output, object) = try clip.eval(["--clean"] + extra)
            return (output, object ?? [:])
        }
        let (fp32Output, fp32) = try eval([])
        #expect(fp32Output.status == 0, "\(fp32Output.stderr)")
        #expect((fp32["settings"] as? [String: Any])?["precision"] == nil)
        #expect((fp32["provenance"] as? [String: Any])?["precision"] as? String == "fp32")
        #expect(!fp32Output.stderr.contains("bf16"))
        guard Precision.bf16.isSupported else {
            let (refused, _) = try eval(["--precision", "bf16"])
            #expect(refused.status != 0 && refused.stderr.contains("AVX512_BF16"), "\(refused.stderr)")
            return
        }
        let (bf16Output, bf16) = try eval(["--precision", "bf16"])
        #expect(bf16Output.status == 0, "\(bf16Output.stderr)")
        #expect((bf16["settings"] as? [String: Any])?["precision"] as? String == "bf16")
        #expect((bf16["provenance"] as? [String: Any])?["precision"] as? String == "bf16")
        #expect((bf16["warnings"] as? [String])?.contains(Provenance.bf16Notice) == true)
        #expect(bf16Output.stderr.contains("warning: bf16 precision"))
        #expect(bf16["evaluation"] as? String != fp32["evaluation"] as? String)
        #expect(bf16["offset"] as? Int == fp32["offset"] as? Int)
        let stages = bf16["stages"] as? [String: [String: Any]] ?? [:]
        #expect(stages["embeddings"]?["status"] as? String == "computed" && stages["tracks"]?["status"] as? String == "cached")
        // fp32 again: the fp32 result, from the cache.
        let (_, again) = try eval(["--precision", "fp32"])
        #expect(again["evaluation"] as? String == fp32["evaluation"] as? String && again["best_confidence"] as? Double == fp32["best_confidence"] as? Double)
        let table = try clip.eval(["--clean", "--precision", "bf16"], json: false).output
        #expect(table.stdout.contains("precision bf16"), "\(table.stdout)")
    }
}

/// A 60-frame scorable clip with its boxes, stand-in weights and a database in a fresh workspace;
/// ``eval(_:json:)`` runs `syncbench eval` on it with `--min-track 20` and the given options.
struct ScoredClip {
    let directory: URL
    let video: URL
    let boxes: URL
    let weights: String
    let database: String

    init(_ name: String) throws {
        let workspace = try BinaryWorkspace(name)
        (directory, weights, database) = (workspace.directory, workspace.weights, workspace.database)
        video = directory.appendingPathComponent("clip.mkv")
        boxes = directory.appendingPathComponent("boxes.json")
        try ScorableClip.write(to: video, boxes: boxes, frames: 60)
    }

    /// The command's output, and its `--json` object (nil without `json` or when it is not one).
    func eval(_ options: [String], json: Bool = true) throws -> (output: SyncBenchBinary.Output, object: [String: Any]?) {
        let output = try SyncBenchBinary.run(
            ["eval", video.path, "--boxes", boxes.path, "--weights", weights, "--db", database, "--min-track", "20"] + (json ? ["--json"] : []) + options)
        return (output, json ? (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]) : nil)
    }
}
