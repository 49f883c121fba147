import ArgumentParser
import Foundation
import Media
import Models
import Pipeline
import Store

/// `syncbench eval`: score one clip, through the cache.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score the lip sync of one video (LSE-C, LSE-D, AV offset per face track).",
        discussion: """
            Runs the reference pipeline (PIPELINE.md): faces (S3FD, or --boxes), shots, tracks, \
            224x224 mouth crops, SyncNet over every 5-frame window, distances over ±vshift frames. \
            Every stage's result is cached in the database by content, so an identical rerun \
            computes nothing and a changed setting recomputes only the stages it affects.

            Profiles: mochabench (default; nawta/MoChaBench: tracks need > 50 detections) and \
            joonson (> 100). Without --audio the video's own audio is scored. --clean skips the \
            reference's lossy steps and its one-frame MP3 delay (docs/eval.md).

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

    @Option(help: "mochabench (min_track 50) or joonson (min_track 100).")
    var profile: EvaluationProfile = .mochabench

    @Flag(help: "Skip the reference's lossy media steps and its MP3-induced one-frame delay.")
    var clean = false

    @Option(help: "Offsets searched: -vshift ... +vshift frames.")
    var vshift: Int = SyncScorer.defaultVShift

    @Option(name: .customLong("threshold"), help: "S3FD face probability threshold.")
    var detectorThreshold: Float = S3FD.defaultThreshold

    @Option(name: .customLong("min-track"), help: "Detections a track needs, exclusive (default: the profile's).")
    var minTrack: Int?

    @Option(
        name: .customLong("mpeg4-threads"),
        help: "Slice threads of the reference's MPEG-4 step (default: the ffmpeg CLI's automatic count on this machine, min(CPUs, height/16) + 1; the reference's pixels depend on it).")
    var mpeg4Threads: Int?

    @OptionGroup var weights: WeightsOptions
    @OptionGroup var store: StoreOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard (0...100).contains(vshift) else { throw ValidationError("--vshift must be in 0...100, got \(vshift)") }
        guard detectorThreshold >= 0, detectorThreshold < 1 else { throw ValidationError("--threshold must be in [0, 1), got \(detectorThreshold)") }
        if let minTrack, minTrack < 0 { throw ValidationError("--min-track must be at least 0, got \(minTrack)") }
        if let mpeg4Threads, !(1...64).contains(mpeg4Threads) { throw ValidationError("--mpeg4-threads must be in 1...64, got \(mpeg4Threads)") }
    }

    var settings: EvaluationSettings {
        var settings = EvaluationSettings(profile: profile, clean: clean)
        settings.vshift = vshift
        settings.detectorThreshold = detectorThreshold
        if let minTrack { settings.minTrack = minTrack }
        settings.mpeg4Threads = mpeg4Threads
        return settings
    }

    func run() throws {
        let evaluator = try reportingFailures { ClipEvaluator(store: try store.open(), weights: weights.resolved, settings: settings) }
        let evaluation = try reportingFailures { try evaluator.evaluate(video: video, audio: audio, boxes: boxes) }
        let warnings = evaluator.warnings(boxes: boxes != nil)
        for warning in warnings { FileHandle.standardError.write(Data("syncbench: warning: \(warning)\n".utf8)) }
        var report = EvaluationReport(evaluation)
        report.warnings = warnings
        print(json ? report.jsonText : report.table)
        if let status = ExitStatus(clip: evaluation.status) {
            throw ExitCode(status.rawValue)
        }
    }
}

extension EvaluationProfile: ExpressibleByArgument {}

/// The CLI side of one evaluation: digests through the database's path cache, weights, boxes,
/// the evaluator, the stored record.
struct ClipEvaluator {
    let store: Store
    let weights: WeightsDirectory
    let settings: EvaluationSettings

    /// Remarks about the weights used: files that are not the published ones (stand-in or other
    /// weights) give numbers that cannot be compared with published results.
    func warnings(boxes: Bool) -> [String] {
        let files: [WeightsFile] = boxes ? [.syncNet] : [.syncNet, .s3fd]
        return files.compactMap { file in
            let path = weights.path(of: file)
            guard let sha = try? store.contentDigest(ofFileAt: URL(fileURLWithPath: path)), !file.matchesPublishedDigest(sha) else { return nil }
            return "\(path) is not the published \(file.fileName) (SHA-256 differs; stand-in weights?): "
                + "scores are not comparable with published numbers (get the official files with `syncbench weights fetch --force`)"
        }
    }

    func evaluate(video: String, audio: String?, boxes boxesPath: String?) throws -> ClipEvaluation {
        let videoURL = URL(fileURLWithPath: video)
        guard FileManager.default.fileExists(atPath: video) else { throw MediaError.fileNotFound(path: video) }
        let videoSHA = try store.contentDigest(ofFileAt: videoURL)
        var speechSHA: String? = nil
        var speechError: String? = nil
        if let audio {
            if !FileManager.default.fileExists(atPath: audio) {
                speechError = "\(audio): no such file (speech)"
            } else {
                do { speechSHA = try store.contentDigest(ofFileAt: URL(fileURLWithPath: audio)) } catch { speechError = error.description }
            }
        }
        var boxes: DetectionBoxes? = nil
        if let boxesPath {
            let url = URL(fileURLWithPath: boxesPath)
            guard FileManager.default.fileExists(atPath: boxesPath) else { throw CLIError(message: "\(boxesPath): no such file (boxes)", status: .fileNotFound) }
            boxes = try DetectionBoxes(contentsOf: url, sha256: try store.contentDigest(ofFileAt: url))
        }
        let weights = self.weights
        func digest(_ file: WeightsFile) throws -> String {
            let path = weights.path(of: file)
            guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.notFound(path: path, file: file) }
            return try store.contentDigest(ofFileAt: URL(fileURLWithPath: path))
        }
        let networks = NetworkSource(
            s3fdDigest: boxes == nil ? try digest(.s3fd) : nil, syncNetDigest: try digest(.syncNet),
            loadS3FD: { try weights.s3fd() }, loadSyncNet: { try weights.syncNet() })
        let input = EvaluationInput(
            videoPath: video, videoSHA256: videoSHA, speechPath: audio, speechSHA256: speechSHA, speechError: speechError, boxes: boxes)
        let evaluator = Evaluator(settings: settings, networks: networks, cache: store)
        let started = ContinuousClock.now
        let key = evaluator.keys(for: input).evaluation
        if var stored = try store.evaluation(key: key) {
            // An identical evaluation: nothing to compute.
            stored.stages = stored.stages.map {
                StageRecord(stage: $0.stage, outcome: .cached, computed: 0, cached: $0.computed + $0.cached, seconds: 0)
            }
            stored.videoPath = video
            stored.speechPath = audio
            stored.seconds = elapsed(since: started)
            return stored
        }
        let evaluation = try evaluator.evaluate(input)
        try store.save(evaluation)
        return evaluation
    }

    private func elapsed(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// A failure of the command line's own making, with its exit status.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var status: ExitStatus
    var description: String { message }
}

/// How an evaluation is printed.
struct EvaluationReport {
    let evaluation: ClipEvaluation
    /// Remarks printed with the result (weights that are not the published ones).
    var warnings: [String] = []

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
    }

    var jsonObject: JSON {
        let e = evaluation
        return JSON(
            video: e.videoPath, sha256: e.videoSHA256, audio: e.speechPath, audio_sha256: e.speechSHA256, status: e.status.rawValue,
            message: e.message, profile: e.settings.profile.rawValue, clean: e.settings.clean,
            tracks: e.tracks.map {
                .init(track: $0.track, start_frame: $0.startFrame, end_frame: $0.endFrame, status: $0.status.rawValue, offset: $0.offset,
                      confidence: $0.confidence, min_dist: $0.minDistance, windows: $0.windows)
            },
            best_confidence: e.bestConfidence, min_dist: e.minDistance, offsets: e.tracks.compactMap(\.offset), frames: e.frames,
            speech_samples: e.speechSamples,
            stages: Dictionary(uniqueKeysWithValues: e.stages.map {
                ($0.stage, JSON.Stage(status: $0.outcome.rawValue, seconds: $0.seconds, computed: $0.computed, cached: $0.cached))
            }),
            stage_order: e.stages.map(\.stage), seconds: e.seconds, evaluation: e.key, settings: e.settings, warnings: warnings)
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
        lines.append("profile  \(e.settings.label)  (min_track \(e.settings.minTrack), vshift \(e.settings.vshift))")
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
        if let c = e.bestConfidence, let d = e.minDistance {
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
