import Foundation
import Media
import Models
import Pipeline
import Store
import Tensor

/// A file an evaluation needs does not exist.
public struct MissingInputFile: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// What the file is for: `video`, `speech`, `boxes`.
    public var role: String
    public var description: String { "\(path): no such file (\(role))" }
}

/// A file an evaluation needs is not a regular file: a pipe (`<(cat clip.mp4)`), a device, a
/// socket or a folder. Its bytes may not read the same twice (the digest reads them, then the
/// decoder), so it is refused before anything is read or recorded: a failure caused by the way a
/// file was read must never be stored as the verdict on its content.
public struct IrregularInputFile: Error, Equatable, CustomStringConvertible {
    public var path: String
    /// What the file is for: `video`, `speech`, `boxes`.
    public var role: String
    /// What it is instead: `a pipe`, `a folder`, `a character device`, `a block device`, `a socket`.
    public var kind: String
    public var description: String {
        "\(path): not a regular file (\(kind), given as the \(role)); save it to a file and evaluate that"
    }

    /// Throws ``MissingInputFile`` when nothing is at `path`, and ``IrregularInputFile`` when it
    /// is not a regular file (after following symbolic links).
    public static func check(_ path: String, role: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw MissingInputFile(path: path, role: role) }
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFIFO: kind = "a pipe"
        case S_IFDIR: kind = "a folder"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a file"
        }
        throw IrregularInputFile(path: path, role: role, kind: kind)
    }
}

/// Where an evaluation's networks come from.
///
/// A batch keeps them loaded (`keepsLoaded`): each is loaded once, on first use, and shared by
/// every evaluation and every job of the batch. A single evaluation does not: each network is
/// loaded when its stage runs and freed when the stage is done, so S3FD and SyncNet are never in
/// memory together (docs/performance.md).
public final class SharedNetworks: @unchecked Sendable {
    public let weights: WeightsDirectory
    public let keepsLoaded: Bool
    private let lock = NSLock()
    private var s3fd: S3FD?
    private var syncNet: SyncNet?

    public init(weights: WeightsDirectory, keepsLoaded: Bool) {
        self.weights = weights
        self.keepsLoaded = keepsLoaded
    }

    public func loadS3FD() throws -> S3FD { try loaded(\.s3fd) { try weights.s3fd() } }

    public func loadSyncNet() throws -> SyncNet { try loaded(\.syncNet) { try weights.syncNet() } }

    // Loading under the lock: a second job waits for the first one's load instead of loading twice.
    private func loaded<Network>(_ slot: ReferenceWritableKeyPath<SharedNetworks, Network?>, load: () throws -> Network) throws -> Network {
        guard keepsLoaded else { return try Self.returningFreedMemory(load) }
        return try lock.withLock {
            if let network = self[keyPath: slot] { return network }
            let network = try Self.returningFreedMemory(load)
            self[keyPath: slot] = network
            return network
        }
    }

    /// A load reads the whole checkpoint and copies its tensors twice (about three times the file
    /// for a moment: 270 MB for S3FD); once they are freed, their pages go back to the system.
    /// Without this, the arena of the thread that loaded SyncNet in the background kept about
    /// 85 MB through the scoring (example clip with S3FD: 344 MiB resident instead of ~260).
    private static func returningFreedMemory<Network>(_ load: () throws -> Network) throws -> Network {
        defer { FreedMemory.returnToSystem() }
        return try load()
    }
}

/// One evaluation through the database: digests through the path cache, weights, boxes, the
/// evaluator, the stored record. Used by `syncbench eval` and by benchmark runs.
public struct ClipEvaluator: Sendable {
    public let store: Store
    public let weights: WeightsDirectory
    public let settings: EvaluationSettings
    /// Where networks come from: loaded per evaluation (the default), or kept by a batch.
    public let networks: SharedNetworks
    /// SyncBench's version and commit (`0.1.0 (1a2b3c4d5e6f)`), recorded with every evaluation
    /// this evaluator computes; the CLI passes its build's, tests a name of their own.
    public let syncbench: String

