import Media
import Models

/// Which published pipeline an evaluation follows (PIPELINE.md §0, §15).
public enum EvaluationProfile: String, Sendable, Codable, CaseIterable {
    /// nawta's `syncnet_python` as MoChaBench runs it: tracks need more than 50 detections; the
    /// speech normally comes from a separate file.
    case mochabench
    /// joonson's original scripts: tracks need more than 100 detections; the speech is normally the
    /// video's own audio track.
    case joonson

    /// The profile's `min_track`.
    public var minTrack: Int {
        switch self {
        case .mochabench: 50
        case .joonson: 100
        }
    }
}

/// Everything that decides an evaluation's numbers. Recorded with every result; each stage's cache
/// key takes the fields it depends on (docs/cache.md).
public struct EvaluationSettings: Sendable, Codable, Equatable {
    public var profile: EvaluationProfile
    /// Skip the reference's lossy steps and its one-frame audio-induced delay (quirk Q1): frames
    /// are the decoded source pictures, crops go straight to SyncNet.
    public var clean: Bool
    /// S3FD input scale (`facedet_scale`).
    public var detectorScale: Double
    /// S3FD confidence threshold, exclusive.
    public var detectorThreshold: Float
    /// Shot detection (ContentDetector) threshold and minimum scene length.
    public var shotThreshold: Double
    public var minSceneLength: Int
    /// Tracker: detections a track needs (exclusive), largest frame gap, minimum mean face side,
    /// IoU to join a track.
    public var minTrack: Int
    public var maxGap: Int
    public var minFaceSize: Double
    public var minOverlap: Double
    /// Crop context around the face (`crop_scale`).
    public var cropScale: Double
    /// Offsets searched: −vshift … +vshift windows.
    public var vshift: Int
    /// Windows per SyncNet batch (no effect on the numbers).
    public var batchSize: Int
    /// Keep the reference's timeline (with its MP3 delay) but skip its lossy picture steps: a
    /// diagnostic mode that separates the codec round trips' effect from everything else
    /// (`EvaluatorParityTests`). Ignored when `clean` is set (clean pictures anyway).
    public var losslessPictures: Bool = false
    /// Slice threads of the faithful chain's MPEG-4 encoder; nil is the ffmpeg CLI's automatic
    /// count on this machine (`min(CPUs, ⌈height/16⌉) + 1`), which changes the reference's pixels
    /// from one machine to another (docs/media.md). Set it to reproduce a run made elsewhere.
    public var mpeg4Threads: Int? = nil

    /// The reference's settings for `profile`.
    public init(profile: EvaluationProfile = .mochabench, clean: Bool = false) {
        self.profile = profile
        self.clean = clean
        detectorScale = S3FD.inputScale
        detectorThreshold = S3FD.defaultThreshold
        shotThreshold = 27
        minSceneLength = 15
        minTrack = profile.minTrack
        maxGap = 25
        minFaceSize = 100
        minOverlap = 0.5
        cropScale = 0.4
        vshift = SyncScorer.defaultVShift
        batchSize = 20
    }

    /// How decoded pictures are laid on the 25 fps timeline.
    public var timelineMode: TimelineMode { clean ? .clean : .reference }

    /// Which pictures the stages see: the reference's lossy round trips (`faithful`) or the decoded
    /// source pictures.
    public var pictureChain: PictureChain { clean || losslessPictures ? .clean : .faithful }

    /// The profile's name with `-clean` appended in clean mode, as reports show it.
    public var label: String { clean ? "\(profile.rawValue)-clean" : profile.rawValue }

    /// The tracker these settings describe.
    public var tracker: FaceTracker {
        FaceTracker(minTrack: minTrack, maxGap: maxGap, minFaceSize: minFaceSize, minOverlap: minOverlap)
    }
}
