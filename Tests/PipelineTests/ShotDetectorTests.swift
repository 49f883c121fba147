import Foundation
import Media
import TestSupport
import Testing
@testable import Pipeline

/// Shot detection against PySceneDetect 0.6.7.1 itself (`tools/reference/make_shot_goldens.py`,
/// `Fixtures/shots.json`): the reference's `VideoManager` + `SceneManager(StatsManager())` +
/// `ContentDetector()` run on real clips, on synthetic clips written losslessly, and the library's
/// cut logic on hand-made score sequences.
///
/// Tolerance: none. Scores are compared with `==`: the library's score is exact integer sums,
/// each divided by the pixel count and then averaged, and the Swift code performs the same IEEE
/// double operations in the same order; the downscale and HSV conversion are bit-exact
/// (docs/reference/pipeline.md Appendices A and B). Before any score is compared, each frame fed to the detector
/// is checked (64-bit SHA-256 prefix) against the frame OpenCV handed to the library.
@Suite("ShotDetector (PySceneDetect 0.6.7.1 ContentDetector, docs/reference/pipeline.md §7)")
struct ShotDetectorTests {
    struct Golden: Decodable {
        var cases: [Case]
        var score_sequences: [ScoreSequence]
    }

    struct Case: Decodable {
        struct Generated: Decodable {
            var width: Int, height: Int, noise_rows: Int
            var seeds: [UInt64]
            var lengths: [Int]
        }
        var name: String
        var kind: String
        var clip: String?
        var sources: [String]?
        var crop: [Int]?
        var recipe: [[Int]]?
        var generated: Generated?
        var width: Int, height: Int
        var frames: Int
        var processing_size: [Int]?
        var frame_sha256_16: [String]
        var content_val: [Double]
        var cuts: [Int]
        var library_scenes: [[Int]]
        var scenes: [[Int]]
    }

    struct ScoreSequence: Decodable {
        var name: String
        var scores: [Double]
        var threshold: Double
        var min_scene_len: Int
        var cuts: [Int]
        /// `get_scenes_from_cuts(cuts, 0, len(scores))` (nil without cuts).
        var scenes: [[Int]]?
    }

    static let golden: Golden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/shots.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    static let data = SharedData.root

    static func goldenCase(_ name: String) throws -> Case {
        try #require(golden.cases.first { $0.name == name }, "no case \(name) in shots.json")
    }

    static func digest(_ image: Image) -> String { String(sha256Hex(image.pixels).prefix(16)) }

    /// Feeds `frames` (checked against the frames OpenCV gave the library) and compares scores,
    /// cuts and scenes with the library's.
    static func check(_ golden: Case, frames: some Sequence<Image>) {
        var detector = ShotDetector()
        for (n, frame) in frames.enumerated() {
            guard n < golden.frames else {
                Issue.record("\(golden.name): more than the library's \(golden.frames) frames")
                return
            }
            #expect(Self.digest(frame) == golden.frame_sha256_16[n], "\(golden.name): frame \(n) is not the picture OpenCV decoded")
            detector.append(frame)
        }
        #expect(detector.frameCount == golden.frames, "\(golden.name): frame count")
        #expect(detector.frameScores == golden.content_val, "\(golden.name): content_val")
        if detector.frameScores.count == golden.content_val.count {
            for (n, (ours, theirs)) in zip(detector.frameScores, golden.content_val).enumerated() where ours != theirs {
                Issue.record("\(golden.name): frame \(n) scores \(ours), the library \(theirs)")
                break
            }
        }
        #expect(detector.cuts == golden.cuts, "\(golden.name): cuts")
        #expect(detector.scenes() == golden.scenes.map { $0[0]..<$0[1] }, "\(golden.name): scenes")
    }

    // MARK: - Real clips, decoded by SyncBench (clean profile) and by OpenCV

    @Test(
        "real clips: every picture equal to OpenCV's, every score, cut and scene equal to the library's",
        .enabled(if: SharedData.has("example.avi"), "needs ../shared/data (shared test data, not part of the repository)"),
        arguments: ["example", "mocha-01", "mochabench-mini-1p-closeup", "sadtalker-01", "hallo3-01"])
    func realClip(_ name: String) throws {
        let golden = try Self.goldenCase(name)
        let clip = try #require(golden.clip)
        // In clean mode a 24/25 fps input keeps every source picture (24 fps ones are repeated to
        // fill the 25 fps timeline); scene detection sees each picture once, as OpenCV does.
        let decoder = try VideoDecoder(path: Self.data.appendingPathComponent(clip).path, mode: .clean)
        var detector = ShotDetector()
        var lastPicture = -1
        var n = 0
        while let frame = try decoder.nextFrame() {
            guard frame.slot.sourcePicture > lastPicture else { continue }
            #expect(frame.slot.sourcePicture == lastPicture + 1, "\(name): source picture \(lastPicture + 1) was dropped")
            lastPicture = frame.slot.sourcePicture
            let image = try #require(frame.image)
            try #require(n < golden.frames, "\(name): more pictures than the library's \(golden.frames)")
            #expect(Self.digest(image) == golden.frame_sha256_16[n], "\(name): picture \(n) is not the one OpenCV decoded")
            detector.append(image)
            n += 1
        }
        #expect(detector.frameCount == golden.frames)
        #expect(detector.frameScores == golden.content_val, "\(name): content_val")
        #expect(detector.cuts == golden.cuts)
        #expect(detector.scenes() == golden.scenes.map { $0[0]..<$0[1] })
    }

