import DSP
import Foundation
import Media
import Models
import Tensor

/// How far a long stage of an evaluation is.
public struct EvaluationProgress: Sendable, Equatable {
    /// What runs: `decoding`, `detecting faces`, `cropping`, `scoring`.
    public var stage: String
    /// Units done and expected (frames, or SyncNet windows for `scoring`); `total` is an estimate
    /// from the container's duration while decoding, nil when unknown.
    public var done: Int
    public var total: Int?
    public var unit: String

    public init(stage: String, done: Int, total: Int?, unit: String) {
        self.stage = stage
        self.done = done
        self.total = total
        self.unit = unit
    }
}

/// The networks an evaluation may need, loaded only when a stage actually runs (an evaluation
/// served from the cache never reads a weight file).
public struct NetworkSource: Sendable {
    /// SHA-256 of `sfd_face.pth` (nil when detections come from a boxes file).
    public var s3fdDigest: String?
    /// SHA-256 of `syncnet_v2.model`.
    public var syncNetDigest: String
    public var loadS3FD: @Sendable () throws -> S3FD
    public var loadSyncNet: @Sendable () throws -> SyncNet

    public init(
        s3fdDigest: String?, syncNetDigest: String, loadS3FD: @escaping @Sendable () throws -> S3FD,
        loadSyncNet: @escaping @Sendable () throws -> SyncNet
    ) {
        self.s3fdDigest = s3fdDigest
        self.syncNetDigest = syncNetDigest
        self.loadS3FD = loadS3FD
        self.loadSyncNet = loadSyncNet
    }
}

/// What to evaluate: the video and the speech, each known by content. Without a speech file the
/// video's own audio track is scored (wheel 0.2.3's `audio_path=None`, and joonson's pipeline).
public struct EvaluationInput: Sendable {
    public var videoPath: String
    public var videoSHA256: String
    public var speechPath: String?
    /// Nil when the speech file is missing or unreadable (the clip then gets `audio_error`).
    public var speechSHA256: String?
    /// Why the speech file has no digest (missing, unreadable), reported as `audio_error`.
    public var speechError: String?
    /// Boxes to use instead of S3FD.
    public var boxes: DetectionBoxes?

    public init(
        videoPath: String, videoSHA256: String, speechPath: String? = nil, speechSHA256: String? = nil, speechError: String? = nil,
        boxes: DetectionBoxes? = nil
    ) {
        self.speechError = speechError
        self.videoPath = videoPath
        self.videoSHA256 = videoSHA256
        self.speechPath = speechPath
        self.speechSHA256 = speechSHA256
        self.boxes = boxes
    }
}

/// Runs the reference pipeline on one clip, stage by stage, through an ``ArtifactCache``: a stage
/// whose key is cached is read, not recomputed, and a stage is computed only when a later stage
/// needs its output (docs/reference/pipeline.md §6–§11, docs/cache.md).
///
/// Bad input never throws: it ends in a ``ClipStatus`` with a message. Only cache (database)
/// failures and weight-file failures throw, because they concern the installation, not the clip.
public struct Evaluator: Sendable {
    /// Algorithm versions: bump one when a stage's code changes its output, so old cache entries
    /// stop matching.
    public enum Version {
        public static let detections = 1, scenes = 1, tracks = 1, speech = 1, crops = 1, mfcc = 1, embeddings = 1, scores = 1
        public static let evaluation = 1
    }

    public var settings: EvaluationSettings
    public var networks: NetworkSource
    public var cache: any ArtifactCache
    /// Told how far the long stages are (frames decoded and detected, frames cropped, windows
    /// scored), from the evaluating thread; nil: nobody listens.
    public var progress: (@Sendable (EvaluationProgress) -> Void)?

    public init(
        settings: EvaluationSettings, networks: NetworkSource, cache: any ArtifactCache, progress: (@Sendable (EvaluationProgress) -> Void)? = nil
    ) {
        self.settings = settings
        self.networks = networks
        self.cache = cache
        self.progress = progress
    }

