import Foundation
import Media
import Models
import Tensor

extension EvaluationRun {
    /// The track's embeddings: read from the cache, or computed from its crops (read or made by
    /// the crop pass, in `crops`) and its MFCCs (``mfccArtifact(_:speechKey:speech:)``) with SyncNet,
    /// loaded once into `network`. Nil when the track has too few frames to score (nothing saved).
    mutating func embeddingsArtifact(
        _ plan: TrackPlan, crops: [Int: CropsArtifact], speechKey: String, speech: inout SpeechArtifact?, network: inout SyncNet?
    ) throws -> EmbeddingsArtifact? {
        if let embeddings = try lookUp(EmbeddingsArtifact.self, key: plan.embeddings) { return embeddings }
        let mfcc = try mfccArtifact(plan, speechKey: speechKey, speech: &speech)
        guard let cropsArtifact = crops[plan.index] else { throw ArtifactError.malformed("crops of track \(plan.index) missing") }
        if network == nil { network = try syncNetPrefetch?.value() ?? evaluator.syncNet() }
        guard let (embeddings, seconds) = try computeEmbeddings(plan, crops: cropsArtifact, mfcc: mfcc, network: network!) else { return nil }
        try save(embeddings, key: plan.embeddings, seconds: seconds)
        return embeddings
    }

    /// SyncNet on every window (docs/reference/pipeline.md §10.3): `min_length = min(T, ⌊samples/640⌋)`,
    /// windows `0 ..< min_length − 5` (the reference drops the last valid window, quirk Q11).
    /// Nil when there are no windows.
    mutating func computeEmbeddings(_ plan: TrackPlan, crops: CropsArtifact, mfcc: MFCCArtifact, network: SyncNet) throws -> (artifact: EmbeddingsArtifact, seconds: Double)? {
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
            // The batch's count + 4 frames as B, G, R planes; each window is 5 consecutive ones.
            var frames = [Float](repeating: 0, count: pngs.count * 3 * plane)
            for (f, png) in pngs.enumerated() {
                let pixels = try mediaCall { try codec.decode(png) }.pixels
                guard pixels.count == 3 * plane else {
                    throw ArtifactError.malformed("crop \(batchStart + f) of track \(plan.index) has \(pixels.count) bytes, \(3 * plane) expected")
                }
                frames.withUnsafeMutableBufferPointer { out in
                    pixels.withUnsafeBufferPointer { p in
                        for c in 0..<3 {
                            let base = (f * 3 + c) * plane
                            for i in 0..<plane { out[base + i] = Float(p[3 * i + c]) }
                        }
                    }
                }
            }
            // Handed over (`consume`): SyncNet lets the frames go after its first layer.
            lip += network.lipEmbeddings(consecutiveFrames: Tensor(shape: [pngs.count, 3, side, side], scalars: consume frames)).scalars
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
        return (artifact, elapsed(since: started))
    }
}