    // MARK: - Synthetic clips (lossless), hard cuts and flashes

    @Test(
        "synthetic clips from shared pictures: cuts, flashes, close cuts, early cut, 2x and no downscale",
        .enabled(if: SharedData.has("example.avi"), "needs ../shared/data (shared test data, not part of the repository)"),
        arguments: ["cuts-and-flashes", "early-cut", "no-cut-short", "one-frame", "square-512", "small-200x150", "hallo3-cuts"])
    func recipe(_ name: String) throws {
        let golden = try Self.goldenCase(name)
        let sources = try #require(golden.sources), recipe = try #require(golden.recipe)
        // Decode only the pictures the recipe uses.
        var pictures: [[Int: Image]] = Array(repeating: [:], count: sources.count)
        for (s, source) in sources.enumerated() {
            let needed = Set(recipe.filter { $0[0] == s }.map { $0[1] })
            guard let last = needed.max() else { continue }
            let decoder = try VideoDecoder(path: Self.data.appendingPathComponent(source).path, mode: .clean)
            while let frame = try decoder.nextFrame(), frame.slot.sourcePicture <= last {
                if needed.contains(frame.slot.sourcePicture), pictures[s][frame.slot.sourcePicture] == nil {
                    var image = try #require(frame.image)
                    if let c = golden.crop { image = image.cropped(x: c[0], y: c[1], width: c[2], height: c[3]) }
                    pictures[s][frame.slot.sourcePicture] = image
                }
            }
        }
        let frames = try recipe.map { entry -> Image in
            if entry[0] < 0 {
                let bgr = entry[1...3].map(UInt8.init)
                return Image(width: golden.width, height: golden.height, layout: .bgr,
                             pixels: Array((0..<(golden.width * golden.height)).lazy.flatMap { _ in bgr }))
            }
            return try #require(pictures[entry[0]][entry[1]], "\(name): picture \(entry[1]) of \(sources[entry[0]]) not decoded")
        }
        Self.check(golden, frames: frames)
    }

    @Test("generated clip (no shared data): pictures, scores, cuts and scenes equal to the library's")
    func generated() throws {
        let golden = try Self.goldenCase("generated-300x170")
        let spec = try #require(golden.generated)
        var frames: [Image] = []
        let rowBytes = spec.width * 3
        for (seed, length) in zip(spec.seeds, spec.lengths) {
            let base = SplitMix64.bytes(seed: seed, count: spec.height * rowBytes)
            for _ in 0..<length {
                var pixels = base
                let noise = SplitMix64.bytes(seed: 1000 + UInt64(frames.count), count: spec.noise_rows * rowBytes)
                pixels.replaceSubrange(0..<noise.count, with: noise)
                frames.append(Image(width: spec.width, height: spec.height, layout: .bgr, pixels: pixels))
            }
        }
        #expect(golden.cuts.count >= 2, "the generated clip should exercise cuts")
        Self.check(golden, frames: frames)
    }

    // MARK: - The steps alone (no shared data needed)

    @Test("cut state machine on hand-made score sequences equals the library's ContentDetector")
    func scoreSequences() {
        #expect(Self.golden.score_sequences.count >= 20)
        for sequence in Self.golden.score_sequences {
            let settings = ShotDetector.Settings(threshold: sequence.threshold, minSceneLength: sequence.min_scene_len)
            #expect(ShotDetector.cuts(scores: sequence.scores, settings: settings) == sequence.cuts, "\(sequence.name)")
        }
    }

    @Test("processing size equals the size of the frames the library scored")
    func processingSize() throws {
        for golden in Self.golden.cases {
            let expected = try #require(golden.processing_size, "\(golden.name)")
            let size = ShotDetector.processingSize(width: golden.width, height: golden.height)
            #expect([size.width, size.height] == expected, "\(golden.name): \(golden.width)x\(golden.height)")
        }
    }

    @Test("scene list from the library's cuts and frame count, with the pipeline's fallback")
    func sceneList() {
        for golden in Self.golden.cases {
            let scenes = ShotDetector.scenes(cuts: golden.cuts, frameCount: golden.frames).map { [$0.lowerBound, $0.upperBound] }
            #expect(scenes == golden.scenes, "\(golden.name)")
            // The library itself reports no scene when there is no cut.
            #expect(golden.cuts.isEmpty ? golden.library_scenes.isEmpty : golden.library_scenes == golden.scenes, "\(golden.name)")
        }
        #expect(ShotDetector().scenes().isEmpty, "no frame, no scene")
    }

    @Test("scenes from the cuts of every score sequence equal the library's get_scenes_from_cuts")
    func scenesFromSequenceCuts() {
        for sequence in Self.golden.score_sequences {
            let scenes = ShotDetector.scenes(cuts: sequence.cuts, frameCount: sequence.scores.count)
            if let expected = sequence.scenes {
                // Includes the empty first scene [0, 0) of a cut at frame 0 (minimum length 0).
                #expect(scenes.map { [$0.lowerBound, $0.upperBound] } == expected, "\(sequence.name)")
            } else {
                #expect(scenes == (sequence.scores.isEmpty ? [] : [0..<sequence.scores.count]), "\(sequence.name)")
            }
        }
    }
}