    /// The cache keys of one evaluation.
    public struct Keys: Sendable, Equatable {
        public var detections: String
        public var scenes: String
        public var tracks: String
        /// Nil when there is no audio to key (missing speech file).
        public var speech: String?
        public var evaluation: String
    }

    public func keys(for input: EvaluationInput) -> Keys {
        let s = settings
        let detections: String
        if let boxes = input.boxes {
            detections = StageKey(stage: "detections-boxes", version: Version.detections)
                .with("video", input.videoSHA256).with("timeline", s.timelineMode.rawValue).with("boxes", boxes.sha256).digest
        } else {
            detections = withPrecision(
                StageKey(stage: "detections", version: Version.detections)
                    .with("video", input.videoSHA256).with("timeline", s.timelineMode.rawValue).with("chain", chainName)
                    .with("scale", s.detectorScale).with("threshold", s.detectorThreshold)
                    .with("weights", networks.s3fdDigest ?? "none")
            ).digest
        }
        let scenes = StageKey(stage: "scenes", version: Version.scenes)
            .with("video", input.videoSHA256).with("timeline", s.timelineMode.rawValue).with("chain", chainName)
            .with("threshold", s.shotThreshold).with("minSceneLength", s.minSceneLength).digest
        let tracks: String
        switch s.profileDescription.framing {
        case .faceTracks:
            tracks = StageKey(stage: "tracks", version: Version.tracks)
                .with("detections", detections).with("scenes", scenes).with("minTrack", s.minTrack).with("maxGap", s.maxGap)
                .with("minFaceSize", s.minFaceSize).with("minOverlap", s.minOverlap).with("tracker", s.profileDescription.tracker.rawValue).digest
        case .wholeFrame:
            // One "track": the whole video at its own rate; it depends on the video and the chain only.
            tracks = StageKey(stage: "tracks-whole-frame", version: Version.tracks).with("video", input.videoSHA256).with("chain", cropChainName).digest
        }
        var speech: String? = nil
        if input.speechPath != nil {
            if let sha = input.speechSHA256 {
                speech = StageKey(stage: "speech", version: Version.speech).with("source", "speech").with("file", sha).digest
            }
        } else {
            speech = StageKey(stage: "speech", version: Version.speech).with("source", "video").with("file", input.videoSHA256)
                .with("videoAudio", s.profileDescription.videoAudio.rawValue).with("chain", chainName).digest
        }
        let evaluation = withPrecision(
            StageKey(stage: "evaluation", version: Version.evaluation)
                .with("tracks", tracks).with("speech", speech ?? "problem: " + (input.speechError ?? "missing")).with("chain", cropChainName)
                .with("cropScale", s.cropScale).with("syncnet", networks.syncNetDigest).with("vshift", s.vshift)
                .with("profile", s.profile.rawValue)
        ).digest
        return Keys(detections: detections, scenes: scenes, tracks: tracks, speech: speech, evaluation: evaluation)
    }

    /// Name of the picture chain in cache keys. The faithful chain's MPEG-4 step runs with the ffmpeg
    /// CLI's automatic slice-thread count, which depends on the CPU count and changes the decoded
    /// pixels (docs/media.md), so the CPU count is part of its name.
    var chainName: String {
        switch (settings.pictureChain, settings.profileDescription.intermediate) {
        case (.clean, _): "clean"
        case (.faithful, .mpeg4AVI):
            settings.mpeg4Threads.map { "faithful-threads\($0)" } ?? "faithful-cpus\(ProcessInfo.processInfo.activeProcessorCount)"
        case (.faithful, .h264MP4):
            // x264's automatic threads (1.5 × the CPUs) shape the intermediate as the MPEG-4 slices do.
            "faithful-mp4-cpus\(ProcessInfo.processInfo.activeProcessorCount)"
        }
    }

    /// The chain of the crops: the faithful face-track chain depends on the CPU count
    /// (``chainName``); the whole-frame chain (`mjpeg` at one thread) does not.
    var cropChainName: String {
        switch (settings.profileDescription.framing, settings.pictureChain) {
        case (.faceTracks, _): chainName
        case (.wholeFrame, .clean): "whole-frame-clean"
        case (.wholeFrame, .faithful): "whole-frame-mjpeg-default"
        }
    }

