import Foundation
import Media
import Models
import TestSupport
import Testing

@testable import Pipeline

/// The whole evaluator against the reference pipeline run end to end on the example clip
/// (`tools/reference/make_eval_goldens.py`: syncnet_python 0.2.3's own `inference`, stand-in
/// weights, the example boxes in place of S3FD).
@Suite("Evaluator parity with the reference", .enabled(if: SharedData.has("example.avi"), "needs ../shared/data (shared test clips, not part of the repository)"))
struct EvaluatorParityTests {
    struct Golden: Decodable {
        struct Evaluate: Decodable {
            var frames: Int
            var audio_samples: Int
            var min_length: Int
            var offset: Int
            var conf: Float
            var dist: Float
            var mdist: [Float]
            var framewise: [Float]
            var lip_first: [Float]
            var lip_last: [Float]
            var audio_first: [Float]
            var audio_last: [Float]
        }
        struct Track: Decodable {
            var first_frame: Int
            var last_frame: Int
            var bbox_sha256: String
            var clean_frame_crop_sha256: [String]
            var post_jpeg_crop_sha256: [String]
            var pre_xvid_crop_sha256: [String]
            var audio_slice_sha256: String
            var audio_slice_samples: Int
            var evaluate_clean_frames: Evaluate
            var evaluate: Evaluate
        }
        struct S3FDRun: Decodable {
            struct Track: Decodable {
                var first_frame: Int
                var last_frame: Int
                var bbox: [[Double]]
            }
            var offsets: [Int]
            var confs: [Float]
            var dists: [Float]
            var detections: Int
            var tracks: [Track]
        }
        var s3fd_run: S3FDRun
        var jpeg_frames: Int
        var mpeg4_threads: Int
        var offsets: [Int]
        var confs: [Float]
        var dists: [Float]
        var tracks: [Track]
    }

    static let golden: Golden = try! JSONDecoder().decode(
        Golden.self, from: Data(contentsOf: EvaluationFixtures.fixtures.appending(path: "eval_example.json")))

    /// Relative error of `a` against `b`, in units of `b`'s Euclidean norm.
    func relative(_ a: [Float], _ b: [Float]) -> Float {
        let norm = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return zip(a, b).map { abs($0 - $1) }.max()! / norm
    }

    func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> Data {
        values.withUnsafeBytes { Data($0) }
    }

    @Test("reference timeline, lossless pictures: tracks, crops and speech slice exact; embeddings and scores within the network tolerance")
    func referenceTimelineLosslessPictures() throws {
        var settings = EvaluationSettings(profile: .mochabench, clean: false)
        settings.losslessPictures = true
        try check(settings: settings, crops: Self.golden.tracks[0].clean_frame_crop_sha256, expected: Self.golden.tracks[0].evaluate_clean_frames)
    }

    @Test("faithful chain: the reference's own crops (after MPEG-4, JPEG, XVID and JPEG again) bit-exact; scores within the network tolerance of the reference's")
    func faithful() throws {
        var settings = EvaluationSettings(profile: .mochabench, clean: false)
        // The reference's frames depend on the MPEG-4 encoder's slice threads on the machine that
        // made the goldens (docs/media.md): pin them.
        settings.mpeg4Threads = Self.golden.mpeg4_threads
        let result = try check(settings: settings, crops: Self.golden.tracks[0].post_jpeg_crop_sha256, expected: Self.golden.tracks[0].evaluate)
        // And the reference's returned values (its `inference`), track by track.
        #expect(result.tracks.compactMap(\.offset) == Self.golden.offsets)
        for (track, (conf, dist)) in zip(result.tracks, zip(Self.golden.confs, Self.golden.dists)) {
            #expect(abs(track.confidence! - conf) <= 1e-4 * dist && abs(track.minDistance! - dist) <= 1e-4 * dist)
        }
    }

