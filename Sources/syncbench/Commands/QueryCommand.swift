import ArgumentParser
import Benchmark
import Foundation
import Media
import NPY
import Pipeline
import Reports
import Store

/// `syncbench query`: what the cache knows — evaluations, tracks, artifacts — and SQL over its views.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List evaluated clips and their tracks, export cached artifacts, or run read-only SQL.",
        subcommands: [QueryListCommand.self, QueryTracksCommand.self, QueryExportCommand.self, QuerySQLCommand.self]
    )
}

/// Which stored evaluation a query means: a video (path or SHA-256 prefix), profile and mode.
struct EvaluationSelector: ParsableArguments {
    @Option(help: "mochabench or joonson (default: any; the most recent evaluation wins).")
    var profile: EvaluationProfile?

    @Flag(help: "The --clean evaluation (default: the reference-faithful one).")
    var clean = false

    /// The most recent evaluation of `video` (an existing file, hashed through the path cache, or
    /// a SHA-256 prefix of at least 6 hex digits).
    func evaluation(of video: String, in store: Store) throws -> ClipEvaluation {
        let sha = try Self.digest(of: video, in: store)
        let found = try store.evaluations(video: sha, profile: profile, clean: clean)
        let shas = Set(found.map(\.videoSHA256))
        guard shas.count <= 1 else {
            throw CLIError(message: "\(video): the prefix matches \(shas.count) videos; give more digits", status: .invalidInput)
        }
        guard let latest = found.first else {
            throw CLIError(
                message: "\(video): no \(clean ? "clean " : "")evaluation\(profile.map { " with profile \($0.rawValue)" } ?? "") in the database "
                    + "(run `syncbench eval` first)", status: .notInCache)
        }
        return latest
    }

    /// The SHA-256 of `video` (a regular file, hashed through the path cache) or the lowercased
    /// SHA-256 prefix it is (at least 6 hex digits).
    static func digest(of video: String, in store: Store) throws -> String {
        if FileManager.default.fileExists(atPath: video) {
            try IrregularInputFile.check(video, role: "video")
            return try store.contentDigest(ofFileAt: URL(fileURLWithPath: video))
        }
        guard video.count >= 6, video.count <= 64, video.lowercased().allSatisfy({ $0.isHexDigit }) else {
            throw CLIError(message: "\(video): no such file, and not a SHA-256 (prefix of at least 6 hex digits)", status: .fileNotFound)
        }
        return video.lowercased()
    }
}

struct QueryListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Evaluated clips, newest first.")

    @Option(help: "Only this video (path or SHA-256 prefix).")
    var video: String?
    @OptionGroup var store: StoreOptions
    @Flag(help: "JSON lines, one evaluation per line (the `eval --json` object).")
    var json = false

    func run() throws {
        let lines = try reportingFailures { () throws -> [String] in
            let database = try store.open()
            var sha: String? = nil
            if let video {
                sha =
                    FileManager.default.fileExists(atPath: video)
                    ? try database.contentDigest(ofFileAt: URL(fileURLWithPath: video)) : video.lowercased()
            }
            let evaluations = try database.evaluations(video: sha)
            if json { return evaluations.map { EvaluationReport($0).jsonText } }
            var lines = ["sha256        profile            status        tracks   LSE-C    LSE-D  video"]
            for e in evaluations {
                let c = e.bestConfidence.map { String(format: "%7.3f", $0) } ?? "      -"
                let d = e.minDistance.map { String(format: "%7.3f", $0) } ?? "      -"
                lines.append(
                    "\(e.videoSHA256.prefix(12))  \(e.settings.label.padding(toLength: 17, withPad: " ", startingAt: 0))  "
                        + "\(e.status.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0))  \(String(format: "%6d", e.tracks.count))  \(c)  \(d)  \(e.videoPath)")
            }
            lines.append("\(evaluations.count) evaluation\(evaluations.count == 1 ? "" : "s")")
            return lines
        }
        print(lines.joined(separator: "\n"))
    }
}

struct QueryTracksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tracks", abstract: "The tracks and scores of a clip's latest evaluation.")

    @Argument(help: "The video (path or SHA-256 prefix).")
    var video: String
    @OptionGroup var selector: EvaluationSelector
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print the `eval --json` object.")
    var json = false

    func run() throws {
        let evaluation = try reportingFailures { try selector.evaluation(of: video, in: try store.open()) }
        print(json ? EvaluationReport(evaluation).jsonText : EvaluationReport(evaluation).table)
    }
}

