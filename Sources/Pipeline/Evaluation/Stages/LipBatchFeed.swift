import Dispatch
import Media
import Models
import Synchronization
import Tensor

// The crop pass overlapped with SyncNet's lip tower (issue #13). The crop pass runs on one thread
// (JPEG decoding, cropping, the XVID and JPEG round trips, PNG encoding); while it makes a track's
// crops, the lip tower runs the track's first batches on the other cores.

extension EvaluationRun {
    /// Feeds for the tracks of `plans` (their crops and embeddings to compute) when the lip tower
    /// can run during the crop pass: the evaluation has at least two cores (``Parallel/workerCount``;
    /// `bench run`'s one-core jobs get their throughput from running side by side instead), the
    /// speech is decoded (its length decides which batches are whole), SyncNet's MFCC slice is
    /// the plain PCM one (LatentSync's AAC round trip changes its length), and the crop pass does
    /// not run the faithful chain again (clips longer than the first pass's JPEG budget: with
    /// SyncNet's batches beside such a pass, a 60 s clip peaked at 300 MiB instead of 272,
    /// docs/performance.md). One worker serves them all.
    func lipBatchFeeds(for plans: [TrackPlan], speech: SpeechArtifact?) -> [Int: LipBatchFeed] {
        guard Parallel.workerCount >= 2, evaluator.cropAudio == .pcm, settings.pictureChain == .clean || retainedJPEGs != nil,
            let speech, let network = syncNetPrefetch
        else { return [:] }
        let worker = LipBatchWorker(network: network)
        return Dictionary(
            uniqueKeysWithValues: plans.map { plan in
                let speechFrames = speech.slice(frames: plan.track.frames).count / SpeechArtifact.samplesPerFrame
                return (plan.index, LipBatchFeed(batchSize: windowsPerBatch, speechFrames: speechFrames, worker: worker))
            })
    }
}

/// One track's crops on their way to SyncNet's lip tower while the crop pass is still making them.
///
/// The crop pass hands every crop of the track to ``append(_:)``, in order. A batch of windows is
/// sent to the ``LipBatchWorker`` as soon as it is certain to be a whole batch of
/// ``EvaluationRun/computeEmbeddings(_:crops:mfcc:network:feed:)``: batch `b` covers windows
/// `b·n ..< (b + 1)·n` (n = the batch size), which is whole when the track has at least
/// `(b + 1)·n + 5` crops and speech frames (the window count is `min(crops, speech frames) − 5`).
/// Its `n + 4` frames then leave the feed. The batches are the embeddings stage's own, so the
/// embeddings are the same bits; the last batches, the partial one among them, and the audio
/// tower wait for the embeddings stage, where the track's crop count is known (and which decodes
/// their crops from the cache, as it does without a feed).
///
/// Used only on the crop pass's thread and then on the evaluation's.
final class LipBatchFeed {
    let batchSize: Int
    /// Whole frames of the track's speech slice (`⌊samples / 640⌋`).
    let speechFrames: Int
    let worker: LipBatchWorker
    /// Lip embeddings of the batches sent, in order, once the worker has run them.
    let results = LipBatchResults()
    /// Crops received so far.
    private(set) var received = 0
    /// Batches sent to the worker.
    private(set) var batchesSent = 0
    /// The pixels of the crops from ``firstHeld`` on (224×224 BGR).
    private var held: [[UInt8]] = []
    private var firstHeld = 0

    init(batchSize: Int, speechFrames: Int, worker: LipBatchWorker) {
        precondition(batchSize > 0, "batch size must be positive")
        self.batchSize = batchSize
        self.speechFrames = speechFrames
        self.worker = worker
    }

    /// The track's next crop (224×224 BGR: the picture the crop pass stores).
    func append(_ crop: Image) {
        held.append(crop.pixels)
        received += 1
        let span = SyncNet.windowFrames
        while true {
            let start = batchesSent * batchSize
            let needed = start + batchSize + span
            guard received >= needed, speechFrames >= needed else { return }
            // Frames start ..< start + batchSize + 4 are the batch's; the next batch starts at start + batchSize.
            let frames = Array(held[(start - firstHeld)..<(start + batchSize + span - 1 - firstHeld)])
            worker.submit(frames, to: results)
            batchesSent += 1
            held.removeFirst(start + batchSize - firstHeld)
            firstHeld = start + batchSize
        }
    }

