// Scores (docs/reference/pipeline.md §10.4): the distances, offset and confidence of a track's
// embeddings.
extension EvaluationRun {
    /// The track's scores from its embeddings, saved. (Cached scores are read by
    /// ``scoreTracks(_:keys:)`` before anything else of the track is.)
    mutating func scoresArtifact(_ plan: TrackPlan, embeddings: EmbeddingsArtifact) throws -> ScoresArtifact {
        let started = ContinuousClock.now
        let score = try SyncScorer.score(lip: embeddings.lip, audio: embeddings.audio, dimension: embeddings.meta.dimension, vshift: settings.vshift)
        let seconds = elapsed(since: started)
        let artifact = ScoresArtifact(score: score, vshift: settings.vshift)
        try save(artifact, key: plan.scores, seconds: seconds)
        return artifact
    }

    func trackResult(_ plan: TrackPlan, score: SyncScore) -> TrackEvaluation {
        var result = TrackEvaluation(
            track: plan.index, startFrame: plan.track.firstFrame, endFrame: plan.track.frames.upperBound - 1, status: .ok,
            offset: score.offset, confidence: score.confidence, minDistance: score.minDistance, windows: score.distances.count)
        result.artifacts = plan.artifacts
        return result
    }
}
