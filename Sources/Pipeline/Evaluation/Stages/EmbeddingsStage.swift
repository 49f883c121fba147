import Foundation
import Media
import Models
import Tensor

extension EvaluationRun {
    /// SyncNet's windows per batch: the embeddings stage's batches, which ``LipBatchFeed`` sends
    /// during the crop pass, so both must use this one count.
    var windowsPerBatch: Int { max(1, settings.batchSize) }

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
        guard let (embeddings, seconds) = try computeEmbeddings(plan, crops: cropsArtifact, mfcc: mfcc, network: network!, feed: lipFeeds[plan.index])
        else { return nil }
        try save(embeddings, key: plan.embeddings, seconds: seconds)
        return embeddings
    }

    /// SyncNet on every window (docs/reference/pipeline.md §10.3): `min_length = min(T, ⌊samples/640⌋)`,
    /// windows `0 ..< min_length − 5` (the reference drops the last valid window, quirk Q11).
    /// Nil when there are no windows. With the track's `feed` (the crop pass overlapped with the lip
    /// tower), the whole batches it sent are taken as the worker ran them; the seconds include the
    /// worker's.
    mutating func computeEmbeddings(
        _ plan: TrackPlan, crops: CropsArtifact, mfcc: MFCCArtifact, network: SyncNet, feed: LipBatchFeed? = nil
    ) throws -> (artifact: EmbeddingsArtifact, seconds: Double)? {
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
        let side = SyncNet.frameSize, span = SyncNet.windowFrames
        /// The pixels of crops `range`, decoded from the cache.
        func cropPixels(_ range: Range<Int>) throws -> [[UInt8]] {
            let pngs = try cache.frames(of: plan.crops, range: range)
            guard pngs.count == range.count else {
                throw ArtifactError.missingFrames(key: plan.crops, expected: crops.meta.frames, found: range.lowerBound + pngs.count)
            }
            return try pngs.enumerated().map { f, png in
                let pixels = try mediaCall { try codec.decode(png) }.pixels
                guard pixels.count == 3 * side * side else {
                    throw ArtifactError.malformed("crop \(range.lowerBound + f) of track \(plan.index) has \(pixels.count) bytes, \(3 * side * side) expected")
                }
                return pixels
            }
        }
        var lip: [Float] = []
        var audio: [Float] = []
        lip.reserveCapacity(windows * SyncNet.embeddingSize)
        audio.reserveCapacity(windows * SyncNet.embeddingSize)
        let batchSize = windowsPerBatch
        // Whole batches the lip tower ran during the crop pass (the same batches as below).
        let overlapped = feed?.results.finished ?? (batches: [], seconds: 0)
        for batchStart in stride(from: 0, to: windows, by: batchSize) {
            let count = min(batchSize, windows - batchStart)
            evaluator.progress?(EvaluationProgress(stage: "scoring track \(plan.index)", done: batchStart + count, total: windows, unit: "windows"))
            let batch = batchStart / batchSize
            if count == batchSize && batch < overlapped.batches.count {
                lip += overlapped.batches[batch]
            } else {
                // The batch's count + 4 frames; each window is 5 consecutive ones. Handed over:
                // SyncNet lets the frames go after its first layer.
                let pixels = try cropPixels(batchStart..<(batchStart + count + span - 1))
                lip += network.lipEmbeddings(consecutiveFrames: LipBatchWorker.tensor(pixels)).scalars
            }
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
        return (artifact, elapsed(since: started) + overlapped.seconds)
    }
}
