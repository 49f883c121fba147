/// Why a clip has, or has no, score. Recorded with every evaluation; `docs/cli.md` lists the exit
/// code of each.
public enum ClipStatus: String, Sendable, Codable, CaseIterable {
    /// At least one track was scored: LSE-C and LSE-D are set.
    case ok
    /// The detector (or the `--boxes` file) found no face in any frame.
    case noFace = "no_face"
    /// Faces were found, but no track survived: every scene or face run was too short
    /// (`min_track`) or the faces too small (`min_face_size`).
    case noTrack = "no_track"
    /// Tracks exist, but none has the six frames of speech and video SyncNet needs (the speech
    /// ends before the track, or the track is too short): the reference raises here (quirk Q8).
    case tooShort = "too_short"
    /// The audio to score against has no samples, or the video has no audio stream (joonson).
    case noAudio = "no_audio"
    /// The speech file is missing or cannot be decoded.
    case audioError = "audio_error"
    /// The video is missing, not a video, damaged, or cannot be decoded.
    case decodeError = "decode_error"
    /// The video decodes but cannot be processed (frames too small for the face detector).
    case unsupported
    /// A track cannot be cropped where the reference itself fails the clip: the crop window lies
    /// entirely outside the padded frame (a face far beyond the picture's edge) or the box has no
    /// size (docs/reliability.md).
    case cropError = "crop_error"
}

/// The score of one track (docs/reference/pipeline.md §10), or why it has none.
public struct TrackEvaluation: Sendable, Codable, Equatable {
    /// Position in the clip's track list (the reference's crop number).
    public var track: Int
    /// First and last frame of the track on the 25 fps timeline (inclusive).
    public var startFrame: Int
    public var endFrame: Int
    /// `ok`, or `too_short` when fewer than six frames of speech and video overlap.
    public var status: ClipStatus
    /// AV offset in frames (positive: the video is late), LSE-C and LSE-D of this track.
    public var offset: Int?
    public var confidence: Float?
    public var minDistance: Float?
    /// SyncNet windows scored (`min_length − 5`).
    public var windows: Int
    /// Cache keys of the track's artifacts by stage (`crops`, `mfcc`, `embeddings`, `scores`;
    /// a stage that did not run has a key without an artifact).
    public var artifacts: [String: String]? = nil

    public init(
        track: Int, startFrame: Int, endFrame: Int, status: ClipStatus, offset: Int?, confidence: Float?, minDistance: Float?, windows: Int
    ) {
        self.track = track
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.status = status
        self.offset = offset
        self.confidence = confidence
        self.minDistance = minDistance
        self.windows = windows
    }
}

/// Whether a stage ran or came from the cache, and how long it took.
public struct StageRecord: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case computed, cached
    }
    /// Stage name, a ``Stage`` raw value: `decode`, `detections`, `scenes`, `tracks`, `speech`,
    /// `crops`, `mfcc`, `embeddings`, `scores` (per-track stages are summed over tracks).
    public var stage: String
    /// `computed` if any part of the stage ran, else `cached`.
    public var outcome: Outcome
    /// How many results were computed and how many came from the cache (per-track stages count
    /// tracks).
    public var computed: Int
    public var cached: Int
    /// Wall-clock seconds spent computing (0 when cached).
    public var seconds: Double

    public init(stage: String, outcome: Outcome, computed: Int, cached: Int, seconds: Double) {
        self.stage = stage
        self.outcome = outcome
        self.computed = computed
        self.cached = cached
        self.seconds = seconds
    }
}

/// A clip's numbers by its profile's own rule (``ProfileDescription/TrackCombination``): what the
/// protocol would publish for the video. A number the protocol does not define is nil, and `notes`
/// says why.
public struct ClipScore: Sendable, Codable, Equatable {
    public var lseC: Float?
    public var lseD: Float?
    public var offset: Int?
    /// The rule in words, e.g. `MOVA: track 2, the largest C − D of 3 tracks`.
    public var rule: String
    /// Why a number is nil.
    public var notes: [String]
    /// The mean confidence in double precision, where the rule averages (LatentSync prints it with
    /// two decimals; the Float in ``lseC`` could round a mean that lies on a .xx5 boundary).
    public var meanConfidence: Double? = nil

    public init(lseC: Float?, lseD: Float?, offset: Int?, rule: String, notes: [String]) {
        self.lseC = lseC
        self.lseD = lseD
        self.offset = offset
        self.rule = rule
        self.notes = notes
    }

