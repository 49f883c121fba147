/// The stages of an evaluation, by the names the cache and the results use: the `stage` column of
/// an artifact row, ``StageRecord/stage`` (`eval --json`'s `stages`), and the keys of
/// ``ClipEvaluation/artifacts`` and ``TrackEvaluation/artifacts`` (docs/cache.md). The raw values
/// are stored in databases and read by `query`, `report` and scripts: never change one.
public enum Stage: String, Sendable, Codable, CaseIterable {
    /// Decoding the video (no artifact of its own: its time is what the decode pass spends outside
    /// S3FD and the shot detector).
    case decode
    case detections, scenes, tracks, speech, crops, mfcc, embeddings, scores
}

/// A stage's typed artifact (`StageArtifacts.swift`): its stage, and its conversion to and from a
/// ``StoredArtifact``.
public protocol StageArtifact: Sendable, Equatable {
    static var stage: Stage { get }
    func stored(key: String, seconds: Double) -> StoredArtifact
    init(_ stored: StoredArtifact) throws(ArtifactError)
}