    /// The track's last crop is in: lets the crops after the last batch sent go (the embeddings
    /// stage decodes the last batches' crops from the cache), so a pass over many tracks holds the
    /// crops of the tracks on screen only (up to 25 crops, 3.7 MB, per track otherwise).
    func finish() {
        held = []
        firstHeld = received
    }

    /// Crops held now.
    var heldCount: Int { held.count }
}

/// Lip embeddings of the batches a ``LipBatchFeed`` sent, filled in by the worker's thread.
final class LipBatchResults: Sendable {
    private struct State {
        var batches: [[Float]] = []
        var failed = false
        var seconds = 0.0
    }
    private let state = Mutex(State())

    func append(_ embeddings: [Float], seconds: Double) {
        state.withLock {
            $0.batches.append(embeddings)
            $0.seconds += seconds
        }
    }

    /// The network could not be loaded or the run was stopped: the embeddings stage computes every batch itself.
    func fail() { state.withLock { $0.failed = true } }

    /// The batches run, in order (empty when any failed), and the worker's seconds on them. Call
    /// after ``LipBatchWorker/finish()``.
    var finished: (batches: [[Float]], seconds: Double) {
        state.withLock { $0.failed ? ([], 0) : ($0.batches, $0.seconds) }
    }
}

/// A thread that runs lip batches in the order they are submitted, sharing the evaluation's
/// cores (``Parallel/workerCount`` where it was made) with the crop pass: while the pass crops,
/// the batches' layers leave it one core; while it waits (``depth`` batches are queued, so the
/// crops of a long clip are not all held) and once it is over, they take every core. The layers
/// cut their work as on the evaluation's thread whatever the share (``Parallel/withWorkers(_:_:)-(WorkerShare,_)``).
final class LipBatchWorker: Sendable {
    static let depth = 2
    private let queue = DispatchQueue(label: "syncbench.lip-batches")
    private let room = DispatchSemaphore(value: LipBatchWorker.depth)
    private let network: NetworkPrefetch
    private let cores: Int
    private let share: Parallel.WorkerShare
    private let stopped = Mutex(false)

    init(network: NetworkPrefetch, cores: Int = Parallel.workerCount) {
        self.network = network
        self.cores = cores
        share = Parallel.WorkerShare(max(1, cores - 1))
    }

    /// Queues the lip tower on `frames` (consecutive 224×224 BGR crops, ≥ 5): its embeddings go to
    /// `results`. Waits while ``depth`` batches are queued, with every core given to them.
    func submit(_ frames: [[UInt8]], to results: LipBatchResults) {
        share.count = cores
        room.wait()
        share.count = max(1, cores - 1)
        queue.async { [self] in
            defer { room.signal() }
            guard !stopped.withLock({ $0 }), let net = try? network.value() else {
                results.fail()
                return
            }
            let started = ContinuousClock.now
            // The layers cut their work for the evaluation's cores, as on its own thread, so the
            // embeddings are the same bits; only how many pieces run at once follows the share.
            let lip = Parallel.withWorkers(cores) {
                Parallel.withWorkers(share) { net.lipEmbeddings(consecutiveFrames: LipBatchWorker.tensor(frames)) }
            }
            results.append(lip.scalars, seconds: elapsed(since: started))
        }
    }

    /// The crop pass is over: every core to the batches, and waits until each has run.
    func finish() {
        share.count = cores
        queue.sync {}
    }

    /// Drops the batches not yet started and waits for the one running (a run that stops early).
    func stop() {
        stopped.withLock { $0 = true }
        finish()
    }

    /// Consecutive crops as SyncNet's `[F, 3, 224, 224]` input: B, G, R planes of values 0…255.
    static func tensor(_ frames: [[UInt8]]) -> Tensor {
        let side = SyncNet.frameSize, plane = side * side
        var scalars = [Float](repeating: 0, count: frames.count * 3 * plane)
        scalars.withUnsafeMutableBufferPointer { out in
            for (f, pixels) in frames.enumerated() {
                precondition(pixels.count == 3 * plane, "a crop has \(pixels.count) bytes, \(3 * plane) expected")
                pixels.withUnsafeBufferPointer { p in
                    for c in 0..<3 {
                        let base = (f * 3 + c) * plane
                        for i in 0..<plane { out[base + i] = Float(p[3 * i + c]) }
                    }
                }
            }
        }
        return Tensor(shape: [frames.count, 3, side, side], scalars: scalars)
    }
}
