import DSP
import Dispatch
import Foundation
import Synchronization
import Media
import Models
import Tensor

/// One evaluation in progress: decides per stage whether to read the cache or compute, and keeps
/// the ledger of what happened.
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
        var reasons = "\(meta.faces) faces in \(meta.framesWithFaces) of \(meta.frames) frames, but no track has more than "
            + "\(settings.minTrack) detections and a mean face side above \(Int(settings.minFaceSize)) px"
        if meta.longScenes < meta.scenes {
            reasons += " (\(meta.scenes - meta.longScenes) of \(meta.scenes) scenes are shorter than \(settings.minTrack) frames)"
        }
        return Stop(status: .noTrack, message: reasons)
    }

    // MARK: Detections, scenes, tracks

    mutating func tracksArtifact(_ keys: Evaluator.Keys) throws -> TracksArtifact {
        if settings.profileDescription.framing == .wholeFrame { return try wholeFrameTracks(keys) }
        if let stored = try cache.artifact(key: keys.tracks) {
            ledger.note("tracks", computed: false)
            artifactKeys += [keys.detections, keys.scenes, keys.tracks]
            let tracks = try TracksArtifact(stored)
            frames = tracks.meta.frames
            return tracks
        }
        if input.boxes != nil { syncNetPrefetch = NetworkPrefetch(evaluator.networks.loadSyncNet) }
        var detections = try cache.artifact(key: keys.detections).map { stored throws in try DetectionsArtifact(stored) }
        var scenes = try cache.artifact(key: keys.scenes).map { stored throws in try ScenesArtifact(stored) }
        if detections != nil { ledger.note("detections", computed: false) }
        if scenes != nil { ledger.note("scenes", computed: false) }
        if detections == nil || scenes == nil {
            let pass = try decodePass(detect: detections == nil, segment: scenes == nil)
            if detections == nil, let computed = pass.detections {
                try cache.save(computed.stored(key: keys.detections, seconds: pass.detectionSeconds))
                ledger.note("detections", computed: true, seconds: pass.detectionSeconds)
                detections = computed
            }
            if scenes == nil, let computed = pass.scenes {
                try cache.save(computed.stored(key: keys.scenes, seconds: pass.sceneSeconds))
                ledger.note("scenes", computed: true, seconds: pass.sceneSeconds)
                scenes = computed
            }
        }
        guard let detections, let scenes else { throw Stop(status: .decodeError, message: "\(input.videoPath): no frames decoded") }
        artifactKeys += [keys.detections, keys.scenes]
        let started = ContinuousClock.now
        let tracker = settings.tracker
        var tracks: [FaceTrack] = []
        var longScenes = 0
        for scene in scenes.scenes where scene.count >= settings.minTrack {
            longScenes += 1
            let lower = min(scene.lowerBound, detections.frames.count), upper = min(scene.upperBound, detections.frames.count)
            tracks += tracker.tracks(detections: Array(detections.frames[lower..<upper]), firstFrame: lower)
        }
        let artifact = TracksArtifact(
            tracks: tracks, faces: detections.frames.reduce(0) { $0 + $1.count },
            framesWithFaces: detections.frames.filter { !$0.isEmpty }.count, longScenes: longScenes, scenes: scenes.scenes.count,
            frames: detections.meta.frames, pictures: detections.meta.pictures)
        let seconds = elapsed(since: started)
        try cache.save(artifact.stored(key: keys.tracks, seconds: seconds))
        ledger.note("tracks", computed: true, seconds: seconds)
        artifactKeys.append(keys.tracks)
        frames = detections.meta.frames
        return artifact
    }

    /// The clip's frames on the timeline the profile's intermediate lays: the MPEG-4 AVI's
    /// (``VideoDecoder``) or LatentSync's H.264 MP4 (``IntermediateMP4Frames``).
    func frameSource(convertPixels: Bool) throws(MediaError) -> any TimelineFrameSource {
        if settings.pictureChain == .faithful && settings.profileDescription.intermediate == .h264MP4 {
            return try IntermediateMP4Frames(path: input.videoPath, chain: .faithful)
        }
        return try VideoDecoder(
            path: input.videoPath, mode: settings.timelineMode, chain: settings.pictureChain, convertPixels: convertPixels,
            faithfulEncoderThreads: Int32(settings.mpeg4Threads ?? 0))
    }

    struct DecodePass {
        var detections: DetectionsArtifact?
        var scenes: ScenesArtifact?
        var detectionSeconds = 0.0
        var sceneSeconds = 0.0
    }

    /// One pass over the video: S3FD on every frame (unless boxes are given) and shot detection on
    /// every real picture of the intermediate AVI.
    mutating func decodePass(detect: Bool, segment: Bool) throws -> DecodePass {
        let started = ContinuousClock.now
        var pass = DecodePass()
        let detector: FaceDetector?
        if detect && input.boxes == nil {
            detector = FaceDetector(
                network: try evaluator.networks.loadS3FD(), scale: settings.detectorScale, threshold: settings.detectorThreshold)
        } else {
            detector = nil
        }
        var shots = ShotDetector(settings: ShotDetector.Settings(threshold: settings.shotThreshold, minSceneLength: settings.minSceneLength))
        var faces: [[FaceDetection]] = []
        var batch: [Image] = []
        var width = 0, height = 0, frameCount = 0, pictures = 0
        var detectSeconds = 0.0, shotSeconds = 0.0
        // Frames per S3FD batch. The detector's activations take ≈ 35 MB per 976×528 frame (Winograd
        // buffers); on the example clip, batches of 2 / 3 / 4 took 19.4 / 16.8 / 15.6 s with a peak
        // of 434 / 479 / 503 MiB for the whole eval: 3 keeps the peak under 500 MiB.
        let batchSize = 3
        func flush(_ batch: inout [Image]) {
            guard let detector, !batch.isEmpty else { return }
            let t = ContinuousClock.now
            faces += detector.detect(batch: batch)
            detectSeconds += elapsed(since: t)
            batch.removeAll(keepingCapacity: true)
        }
        do throws(any Error) {
            let decoder = try frameSource(convertPixels: detector != nil || segment)
            width = decoder.width
            height = decoder.height
            if let detector {
                let scaled = Image.resizedSize(width: width, height: height, scaleX: detector.scale, scaleY: detector.scale)
                guard S3FD.accepts(width: scaled.width, height: scaled.height) else {
                    throw Stop(
                        status: .unsupported,
                        message: "\(input.videoPath): frames of \(width)x\(height) are too small for S3FD at scale \(detector.scale) "
                            + "(\(scaled.width)x\(scaled.height) after scaling); give face boxes with --boxes")
                }
            }
            let stageName = detector != nil ? "detecting faces" : "decoding"
            let expected = evaluator.progress == nil ? nil : (try? MediaProbe.probe(path: input.videoPath, countFrames: false, countSamples: false))?
                .durationSeconds.flatMap { $0.isFinite && $0 > 0 && $0 < 1e7 ? Int(($0 * Double(ReferenceTimeline.framesPerSecond)).rounded()) : nil }
            var lastPicture = -1
            var jpegs: [[UInt8]]? = settings.pictureChain == .faithful && (detector != nil || segment) ? [] : nil
            var jpegBytes = 0
            while let frame = try decoder.nextFrame() {
                frameCount += 1
                evaluator.progress?(EvaluationProgress(stage: stageName, done: frameCount, total: expected.map { max($0, frameCount) }, unit: "frames"))
                if jpegs != nil {
                    if let jpeg = frame.jpeg, jpegBytes + (frame.slot.isRepeat ? 0 : jpeg.count) <= Self.jpegBudget {
                        jpegs!.append(jpeg)
                        jpegBytes += frame.slot.isRepeat ? 0 : jpeg.count
                    } else {
                        jpegs = nil
                    }
                }
                if frame.slot.aviPicture > lastPicture {
                    lastPicture = frame.slot.aviPicture
                    pictures += 1
                    // Scene detection sees OpenCV's decode of the intermediate AVI's real pictures.
                    if segment, let image = frame.sceneImage ?? frame.image {
                        let t = ContinuousClock.now
                        shots.append(image)
                        shotSeconds += elapsed(since: t)
                    }
                }
                if detector != nil, let image = frame.image {
                    batch.append(image)
                    if batch.count == batchSize { flush(&batch) }
                }
            }
            flush(&batch)
            retainedJPEGs = jpegs
        } catch let error as MediaError {
            throw Stop(status: .decodeError, message: error.description)
        }
        guard frameCount > 0 else { throw Stop(status: .decodeError, message: "\(input.videoPath): the video has no frames") }
        let total = elapsed(since: started)
        let decodeSeconds = max(0, total - detectSeconds - shotSeconds)
        ledger.note("decode", computed: true, seconds: decodeSeconds)
        if detect {
            let perFrame: [[FaceDetection]]
            let source: String
            if let boxes = input.boxes {
                let placed = boxes.perFrame(count: frameCount)
                perFrame = placed.frames
                source = "boxes"
                if !placed.outside.isEmpty {
                    remarks.append("\(placed.outside.count) boxes lie past the last frame (\(frameCount - 1)) and were ignored")
                }
            } else {
                perFrame = faces
                source = "s3fd"
            }
            pass.detections = DetectionsArtifact(
                meta: .init(source: source, frames: frameCount, faces: perFrame.reduce(0) { $0 + $1.count }, width: width, height: height, pictures: pictures),
                frames: perFrame)
            pass.detectionSeconds = detectSeconds
        }
        if segment {
            let scenes = shots.scenes()
            pass.scenes = ScenesArtifact(
                meta: .init(pictures: pictures, cuts: shots.cuts, scenes: scenes.map { [$0.lowerBound, $0.upperBound] }), scores: shots.frameScores)
            pass.sceneSeconds = shotSeconds
        }
        return pass
    }

    // MARK: Whole frame (Wav2Lip's LRS scorer)

    /// The whole video as one track: read from the cache, or made by ``wholeFramePass(_:)``.
    mutating func wholeFrameTracks(_ keys: Evaluator.Keys) throws -> TracksArtifact {
        if let stored = try cache.artifact(key: keys.tracks) {
            ledger.note("tracks", computed: false)
            artifactKeys.append(keys.tracks)
            let tracks = try TracksArtifact(stored)
            frames = tracks.meta.frames
            return tracks
        }
        syncNetPrefetch = NetworkPrefetch(evaluator.networks.loadSyncNet)
        return try wholeFramePass(keys).tracks
    }

    /// One pass over the video at its own frame rate: every frame through Wav2Lip's JPEG round trip
    /// (``SourceRateFrames``), resized whole to 224×224 as `cv2.resize` does, streamed into the cache
    /// as the crops of track 0; then the one-track tracks artifact that spans them.
    mutating func wholeFramePass(_ keys: Evaluator.Keys) throws -> (tracks: TracksArtifact, crops: CropsArtifact) {
        let started = ContinuousClock.now
        let cropKey = evaluator.cropKey(tracks: keys.tracks, track: 0, video: input.videoSHA256)
        try cache.discardFrames(of: cropKey)
        let codec = try mediaCall { try PNGImageCodec() }
        let side = SyncNet.frameSize
        var pending: [Data] = []
        var written = 0, width = 0, height = 0
        let expected = evaluator.progress == nil ? nil : (try? MediaProbe.probe(path: input.videoPath, countFrames: false, countSamples: false))
            .flatMap { probe in
                probe.durationSeconds.flatMap { d in
                    probe.video?.framesPerSecond.flatMap { r in d.isFinite && d > 0 && d < 1e7 && r > 0 && r < 1e4 ? Int((d * r).rounded()) : nil }
                }
            }
        do throws(any Error) {
            let source = try SourceRateFrames(path: input.videoPath, chain: settings.pictureChain)
            width = source.width
            height = source.height
            while let frame = try source.nextFrame() {
                evaluator.progress?(EvaluationProgress(stage: "extracting frames", done: written + pending.count + 1, total: expected, unit: "frames"))
                // calc_pdist's cv2.resize(img, (224, 224)): INTER_LINEAR, aspect not kept.
                pending.append(try codec.encode(frame.image.resized(width: side, height: side)))
                if pending.count >= 32 {
                    try cache.saveFrames(of: cropKey, startingAt: written, pending)
                    written += pending.count
                    pending.removeAll(keepingCapacity: true)
                }
            }
            if !pending.isEmpty {
                try cache.saveFrames(of: cropKey, startingAt: written, pending)
                written += pending.count
            }
        } catch let error as MediaError {
            throw Stop(status: .decodeError, message: error.description)
        }
        guard written > 0 else { throw Stop(status: .decodeError, message: "\(input.videoPath): the video has no frames") }
        let seconds = elapsed(since: started)
        let crops = CropsArtifact(
            meta: .init(track: 0, firstFrame: 0, frames: written, trackFrames: written, chain: evaluator.cropChainName), windows: [])
        try cache.save(crops.stored(key: cropKey, seconds: seconds))
        ledger.note("crops", computed: true, seconds: seconds)
        let whole = [0, 0, Double(width), Double(height)]
        let tracks = TracksArtifact(
            tracks: [FaceTrack(firstFrame: 0, boxes: Array(repeating: whole, count: written))], faces: 0, framesWithFaces: 0,
            longScenes: 1, scenes: 1, frames: written, pictures: written)
        try cache.save(tracks.stored(key: keys.tracks, seconds: 0))
        ledger.note("tracks", computed: true, seconds: 0)
        artifactKeys.append(keys.tracks)
        frames = written
        return (tracks, crops)
    }

    // MARK: Per-track stages

    struct TrackPlan {
        var index: Int
        var track: FaceTrack
        var crops: String
        var mfcc: String
        var embeddings: String
        var scores: String

        var artifacts: [String: String] { ["crops": crops, "mfcc": mfcc, "embeddings": embeddings, "scores": scores] }
    }

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
            if let stored = try cache.artifact(key: plan.scores) {
                let scores = try ScoresArtifact(stored)
                ledger.note("scores", computed: false)
                artifactKeys += [plan.crops, plan.mfcc, plan.embeddings, plan.scores]
                results[plan.index] = trackResult(plan, score: scores.score)
            } else if try cache.containsArtifact(key: plan.embeddings) {
                needEmbeddings.append(plan)
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
                if let stored = try cache.artifact(key: plan.crops) {
                    crops[plan.index] = try CropsArtifact(stored)
                    ledger.note("crops", computed: false)
                } else {
                    missingCrops.append(plan)
                }
                if try !cache.containsArtifact(key: plan.mfcc), speech == nil {
                    speech = try speechArtifact(key: speechKey)
                }
            }
            if !missingCrops.isEmpty {
                // S3FD is gone by now: load SyncNet while the crop pass runs.
                if syncNetPrefetch == nil { syncNetPrefetch = NetworkPrefetch(evaluator.networks.loadSyncNet) }
                if settings.profileDescription.framing == .wholeFrame {
                    crops[0] = try wholeFramePass(keys).crops
                } else {
                    for (index, artifact) in try cropPass(missingCrops) { crops[index] = artifact }
                }
            }
            var network: SyncNet? = nil
            for plan in needEmbeddings {
                artifactKeys += [plan.crops, plan.mfcc]
                let embeddings: EmbeddingsArtifact?
                if let stored = try cache.artifact(key: plan.embeddings) {
                    ledger.note("embeddings", computed: false)
                    embeddings = try EmbeddingsArtifact(stored)
                } else {
                    let mfcc = try mfccArtifact(plan, speechKey: speechKey, speech: &speech)
                    guard let cropsArtifact = crops[plan.index] else { throw ArtifactError.malformed("crops of track \(plan.index) missing") }
                    if network == nil { network = try syncNetPrefetch?.value() ?? evaluator.networks.loadSyncNet() }
                    embeddings = try computeEmbeddings(plan, crops: cropsArtifact, mfcc: mfcc, network: network!)
                }
                guard let embeddings else {
                    var result = TrackEvaluation(
                        track: plan.index, startFrame: plan.track.firstFrame, endFrame: plan.track.frames.upperBound - 1,
                        status: .tooShort, offset: nil, confidence: nil, minDistance: nil, windows: 0)
                    result.artifacts = plan.artifacts
                    results[plan.index] = result
                    continue
                }
                artifactKeys.append(plan.embeddings)
                let started = ContinuousClock.now
                let score = try SyncScorer.score(lip: embeddings.lip, audio: embeddings.audio, dimension: embeddings.meta.dimension, vshift: settings.vshift)
                let seconds = elapsed(since: started)
                try cache.save(ScoresArtifact(score: score, vshift: settings.vshift).stored(key: plan.scores, seconds: seconds))
                ledger.note("scores", computed: true, seconds: seconds)
                artifactKeys.append(plan.scores)
                results[plan.index] = trackResult(plan, score: score)
            }
        }
        return plans.map { results[$0.index]! }
    }

    func trackResult(_ plan: TrackPlan, score: SyncScore) -> TrackEvaluation {
        var result = TrackEvaluation(
            track: plan.index, startFrame: plan.track.firstFrame, endFrame: plan.track.frames.upperBound - 1, status: .ok,
            offset: score.offset, confidence: score.confidence, minDistance: score.minDistance, windows: score.distances.count)
        result.artifacts = plan.artifacts
        return result
    }

    /// The 16 kHz speech: the separate file (MoChaBench) or the video's audio (joonson).
    mutating func speechArtifact(key: String) throws -> SpeechArtifact {
        artifactKeys.append(key)
        if let stored = try cache.artifact(key: key) {
            ledger.note("speech", computed: false)
            let speech = try SpeechArtifact(stored)
            speechSamples = speech.samples.count
            return speech
        }
        let started = ContinuousClock.now
        let fromVideo = input.speechPath == nil
        let path = fromVideo ? input.videoPath : (input.speechPath ?? "")
        let samples: [Int16]
        do throws(any Error) {
            // joonson scores the audio track of its intermediate AVI (MP3-transcoded, §5.4); the
            // wheel's `audio_path=None` extracts the original video's audio (§5.3).
            if fromVideo && settings.profileDescription.videoAudio == .throughIntermediateAVI && settings.pictureChain == .faithful {
                samples = try AudioDecoder.decodeMono16kThroughReferenceAVI(path: path)
            } else if fromVideo && settings.profileDescription.videoAudio == .throughIntermediateMP4 && settings.pictureChain == .faithful {
                samples = try AudioDecoder.decodeMono16kThroughIntermediateMP4(path: path)
            } else {
                samples = try AudioDecoder.decodeMono16k(path: path)
            }
        } catch let error as MediaError {
            switch error {
            case .noAudioStream, .emptyStream: throw Stop(status: .noAudio, message: error.description)
            default: throw Stop(status: fromVideo ? .decodeError : .audioError, message: error.description)
            }
        }
        guard !samples.isEmpty else { throw Stop(status: .noAudio, message: "\(path): the audio has no samples") }
        let artifact = SpeechArtifact(samples: samples, source: fromVideo ? "video" : "speech")
        let seconds = elapsed(since: started)
        try cache.save(artifact.stored(key: key, seconds: seconds))
        ledger.note("speech", computed: true, seconds: seconds)
        speechSamples = samples.count
        return artifact
    }

    /// The track's speech slice, samples `[640·first, 640·(last+1))` truncated at the end of the
    /// speech (docs/reference/pipeline.md §9.4), and its MFCCs.
    mutating func mfccArtifact(_ plan: TrackPlan, speechKey: String, speech: inout SpeechArtifact?) throws -> MFCCArtifact {
        if let stored = try cache.artifact(key: plan.mfcc) {
            ledger.note("mfcc", computed: false)
            return try MFCCArtifact(stored)
        }
        if speech == nil { speech = try speechArtifact(key: speechKey) }
        let started = ContinuousClock.now
        let cut = speech!.slice(frames: plan.track.frames)
        let first = cut.startIndex
        var slice = Array(cut)
        if evaluator.cropAudio == .aac {
            // LatentSync muxes the slice into the crop MP4 as AAC and decodes it again.
            slice = try mediaCall { try AudioDecoder.aacRoundTripMono16k(slice, label: "\(input.videoPath) track \(plan.index) speech") }
        }
        var values: [Double] = []
        var frames = 0
        if !slice.isEmpty {
            let matrix = try MFCC(fft: FFmpegRealFFT(length: 512)).coefficients(of: slice)
            values = matrix.values
            frames = matrix.frameCount
        }
        let artifact = MFCCArtifact(meta: .init(coefficients: 13, frames: frames, samples: slice.count, firstSample: first), values: values)
        let seconds = elapsed(since: started)
        try cache.save(artifact.stored(key: plan.mfcc, seconds: seconds))
        ledger.note("mfcc", computed: true, seconds: seconds)
        return artifact
    }

    /// Second pass over the video: the 224×224 crops of every track in `plans`, streamed into the
    /// cache in chunks, then each track's artifact row.
    mutating func cropPass(_ plans: [TrackPlan]) throws -> [Int: CropsArtifact] {
        let started = ContinuousClock.now
        let cropper = TrackCropper(cropScale: settings.cropScale)
        struct Active {
            var plan: TrackPlan
            var windows: [CropWindow]
            /// The reference's XVID video + JPEG re-extraction of this track's crops (faithful chain).
            /// Opened at the track's first frame, finished and released at its last, so only the
            /// tracks on screen hold encoders and pending frames.
            var roundTrip: CropVideoRoundTrip? = nil
            var pending: [Data] = []
            var written = 0
            var finished = false
        }
        let faithful = settings.pictureChain == .faithful
        var active: [Active] = []
        for plan in plans {
            do { active.append(Active(plan: plan, windows: try cropper.windows(for: plan.track))) } catch {
                throw Stop(status: .cropError, message: "\(input.videoPath): track \(plan.index): \(error)")
            }
        }
        // Start each track's frames over (frames this writer saved earlier; never another writer's).
        for plan in plans { try cache.discardFrames(of: plan.crops) }
        let lastFrame = plans.map { $0.track.frames.upperBound - 1 }.max() ?? -1
        let codec = try mediaCall { try PNGImageCodec() }
        let chunk = 32
        func keep(_ images: [Image], _ entry: inout Active) throws {
            for image in images { entry.pending.append(try codec.encode(image)) }
            if entry.pending.count >= chunk {
                try cache.saveFrames(of: entry.plan.crops, startingAt: entry.written, entry.pending)
                entry.written += entry.pending.count
                entry.pending.removeAll(keepingCapacity: true)
            }
        }
        func finish(_ entry: inout Active) throws {
            if let roundTrip = entry.roundTrip { try keep(try roundTrip.finish(), &entry) }
            entry.roundTrip = nil
            if !entry.pending.isEmpty {
                try cache.saveFrames(of: entry.plan.crops, startingAt: entry.written, entry.pending)
                entry.written += entry.pending.count
                entry.pending = []
            }
            entry.finished = true
        }
        func cut(_ image: Image, frame f: Int) throws {
            evaluator.progress?(EvaluationProgress(stage: "cropping", done: f + 1, total: lastFrame + 1, unit: "frames"))
            for i in active.indices where active[i].plan.track.frames.contains(f) {
                if faithful && active[i].roundTrip == nil { active[i].roundTrip = try CropVideoRoundTrip() }
                let crop: Image
                do { crop = try cropper.crop(image, window: active[i].windows[f - active[i].plan.track.firstFrame], frame: f) } catch {
                    throw Stop(status: .cropError, message: "\(input.videoPath): track \(active[i].plan.index): \(error)")
                }
                let seen = try active[i].roundTrip.map { try $0.append(crop) } ?? [crop]
                try keep(seen, &active[i])
                if f == active[i].plan.track.frames.upperBound - 1 { try finish(&active[i]) }
            }
        }
        do throws(any Error) {
            if let jpegs = retainedJPEGs {
                // The first pass kept the faithful frames' JPEGs: decode them (as imread does).
                for f in 0..<min(jpegs.count, lastFrame + 1) {
                    try cut(try Image(jpeg: jpegs[f], label: "\(input.videoPath) frame \(f)"), frame: f)
                }
            } else {
                let decoder = try frameSource(convertPixels: true)
                while let frame = try decoder.nextFrame() {
                    let f = frame.slot.index
                    if f > lastFrame { break }
                    guard let image = frame.image else { continue }
                    try cut(image, frame: f)
                }
            }
            // Tracks running past the end of the video (the reference skips the missing frames).
            for i in active.indices where !active[i].finished { try finish(&active[i]) }
        } catch let error as MediaError {
            throw Stop(status: .decodeError, message: error.description)
        }
        var result: [Int: CropsArtifact] = [:]
        let seconds = elapsed(since: started) / Double(max(1, plans.count))
        for entry in active {
            let artifact = CropsArtifact(
                meta: .init(track: entry.plan.index, firstFrame: entry.plan.track.firstFrame, frames: entry.written,
                            trackFrames: entry.plan.track.boxes.count, chain: evaluator.chainName),
                windows: Array(entry.windows.prefix(entry.written)))
            try cache.save(artifact.stored(key: entry.plan.crops, seconds: seconds))
            ledger.note("crops", computed: true, seconds: seconds)
            result[entry.plan.index] = artifact
        }
        return result
    }

    /// SyncNet on every window (docs/reference/pipeline.md §10.3): `min_length = min(T, ⌊samples/640⌋)`,
    /// windows `0 ..< min_length − 5` (the reference drops the last valid window, quirk Q11).
    /// Nil when there are no windows.
    mutating func computeEmbeddings(_ plan: TrackPlan, crops: CropsArtifact, mfcc: MFCCArtifact, network: SyncNet) throws -> EmbeddingsArtifact? {
        let started = ContinuousClock.now
        let perFrame = SpeechArtifact.samplesPerFrame
        let minLength = min(crops.meta.frames, mfcc.meta.samples / perFrame)
        let windows = minLength - SyncNet.windowFrames
        guard windows > 0 else {
            remarks.append(
                "track \(plan.index) (frames \(plan.track.firstFrame)–\(plan.track.frames.upperBound - 1)) has \(crops.meta.frames) crops and "
                    + "\(mfcc.meta.samples) speech samples: fewer than 6 frames to score")
            return nil
        }
        if mfcc.meta.samples < crops.meta.frames * perFrame {
            remarks.append("track \(plan.index): the speech covers \(mfcc.meta.samples / perFrame) of its \(crops.meta.frames) frames")
        }
        let steps = SyncNet.mfccSteps, coefficients = SyncNet.mfccCoefficients
        guard 4 * (windows - 1) + steps <= mfcc.meta.frames else {
            throw ArtifactError.malformed("mfcc of track \(plan.index) has \(mfcc.meta.frames) frames, \(4 * (windows - 1) + steps) needed")
        }
        let codec = try mediaCall { try PNGImageCodec() }
        let side = SyncNet.frameSize, plane = side * side, span = SyncNet.windowFrames
        var lip: [Float] = []
        var audio: [Float] = []
        lip.reserveCapacity(windows * SyncNet.embeddingSize)
        audio.reserveCapacity(windows * SyncNet.embeddingSize)
        let batchSize = max(1, settings.batchSize)
        for batchStart in stride(from: 0, to: windows, by: batchSize) {
            let count = min(batchSize, windows - batchStart)
            evaluator.progress?(EvaluationProgress(stage: "scoring track \(plan.index)", done: batchStart + count, total: windows, unit: "windows"))
            let pngs = try cache.frames(of: plan.crops, range: batchStart..<(batchStart + count + span - 1))
            guard pngs.count == count + span - 1 else {
                throw ArtifactError.missingFrames(key: plan.crops, expected: crops.meta.frames, found: batchStart + pngs.count)
            }
            let images = try pngs.map { png in try mediaCall { try codec.decode(png) } }
            var video = [Float](repeating: 0, count: count * 3 * span * plane)
            video.withUnsafeMutableBufferPointer { out in
                for b in 0..<count {
                    for t in 0..<span {
                        let pixels = images[b + t].pixels
                        pixels.withUnsafeBufferPointer { p in
                            for c in 0..<3 {
                                let base = ((b * 3 + c) * span + t) * plane
                                for i in 0..<plane { out[base + i] = Float(p[3 * i + c]) }
                            }
                        }
                    }
                }
            }
            lip += network.lipEmbeddings(Tensor(shape: [count, 3, span, side, side], scalars: video)).scalars
            var sound = [Float](repeating: 0, count: count * coefficients * steps)
            for b in 0..<count {
                let v = batchStart + b
                for k in 0..<coefficients {
                    for m in 0..<steps {
                        sound[(b * coefficients + k) * steps + m] = Float(mfcc.values[k * mfcc.meta.frames + 4 * v + m])
                    }
                }
            }
            audio += network.audioEmbeddings(Tensor(shape: [count, 1, coefficients, steps], scalars: sound)).scalars
        }
        let artifact = EmbeddingsArtifact(
            meta: .init(windows: windows, dimension: SyncNet.embeddingSize, minLength: minLength, cropFrames: crops.meta.frames, speechSamples: mfcc.meta.samples),
            lip: lip, audio: audio)
        let seconds = elapsed(since: started)
        try cache.save(artifact.stored(key: plan.embeddings, seconds: seconds))
        ledger.note("embeddings", computed: true, seconds: seconds)
        return artifact
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
        var artifacts = settings.profileDescription.framing == .wholeFrame
            ? ["tracks": keys.tracks] : ["detections": keys.detections, "scenes": keys.scenes, "tracks": keys.tracks]
        if let speech = keys.speech { artifacts["speech"] = speech }
        var evaluation = ClipEvaluation(
            videoPath: input.videoPath, videoSHA256: input.videoSHA256, speechPath: input.speechPath, speechSHA256: input.speechSHA256,
            settings: settings, status: status, message: message, tracks: tracks, bestConfidence: nil, minDistance: nil,
            stages: ledger.records, frames: frames, speechSamples: speechSamples, seconds: elapsed(since: start), key: keys.evaluation,
            artifactKeys: used)
        evaluation.artifacts = artifacts
        return evaluation
    }
}

/// A network loaded on a background thread; ``value()`` waits for it.
final class NetworkPrefetch: Sendable {
    private let result = Mutex<Result<SyncNet, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ load: @escaping @Sendable () throws -> SyncNet) {
        let thread = Thread { [self] in
            let loaded = Result { try load() }
            self.result.withLock { $0 = loaded }
            self.done.signal()
        }
        thread.name = "syncbench.load-syncnet"
        thread.start()
    }

    func value() throws -> SyncNet {
        done.wait()
        done.signal()
        return try result.withLock { $0! }.get()
    }
}
