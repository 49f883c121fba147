import Foundation
import Media
import Models
import Pipeline
import Synchronization
import TestSupport

/// An in-memory ArtifactCache that counts writes, and can be told to fail, to play a killed run.
final class MemoryCache: ArtifactCache {
    struct State {
        var artifacts: [String: StoredArtifact] = [:]
        var frames: [String: [Int: Data]] = [:]
        var saves: [String] = []
        /// Throw on the n-th artifact save of this stage (counting from 1), or on the n-th frame chunk.
        var failOnStage: (stage: String, after: Int)? = nil
        var failOnFrameChunk: Int? = nil
        var frameChunks = 0
    }
    let state = Mutex(State())

    struct Killed: Error {}

    func artifact(key: String) throws -> StoredArtifact? { state.withLock { $0.artifacts[key] } }
    func containsArtifact(key: String) throws -> Bool { state.withLock { $0.artifacts[key] != nil } }
    func save(_ artifact: StoredArtifact) throws {
        try state.withLock { s in
            let frames = s.frames[artifact.key]?.count ?? 0
            precondition(frames == artifact.frameCount, "artifact announces \(artifact.frameCount) frames, \(frames) stored")
            if let fail = s.failOnStage, fail.stage == artifact.stage {
                if fail.after <= 1 { throw Killed() }
                s.failOnStage = (fail.stage, fail.after - 1)
            }
            s.artifacts[artifact.key] = artifact
            s.saves.append(artifact.stage)
        }
    }
    func discardFrames(of key: String) throws { state.withLock { _ = $0.frames.removeValue(forKey: key) } }
    func saveFrames(of key: String, startingAt index: Int, _ pngs: [Data]) throws {
        try state.withLock { s in
            s.frameChunks += 1
            if let fail = s.failOnFrameChunk, s.frameChunks >= fail { throw Killed() }
            for (offset, png) in pngs.enumerated() { s.frames[key, default: [:]][index + offset] = png }
        }
    }
    func frames(of key: String, range: Range<Int>) throws -> [Data] {
        state.withLock { s in range.compactMap { s.frames[key]?[$0] } }
    }

    var saves: [String] { state.withLock { $0.saves } }
    func resetSaves() { state.withLock { $0.saves = [] } }
    var orphanFrames: Int { state.withLock { s in s.frames.keys.filter { s.artifacts[$0] == nil }.map { s.frames[$0]!.count }.reduce(0, +) } }
}

enum EvaluationFixtures {
    static let sharedData = SharedData.root
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appending(path: "Fixtures")

    /// Stand-in networks, loaded once.
    static let syncNet: SyncNet = try! SyncNet(stateDict: SyncNet.standInStateDict())
    static let s3fd: S3FD = try! S3FD(stateDict: S3FD.standInStateDict())

    static func networks(s3fd: Bool = false) -> NetworkSource {
        NetworkSource(
            s3fdDigest: s3fd ? "standin-s3fd" : nil, syncNetDigest: "standin-syncnet", loadS3FD: { EvaluationFixtures.s3fd },
            loadSyncNet: { EvaluationFixtures.syncNet })
    }

    static func temporaryDirectory() throws -> URL {
        try ScratchDirectory.make("eval")
    }

    /// A lossless 25 fps clip whose frames are drawn by `draw(frame) -> Image`, with an optional
    /// 16 kHz mono audio track of `audioSeconds` (a chirp).
    static func writeClip(
        to url: URL, frames: Int, width: Int = 320, height: Int = 240, audioSeconds: Double? = nil, codec: String = "ffv1",
        draw: (Int) -> Image
    ) throws {
        let writer = try ClipWriter(
            path: url.path, video: .init(width: width, height: height, frameRate: (25, 1), codec: codec),
            audio: audioSeconds.map { _ in .init(sampleRate: 16_000, channels: 1, codec: "pcm_s16le") })
        for f in 0..<frames { try writer.append(draw(f)) }
        if let audioSeconds { try writer.append(samples: chirp(seconds: audioSeconds)) }
        try writer.finish()
    }

    static func chirp(seconds: Double) -> [Int16] {
        (0..<Int(seconds * 16_000)).map { i in
            let t = Double(i) / 16_000
            return Int16(8000 * sin(2 * Double.pi * (200 + 300 * t) * t))
        }
    }

    static func writeSpeech(to url: URL, seconds: Double) throws {
        let writer = try ClipWriter(path: url.path, video: nil, audio: .init(sampleRate: 16_000, channels: 1, codec: "pcm_s16le"))
        try writer.append(samples: chirp(seconds: seconds))
        try writer.finish()
    }

    /// A textured picture: a diagonal pattern in `hue`-dependent colours that moves with the frame.
    static func pattern(_ frame: Int, width: Int, height: Int, hue: Int) -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8(truncatingIfNeeded: (x + 2 * y + 3 * frame) & 0xFF)
                let i = (y * width + x) * 3
                pixels[i] = hue == 0 ? v : 255 - v / 4
                pixels[i + 1] = hue == 0 ? v / 2 : 40
                pixels[i + 2] = hue == 0 ? 30 : v
            }
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }

    /// Writes a boxes file: `faces(frame)` lists the boxes of each frame.
    static func writeBoxes(to url: URL, frames: Int, faces: (Int) -> [[Double]]) throws -> DetectionBoxes {
        var entries: [String] = []
        for f in 0..<frames {
            for box in faces(f) {
                entries.append("{\"frame\": \(f), \"bbox\": [\(box[0]), \(box[1]), \(box[2]), \(box[3])], \"conf\": 0.99}")
            }
        }
        let text = "[" + entries.joined(separator: ",\n") + "]"
        try Data(text.utf8).write(to: url)
        return try DetectionBoxes(contentsOf: url, sha256: sha256Hex(Data(text.utf8)))
    }
}
