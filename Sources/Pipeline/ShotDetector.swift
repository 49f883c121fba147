import Media

// ref: scenedetect 0.6.7.1 — `SceneManager.detect_scenes` / `_decode_thread` (auto downscale),
// `ContentDetector._calculate_frame_score` and `_mean_pixel_distance`
// (scenedetect/detectors/content_detector.py), `FlashFilter._filter_merge`
// (scenedetect/scene_detector.py), `get_scenes_from_cuts` (scenedetect/scene_manager.py), as
// called by `SyncNetPipeline.inference` step 5 (syncnet_python/syncnet_pipeline.py);
// docs/reference/pipeline.md §7.

/// Finds hard cuts the way the reference's scene detection does: PySceneDetect 0.6.7.1's
/// `ContentDetector()` with all defaults behind a `SceneManager` with automatic downscaling.
///
/// Frames are fed one at a time, in order; frame `n` must be the `n`-th picture OpenCV would
/// decode from the video the reference runs detection on (its intermediate `video.avi`, real
/// pictures only, docs/reference/pipeline.md §3.3). The detector keeps only the previous frame's downscaled HSV
/// image, so memory does not grow with the clip (apart from one score per frame).
///
/// Each frame is downscaled so that its longer side is 256 pixels (``processingSize(width:height:)``),
/// converted to OpenCV's 8-bit HSV, and scored against the previous frame by
/// ``score(_:_:)``: the mean absolute difference per channel, averaged over H, S and V.
/// A frame whose score is at least ``Settings/threshold`` is a cut candidate; candidates closer
/// than ``Settings/minSceneLength`` frames are merged as the library's "merge" flash filter does
/// (``cuts(scores:settings:)``).
///
/// ```swift
/// var detector = ShotDetector()
/// for frame in frames { detector.append(frame) }
/// let scenes = detector.scenes()      // [0..<c1, c1..<c2, …, ck..<N], or [0..<N] without a cut
/// ```
public struct ShotDetector: Sendable {
    /// The `ContentDetector` parameters the reference leaves at their defaults.
    public struct Settings: Sendable, Equatable, Codable {
        /// Score a frame must reach (`>=`) to be a cut candidate (`threshold`, 27.0).
        public var threshold: Double
        /// Frames a scene must span before the next cut (`min_scene_len`, 15); also the length
        /// of the merge flash filter.
        public var minSceneLength: Int

        public init(threshold: Double = 27.0, minSceneLength: Int = 15) {
            self.threshold = threshold
            self.minSceneLength = minSceneLength
        }
    }

    /// The settings this detector was created with.
    public let settings: Settings
    /// The score (`content_val`) of every frame appended so far; frame 0 scores 0.
    public private(set) var frameScores: [Double] = []
    /// The cuts found so far, in increasing order: frame numbers that start a new scene.
    public private(set) var cuts: [Int] = []

    private var filter: MergeFlashFilter
    private var previousHSV: Image? = nil
    private var frameSize: (width: Int, height: Int)? = nil

    /// Creates a detector with the reference's defaults unless told otherwise.
    public init(settings: Settings = .init()) {
        self.settings = settings
        filter = MergeFlashFilter(length: settings.minSceneLength)
    }

    /// Number of frames appended so far.
    public var frameCount: Int { frameScores.count }