    @Test("faithful chain with the stand-in S3FD instead of boxes: the reference's tracks, offsets, LSE-C and LSE-D")
    func faithfulWithS3FD() throws {
        let data = EvaluationFixtures.sharedData
        let input = EvaluationInput(
            videoPath: data.appending(path: "example.avi").path, videoSHA256: String(repeating: "e", count: 64),
            speechPath: data.appending(path: "example_speech.wav").path, speechSHA256: String(repeating: "f", count: 64))
        var settings = EvaluationSettings(profile: .mochabench, clean: false)
        settings.mpeg4Threads = Self.golden.mpeg4_threads
        let cache = MemoryCache()
        let evaluator = Evaluator(settings: settings, networks: EvaluationFixtures.networks(s3fd: true), cache: cache)
        let result = try evaluator.evaluate(input)
        let golden = Self.golden.s3fd_run
        #expect(result.status == .ok)
        let detections = try DetectionsArtifact(try #require(try cache.artifact(key: evaluator.keys(for: input).detections)))
        #expect(detections.meta.faces == golden.detections)
        let tracks = try TracksArtifact(try #require(try cache.artifact(key: evaluator.keys(for: input).tracks)))
        #expect(tracks.tracks.map { [$0.firstFrame, $0.frames.upperBound - 1] } == golden.tracks.map { [$0.first_frame, $0.last_frame] })
        // Boxes: S3FD's boxes agree within 0.01 px (neural-core parity), interpolation keeps that.
        for (ours, theirs) in zip(tracks.tracks, golden.tracks) {
            let sampled = stride(from: 0, to: ours.boxes.count, by: 10).map { ours.boxes[$0] }
            #expect(zip(sampled, theirs.bbox).allSatisfy { zip($0, $1).allSatisfy { abs($0 - $1) <= 0.01 } })
        }
        #expect(result.tracks.compactMap(\.offset) == golden.offsets)
        // Box differences of < 0.01 px can move a crop window by a pixel on a few frames, so the
        // tolerance is the neural core's (1e-4 of the distance), not the bit-exact one of --boxes.
        for (track, (conf, dist)) in zip(result.tracks, zip(golden.confs, golden.dists)) {
            #expect(abs(track.confidence! - conf) <= 1e-4 * dist, "conf \(track.confidence!) vs \(conf)")
            #expect(abs(track.minDistance! - dist) <= 1e-4 * dist, "dist \(track.minDistance!) vs \(dist)")
        }
    }

    @Test("faithful frames cropped before the XVID step are the reference's pre-XVID crops, bit for bit")
    func preXVIDCrops() throws {
        let data = EvaluationFixtures.sharedData
        let boxesURL = data.appending(path: "example_boxes.json")
        let boxes = try DetectionBoxes(contentsOf: boxesURL, sha256: sha256Hex(try Data(contentsOf: boxesURL)))
        let perFrame = boxes.perFrame(count: Self.golden.jpeg_frames).frames
        // The no-cut scene is [0, 132) (OpenCV's picture count, quirk Q5).
        let track = try #require(FaceTracker().tracks(detections: Array(perFrame[0..<132])).first)
        let windows = try TrackCropper().windows(for: track)
        let decoder = try VideoDecoder(
            path: data.appending(path: "example.avi").path, mode: .reference, chain: .faithful, convertPixels: true,
            faithfulEncoderThreads: Int32(Self.golden.mpeg4_threads))
        var digests: [String] = []
        while let frame = try decoder.nextFrame(), frame.slot.index < track.frames.upperBound {
            digests.append(sha256Hex(try TrackCropper().crop(try #require(frame.image), window: windows[frame.slot.index], frame: frame.slot.index).pixels))
        }
        #expect(digests == Self.golden.tracks[0].pre_xvid_crop_sha256)
    }

    @discardableResult
    func check(settings: EvaluationSettings, crops expectedCrops: [String], expected: Golden.Evaluate) throws -> ClipEvaluation {
        let data = EvaluationFixtures.sharedData
        let boxesURL = data.appending(path: "example_boxes.json")
        let boxes = try DetectionBoxes(contentsOf: boxesURL, sha256: sha256Hex(try Data(contentsOf: boxesURL)))
        let input = EvaluationInput(
            videoPath: data.appending(path: "example.avi").path, videoSHA256: String(repeating: "e", count: 64),
            speechPath: data.appending(path: "example_speech.wav").path, speechSHA256: String(repeating: "f", count: 64), boxes: boxes)
        let cache = MemoryCache()
        let evaluator = Evaluator(settings: settings, networks: EvaluationFixtures.networks(), cache: cache)
        let result = try evaluator.evaluate(input)
        let golden = Self.golden
        let reference = golden.tracks[0]

        #expect(result.status == .ok)
        #expect(result.frames == golden.jpeg_frames)
        #expect(result.tracks.count == golden.tracks.count)

        // Tracks: exact.
        let keys = evaluator.keys(for: input)
        let tracks = try TracksArtifact(try #require(try cache.artifact(key: keys.tracks)))
        #expect(tracks.tracks.count == 1)
        let track = tracks.tracks[0]
        #expect(track.firstFrame == reference.first_frame && track.frames.upperBound - 1 == reference.last_frame)
        #expect(sha256Hex(track.boxes.flatMap { $0 }.withUnsafeBytes { Data($0) }) == reference.bbox_sha256)

        // Crops: bit-exact with the reference's.
        let cropKey = evaluator.cropKey(tracks: keys.tracks, track: 0, video: input.videoSHA256)
        let crops = try CropsArtifact(try #require(try cache.artifact(key: cropKey)))
        #expect(crops.meta.frames == expectedCrops.count)
        let codec = try PNGImageCodec()
        let pngs = try cache.frames(of: cropKey, range: 0..<crops.meta.frames)
        let digests = try pngs.map { sha256Hex(try codec.decode($0).pixels) }
        let mismatched = zip(digests, expectedCrops).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(mismatched.isEmpty, "crops differ at frames \(mismatched.prefix(10))")

        // Speech slice: samples [640·first, 640·(last+1)) of the speech, exact.
        let speechKey = try #require(keys.speech)
        let speech = try SpeechArtifact(try #require(try cache.artifact(key: speechKey)))
        let slice = Array(speech.samples[(640 * track.firstFrame)..<min(speech.samples.count, 640 * track.frames.upperBound)])
        #expect(slice.count == reference.audio_slice_samples)
        #expect(sha256Hex(littleEndian(slice)) == reference.audio_slice_sha256)

        // Embeddings: within the neural core's tolerance (1e-4 of the norm; observed ~1e-6).
        let mfccKey = evaluator.mfccKey(speech: speechKey, track: track)
        let embeddings = try EmbeddingsArtifact(try #require(try cache.artifact(key: evaluator.embeddingsKey(crops: cropKey, mfcc: mfccKey))))
        #expect(embeddings.meta.windows == expected.min_length - 5)
        #expect(embeddings.meta.minLength == expected.min_length)
        let d = 1024, last = (embeddings.meta.windows - 1) * d
        #expect(relative(Array(embeddings.lip[0..<d]), expected.lip_first) <= 1e-4)
        #expect(relative(Array(embeddings.lip[last..<(last + d)]), expected.lip_last) <= 1e-4)
        #expect(relative(Array(embeddings.audio[0..<d]), expected.audio_first) <= 1e-4)
        #expect(relative(Array(embeddings.audio[last..<(last + d)]), expected.audio_last) <= 1e-4)

        // Scores: the offset exactly; LSE-C, LSE-D, mean distances and frame-wise confidence
        // within 1e-4 of the distance scale (embeddings agree to ~1e-6 of their norm; a distance
        // inherits that relative error, a confidence is a difference of two distances).
        let track0 = result.tracks[0]
        #expect(track0.offset == expected.offset)
        let scale = expected.dist
        #expect(abs(track0.minDistance! - expected.dist) <= 1e-4 * scale)
        #expect(abs(track0.confidence! - expected.conf) <= 1e-4 * scale)
        let scores = try ScoresArtifact(try #require(try cache.artifact(key: evaluator.scoresKey(embeddings: evaluator.embeddingsKey(crops: cropKey, mfcc: mfccKey)))))
        #expect(scores.score.meanDistances.count == expected.mdist.count)
        #expect(zip(scores.score.meanDistances, expected.mdist).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
        #expect(scores.score.framewiseConfidence.count == expected.framewise.count)
        #expect(zip(scores.score.framewiseConfidence, expected.framewise).allSatisfy { abs($0 - $1) <= 1e-4 * scale })
        print("evaluator vs reference (\(settings.pictureChain)): conf \(track0.confidence!) vs \(expected.conf), dist \(track0.minDistance!) vs \(expected.dist)")
        return result
    }
}
