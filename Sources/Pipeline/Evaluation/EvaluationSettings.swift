import Media
import Models
import Tensor

/// Which published pipeline an evaluation follows (docs/protocols.md). What each one does is data:
/// ``ProfileDescription``, read by the stages.
public enum EvaluationProfile: String, Sendable, Codable, CaseIterable {
    /// nawta's `syncnet_python` 0.2.3 as MoChaBench's `eval-lipsync` runs it.
    case mochabench
    /// joonson's original `run_pipeline.py` + `run_syncnet.py`.
    case joonson
    /// Wav2Lip's `calculate_scores_real_videos.sh`: joonson's pipeline scored by Wav2Lip's
    /// `SyncNetInstance_calc_scores`, one `dist conf` line per track.
    case wav2lipReal = "wav2lip-real"
    /// MOVA's `evaluation/` lip sync: joonson's pipeline with `min_track` 20; the video's numbers are
    /// the one track with the largest C − D.
    case mova
    /// Wav2Lip's `calculate_scores_LRS.py`: no detection, every frame of the video at its own rate
    /// (ffmpeg's default-quality JPEGs) resized whole to 224×224, the video's own audio; one result
    /// per video.
    case wav2lipLRS = "wav2lip-lrs"
    /// LatentSync's `eval/eval_sync_conf.py`: joonson's pipeline with `min_track` 50 on an H.264/AAC
    /// MP4 intermediate, mp4v crops with AAC speech; the video's confidence is the mean over its
    /// tracks, its offset `int(mean offset)`; confidence only.
    case latentsync

    /// The profile's knobs.
    public var description: ProfileDescription {
        switch self {
        case .mochabench:
            ProfileDescription(
                name: rawValue, version: 1, upstream: "syncnet-python 0.2.3 (MoChaBench eval-lipsync), SyncNetPipeline.inference",
                minTrack: 50, tracker: .nawta, videoAudio: .decoded, combination: .bestOfEach, reports: [.confidence, .distance])
        case .joonson:
            ProfileDescription(
                name: rawValue, version: 1, upstream: "joonson/syncnet_python run_pipeline.py + run_syncnet.py",
                minTrack: 100, tracker: .joonson, videoAudio: .throughIntermediateAVI, combination: .bestOfEach, reports: [.confidence, .distance])
        case .wav2lipReal:
            ProfileDescription(
                name: rawValue, version: 1,
                upstream: "Rudrabha/Wav2Lip evaluation/scores_LSE/calculate_scores_real_videos.sh (joonson's pipeline, SyncNetInstance_calc_scores)",
                minTrack: 100, tracker: .joonson, videoAudio: .throughIntermediateAVI, combination: .perTrack, reports: [.confidence, .distance])
        case .mova:
            ProfileDescription(
                name: rawValue, version: 1, upstream: "OpenMOSS/MOVA evaluation/ lip sync (joonson's pipeline, min_track 20, Wav2Lip's scorer)",
                minTrack: 20, tracker: .joonson, videoAudio: .throughIntermediateAVI, combination: .largestConfidenceMinusDistance,
                reports: [.confidence, .distance])
        case .wav2lipLRS:
            ProfileDescription(
                name: rawValue, version: 1,
                upstream: "Rudrabha/Wav2Lip evaluation/scores_LSE/calculate_scores_LRS.py (SyncNetInstance_calc_scores on the whole video)",
                minTrack: 0, tracker: .joonson, videoAudio: .decoded, combination: .wholeVideo, reports: [.confidence, .distance],
                framing: .wholeFrame)
        case .latentsync:
            ProfileDescription(
                name: rawValue, version: 1,
                upstream: "bytedance/LatentSync eval/eval_sync_conf.py (syncnet_detect.py with min_track 50, syncnet_eval.py)",
                minTrack: 50, tracker: .joonson, videoAudio: .throughIntermediateMP4, combination: .meanConfidence, reports: [.confidence],
                intermediate: .h264MP4, cropAudio: .aac)
        }
    }

    /// The profile's `min_track`.
    public var minTrack: Int { description.minTrack }
}