    /// Scores the next frame and updates the cut list.
    ///
    /// - Parameter frame: the next frame, packed BGR, as OpenCV decodes it.
    /// - Precondition: the frame is BGR, not empty, and has the size of the first frame appended
    ///   (the library skips frames of another size with an error message; decoders used here
    ///   never change size mid-stream).
    public mutating func append(_ frame: Image) {
        precondition(frame.layout == .bgr, "ShotDetector needs BGR frames, got \(frame.layout)")
        precondition(frame.width > 0 && frame.height > 0, "ShotDetector got an empty \(frame.width)x\(frame.height) frame")
        let frameNumber = frameScores.count
        if let frameSize {
            precondition(
                frameSize == (frame.width, frame.height),
                "frame \(frameNumber) is \(frame.width)x\(frame.height), the first was \(frameSize.width)x\(frameSize.height)")
        } else {
            frameSize = (frame.width, frame.height)
        }
        let size = Self.processingSize(width: frame.width, height: frame.height)
        let small = (size.width, size.height) == (frame.width, frame.height) ? frame : frame.resized(width: size.width, height: size.height)
        let hsv = small.hsv()
        let score = previousHSV.map { Self.score(hsv, $0) } ?? 0
        previousHSV = hsv
        frameScores.append(score)
        if let cut = filter.next(frame: frameNumber, aboveThreshold: score >= settings.threshold) {
            cuts.append(cut)
        }
    }

    /// The scenes as half-open frame ranges: `[0, c₁), [c₁, c₂), …, [c_k, N)` with N = frames
    /// appended; `[0, N)` when there is no cut (the library returns no scene then, and the
    /// reference pipeline substitutes that one); no scene at all when no frame was appended.
    public func scenes() -> [Range<Int>] {
        Self.scenes(cuts: cuts, frameCount: frameCount)
    }

    // MARK: - The steps, for tests and for callers that hold scores already

    /// The size frames are scored at: unchanged when the longer side is at most 256 pixels,
    /// otherwise `(max(1, round(W / f)), max(1, round(H / f)))` with `f = max(W, H) / 256` and
    /// Python's `round` (half to even), so the longer side becomes 256.
    ///
    /// ref: `compute_downscale_factor(max(frame_size))` and the `cv2.resize` call in
    /// `SceneManager._decode_thread` (resized with an explicit size, `INTER_LINEAR`).
    public static func processingSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let longer = max(width, height)
        // compute_downscale_factor returns 1 below 256 and longer / 256.0 otherwise; the frame
        // is resized only when that factor exceeds 1.
        guard longer > 256 else { return (width, height) }
        let factor = Double(longer) / 256.0
        let w = max(1, Int((Double(width) / factor).rounded(.toNearestOrEven)))
        let h = max(1, Int((Double(height) / factor).rounded(.toNearestOrEven)))
        return (w, h)
    }

    /// The frame score (`content_val`) of two HSV images of the same size:
    /// `((d_H + d_S) + d_V) / 3`, where `d_c` is the sum of the integer absolute differences of
    /// channel `c` divided, as a double, by the number of pixels. Hue is not treated as circular.
    ///
    /// ref: `ContentDetector._calculate_frame_score` with the default weights (1, 1, 1, 0) and
    /// `_mean_pixel_distance` (`numpy.sum` of int32 differences is an exact int64, divided by
    /// `float(pixels)`); the edge term has weight 0 and adds exactly 0.0.
    ///
    /// - Precondition: both images are `.hsv` and have the same size.
    public static func score(_ current: Image, _ previous: Image) -> Double {
        precondition(current.layout == .hsv && previous.layout == .hsv, "score(_:_:) compares HSV images")
        precondition(
            current.width == previous.width && current.height == previous.height,
            "cannot compare a \(current.width)x\(current.height) image with a \(previous.width)x\(previous.height) one")
        var sums = (0, 0, 0)
        current.pixels.withUnsafeBufferPointer { a in
            previous.pixels.withUnsafeBufferPointer { b in
                var i = 0
                while i < a.count {
                    sums.0 += abs(Int(a[i]) - Int(b[i]))
                    sums.1 += abs(Int(a[i + 1]) - Int(b[i + 1]))
                    sums.2 += abs(Int(a[i + 2]) - Int(b[i + 2]))
                    i += 3
                }
            }
        }
        let pixels = Double(current.width * current.height)
        let hue = Double(sums.0) / pixels, saturation = Double(sums.1) / pixels, value = Double(sums.2) / pixels
        // Python's `sum(component * weight …) / sum(|weight|)`, left to right.
        return ((hue + saturation) + value) / 3.0
    }

    /// The cuts the library emits for a sequence of frame scores (frame `n` has `scores[n]`),
    /// in increasing order.
    ///
    /// With `L = minSceneLength`: a frame at or above the threshold more than `L` frames after the
    /// previous such frame is a cut; after the first cut, a candidate sooner than that starts a
    /// merge, which ends with one cut at the last candidate once a frame below the threshold
    /// comes at least `L` frames after it and the merged run spans at least `L` frames. A merge
    /// still open at the last frame emits nothing. No cut can fall in the first `L` frames.
    ///
    /// ref: `ContentDetector.process_frame` (`score >= threshold`) and `FlashFilter.filter`
    /// in mode `MERGE`; docs/reference/pipeline.md §7.3.
    public static func cuts(scores: [Double], settings: Settings = .init()) -> [Int] {
        var filter = MergeFlashFilter(length: settings.minSceneLength)
        var cuts: [Int] = []
        for (frame, score) in scores.enumerated() {
            if let cut = filter.next(frame: frame, aboveThreshold: score >= settings.threshold) {
                cuts.append(cut)
            }
        }
        return cuts
    }

    /// Half-open scenes from cuts: `[0, c₁), …, [c_k, frameCount)` over the sorted, de-duplicated
    /// cuts, `[0, frameCount)` without cuts (the pipeline's substitution for the library's empty
    /// list), and none when `frameCount` is 0. A cut at 0 (possible only with a non-positive
    /// threshold and minimum length) gives an empty first scene, as in the library.
    ///
    /// ref: `SceneManager.get_scene_list` / `get_scenes_from_cuts`, and the `or [(base, current)]`
    /// fallback in `SyncNetPipeline.inference`.
    ///
    /// - Precondition: every cut lies in `0..<frameCount`.
    public static func scenes(cuts: [Int], frameCount: Int) -> [Range<Int>] {
        guard frameCount > 0 else { return [] }
        var scenes: [Range<Int>] = []
        var start = 0
        for cut in Set(cuts).sorted() {
            precondition(cut >= 0 && cut < frameCount, "cut \(cut) outside 0..<\(frameCount)")
            scenes.append(start..<cut)
            start = cut
        }
        scenes.append(start..<frameCount)
        return scenes
    }
}