struct QuerySQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql", abstract: "Run a read-only SQL statement (views: clip, track, cached_artifact, bench_result, evaluation_weights; docs/cache.md).",
        discussion: """
            Prints tab-separated text with a header line by default. --csv and --json keep \
            SQLite's types: integers and reals as numbers (a real as the shortest text that \
            reads back to the same double), NULL as an empty field / null; blobs become base64 \
            text and, in JSON, infinite reals null (each said once on standard error).
            """)

    @Argument(help: "One SELECT statement.")
    var statement: String
    @OptionGroup var store: StoreOptions
    @Flag(help: "JSON lines, one object per row, keys in column order.")
    var json = false
    @Flag(help: "CSV (RFC 4180) with a header line.")
    var csv = false
    @Option(help: "Stop after this many rows.")
    var limit: Int = 10_000

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv are exclusive: choose one") }
    }

    func run() throws {
        let result = try reportingFailures { try store.open().readOnlyQuery(statement, limit: limit) }
        var format = QuerySQLFormat(kind: json ? .json : csv ? .csv : .tsv, columns: result.columns)
        var text = format.header.map { $0 + "\n" } ?? ""
        for row in result.rows { text += format.line(row) + "\n" }
        FileHandle.standardOutput.write(Data(text.utf8))
        for note in format.notes { FileHandle.standardError.write(Data("syncbench: note: \(note)\n".utf8)) }
    }
}

/// The artifacts `query export` can write.
enum ExportArtifact: String, CaseIterable, ExpressibleByArgument {
    case detections, tracks, scores, crops, speech, mfcc
    case lipEmbeddings = "lip-embeddings", audioEmbeddings = "audio-embeddings", distances, framewise
    /// Wav2Lip's `all_scores.txt` lines and MOVA's `<video>_lip_score.json` (docs/protocols.md).
    case allScores = "all-scores", lipScore = "lip-score"
    /// LatentSync's printed lines for the clip (`Input video:`, `SyncNet confidence:`, `AV offset:`).
    case latentSyncLines = "latentsync-lines"

    var needsTrack: Bool { [.crops, .mfcc, .lipEmbeddings, .audioEmbeddings, .distances, .framewise].contains(self) }
    var formats: [String] {
        switch self {
        case .detections, .tracks, .lipScore: ["json"]
        case .allScores, .latentSyncLines: ["txt"]
        case .scores: ["json", "csv"]
        case .crops: ["npy", "mp4"]
        default: ["npy"]
        }
    }
}

struct QueryExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a cached artifact of a clip (or one of its tracks) to a file.",
        discussion: """
            Formats, by extension: detections and tracks .json (the reference's shapes); scores \
            .json or .csv; crops .npy (uint8 [N,224,224,3] BGR) or .mp4 (H.264 with the track's \
            speech); speech .npy (int16, the whole speech, or the track's slice with --track); \
            mfcc .npy (float64 [13,T]); lip-embeddings / audio-embeddings .npy (float32 [N,1024]); \
            distances .npy (float32 [N, 2*vshift+1]); framewise .npy (float32 [N]); all-scores .txt \
            (Wav2Lip's all_scores.txt: one `dist conf` line per track); latentsync-lines .txt (LatentSync's \
            printed lines); lip-score .json (MOVA's \
            <video>_lip_score.json) — docs/protocols.md.
            """
    )

    @Argument(help: "The video (path or SHA-256 prefix).")
    var video: String
    @Option(help: "What to export: \(ExportArtifact.allCases.map(\.rawValue).joined(separator: ", ")).")
    var artifact: ExportArtifact
    @Option(help: "Track number (0-based); required for per-track artifacts.")
    var track: Int?
    @OptionGroup var selector: EvaluationSelector
    @OptionGroup var store: StoreOptions
    @Option(help: "Output file; its extension picks the format.", completion: .file())
    var out: String

    func validate() throws {
        let ext = PathText.pathExtension(out).lowercased()
        guard artifact.formats.contains(ext) else {
            throw ValidationError("--artifact \(artifact.rawValue) exports to \(artifact.formats.map { "." + $0 }.joined(separator: " or ")), not '\(out)'")
        }
        if artifact.needsTrack && track == nil { throw ValidationError("--artifact \(artifact.rawValue) needs --track N") }
        if let track, track < 0 { throw ValidationError("--track must be at least 0") }
        try OutputPath.checkFile(out, option: "--out")
    }

    func run() throws {
        let summary = try reportingFailures { () throws -> String in
            let database = try store.open()
            let evaluation = try selector.evaluation(of: video, in: database)
            let exporter = ArtifactExporter(store: database, evaluation: evaluation, out: URL(fileURLWithPath: out))
            return try exporter.export(artifact, track: track)
        }
        print(summary)
    }
}

/// Reads artifacts of one evaluation from the cache and writes them in the export formats.
struct ArtifactExporter {
    let store: Store
    let evaluation: ClipEvaluation
    let out: URL

    var format: String { PathText.pathExtension(out.path).lowercased() }

