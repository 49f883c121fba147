import Foundation
import Models

// The typed contents of each stage's artifact and their stored layout (docs/cache.md). Every type
// converts to a `StoredArtifact` and back; a mismatch throws `ArtifactError`.

private func encodeJSON(_ value: some Encodable) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // Encoding plain structs of numbers and strings cannot fail.
    return (try? encoder.encode(value)) ?? Data("{}".utf8)
}

private func decodeJSON<T: Decodable>(_ type: T.Type, _ data: Data, stage: String) throws(ArtifactError) -> T {
    do { return try JSONDecoder().decode(type, from: data) } catch {
        throw .malformed("\(stage): \(error)")
    }
}

/// Faces per frame of the 25 fps timeline (S3FD's or a `--boxes` file's), in the reference's order.
public struct DetectionsArtifact: StageArtifact {
    public static let stage = Stage.detections, format = "json:[[FaceDetection]]"
    public struct Meta: Codable, Equatable, Sendable {
        /// `s3fd` or `boxes`.
        public var source: String
        public var frames: Int
        public var faces: Int
        public var width: Int
        public var height: Int
        /// Real pictures of the intermediate AVI (OpenCV's frame count, the no-cut scene's end).
        public var pictures: Int
    }
    public var meta: Meta
    public var frames: [[FaceDetection]]

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta), payload: encodeJSON(frames), seconds: seconds)
    }

    public init(meta: Meta, frames: [[FaceDetection]]) {
        self.meta = meta
        self.frames = frames
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        frames = try decodeJSON([[FaceDetection]].self, stored.payload, stage: Self.stage.rawValue)
        guard frames.count == meta.frames else { throw .malformed("detections: \(frames.count) frames, meta says \(meta.frames)") }
    }
}

/// Shot detection: per-picture ContentDetector scores and the scenes (OpenCV frame numbers).
public struct ScenesArtifact: StageArtifact {
    public static let stage = Stage.scenes, format = "float64le[pictures]"
    public struct Meta: Codable, Equatable, Sendable {
        public var pictures: Int
        public var cuts: [Int]
        /// Half-open `[start, end)` ranges, the no-cut fallback included.
        public var scenes: [[Int]]
    }
    public var meta: Meta
    public var scores: [Double]

    public init(meta: Meta, scores: [Double]) {
        self.meta = meta
        self.scores = scores
    }

    public var scenes: [Range<Int>] { meta.scenes.map { $0[0]..<$0[1] } }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta), payload: PayloadCoding.data(scores), seconds: seconds)
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        scores = try PayloadCoding.doubles(stored.payload, count: stored.payload.count / 8)
        guard meta.scenes.allSatisfy({ $0.count == 2 && $0[0] <= $0[1] }) else { throw .malformed("scenes: bad range") }
    }
}

/// The face tracks of a clip, with the counts that explain an empty list.
public struct TracksArtifact: StageArtifact {
    public static let stage = Stage.tracks, format = "float64le[frames,4]"
    public struct Meta: Codable, Equatable, Sendable {
        public var firstFrames: [Int]
        public var lengths: [Int]
        /// Detections in all frames, and frames with at least one.
        public var faces: Int
        public var framesWithFaces: Int
        /// Scenes long enough for tracking (`≥ min_track` frames) and scenes in all.
        public var longScenes: Int
        public var scenes: Int
        public var frames: Int
        public var pictures: Int
    }
    public var meta: Meta
    public var tracks: [FaceTrack]

    public init(tracks: [FaceTrack], faces: Int, framesWithFaces: Int, longScenes: Int, scenes: Int, frames: Int, pictures: Int) {
        self.tracks = tracks
        meta = Meta(
            firstFrames: tracks.map(\.firstFrame), lengths: tracks.map(\.boxes.count), faces: faces,
            framesWithFaces: framesWithFaces, longScenes: longScenes, scenes: scenes, frames: frames, pictures: pictures)
    }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(
            key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta),
            payload: PayloadCoding.data(tracks.flatMap { $0.boxes.flatMap { $0 } }), seconds: seconds)
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        guard meta.firstFrames.count == meta.lengths.count else { throw .malformed("tracks: meta lists disagree") }
        let values = try PayloadCoding.doubles(stored.payload, count: meta.lengths.reduce(0, +) * 4)
        var offset = 0
        tracks = zip(meta.firstFrames, meta.lengths).map { first, length in
            defer { offset += length * 4 }
            return FaceTrack(firstFrame: first, boxes: (0..<length).map { i in Array(values[(offset + 4 * i)..<(offset + 4 * i + 4)]) })
        }
    }
}

/// 16 kHz mono speech, as the scorer hears it.
public struct SpeechArtifact: StageArtifact {
    public static let stage = Stage.speech, format = "int16le[samples]"
    public struct Meta: Codable, Equatable, Sendable {
        public var samples: Int
        public var sampleRate: Int
        /// `speech` (separate file) or `video` (the video's audio track).
        public var source: String
    }
    public var meta: Meta
    public var samples: [Int16]