/// PySceneDetect's `FlashFilter` in `MERGE` mode: enforces the minimum scene length by merging
/// cut candidates that come too close together.
///
/// ref: `FlashFilter.filter` and `_filter_merge` (scenedetect/scene_detector.py).
struct MergeFlashFilter: Sendable {
    let length: Int
    private var lastAbove: Int? = nil
    private var mergeEnabled = false
    private var mergeTriggered = false
    private var mergeStart = 0

    init(length: Int) { self.length = length }

    /// Feeds one frame (frame numbers consecutive) and returns the cut it emits, if any.
    mutating func next(frame: Int, aboveThreshold: Bool) -> Int? {
        guard length > 0 else { return aboveThreshold ? frame : nil }
        let lastAbove = self.lastAbove ?? frame
        let lengthMet = frame - lastAbove >= length
        // The last frame above the threshold always advances.
        self.lastAbove = aboveThreshold ? frame : lastAbove
        if mergeTriggered {
            // Below the threshold long enough, and the merged run long enough: emit and stop merging.
            if lengthMet && !aboveThreshold && self.lastAbove! - mergeStart >= length {
                mergeTriggered = false
                return self.lastAbove
            }
            return nil
        }
        guard aboveThreshold else { return nil }
        if lengthMet {
            // Merging is only allowed once a first cut has been emitted.
            mergeEnabled = true
            return frame
        }
        if mergeEnabled {
            mergeTriggered = true
            mergeStart = frame
        }
        return nil
    }
}