    func cropKey(tracks: String, track: Int, video: String) -> String {
        switch settings.profileDescription.framing {
        case .faceTracks:
            StageKey(stage: "crops", version: Version.crops).with("tracks", tracks).with("track", track).with("video", video)
                .with("timeline", settings.timelineMode.rawValue).with("chain", chainName).with("cropScale", settings.cropScale).digest
        case .wholeFrame:
            StageKey(stage: "crops-whole-frame", version: Version.crops).with("tracks", tracks).with("video", video).with("chain", cropChainName).digest
        }
    }

    /// How a track's speech reaches the scorer: the PCM slice, or its AAC round trip (faithful only).
    var cropAudio: ProfileDescription.CropAudio {
        settings.pictureChain == .faithful ? settings.profileDescription.cropAudio : .pcm
    }

    func mfccKey(speech: String, track: FaceTrack) -> String {
        var key = StageKey(stage: "mfcc", version: Version.mfcc).with("speech", speech).with("first", track.firstFrame)
            .with("last", track.frames.upperBound - 1)
        if cropAudio != .pcm { key = key.with("cropAudio", cropAudio.rawValue) }
        return key.digest
    }

    func embeddingsKey(crops: String, mfcc: String) -> String {
        withPrecision(
            StageKey(stage: "embeddings", version: Version.embeddings).with("crops", crops).with("mfcc", mfcc)
                .with("syncnet", networks.syncNetDigest)
        ).digest
    }

    /// A key of a stage that runs a network (detections with S3FD, embeddings) or of the whole
    /// evaluation, with the precision when it is not fp32: fp32 keys are those made before
    /// `--precision` existed, so caches stay valid.
    func withPrecision(_ key: StageKey) -> StageKey {
        settings.networkPrecision == .fp32 ? key : key.with("precision", settings.networkPrecision.rawValue)
    }

    /// S3FD as the settings' precision computes it.
    func s3fd() throws -> S3FD { try networks.loadS3FD().with(precision: settings.networkPrecision) }

    /// SyncNet as the settings' precision computes it.
    func syncNet() throws -> SyncNet { try networks.loadSyncNet().with(precision: settings.networkPrecision) }

    func scoresKey(embeddings: String) -> String {
        StageKey(stage: "scores", version: Version.scores).with("embeddings", embeddings).with("vshift", settings.vshift).digest
    }

    // MARK: - Running

    /// Evaluates one clip.
    ///
    /// - Throws: errors of the cache, and `WeightsError` when a network that must run cannot be
    ///   loaded.
    public func evaluate(_ input: EvaluationInput) throws -> ClipEvaluation {
        try evaluate(input, keys: keys(for: input))
    }

    /// Evaluates one clip whose keys the caller has computed with ``keys(for:)`` of an evaluator
    /// with the same settings and networks (to look the evaluation up first, as `ClipEvaluator`
    /// does), so they are computed once.
    public func evaluate(_ input: EvaluationInput, keys: Keys) throws -> ClipEvaluation {
        var run = EvaluationRun(evaluator: self, input: input)
        return try run.execute(keys: keys)
    }
}

/// Per-stage bookkeeping of one evaluation.
struct StageLedger {
    private(set) var records: [StageRecord] = []

    mutating func note(_ stage: Stage, computed: Bool, seconds: Double = 0) {
        if let index = records.firstIndex(where: { $0.stage == stage.rawValue }) {
            if computed {
                records[index].computed += 1
                records[index].outcome = .computed
                records[index].seconds += seconds
            } else {
                records[index].cached += 1
            }
        } else {
            records.append(
                StageRecord(stage: stage.rawValue, outcome: computed ? .computed : .cached, computed: computed ? 1 : 0, cached: computed ? 0 : 1, seconds: computed ? seconds : 0))
        }
    }
}

func elapsed(since start: ContinuousClock.Instant) -> Double {
    (ContinuousClock.now - start).seconds
}