    public init(samples: [Int16], source: String) {
        self.samples = samples
        meta = Meta(samples: samples.count, sampleRate: 16_000, source: source)
    }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta), payload: PayloadCoding.data(samples), seconds: seconds)
    }

    /// 16 kHz samples per 25 fps frame.
    public static let samplesPerFrame = 16_000 / 25

    /// The speech of timeline frames `frames`: samples `[640·first, 640·end)`, truncated at the end
    /// of the speech (possibly empty), as the reference's `ffmpeg -ss -to` cut does (docs/reference/pipeline.md §9.4).
    public func slice(frames: Range<Int>) -> ArraySlice<Int16> {
        let first = min(samples.count, Self.samplesPerFrame * frames.lowerBound)
        let end = min(samples.count, Self.samplesPerFrame * frames.upperBound)
        return samples[first..<max(first, end)]
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        samples = try PayloadCoding.int16s(stored.payload)
        guard samples.count == meta.samples else { throw .malformed("speech: \(samples.count) samples, meta says \(meta.samples)") }
    }
}

/// A track's 224×224 crops: the frames (PNG, stored beside the artifact) and their windows.
public struct CropsArtifact: StageArtifact {
    public static let stage = Stage.crops, format = "json:[CropWindow]+png-frames"
    public struct Meta: Codable, Equatable, Sendable {
        public var track: Int
        public var firstFrame: Int
        /// Frames cropped (track frames past the end of the video are skipped, as the reference
        /// skips unreadable JPEGs).
        public var frames: Int
        public var trackFrames: Int
        /// `clean` or `faithful` (after the XVID + JPEG round trip).
        public var chain: String
    }
    public var meta: Meta
    public var windows: [CropWindow]

    public init(meta: Meta, windows: [CropWindow]) {
        self.meta = meta
        self.windows = windows
    }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(
            key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta), payload: encodeJSON(windows),
            frameCount: meta.frames, seconds: seconds)
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        windows = try decodeJSON([CropWindow].self, stored.payload, stage: Self.stage.rawValue)
        guard stored.frameCount == meta.frames else { throw .malformed("crops: frame count disagrees with meta") }
    }
}

/// A track's speech slice MFCCs, coefficient-major `[13, F]`.
public struct MFCCArtifact: StageArtifact {
    public static let stage = Stage.mfcc, format = "float64le[13,F]"
    public struct Meta: Codable, Equatable, Sendable {
        public var coefficients: Int
        public var frames: Int
        /// Samples in the slice `[640·first, 640·(last+1))` of the speech, truncated at its end.
        public var samples: Int
        public var firstSample: Int
    }
    public var meta: Meta
    public var values: [Double]

    public init(meta: Meta, values: [Double]) {
        self.meta = meta
        self.values = values
    }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta), payload: PayloadCoding.data(values), seconds: seconds)
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        values = try PayloadCoding.doubles(stored.payload, count: meta.coefficients * meta.frames)
    }
}

/// A track's SyncNet embeddings, one lip and one audio vector per window.
public struct EmbeddingsArtifact: StageArtifact {
    public static let stage = Stage.embeddings, format = "float32le[L,1024] lip, then float32le[L,1024] audio"
    public struct Meta: Codable, Equatable, Sendable {
        public var windows: Int
        public var dimension: Int
        /// `min(crop frames, floor(samples / 640))`.
        public var minLength: Int
        public var cropFrames: Int
        public var speechSamples: Int
    }
    public var meta: Meta
    public var lip: [Float]
    public var audio: [Float]

    public init(meta: Meta, lip: [Float], audio: [Float]) {
        self.meta = meta
        self.lip = lip
        self.audio = audio
    }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        StoredArtifact(
            key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta),
            payload: PayloadCoding.data(lip) + PayloadCoding.data(audio), seconds: seconds)
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        let count = meta.windows * meta.dimension
        lip = try PayloadCoding.floats(stored.payload, count: count)
        audio = try PayloadCoding.floats(stored.payload, offset: count * 4, count: count)
    }
}

/// A track's scores: offset, LSE-C, LSE-D, the distance matrix and the frame-wise confidence.
public struct ScoresArtifact: StageArtifact {
    public static let stage = Stage.scores, format = "float32le[L,2·vshift+1] distances, float32le[2·vshift+1] means, float32le[L] framewise"
    public struct Meta: Codable, Equatable, Sendable {
        public var windows: Int
        public var vshift: Int
        public var offset: Int
        public var confidence: Float
        public var minDistance: Float
    }
    public var meta: Meta
    public var score: SyncScore

    public init(score: SyncScore, vshift: Int) {
        self.score = score
        meta = Meta(windows: score.distances.count, vshift: vshift, offset: score.offset, confidence: score.confidence, minDistance: score.minDistance)
    }

    public func stored(key: String, seconds: Double) -> StoredArtifact {
        let payload = PayloadCoding.data(score.distances.flatMap { $0 }) + PayloadCoding.data(score.meanDistances)
            + PayloadCoding.data(score.framewiseConfidence)
        return StoredArtifact(key: key, stage: Self.stage.rawValue, format: Self.format, meta: encodeJSON(meta), payload: payload, seconds: seconds)
    }

    public init(_ stored: StoredArtifact) throws(ArtifactError) {
        meta = try decodeJSON(Meta.self, stored.meta, stage: Self.stage.rawValue)
        let width = 2 * meta.vshift + 1, windows = meta.windows
        let flat = try PayloadCoding.floats(stored.payload, count: windows * width)
        let means = try PayloadCoding.floats(stored.payload, offset: 4 * windows * width, count: width)
        let framewise = try PayloadCoding.floats(stored.payload, offset: 4 * (windows * width + width), count: windows)
        score = SyncScore(
            offset: meta.offset, confidence: meta.confidence, minDistance: meta.minDistance,
            distances: (0..<windows).map { Array(flat[($0 * width)..<(($0 + 1) * width)]) }, meanDistances: means,
            framewiseConfidence: framewise)
    }
}