    public init(
        store: Store, weights: WeightsDirectory, settings: EvaluationSettings, networks: SharedNetworks? = nil, syncbench: String = "unknown"
    ) {
        self.store = store
        self.weights = weights
        self.settings = settings
        self.networks = networks ?? SharedNetworks(weights: weights, keepsLoaded: false)
        self.syncbench = syncbench
    }

    /// What an evaluation by this evaluator is recorded with: both weight files by SHA-256 (a file
    /// that is not there is left out), whether each is the published file and whether it plays a
    /// part (S3FD only without face boxes), and the software (this build, the profile's version,
    /// the FFmpeg libraries loaded).
    public func provenance(usesS3FD: Bool) -> EvaluationProvenance {
        let weights = WeightsFile.allCases.compactMap { file -> EvaluationProvenance.Weights? in
            guard let sha = try? digest(of: file) else { return nil }
            return EvaluationProvenance.Weights(
                file: file.fileName, sha256: sha, published: file.matchesPublishedDigest(sha), used: file == .syncNet || usesS3FD)
        }
        return EvaluationProvenance(
            weights: weights,
            software: EvaluationProvenance.Software(
                syncbench: syncbench, profileVersion: settings.profileDescription.version, ffmpeg: MediaLibraries.versions))
    }

    /// Remarks about the weights used: files that are not the published ones (stand-in or other
    /// weights) give numbers that cannot be compared with published results.
    public func warnings(boxes: Bool) -> [String] {
        let files: [WeightsFile] = boxes ? [.syncNet] : [.syncNet, .s3fd]
        return files.compactMap { file in
            let path = weights.path(of: file)
            guard let sha = try? store.contentDigest(ofFileAt: URL(fileURLWithPath: path)), !file.matchesPublishedDigest(sha) else { return nil }
            return "\(path) is not the published \(file.fileName) (SHA-256 differs; stand-in weights?): "
                + "scores are not comparable with published numbers (get the official files with `syncbench weights fetch --force`)"
        }
    }

