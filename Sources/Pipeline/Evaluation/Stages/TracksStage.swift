import Tensor

// Detections, scenes and face tracks (docs/reference/pipeline.md §6–§8).
extension EvaluationRun {
    /// The clip's tracks: read from the cache, or tracked from the detections and scenes (read, or
    /// made by one ``decodePass(detect:segment:)`` for whichever of the two is missing). The
    /// whole-frame profile has its own (``wholeFrameTracks(_:)``).
    mutating func tracksArtifact(_ keys: Evaluator.Keys) throws -> TracksArtifact {
        if settings.profileDescription.framing == .wholeFrame { return try wholeFrameTracks(keys) }
        let tracks = try cached(keys.tracks) { run in try run.faceTracks(keys) }
        // Computed tracks have recorded the detections and scenes already; the order is the same.
        artifactKeys += [keys.detections, keys.scenes, keys.tracks]
        frames = tracks.meta.frames
        return tracks
    }

    /// The tracker on every scene of at least `min_track` frames.
    mutating func faceTracks(_ keys: Evaluator.Keys) throws -> (artifact: TracksArtifact, seconds: Double) {
        if input.boxes != nil { syncNetPrefetch = NetworkPrefetch(syncNetOf: evaluator) }
        var detections = try lookUp(DetectionsArtifact.self, key: keys.detections)
        var scenes = try lookUp(ScenesArtifact.self, key: keys.scenes)
        if detections == nil || scenes == nil {
            let pass = try decodePass(detect: detections == nil, segment: scenes == nil)
            // The pass's S3FD activations and codec state (x264's frame pool for LatentSync's
            // intermediate) are freed: start the SyncNet phase from their pages given back.
            FreedMemory.returnToSystem()
            if detections == nil, let computed = pass.detections {
                try save(computed, key: keys.detections, seconds: pass.detectionSeconds)
                detections = computed
            }
            if scenes == nil, let computed = pass.scenes {
                try save(computed, key: keys.scenes, seconds: pass.sceneSeconds)
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
        return (artifact, elapsed(since: started))
    }
}
