import DSP
import Dispatch
import Foundation
import Synchronization
import Media
import Models
import Tensor

/// One evaluation in progress: decides per stage whether to read the cache or compute, and keeps
/// the ledger of what happened.
///
/// This file holds the run's state, its order (``execute(keys:)``, ``scoreTracks(_:keys:)``) and its
/// result; each stage is an extension in `Stages/` (`TracksStage`, `DecodePass`, `WholeFrameStage`,
/// `SpeechStage`, `CropPass`, `MFCCStage`, `EmbeddingsStage`, `ScoreStage`), and every one reads and
/// writes the cache through the step in `Stages/CachedStage.swift`; `Stages/LipBatchFeed.swift`
/// runs the lip tower on whole batches of a track's crops while the crop pass still makes them.
struct EvaluationRun {
    let evaluator: Evaluator
    let input: EvaluationInput
    var ledger = StageLedger()
    var artifactKeys: [String] = []
    var remarks: [String] = []
    var frames: Int? = nil
    var speechSamples: Int? = nil
    /// The tracks stage's summary (frames, pictures the scenes cover), once known.
    var tracksMeta: TracksArtifact.Meta? = nil
    /// The faithful chain's JPEG of every frame, kept from the first pass while they fit in
    /// ``jpegBudget``, so the crop pass decodes them instead of running the chain again (clips up
    /// to ~10 s at 976×528; longer ones drop them, so memory stays bounded).
    var retainedJPEGs: [[UInt8]]? = nil
    static let jpegBudget = 16 << 20
    /// SyncNet, loaded on another thread while the first pass decodes (only when S3FD is not in
    /// memory at the same time, to keep the peak low).
    var syncNetPrefetch: NetworkPrefetch? = nil
    /// The tracks whose lip tower started during the crop pass (``lipBatchFeeds(for:speech:)``).
    var lipFeeds: [Int: LipBatchFeed] = [:]
    let start = ContinuousClock.now

    init(evaluator: Evaluator, input: EvaluationInput) {
        self.evaluator = evaluator
        self.input = input
    }

    var settings: EvaluationSettings { evaluator.settings }
    var cache: any ArtifactCache { evaluator.cache }

    /// A clip-level outcome without scores.
    struct Stop: Error {
        var status: ClipStatus
        var message: String
    }

    mutating func execute(keys: Evaluator.Keys) throws -> ClipEvaluation {
        do {
            let tracks = try tracksArtifact(keys)
            tracksMeta = tracks.meta
            guard !tracks.tracks.isEmpty else { throw Self.noTrackStop(tracks.meta, settings: settings) }
            let results = try scoreTracks(tracks.tracks, keys: keys)
            return finish(keys: keys, results: results)
        } catch let stop as Stop {
            return finish(keys: keys, status: stop.status, message: stop.message, tracks: [])
        }
    }

    static func noTrackStop(_ meta: TracksArtifact.Meta, settings: EvaluationSettings) -> Stop {
        if meta.faces == 0 {
            return Stop(status: .noFace, message: "no face detected in any of the \(meta.frames) frames")
        }
        var reasons =
            "\(meta.faces) faces in \(meta.framesWithFaces) of \(meta.frames) frames, but no track has more than "
            + "\(settings.minTrack) detections and a mean face side above \(Int(settings.minFaceSize)) px"
        if meta.longScenes < meta.scenes {
            reasons += " (\(meta.scenes - meta.longScenes) of \(meta.scenes) scenes are shorter than \(settings.minTrack) frames)"
        }
        return Stop(status: .noTrack, message: reasons)
    }

    // MARK: Per-track stages

    struct TrackPlan {
        var index: Int
        var track: FaceTrack
        var crops: String
        var mfcc: String
        var embeddings: String
        var scores: String

        var artifacts: [String: String] {
            [Stage.crops.rawValue: crops, Stage.mfcc.rawValue: mfcc, Stage.embeddings.rawValue: embeddings, Stage.scores.rawValue: scores]
        }
    }

