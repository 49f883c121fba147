import ArgumentParser
import Benchmark
import Foundation
import Media
import Models
import Pipeline
import Reports
import Store
import Tensor

/// `syncbench eval`: score one clip, through the cache.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the lip sync of one video (LSE-C, LSE-D, AV offset per face track).",
        discussion: """
            Runs the reference pipeline (docs/reference/pipeline.md): faces (S3FD, or --boxes), shots, tracks, \
            224x224 mouth crops, SyncNet over every 5-frame window, distances over ±vshift frames. \
            Every stage's result is cached in the database by content, so an identical rerun \
            computes nothing and a changed setting recomputes only the stages it affects.

            Profiles (--profile; docs/protocols.md): mochabench (default; MoChaBench's \
            eval-lipsync, tracks need > 50 detections), joonson (> 100), wav2lip-real (Wav2Lip's \
            real-video scoring, one result per track), mova (> 20, the best track), latentsync \
            (LatentSync's H.264 intermediate, mean confidence over tracks) and wav2lip-lrs (whole \
            frames, no detection). Without --audio the video's own audio is scored, taken as \
            the profile's upstream code takes it. --clean skips the reference's lossy steps and its \
            one-frame MP3 delay (docs/eval.md).

            Exit status: 0 scored; 3 evaluated without a score (no_face, no_track, too_short); \
            4 audio problem (no_audio, audio_error); 5 video problem (decode_error); others as \
            in docs/cli.md.
            """
    )

    @Argument(help: "The video to score.", completion: .file())
    var video: String

    @Option(name: .customLong("audio"), help: "Speech to score against (default: the video's own audio).", completion: .file())
    var audio: String?

    @Option(help: "Face boxes per frame in the reference's detection JSON shape, used instead of S3FD.", completion: .file(extensions: ["json"]))
    var boxes: String?

    @OptionGroup var evaluation: EvaluationOptions
    @OptionGroup var weights: WeightsOptions
    @OptionGroup var store: StoreOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let evaluator = try reportingFailures { ClipEvaluator(store: try store.open(), weights: weights.resolved, settings: evaluation.settings, syncbench: SyncBenchVersion.current) }
        let line: StageProgressLine? = StageProgressLine.wanted(json: json) ? StageProgressLine() : nil
        var progress: (@Sendable (EvaluationProgress) -> Void)? = nil
        if let line { progress = { line.show($0) } }
        let result = try reportingFailures {
            defer { line?.clear() }
            return try evaluator.evaluate(video: video, audio: audio, boxes: boxes, progress: progress)
        }
        var warnings = evaluator.warnings(boxes: boxes != nil)
        if evaluation.precision == .bf16 { warnings.append(Provenance.bf16Notice) }
        for warning in warnings { FileHandle.standardError.write(Data("syncbench: warning: \(warning)\n".utf8)) }
        var report = EvaluationReport(result)
        report.warnings = warnings
        report.provenance = provenance(evaluator, usedS3FD: boxes == nil)
        print(json ? report.jsonText : report.table)
        if let status = ExitStatus(clip: result.status) {
            throw ExitCode(status.rawValue)
        }
    }
}

/// A failure of the command line's own making, with its exit status.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var status: ExitStatus
    var description: String { message }
}

/// The provenance of an evaluation made with `evaluator`'s weights and settings.
func provenance(_ evaluator: ClipEvaluator, usedS3FD: Bool) -> Provenance {
    let weights = WeightsFile.allCases.compactMap { file -> Provenance.Weights? in
        guard let sha = try? evaluator.digest(of: file) else { return nil }
        return Provenance.Weights(file: file.fileName, sha256: sha, published: file.matchesPublishedDigest(sha), used: file == .syncNet || usedS3FD)
    }
    let settings = evaluator.settings
    return Provenance(
        syncbench: SyncBenchVersion.current, profile: settings.profile.rawValue, profileVersion: settings.profileDescription.version,
        clean: settings.clean, weights: weights, ffmpeg: MediaLibraries.versions, precision: settings.networkPrecision.rawValue)
}

/// A value written as JSON `null` when absent (the encoder omits absent optionals otherwise).
struct Nullable<Value: Encodable>: Encodable {
    var value: Value?
    init(_ value: Value?) { self.value = value }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}

/// How an evaluation is printed.
struct EvaluationReport {
    let evaluation: ClipEvaluation
    /// Remarks printed with the result (weights that are not the published ones).
    var warnings: [String] = []
    /// Where the numbers come from (in `--json`).
    var provenance: Provenance? = nil

    init(_ evaluation: ClipEvaluation) {
        self.evaluation = evaluation
    }