    func clipArtifact(_ stage: String) throws -> StoredArtifact {
        guard let key = evaluation.artifacts?[stage], let stored = try store.artifact(key: key) else {
            throw CLIError(message: "\(evaluation.videoPath): no cached \(stage) for this evaluation (removed by `cache gc`, or the stage did not run)", status: .notInCache)
        }
        return stored
    }

    func trackArtifact(_ stage: String, track: Int) throws -> StoredArtifact {
        guard track < evaluation.tracks.count else {
            throw CLIError(message: "\(evaluation.videoPath): no track \(track) (the clip has \(evaluation.tracks.count))", status: .invalidInput)
        }
        guard let key = evaluation.tracks[track].artifacts?[stage], let stored = try store.artifact(key: key) else {
            throw CLIError(message: "\(evaluation.videoPath): track \(track) has no cached \(stage) (\(evaluation.tracks[track].status.rawValue))", status: .notInCache)
        }
        return stored
    }

    func export(_ artifact: ExportArtifact, track: Int?) throws -> String {
        switch artifact {
        case .detections:
            let detections = try DetectionsArtifact(try clipArtifact("detections"))
            let records = detections.frames.enumerated().flatMap { frame, faces in faces.map { DetectionRecord(frame: frame, face: $0) } }
            try write(json: records)
            return "wrote \(records.count) detections of \(detections.meta.frames) frames to \(out.path)"
        case .tracks:
            let tracks = try TracksArtifact(try clipArtifact("tracks"))
            struct Track: Encodable { var track: Int; var frame: [Int]; var bbox: [[Double]] }
            try write(json: tracks.tracks.enumerated().map { Track(track: $0, frame: Array($1.frames), bbox: $1.boxes) })
            return "wrote \(tracks.tracks.count) tracks to \(out.path)"
        case .scores:
            if format == "csv" {
                try Data(scoresCSV().utf8).write(to: out)
            } else {
                try Data(EvaluationReport(evaluation).jsonText.utf8).write(to: out)
            }
            return "wrote the scores of \(evaluation.tracks.count) tracks to \(out.path)"
        case .allScores, .lipScore:
            let scored = evaluation.tracks.filter { $0.status == .ok && $0.confidence != nil && $0.minDistance != nil }
            if artifact == .allScores {
                try Data(NativeScoreFormats.allScoresLines(tracks: scored.map { (distance: $0.minDistance!, confidence: $0.confidence!) }).utf8).write(to: out)
                return "wrote \(scored.count) `dist conf` lines (Wav2Lip's all_scores.txt) to \(out.path)"
            }
            // MOVA writes no file for a video without tracks, and picks its track by its own rule
            // whatever the profile the evaluation was made with.
            guard let mova = ClipScore.combining(scored, profile: EvaluationProfile.mova.description), let c = mova.lseC, let d = mova.lseD else {
                throw fail("\(evaluation.videoPath): no scored track: MOVA writes no _lip_score.json for it", status: .notInCache)
            }
            let text = NativeScoreFormats.movaLipScoreJSON(tracks: scored.map { (confidence: $0.confidence!, distance: $0.minDistance!) }, maxC: c, minD: d)
            try Data(text.utf8).write(to: out)
            return "wrote MOVA's lip score of \(scored.count) tracks to \(out.path)"
        case .latentSyncLines:
            // LatentSync averages every crop's numbers, whatever profile the evaluation was made with.
            let scored = evaluation.tracks.filter { $0.status == .ok && $0.confidence != nil }
            guard let mean = ClipScore.combining(scored, profile: EvaluationProfile.latentsync.description), let confidence = mean.meanConfidence else {
                try Data(NativeScoreFormats.latentSyncNoFace(video: evaluation.videoPath).utf8).write(to: out)
                return "no scored track: wrote LatentSync's 'Face not detected' line to \(out.path)"
            }
            let text = NativeScoreFormats.latentSyncLines(video: evaluation.videoPath, confidence: confidence, offset: mean.offset ?? 0)
            try Data(text.utf8).write(to: out)
            return "wrote LatentSync's lines (mean confidence over \(scored.count) tracks) to \(out.path)"
        case .speech:
            let speech = try SpeechArtifact(try clipArtifact("speech"))
            var samples = speech.samples
            if let track {
                let t = try trackInfo(track)
                samples = Array(speech.slice(frames: t.startFrame..<(t.endFrame + 1)))
            }
            try NPYArray(shape: [samples.count], int16: samples).write(to: out)
            return "wrote \(samples.count) samples (16 kHz) to \(out.path)"
        case .mfcc:
            let mfcc = try MFCCArtifact(try trackArtifact("mfcc", track: track!))
            try NPYArray(shape: [mfcc.meta.coefficients, mfcc.meta.frames], float64: mfcc.values).write(to: out)
            return "wrote MFCC [\(mfcc.meta.coefficients), \(mfcc.meta.frames)] to \(out.path)"
        case .lipEmbeddings, .audioEmbeddings:
            let embeddings = try EmbeddingsArtifact(try trackArtifact("embeddings", track: track!))
            let values = artifact == .lipEmbeddings ? embeddings.lip : embeddings.audio
            try NPYArray(shape: [embeddings.meta.windows, embeddings.meta.dimension], float32: values).write(to: out)
            return "wrote \(artifact.rawValue) [\(embeddings.meta.windows), \(embeddings.meta.dimension)] to \(out.path)"
        case .distances, .framewise:
            let scores = try ScoresArtifact(try trackArtifact("scores", track: track!))
            if artifact == .distances {
                let width = 2 * scores.meta.vshift + 1
                try NPYArray(shape: [scores.meta.windows, width], float32: scores.score.distances.flatMap { $0 }).write(to: out)
                return "wrote distances [\(scores.meta.windows), \(width)] to \(out.path)"
            }
            try NPYArray(shape: [scores.meta.windows], float32: scores.score.framewiseConfidence).write(to: out)
            return "wrote frame-wise confidence [\(scores.meta.windows)] to \(out.path)"
        case .crops:
            return try exportCrops(track: track!)
        }
    }