    /// Every track's scores: read from the cache, or computed from the embeddings, which need the
    /// crops (one crop pass for all the tracks whose crops are missing) and the MFCCs (which need
    /// the speech, read or decoded once).
    mutating func scoreTracks(_ tracks: [FaceTrack], keys: Evaluator.Keys) throws -> [TrackEvaluation] {
        guard let speechKey = keys.speech else {
            throw Stop(status: .audioError, message: input.speechError ?? "\(input.speechPath ?? "speech"): no such file")
        }
        let plans = tracks.enumerated().map { index, track in
            let crops = evaluator.cropKey(tracks: keys.tracks, track: index, video: input.videoSHA256)
            let mfcc = evaluator.mfccKey(speech: speechKey, track: track)
            let embeddings = evaluator.embeddingsKey(crops: crops, mfcc: mfcc)
            return TrackPlan(index: index, track: track, crops: crops, mfcc: mfcc, embeddings: embeddings, scores: evaluator.scoresKey(embeddings: embeddings))
        }
        var results: [Int: TrackEvaluation] = [:]
        var needEmbeddings: [TrackPlan] = []
        for plan in plans {
            if let scores = try lookUp(ScoresArtifact.self, key: plan.scores) {
                artifactKeys += [plan.crops, plan.mfcc, plan.embeddings, plan.scores]
                results[plan.index] = trackResult(plan, score: scores.score)
            } else {
                needEmbeddings.append(plan)
            }
        }
        if !needEmbeddings.isEmpty {
            // Speech and crops, as needed.
            var speech: SpeechArtifact? = nil
            var missingCrops: [TrackPlan] = []
            var crops: [Int: CropsArtifact] = [:]
            for plan in needEmbeddings where try !cache.containsArtifact(key: plan.embeddings) {
                if let stored = try lookUp(CropsArtifact.self, key: plan.crops) {
                    crops[plan.index] = stored
                } else {
                    missingCrops.append(plan)
                }
                if try !cache.containsArtifact(key: plan.mfcc), speech == nil {
                    speech = try speechArtifact(key: speechKey)
                }
            }
            if !missingCrops.isEmpty {
                // S3FD is gone by now: load SyncNet while the crop pass runs.
                if syncNetPrefetch == nil { syncNetPrefetch = NetworkPrefetch(syncNetOf: evaluator) }
                if settings.profileDescription.framing == .wholeFrame {
                    crops[0] = try wholeFramePass(keys).crops
                } else {
                    lipFeeds = lipBatchFeeds(for: missingCrops, speech: speech)
                    let worker = lipFeeds.values.first?.worker
                    do {
                        for (index, artifact) in try cropPass(missingCrops, lipFeeds: lipFeeds) { crops[index] = artifact }
                    } catch {
                        worker?.stop()
                        throw error
                    }
                    worker?.finish()
                }
            }
            var network: SyncNet? = nil
            for plan in needEmbeddings {
                artifactKeys += [plan.crops, plan.mfcc]
                guard let embeddings = try embeddingsArtifact(plan, crops: crops, speechKey: speechKey, speech: &speech, network: &network) else {
                    var result = TrackEvaluation(
                        track: plan.index, startFrame: plan.track.firstFrame, endFrame: plan.track.frames.upperBound - 1,
                        status: .tooShort, offset: nil, confidence: nil, minDistance: nil, windows: 0)
                    result.artifacts = plan.artifacts
                    results[plan.index] = result
                    continue
                }
                artifactKeys.append(plan.embeddings)
                let scores = try scoresArtifact(plan, embeddings: embeddings)
                artifactKeys.append(plan.scores)
                results[plan.index] = trackResult(plan, score: scores.score)
            }
        }
        return plans.map { results[$0.index]! }
    }

    /// Media failures inside a stage that already decoded the clip are failures of the clip.
    func mediaCall<T>(_ body: () throws -> T) throws -> T {
        do throws(any Error) { return try body() } catch let error as MediaError {
            throw Stop(status: .decodeError, message: error.description)
        }
    }

    // MARK: Result

    mutating func finish(keys: Evaluator.Keys, results: [TrackEvaluation]) -> ClipEvaluation {
        let scored = results.filter { $0.status == .ok }
        guard !scored.isEmpty else {
            return finish(
                keys: keys, status: .tooShort,
                message: "no track has six frames of video and speech to score" + (remarks.isEmpty ? "" : ": " + remarks.joined(separator: "; ")),
                tracks: results)
        }
        var evaluation = finish(keys: keys, status: .ok, message: remarks.joined(separator: "; "), tracks: results)
        evaluation.bestConfidence = scored.compactMap(\.confidence).max()
        evaluation.minDistance = scored.compactMap(\.minDistance).min()
        evaluation.clip = ClipScore.combining(results, profile: settings.profileDescription)
        let warnings = clipWarnings(results)
        evaluation.warnings = warnings
        if !warnings.isEmpty { evaluation.message = (remarks + warnings).joined(separator: "; ") }
        return evaluation
    }