    /// The `--json` object (documented in docs/eval.md).
    struct JSON: Encodable {
        struct Track: Encodable {
            var track: Int
            var start_frame: Int
            var end_frame: Int
            var status: String
            var offset: Int?
            var confidence: Float?
            var min_dist: Float?
            var windows: Int
        }
        struct Stage: Encodable {
            var status: String
            var seconds: Double
            var computed: Int
            var cached: Int
        }
        var video: String
        var sha256: String
        var audio: String?
        var audio_sha256: String?
        var status: String
        var message: String
        var profile: String
        var clean: Bool
        var tracks: [Track]
        var best_confidence: Float?
        var min_dist: Float?
        var offsets: [Int]
        var frames: Int?
        var speech_samples: Int?
        var stages: [String: Stage]
        var stage_order: [String]
        var seconds: Double
        var evaluation: String
        var settings: EvaluationSettings
        var warnings: [String]
        /// The clip's numbers by the profile's rule (null where the protocol defines none; the
        /// reason is in `warnings`), and the rule in words.
        var lse_c: Nullable<Float>
        var lse_d: Nullable<Float>
        var offset: Nullable<Int>
        var rule: Nullable<String>
        var profile_version: Int
        var profile_upstream: String
        var provenance: Provenance?
    }

    var jsonObject: JSON {
        let e = evaluation
        return JSON(
            video: e.videoPath, sha256: e.videoSHA256, audio: e.speechPath, audio_sha256: e.speechSHA256, status: e.status.rawValue,
            message: e.message, profile: e.settings.profile.rawValue, clean: e.settings.clean,
            tracks: e.tracks.map {
                .init(
                    track: $0.track, start_frame: $0.startFrame, end_frame: $0.endFrame, status: $0.status.rawValue, offset: $0.offset,
                    confidence: $0.confidence, min_dist: $0.minDistance, windows: $0.windows)
            },
            best_confidence: e.bestConfidence, min_dist: e.minDistance, offsets: e.tracks.compactMap(\.offset), frames: e.frames,
            speech_samples: e.speechSamples,
            stages: Dictionary(
                uniqueKeysWithValues: e.stages.map {
                    ($0.stage, JSON.Stage(status: $0.outcome.rawValue, seconds: $0.seconds, computed: $0.computed, cached: $0.cached))
                }),
            stage_order: e.stages.map(\.stage), seconds: e.seconds, evaluation: e.key, settings: e.settings,
            warnings: warnings + (e.warnings ?? []) + (e.clip?.notes ?? []), lse_c: Nullable(e.clip?.lseC), lse_d: Nullable(e.clip?.lseD), offset: Nullable(e.clip?.offset),
            rule: Nullable(e.clip?.rule), profile_version: e.settings.profileDescription.version, profile_upstream: e.settings.profileDescription.upstream,
            provenance: provenance)
    }

    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(jsonObject)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    var table: String {
        let e = evaluation
        var lines: [String] = []
        lines.append("video    \(e.videoPath)  (sha256 \(e.videoSHA256.prefix(12)))")
        if let speech = e.speechPath { lines.append("speech   \(speech)" + (e.speechSHA256.map { "  (sha256 \($0.prefix(12)))" } ?? "")) }
        lines.append(
            "profile  \(e.settings.label)  (min_track \(e.settings.minTrack), vshift \(e.settings.vshift)"
                + (e.settings.networkPrecision == .fp32 ? "" : ", precision \(e.settings.networkPrecision)") + ")")
        lines.append("status   \(e.status.rawValue)" + (e.message.isEmpty ? "" : "  \(e.message)"))
        if !e.tracks.isEmpty {
            lines.append("")
            lines.append("track  frames        windows  offset   LSE-C    LSE-D  status")
            for t in e.tracks {
                let frames = "\(t.startFrame)-\(t.endFrame)".padding(toLength: 12, withPad: " ", startingAt: 0)
                let offset = t.offset.map { String(format: "%6d", $0) } ?? "     -"
                let conf = t.confidence.map { String(format: "%7.3f", $0) } ?? "      -"
                let dist = t.minDistance.map { String(format: "%7.3f", $0) } ?? "      -"
                lines.append(String(format: "%5d  ", t.track) + frames + String(format: "  %7d  ", t.windows) + offset + "  " + conf + "  " + dist + "  " + t.status.rawValue)
            }
        }
        if let clip = e.clip {
            lines.append("")
            let c = clip.lseC.map { String(format: "%.3f", $0) } ?? "-", d = clip.lseD.map { String(format: "%.3f", $0) } ?? "-"
            lines.append("LSE-C \(c)   LSE-D \(d)" + (clip.offset.map { "   offset \($0)" } ?? "") + "   (\(clip.rule))")
            for note in clip.notes { lines.append("         \(note)") }
        } else if let c = e.bestConfidence, let d = e.minDistance {
            lines.append("")
            lines.append(String(format: "LSE-C %.3f   LSE-D %.3f", c, d))
        }
        lines.append("")
        let stages = e.stages.map { s in
            s.outcome == .cached ? "\(s.stage) cached" : "\(s.stage) \(String(format: "%.2f", s.seconds))s"
        }
        lines.append("stages   " + stages.joined(separator: ", ") + String(format: "   (%.2f s)", e.seconds))
        return lines.joined(separator: "\n")
    }
}
