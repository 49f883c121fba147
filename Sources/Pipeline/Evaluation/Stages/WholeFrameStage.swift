import Foundation
import Media
import Models

// Whole frame (Wav2Lip's LRS scorer): no detection, the whole video as one track.
extension EvaluationRun {
    /// The whole video as one track: read from the cache, or made by ``wholeFramePass(_:)``.
    mutating func wholeFrameTracks(_ keys: Evaluator.Keys) throws -> TracksArtifact {
        if let tracks = try lookUp(TracksArtifact.self, key: keys.tracks) {
            artifactKeys.append(keys.tracks)
            frames = tracks.meta.frames
            return tracks
        }
        syncNetPrefetch = NetworkPrefetch(syncNetOf: evaluator)
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
        let expected =
            evaluator.progress == nil
            ? nil
            : (try? MediaProbe.probe(path: input.videoPath, countFrames: false, countSamples: false))
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
        try save(crops, key: cropKey, seconds: seconds)
        let whole = [0, 0, Double(width), Double(height)]
        let tracks = TracksArtifact(
            tracks: [FaceTrack(firstFrame: 0, boxes: Array(repeating: whole, count: written))], faces: 0, framesWithFaces: 0,
            longScenes: 1, scenes: 1, frames: written, pictures: written)
        try save(tracks, key: keys.tracks, seconds: 0)
        artifactKeys.append(keys.tracks)
        frames = written
        return (tracks, crops)
    }
}