    /// What the reference does silently, said (issue #11): computed from the tracks' results and
    /// the tracks stage's summary, so a partly cached run says the same as a cold one.
    func clipWarnings(_ tracks: [TrackEvaluation]) -> [String] {
        var warnings: [String] = []
        if let meta = tracksMeta, meta.pictures < meta.frames {
            // Quirk Q5: scenes cover OpenCV's picture count, the frames come from ffmpeg's 25 fps timeline.
            let covered = tracks.filter { $0.endFrame == meta.pictures - 1 }.count
            warnings.append(
                "the reference's scene detection reads \(meta.pictures) pictures of the \(meta.frames)-frame 25 fps timeline (quirk Q5): "
                    + "frames \(meta.pictures)–\(meta.frames - 1) are in no scene, so no track covers them (\(meta.frames - meta.pictures) frames lost"
                    + (covered > 0 ? ", \(covered) track\(covered == 1 ? "" : "s") cut short)" : ")"))
        }
        for t in tracks where t.status == .ok {
            let length = t.endFrame - t.startFrame + 1
            if t.windows < length - SyncNet.windowFrames {
                warnings.append(
                    "track \(t.track): scored over \(t.windows + SyncNet.windowFrames) of its \(length) frames (the speech ends before the track does)")
            }
            if let offset = t.offset, abs(offset) == settings.vshift {
                warnings.append(
                    "track \(t.track): the offset \(offset > 0 ? "+" : "")\(offset) is at the edge of the search range (vshift \(settings.vshift)); the true offset may lie beyond it")
            }
        }
        let scored = tracks.filter { $0.status == .ok }
        if scored.count > 1, settings.profileDescription.combination == .bestOfEach,
            let best = scored.max(by: { ($0.confidence ?? -.infinity) < ($1.confidence ?? -.infinity) }),
            let nearest = scored.min(by: { ($0.minDistance ?? .infinity) < ($1.minDistance ?? .infinity) })
        {
            warnings.append(
                "\(scored.count) tracks scored: LSE-C is track \(best.track)'s confidence and LSE-D track \(nearest.track)'s distance (the best of each over the tracks)")
        }
        return warnings
    }

    mutating func finish(keys: Evaluator.Keys, status: ClipStatus, message: String, tracks: [TrackEvaluation]) -> ClipEvaluation {
        var seen = Set<String>()
        let used = artifactKeys.filter { seen.insert($0).inserted }
        var artifacts =
            settings.profileDescription.framing == .wholeFrame
            ? [Stage.tracks.rawValue: keys.tracks]
            : [Stage.detections.rawValue: keys.detections, Stage.scenes.rawValue: keys.scenes, Stage.tracks.rawValue: keys.tracks]
        if let speech = keys.speech { artifacts[Stage.speech.rawValue] = speech }
        var evaluation = ClipEvaluation(
            videoPath: input.videoPath, videoSHA256: input.videoSHA256, speechPath: input.speechPath, speechSHA256: input.speechSHA256,
            settings: settings, status: status, message: message, tracks: tracks, bestConfidence: nil, minDistance: nil,
            stages: ledger.records, frames: frames, speechSamples: speechSamples, seconds: elapsed(since: start), key: keys.evaluation,
            artifactKeys: used)
        evaluation.artifacts = artifacts
        return evaluation
    }
}

/// A value computed on a thread of its own, started at once; ``value()`` waits for it. Used for
/// SyncNet's load beside the decode or crop pass (``NetworkPrefetch``) and for the digest
/// `ClipEvaluator` records in idle time (`IdleDigest`).
public final class BackgroundResult<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `compute` on a new thread named `name`.
    public init(name: String, _ compute: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let computed = Result { try compute() }
            self.result.withLock { $0 = computed }
            self.done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// The value, or the error `compute` threw, once it is done (at once on later calls).
    public func value() throws -> Value {
        done.wait()
        done.signal()
        return try result.withLock { $0! }.get()
    }
}

/// SyncNet loaded on a background thread.
typealias NetworkPrefetch = BackgroundResult<SyncNet>

extension BackgroundResult where Value == SyncNet {
    /// Starts loading `evaluator`'s SyncNet in its settings' precision.
    convenience init(syncNetOf evaluator: Evaluator) {
        self.init(name: "syncbench.load-syncnet") { try evaluator.syncNet() }
    }
}