    /// SHA-256 of a weights file (through the path cache).
    public func digest(of file: WeightsFile) throws -> String {
        let path = weights.path(of: file)
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.notFound(path: path, file: file) }
        return try store.contentDigest(ofFileAt: URL(fileURLWithPath: path))
    }

    /// The configuration key of benchmark results: SHA-256 of the settings and the weights'
    /// digests (S3FD's only when detections come from S3FD).
    public func configurationKey(usesS3FD: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let settingsJSON = String(decoding: try encoder.encode(settings), as: UTF8.self)
        let fields = [settingsJSON, try digest(of: .syncNet), usesS3FD ? try digest(of: .s3fd) : "boxes"]
        return ContentDigest.sha256(of: Data(fields.joined(separator: "\u{0}").utf8))
    }

    /// Evaluates `video` against `audio` (nil: the video's own audio), with `boxes` instead of
    /// S3FD when given; an identical evaluation already stored is returned without computing.
    ///
    /// The evaluation writes the cache through an ``ArtifactWriter`` registered for it, and
    /// records its result in the transaction that ends the writer, so several evaluations (and
    /// `cache gc`) may run at once on one database (docs/cache.md).
    ///
    /// - Parameter progress: told how far the long stages are (``EvaluationProgress``).
    /// - Throws: ``MissingInputFile`` (video or boxes), ``IrregularInputFile`` (video, speech or
    ///   boxes not a regular file), `DetectionBoxes.LoadError`, `WeightsError`, `StoreError`,
    ///   `ArtifactError`. Bad media does not throw: it is the evaluation's status.
    public func evaluate(
        video: String, audio: String?, boxes boxesPath: String?, progress: (@Sendable (EvaluationProgress) -> Void)? = nil
    ) throws -> ClipEvaluation {
        let videoURL = URL(fileURLWithPath: video)
        try IrregularInputFile.check(video, role: "video")
        if let audio, FileManager.default.fileExists(atPath: audio) { try IrregularInputFile.check(audio, role: "speech") }
        if let boxesPath { try IrregularInputFile.check(boxesPath, role: "boxes") }
        let videoSHA = try store.contentDigest(ofFileAt: videoURL)
        var speechSHA: String? = nil
        var speechError: String? = nil
        if let audio {
            if !FileManager.default.fileExists(atPath: audio) {
                speechError = "\(audio): no such file (speech)"
            } else {
                do { speechSHA = try store.contentDigest(ofFileAt: URL(fileURLWithPath: audio)) } catch { speechError = error.description }
            }
        }
        var boxes: DetectionBoxes? = nil
        if let boxesPath {
            let url = URL(fileURLWithPath: boxesPath)
            boxes = try DetectionBoxes(contentsOf: url, sha256: try store.contentDigest(ofFileAt: url))
        }
        let shared = networks
        let source = NetworkSource(
            s3fdDigest: boxes == nil ? try digest(of: .s3fd) : nil, syncNetDigest: try digest(of: .syncNet),
            loadS3FD: { try shared.loadS3FD() }, loadSyncNet: { try shared.loadSyncNet() })
        let input = EvaluationInput(
            videoPath: video, videoSHA256: videoSHA, speechPath: audio, speechSHA256: speechSHA, speechError: speechError, boxes: boxes)
        let started = ContinuousClock.now
        let keys = Evaluator(settings: settings, networks: source, cache: EmptyCache()).keys(for: input)
        let key = keys.evaluation
        if var stored = try store.evaluation(key: key) {
            // An identical evaluation: nothing to compute.
            stored.stages = stored.stages.map {
                StageRecord(stage: $0.stage, outcome: .cached, computed: 0, cached: $0.computed + $0.cached, seconds: 0)
            }
            // Messages name the files of the run that computed it: name this run's instead.
            if !stored.videoPath.isEmpty && stored.videoPath != video {
                stored.message = stored.message.replacingOccurrences(of: stored.videoPath, with: video)
            }
            stored.videoPath = video
            stored.speechPath = audio
            stored.seconds = (ContinuousClock.now - started).seconds
            // Its key names the weights that made it: an evaluation recorded before weights were
            // (migration 0006) learns them now.
            try store.recordWeights(provenance(usesS3FD: boxes == nil).weights, ofEvaluation: key)
            return stored
        }
        // The S3FD weights play no part with boxes, but the record names them: hash them in idle time.
        let s3fdPath = weights.path(of: .s3fd)
        let idleDigest = boxes != nil && FileManager.default.fileExists(atPath: s3fdPath) ? IdleDigest(store: store, path: s3fdPath) : nil
        defer { idleDigest?.wait() }
        let writer = try store.artifactWriter()
        do {
            let evaluation = try Evaluator(settings: settings, networks: source, cache: writer, progress: progress).evaluate(input, keys: keys)
            idleDigest?.wait()
            try writer.record(evaluation, provenance: provenance(usesS3FD: boxes == nil))
            return evaluation
        } catch {
            // Ending the writer drops the frames it staged; if even that fails, `cache gc` ends it
            // once this process is gone.
            try? writer.close()
            throw error
        }
    }
}

/// A cache that holds nothing, for computing keys.
private struct EmptyCache: ArtifactCache {
    func artifact(key: String) throws -> StoredArtifact? { nil }
    func containsArtifact(key: String) throws -> Bool { false }
    func save(_ artifact: StoredArtifact) throws {}
    func discardFrames(of key: String) throws {}
    func saveFrames(of key: String, startingAt index: Int, _ pngs: [Data]) throws {}
    func frames(of key: String, range: Range<Int>) throws -> [Data] { [] }
}
