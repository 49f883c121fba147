import Foundation
import Store

/// Everything `syncbench report` shows about one benchmark suite: what the HTML page, the PNG
/// charts and the CSV/JSON files are made from.
///
/// It is plain data, read from the database by ``BenchmarkReport/load(from:suite:)`` (the only
/// place that knows the database), so the renderers are pure functions of it and can be tested on
/// hand-made reports. Samples are listed model by model, in the order models and samples were
/// registered.
public struct BenchmarkReport: Sendable, Codable, Equatable {
    /// The suite's name, e.g. `mochabench` or `four-models`.
    public var suite: String
    /// `mochabench` (categories and groups of MoChaBench) or `folder`.
    public var suiteKind: String
    /// The models, in registration order (leaderboard rows before sorting).
    public var models: [String]
    /// One row per (model, sample): every sample the suite has for the model, scored or not.
    public var samples: [ReportSample]
    /// The evaluation profile of the scores (`mochabench` or `joonson`) and whether `--clean` was on.
    public var profile: String
    public var clean: Bool
    /// Provenance, recorded in every output (HTML footer, PNG `tEXt` chunks, JSON):
    /// the SyncBench version, the database file, and the digest of the database rows the report
    /// was made from (SHA-256 over the suite's samples and their evaluations' keys, so two reports
    /// with equal digests show the same results).
    public var toolVersion: String
    public var databasePath: String
    public var databaseDigest: String
    /// UTC, ISO 8601; passed in by the caller so rendering is deterministic.
    public var generatedAt: String
    /// The version of the profile as this build implements it (nil for a profile this build does
    /// not know); each evaluation records the version that made it (``ReportSample/provenance``).
    public var profileVersion: Int?

    public init(
        suite: String, suiteKind: String, models: [String], samples: [ReportSample], profile: String, clean: Bool,
        toolVersion: String, databasePath: String, databaseDigest: String, generatedAt: String, profileVersion: Int? = nil
    ) {
        self.profileVersion = profileVersion
        self.suite = suite
        self.suiteKind = suiteKind
        self.models = models
        self.samples = samples
        self.profile = profile
        self.clean = clean
        self.toolVersion = toolVersion
        self.databasePath = databasePath
        self.databaseDigest = databaseDigest
        self.generatedAt = generatedAt
    }

    /// The samples as a statistics table.
    public func scoreTable() throws(ScoreTableError) -> ScoreTable {
        try ScoreTable(samples.map(\.score))
    }
}

/// One model's result on one benchmark sample.
public struct ReportSample: Sendable, Codable, Equatable {
    /// Model, sample identifier, category, status, LSE-C/LSE-D, track offsets and best track.
    public var score: SampleScore
    /// The sample's index in its category (MoChaBench's `idx_in_category`; for folder suites the
    /// 1-based position of the sample in its category by file name).
    public var index: Int
    /// The video and the speech scored against it (`nil`: the video's own audio), as registered.
    public var videoPath: String
    public var audioPath: String?
    /// Why the sample has no score (empty when ok).
    public var message: String
    /// Seconds the evaluation took when it was computed (`nil` when never evaluated).
    public var runtimeSeconds: Double?
    /// Every track found, scored or not, in track order.
    public var tracks: [ReportTrack]
    /// Small PNG thumbnails (a few crops, evenly spaced over the best track), from the cache.
    public var thumbnails: [Data]
    /// The text the video was generated from, when the suite has one (MoChaBench's `prompt`).
    public var prompt: String?
    /// The clip's numbers by the profile's own rule (``ReportClipScore``); nil unless some track
    /// was scored.
    public var clip: ReportClipScore?
    /// The weights and software that made the sample's evaluation, as recorded with it; nil when
    /// the sample has no evaluation (missing, not run).
    public var provenance: EvaluationProvenance?

    public init(
        score: SampleScore, index: Int, videoPath: String, audioPath: String?, message: String, runtimeSeconds: Double?,
        tracks: [ReportTrack], thumbnails: [Data], prompt: String? = nil, clip: ReportClipScore? = nil, provenance: EvaluationProvenance? = nil
    ) {
        self.prompt = prompt
        self.clip = clip
        self.provenance = provenance
        self.score = score
        self.index = index
        self.videoPath = videoPath
        self.audioPath = audioPath
        self.message = message
        self.runtimeSeconds = runtimeSeconds
        self.tracks = tracks
        self.thumbnails = thumbnails
    }
}

/// One face track of a sample.
public struct ReportTrack: Sendable, Codable, Equatable {
    public var track: Int
    /// First and last frame (25 fps timeline), inclusive.
    public var startFrame: Int
    public var endFrame: Int
    /// `ok`, or why the track has no score (`too_short`).
    public var status: String
    public var offset: Int?
    public var confidence: Double?
    public var minDistance: Double?
    /// SyncNet confidence per video frame at the track's offset (the reference's framewise
    /// confidence, median-filtered), empty when the track has no score.
    public var framewiseConfidence: [Double]

    public init(
        track: Int, startFrame: Int, endFrame: Int, status: String, offset: Int?, confidence: Double?, minDistance: Double?,
        framewiseConfidence: [Double]
    ) {
        self.track = track
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.status = status
        self.offset = offset
        self.confidence = confidence
        self.minDistance = minDistance
        self.framewiseConfidence = framewiseConfidence
    }
}

/// A clip's numbers by its profile's rule (`Pipeline.ClipScore`, `eval --json`'s `lse_c`, `lse_d`,
/// `rule`): what the protocol publishes for the video. A number the protocol does not define is nil
/// (`wav2lip-real` has none per video; `latentsync` no distance).
public struct ReportClipScore: Sendable, Codable, Equatable {
    public var lseC: Double?
    public var lseD: Double?
    /// The rule in words, e.g. `mova: track 2, the largest C − D of 3 tracks`.
    public var rule: String

    public init(lseC: Double?, lseD: Double?, rule: String) {
        self.lseC = lseC
        self.lseD = lseD
        self.rule = rule
    }
}