    /// The numbers of `tracks` (the scored ones count) under `profile`'s rule.
    public static func combining(_ tracks: [TrackEvaluation], profile: ProfileDescription) -> ClipScore? {
        let scored = tracks.filter { $0.status == .ok && $0.confidence != nil && $0.minDistance != nil }
        guard !scored.isEmpty else { return nil }
        let count = scored.count == 1 ? "1 track" : "\(scored.count) tracks"
        var score: ClipScore
        switch profile.combination {
        case .bestOfEach:
            let best = scored.max { $0.confidence! < $1.confidence! }!
            score = ClipScore(
                lseC: best.confidence, lseD: scored.compactMap(\.minDistance).min(), offset: scored.count == 1 ? scored[0].offset : nil,
                rule: "\(profile.name): the best confidence and the smallest distance over \(count)", notes: [])
            if scored.count > 1 { score.notes.append("\(profile.name) reports one offset per track, none for the video") }
        case .perTrack:
            score = ClipScore(
                lseC: nil, lseD: nil, offset: nil, rule: "\(profile.name): one `dist conf` line per track (\(count))",
                notes: ["\(profile.name) reports one line per track (all_scores.txt) and no number per video; users average the lines"])
        case .wholeVideo:
            let only = scored[0]
            score = ClipScore(
                lseC: only.confidence, lseD: only.minDistance, offset: only.offset,
                rule: "\(profile.name): the whole frame, one result per video", notes: [])
        case .meanConfidence:
            // eval_sync_conf.py: conf = statistics.fmean(confs) (an exactly rounded mean: the float32
            // confidences sum exactly in Double), av_offset = int(fmean(offsets)) (toward zero).
            let confidence = scored.reduce(0.0) { $0 + Double($1.confidence!) } / Double(scored.count)
            let offsets = scored.compactMap(\.offset)
            let meanOffset = offsets.isEmpty ? nil : Double(offsets.reduce(0, +)) / Double(offsets.count)
            score = ClipScore(
                lseC: Float(confidence), lseD: nil, offset: meanOffset.map { Int($0.rounded(.towardZero)) },
                rule: "\(profile.name): mean confidence over \(count)", notes: [])
            score.meanConfidence = confidence
        case .largestConfidenceMinusDistance:
            // MOVA's eval_lip_sync.py: start from C − D = −100 with C = D = 0.0, take each track whose
            // C − D (in double, of the float32 results) is strictly larger: the first wins ties, and
            // when no track beats −100 the video reports 0.0 / 0.0. It writes no offset.
            var bound = -100.0, chosen: TrackEvaluation? = nil
            for t in scored where Double(t.confidence!) - Double(t.minDistance!) > bound {
                bound = Double(t.confidence!) - Double(t.minDistance!)
                chosen = t
            }
            score = ClipScore(
                lseC: chosen?.confidence ?? 0, lseD: chosen?.minDistance ?? 0, offset: nil,
                rule: chosen.map { "\(profile.name): track \($0.track), the largest C − D of \(count)" }
                    ?? "\(profile.name): no track's C − D is above −100 (of \(count)); its starting values 0.0 / 0.0",
                notes: ["\(profile.name) writes no offset per video"])
            if chosen == nil {
                score.notes.append(
                    "\(profile.name) reports 0.0 / 0.0 when no track has C − D above −100 (its starting value), as here; real SyncNet distances (6–12) never get there")
            }
        }
        if !profile.reports.contains(.distance) {
            score.lseD = nil
            score.notes.append("\(profile.name) reports confidence only")
        }
        return score
    }
}

/// The outcome of evaluating one clip.
public struct ClipEvaluation: Sendable, Codable, Equatable {
    public var videoPath: String
    public var videoSHA256: String
    public var speechPath: String?
    public var speechSHA256: String?
    public var settings: EvaluationSettings
    public var status: ClipStatus
    /// One line saying what happened (empty when ok without remarks).
    public var message: String
    /// Every track found, scored or not, in track order.
    public var tracks: [TrackEvaluation]
    /// LSE-C: the largest confidence of any scored track; LSE-D: the smallest distance of any
    /// scored track (possibly another one). Nil unless `status == .ok`.
    public var bestConfidence: Float?
    public var minDistance: Float?
    /// Stage outcomes in pipeline order.
    public var stages: [StageRecord]
    /// Frames on the 25 fps timeline and 16 kHz speech samples (nil when not known).
    public var frames: Int?
    public var speechSamples: Int?
    /// Total wall-clock seconds of this run.
    public var seconds: Double
    /// The cache key of the whole evaluation.
    public var key: String
    /// Keys of every artifact the evaluation used.
    public var artifactKeys: [String]
    /// Cache keys of the clip-level artifacts by stage (`detections`, `scenes`, `tracks`, `speech`).
    public var artifacts: [String: String]? = nil
    /// What the reference does silently and a user should know (frames lost to its scene/frame
    /// misalignment, speech shorter than a track, an offset at the edge of the search, several
    /// tracks combined), one sentence each; also appended to ``message`` (docs/eval.md). Nil in
    /// evaluations stored before warnings existed.
    public var warnings: [String]? = nil
    /// The clip's numbers by the profile's rule (nil unless some track was scored, and in
    /// evaluations stored before profiles had rules).
    public var clip: ClipScore? = nil

    public init(
        videoPath: String, videoSHA256: String, speechPath: String?, speechSHA256: String?, settings: EvaluationSettings,
        status: ClipStatus, message: String, tracks: [TrackEvaluation], bestConfidence: Float?, minDistance: Float?,
        stages: [StageRecord], frames: Int?, speechSamples: Int?, seconds: Double, key: String, artifactKeys: [String]
    ) {
        self.videoPath = videoPath
        self.videoSHA256 = videoSHA256
        self.speechPath = speechPath
        self.speechSHA256 = speechSHA256
        self.settings = settings
        self.status = status
        self.message = message
        self.tracks = tracks
        self.bestConfidence = bestConfidence
        self.minDistance = minDistance
        self.stages = stages
        self.frames = frames
        self.speechSamples = speechSamples
        self.seconds = seconds
        self.key = key
        self.artifactKeys = artifactKeys
    }
}