/// What a profile does, knob by knob: the stages read these instead of asking which profile runs,
/// and each stage's cache key takes the knobs it depends on (docs/protocols.md).
public struct ProfileDescription: Sendable, Equatable {
    /// Where the video's own audio comes from when no speech file is given.
    public enum VideoAudio: String, Sendable {
        /// The video's audio track as decoded (the wheel's `audio_path=None`).
        case decoded
        /// The audio of the reference's intermediate AVI: MP3-transcoded (joonson's pipeline).
        case throughIntermediateAVI = "intermediate-avi"
        /// The audio of LatentSync's intermediate MP4: AAC at the source's rate (LatentSync).
        case throughIntermediateMP4 = "intermediate-mp4"
    }

    /// The intermediate video the detector's frames come from (faithful chain).
    public enum Intermediate: String, Sendable {
        /// `ffmpeg -async 1 -q:v 2 -r 25 video.avi`: MPEG-4 q2 with MP3 (syncnet-python, joonson, Wav2Lip, MOVA).
        case mpeg4AVI = "mpeg4-avi"
        /// `ffmpeg -qscale:v 2 -async 1 -r 25 video.mp4`: H.264 CRF 23 with AAC (LatentSync).
        case h264MP4 = "h264-mp4"
    }

    /// What carries a track's speech to the scorer (faithful chain).
    public enum CropAudio: String, Sendable {
        /// The 16 kHz PCM slice (`-c:a copy` into the crop AVI).
        case pcm
        /// The slice encoded as AAC into the crop MP4 and decoded again (LatentSync's `-c:a aac`).
        case aac
    }

    /// What SyncNet's lip stream sees.
    public enum Framing: String, Sendable {
        /// Faces found (S3FD or `--boxes`), cut into scenes, tracked, cropped around the face.
        case faceTracks = "face-tracks"
        /// No detection: every frame of the video at its own frame rate, resized whole to 224×224
        /// (``Media/SourceRateFrames``); the video is one "track".
        case wholeFrame = "whole-frame"
    }

    /// How a clip's tracks become its numbers.
    public enum TrackCombination: String, Sendable {
        /// LSE-C is the largest confidence and LSE-D the smallest distance over the tracks, each on
        /// its own (possibly of different tracks).
        case bestOfEach = "best-of-each"
        /// One result per track and none for the clip (users average the lines).
        case perTrack = "per-track"
        /// The numbers of the one track with the largest confidence minus distance.
        case largestConfidenceMinusDistance = "largest-c-minus-d"
        /// The whole video is scored as one: its numbers are the video's (``Framing/wholeFrame``).
        case wholeVideo = "whole-video"
        /// The mean confidence over the tracks (`statistics.fmean`) and `int()` of the mean offset
        /// (LatentSync).
        case meanConfidence = "mean-confidence"
    }

    /// The numbers a protocol reports.
    public enum Number: String, Sendable {
        case confidence, distance
    }

    /// The profile's name (`--profile`).
    public var name: String
    /// Bumped when SyncBench's implementation of the profile changes its numbers.
    public var version: Int
    /// The upstream code it follows.
    public var upstream: String
    /// Detections a track needs (exclusive), and frames a scene needs to be tracked.
    public var minTrack: Int
    /// Which upstream tracker builds the tracks.
    public var tracker: FaceTracker.Variant
    public var videoAudio: VideoAudio
    public var combination: TrackCombination
    public var reports: Set<Number>
    public var framing: Framing = .faceTracks
    public var intermediate: Intermediate = .mpeg4AVI
    public var cropAudio: CropAudio = .pcm
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
    /// The networks' arithmetic (`--precision`, docs/performance.md "bf16"); nil is
    /// ``Precision/fp32``, the reference's. Nil is left out of the settings' JSON, so fp32 settings
    /// (and every key and record made from them) read as they did before the option existed.
    public var precision: Precision? = nil

    /// ``precision`` with its default.
    public var networkPrecision: Precision { precision ?? .fp32 }

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

    /// The knobs of the profile.
    public var profileDescription: ProfileDescription { profile.description }

    /// The profile's name with `-clean` appended in clean mode, as reports show it.
    public var label: String { clean ? "\(profile.rawValue)-clean" : profile.rawValue }

    /// The tracker these settings describe.
    public var tracker: FaceTracker {
        FaceTracker(minTrack: minTrack, maxGap: maxGap, minFaceSize: minFaceSize, minOverlap: minOverlap, variant: profileDescription.tracker)
    }
}
