/// Why a sample has, or has no, score.
///
/// The raw values are the statuses the evaluator records (`Pipeline.ClipStatus`: `ok`,
/// `no_face`, `no_track`, `too_short`, `no_audio`, `audio_error`, `decode_error`, `unsupported`),
/// plus `missing` for a benchmark sample the model has no evaluation for. `Reports` does not import
/// `Pipeline`, so the status is an open set of strings: a status it does not know is kept verbatim
/// and, like every status other than `ok`, means "not scored".
public struct SampleStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// At least one track was scored: LSE-C and LSE-D are set. The only status that counts as scored.
    public static let ok = SampleStatus(rawValue: "ok")
    /// No track was scored because no face was found. Rows of the reference's `sync_scores.csv`
    /// with `has_face = False` get this status; note that the reference's `has_face` is False
    /// whenever no track survived, including when faces were found but were too small or too short
    /// (docs/reference/pipeline.md §2.2), so for those rows it means "no face track".
    public static let noFace = SampleStatus(rawValue: "no_face")
    /// Faces were found, but no track survived.
    public static let noTrack = SampleStatus(rawValue: "no_track")
    /// No track had enough frames of speech and video for SyncNet.
    public static let tooShort = SampleStatus(rawValue: "too_short")
    /// The audio to score against has no samples.
    public static let noAudio = SampleStatus(rawValue: "no_audio")
    /// The speech file is missing or cannot be decoded.
    public static let audioError = SampleStatus(rawValue: "audio_error")
    /// The video is missing, damaged, or cannot be decoded.
    public static let decodeError = SampleStatus(rawValue: "decode_error")
    /// The video decodes but cannot be processed.
    public static let unsupported = SampleStatus(rawValue: "unsupported")
    /// The benchmark has this sample but the model has no evaluation of it (no video generated,
    /// or not evaluated yet).
    public static let missing = SampleStatus(rawValue: "missing")

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The lip-sync score of one generated video: one row of a score table.
///
/// LSE-C (the reference's `best_conf`, the largest confidence over the video's face tracks) and
/// LSE-D (`min_dist`, the smallest distance over the tracks) are set exactly when the sample is
/// scored. An unscored sample keeps its row so that coverage can report it; its scores are `nil`,
/// never 0 (the reference writes 0.0 / 0.0 for videos without a face, which would drag a mean down
/// if ever averaged).
public struct SampleScore: Sendable, Codable, Equatable {
    /// The video generator that produced the sample (a leaderboard row).
    public var model: String
    /// The benchmark sample, the same for every model: for MoChaBench `<category>/<context_id>`,
    /// e.g. `1p_emotion/3_woman_crying`. Paired comparisons match samples by this identifier.
    public var sampleID: String
    /// The benchmark category, e.g. `1p_emotion`.
    public var category: String
    /// Whether the sample was scored and, if not, why.
    public var status: SampleStatus
    /// LSE-C (higher is better); set when `status == .ok`.
    public var lseC: Double?
    /// LSE-D (lower is better); set when `status == .ok`.
    public var lseD: Double?
    /// AV offset in video frames (25 fps) of every scored track, in track order (the reference's
    /// `offsets` list). Empty when no track was scored.
    public var trackOffsets: [Int]
    /// Position in `trackOffsets` of the track whose confidence is the sample's LSE-C, when known.
    /// The reference's CSV does not record per-track confidences, so its rows leave this `nil`.
    public var bestTrack: Int?

    /// Creates a sample score.
    ///
    /// - Precondition: `lseC` and `lseD` are both set and finite exactly when `status == .ok`;
    ///   `bestTrack`, when set, indexes `trackOffsets`.
    public init(
        model: String, sampleID: String, category: String, status: SampleStatus, lseC: Double? = nil, lseD: Double? = nil,
        trackOffsets: [Int] = [], bestTrack: Int? = nil
    ) {
        precondition(
            (status == .ok) == (lseC != nil && lseD != nil) && (lseC?.isFinite ?? true) && (lseD?.isFinite ?? true),
            "sample \(sampleID): LSE-C and LSE-D must be finite and set exactly when the status is ok (status \(status))")
        precondition(bestTrack.map { trackOffsets.indices.contains($0) } ?? true, "sample \(sampleID): bestTrack out of range")
        self.model = model
        self.sampleID = sampleID
        self.category = category
        self.status = status
        self.lseC = lseC
        self.lseD = lseD
        self.trackOffsets = trackOffsets
        self.bestTrack = bestTrack
    }

    /// Whether the sample counts in means: its status is `ok` (the reference's "face-detected" rule).
    public var isScored: Bool { status == .ok }

    /// The sample's AV offset in frames: the offset of the track whose confidence is the sample's
    /// LSE-C.
    ///
    /// That is `trackOffsets[bestTrack]` when the best track is known; otherwise the common value
    /// when there is one track or all tracks agree; otherwise `nil` (several tracks disagree and the
    /// data cannot say which one gave LSE-C, as in 13 of the 18 multi-track rows of the published MoCha CSV).
    /// Never guessed from track order.
    public var offsetInFrames: Int? {
        if let bestTrack { return trackOffsets[bestTrack] }
        guard let first = trackOffsets.first, trackOffsets.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}