    func trackInfo(_ track: Int) throws -> TrackEvaluation {
        guard track < evaluation.tracks.count else {
            throw CLIError(message: "\(evaluation.videoPath): no track \(track) (the clip has \(evaluation.tracks.count))", status: .invalidInput)
        }
        return evaluation.tracks[track]
    }

    func exportCrops(track: Int) throws -> String {
        let stored = try trackArtifact("crops", track: track)
        let crops = try CropsArtifact(stored)
        let codec = try PNGImageCodec()
        let chunk = 64
        if format == "npy" {
            let writer = try NPYStreamWriter(url: out, dtype: .uint8, rowShape: [224, 224, 3])
            for start in stride(from: 0, to: crops.meta.frames, by: chunk) {
                let pngs = try store.frames(of: stored.key, range: start..<min(crops.meta.frames, start + chunk))
                for png in pngs { try writer.append(row: try codec.decode(png).pixels) }
            }
            try writer.finish()
            return "wrote crops [\(crops.meta.frames), 224, 224, 3] (uint8 BGR) to \(out.path)"
        }
        // A playable video with the track's speech.
        var audio: [Int16] = []
        if let speechKey = evaluation.artifacts?["speech"], let speechStored = try store.artifact(key: speechKey) {
            let speech = try SpeechArtifact(speechStored)
            audio = Array(speech.slice(frames: crops.meta.firstFrame..<(crops.meta.firstFrame + crops.meta.frames)))
        }
        // An earlier export is replaced; validate() let nothing else through.
        if OutputPath.kind(of: out.path) == .regularFile { try? FileManager.default.removeItem(at: out) }
        let video = ClipWriter.Video(width: 224, height: 224, frameRate: (25, 1), codec: "libx264", options: ["crf": "16", "preset": "medium"])
        let writer = try ClipWriter(
            path: out.path, video: video, audio: audio.isEmpty ? nil : .init(sampleRate: 16_000, channels: 1, codec: "aac"),
            containerOptions: ["movflags": "+faststart"])
        for start in stride(from: 0, to: crops.meta.frames, by: chunk) {
            for png in try store.frames(of: stored.key, range: start..<min(crops.meta.frames, start + chunk)) {
                try writer.append(try codec.decode(png))
            }
        }
        if !audio.isEmpty { try writer.append(samples: audio) }
        try writer.finish()
        return "wrote \(crops.meta.frames) crops (H.264, 25 fps\(audio.isEmpty ? "" : ", with the track's speech")) to \(out.path)"
    }

    func scoresCSV() -> String {
        let e = evaluation
        var lines = ["video,sha256,profile,clean,status,track,start_frame,end_frame,track_status,offset,confidence,min_dist,windows,best_conf,lse_d"]
        let clip = [CSVText.field(e.videoPath), e.videoSHA256, e.settings.profile.rawValue, e.settings.clean ? "1" : "0", e.status.rawValue]
        let best = [e.bestConfidence.map { "\($0)" } ?? "", e.minDistance.map { "\($0)" } ?? ""]
        if e.tracks.isEmpty { lines.append((clip + ["", "", "", "", "", "", "", ""] + best).joined(separator: ",")) }
        for t in e.tracks {
            let row =
                clip + [
                    "\(t.track)", "\(t.startFrame)", "\(t.endFrame)", t.status.rawValue, t.offset.map { "\($0)" } ?? "",
                    t.confidence.map { "\($0)" } ?? "", t.minDistance.map { "\($0)" } ?? "", "\(t.windows)",
                ] + best
            lines.append(row.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func write(json value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(value).write(to: out)
    }
}
