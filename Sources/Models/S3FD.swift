import Foundation
import Synchronization
import Tensor

// port of syncnet_python/detectors/s3fd/{nets.py, box_utils.py, __init__.py}, docs/reference/networks.md §3

/// The S3FD face detector: a VGG-16 backbone with six detection sources, one square prior per
/// cell, the built-in `Detect` step (score > 0.05, NMS 0.3, at most 750 boxes) and the
/// `detect_faces` post-processing of the reference (score > threshold, rescale to the frame,
/// second NMS 0.1).
///
/// The caller prepares the image: an RGB frame resized with OpenCV's `INTER_LINEAR` at 0.25
/// (`Media`'s `Image.resized(scaleX:scaleY:)` is bit-exact with it) goes through
/// ``networkInput(rgb:width:height:)``; ``detectFaces(_:frameWidth:frameHeight:threshold:)``
/// then returns boxes in the coordinates of the original frame.
public struct S3FD: Sendable {
    /// Per-channel means subtracted from (R, G, B) (docs/reference/networks.md §3.1: the reference subtracts
    /// (104, 117, 123) from (B, G, R)).
    public static let channelMeans: (r: Float, g: Float, b: Float) = (123, 117, 104)
    /// The reference's input scale (`scales=[0.25]`).
    public static let inputScale = 0.25
    /// `Detect`: only priors whose face probability exceeds this are kept.
    public static let candidateThreshold: Float = 0.05
    /// `Detect`: IoU above which a lower-scored box is suppressed.
    public static let candidateOverlap: Float = 0.3
    /// `Detect`: candidates considered by its NMS, and rows written.
    public static let candidateLimit = 5000, outputLimit = 750
    /// `detect_faces`: the reference's `conf_th` (docs/reference/pipeline.md §6).
    public static let defaultThreshold: Float = 0.9
    /// `detect_faces`: IoU above which the second NMS suppresses a box.
    public static let faceOverlap = 0.1

    private static let steps = [4, 8, 16, 32, 64, 128]
    private static let minSizes = [16, 32, 64, 128, 256, 512]

    private var backbone: [Conv2D]  // vgg.0 … vgg.28, ReLU fused
    private var fc6: Conv2D, fc7: Conv2D  // vgg.31 (dilation 6), vgg.33
    private var extras: [Conv2D]  // extras.0 … extras.3, ReLU fused (F.relu in forward)
    private let l2NormScales: [[Float]]  // L2Norm3_3, L2Norm4_3, L2Norm5_3
    private var loc: [Conv2D], conf: [Conv2D]
    private let priorCache = PriorCache()

    private let pool = MaxPool2D(kernel: (2, 2), stride: (2, 2))
    private let ceilPool = MaxPool2D(kernel: (2, 2), stride: (2, 2), ceilMode: true)

    /// The arithmetic of the convolutions' matrix products (``Precision/fp32`` unless set with
    /// ``with(precision:)``).
    public private(set) var precision: Precision = .fp32

    /// The same network computing its matrix products in `precision` (the weights are shared).
    public func with(precision: Precision) -> S3FD {
        var copy = self
        copy.precision = precision
        copy.backbone = backbone.map { $0.with(precision: precision) }
        copy.fc6 = fc6.with(precision: precision)
        copy.fc7 = fc7.with(precision: precision)
        copy.extras = extras.map { $0.with(precision: precision) }
        copy.loc = loc.map { $0.with(precision: precision) }
        copy.conf = conf.map { $0.with(precision: precision) }
        return copy
    }

    /// Builds the network from a state dict, after checking it strictly against ``layout``.
    ///
    /// - Throws: ``CheckpointError`` naming the first missing, unexpected or misshapen key.
    public init(stateDict: StateDict) throws(CheckpointError) {
        try Self.schema.validate(stateDict)
        try self.init(validated: stateDict)
    }

    /// Builds the network from a checkpoint file read one tensor at a time, after checking its
    /// tensors strictly against ``layout``.
    init(reading checkpoint: CheckpointFile) throws(CheckpointError) {
        try Self.schema.validate(checkpoint)
        try self.init(validated: checkpoint)
    }

    private init(validated values: some LayerValues) throws(CheckpointError) {
        let shapes = Dictionary(uniqueKeysWithValues: Self.layout.map { ($0.name, $0.shape) })
        func conv(
            _ prefix: String, stride: Int = 1, padding: Int = 1, dilation: Int = 1, activation: Activation
        ) throws(CheckpointError) -> Conv2D {
            let shape = shapes[prefix + ".weight"]!
            return Conv2D(
                weight: try values.floats(prefix + ".weight"), outChannels: shape[0], inChannels: shape[1],
                kernel: (shape[2], shape[3]), bias: try values.floats(prefix + ".bias"),
                stride: (stride, stride), padding: (padding, padding), dilation: (dilation, dilation),
                activation: activation)
        }
        var backbone: [Conv2D] = []
        for index in Self.backboneIndices {
            backbone.append(try conv("vgg.\(index)", activation: .relu))
        }
        self.backbone = backbone
        fc6 = try conv("vgg.31", padding: 6, dilation: 6, activation: .relu)
        fc7 = try conv("vgg.33", padding: 0, activation: .relu)
        extras = [
            try conv("extras.0", padding: 0, activation: .relu),
            try conv("extras.1", stride: 2, padding: 1, activation: .relu),
            try conv("extras.2", padding: 0, activation: .relu),
            try conv("extras.3", stride: 2, padding: 1, activation: .relu),
        ]
        l2NormScales = [
            try values.floats("L2Norm3_3.weight"), try values.floats("L2Norm4_3.weight"),
            try values.floats("L2Norm5_3.weight"),
        ]
        var loc: [Conv2D] = [], conf: [Conv2D] = []
        for k in 0..<6 {
            loc.append(try conv("loc.\(k)", activation: .identity))
            conf.append(try conv("conf.\(k)", activation: .identity))
        }
        self.loc = loc
        self.conf = conf
    }

    // MARK: Input

    /// Whether the network can run on a `width × height` input: its five 2×2 max pools (the third
    /// in ceil mode, the others in floor mode, as in the reference's VGG) need a side of at least
    /// 2 at each of them. Smaller inputs are an error in PyTorch too ("output size is too small").
    public static func accepts(width: Int, height: Int) -> Bool {
        func fits(_ side: Int) -> Bool {
            var n = side
            for ceil in [false, false, true, false, false] {
                guard n >= 2 else { return false }
                if ceil {
                    var out = (n - 2 + 1) / 2 + 1
                    if (out - 1) * 2 >= n { out -= 1 }
                    n = out
                } else {
                    n = (n - 2) / 2 + 1
                }
            }
            return n >= 1
        }
        return fits(width) && fits(height)
    }

    /// The network input for one frame (docs/reference/networks.md §3.1): `rgb` holds the already 0.25-scaled
    /// frame, `height × width × 3` bytes in R, G, B order; the result is `[1, 3, height, width]`
    /// with planes R − 123, G − 117, B − 104.
    public static func networkInput(rgb: [UInt8], width: Int, height: Int) -> Tensor {
        precondition(rgb.count == width * height * 3, "S3FD input: \(rgb.count) bytes for \(width)×\(height)×3")
        let plane = width * height
        var scalars = [Float](repeating: 0, count: 3 * plane)
        let means = [channelMeans.r, channelMeans.g, channelMeans.b]
        for p in 0..<plane {
            for c in 0..<3 { scalars[c * plane + p] = Float(rgb[3 * p + c]) - means[c] }
        }
        return Tensor(shape: [1, 3, height, width], scalars: scalars)
    }

    // MARK: Network

    /// The raw head outputs of a batch of frames, in the reference's flattened prior order
    /// (source, row, column; docs/reference/networks.md §3.4).
    public struct HeadOutputs: Sendable {
        /// Priors per frame.
        public let priorCount: Int
        /// `[N, P, 4]`: (dx, dy, dw, dh) of every prior.
        public let loc: [Float]
        /// `[N, P, 2]`: (background, face) logits, source 0 after its max-out.
        public let conf: [Float]
        /// Map size (rows, columns) of each of the six sources.
        public let sourceSizes: [(rows: Int, columns: Int)]
    }

    /// Runs the network on `[N, 3, h, w]` inputs (every frame the same size).
    public func heads(_ input: Tensor) -> HeadOutputs {
        precondition(input.shape.count == 4 && input.shape[1] == 3, "S3FD input must be [N, 3, H, W], got \(input.shape)")
        var x = input
        var sources: [Tensor] = []
        // vgg.0 … vgg.15: conv1_x, pool, conv2_x, pool, conv3_x → source 0
        x = backbone[1](backbone[0](x))
        x = pool(x)
        x = backbone[3](backbone[2](x))
        x = pool(x)
        x = backbone[6](backbone[5](backbone[4](x)))
        sources.append(l2Normalized(x, scale: l2NormScales[0]))
        // vgg.16 (ceil mode) … vgg.22: conv4_x → source 1
        x = ceilPool(x)
        x = backbone[9](backbone[8](backbone[7](x)))
        sources.append(l2Normalized(x, scale: l2NormScales[1]))
        // vgg.23 … vgg.29: conv5_x → source 2
        x = pool(x)
        x = backbone[12](backbone[11](backbone[10](x)))
        sources.append(l2Normalized(x, scale: l2NormScales[2]))
        // vgg.30 … vgg.34: pool, fc6, fc7 → source 3
        x = fc7(fc6(pool(x)))
        sources.append(x)
        // extras → sources 4 and 5
        x = extras[1](extras[0](x))
        sources.append(x)
        x = extras[3](extras[2](x))
        sources.append(x)

        let n = input.shape[0]
        let sizes = sources.map { (rows: $0.shape[2], columns: $0.shape[3]) }
        let priorCount = sizes.reduce(0) { $0 + $1.rows * $1.columns }
        var locOut = [Float](repeating: 0, count: n * priorCount * 4)
        var confOut = [Float](repeating: 0, count: n * priorCount * 2)
        var first = 0  // first prior of the current source
        for (k, source) in sources.enumerated() {
            let l = loc[k](source), c = conf[k](source)
            let rows = sizes[k].rows, columns = sizes[k].columns, cells = rows * columns
            let confChannels = c.shape[1]
            for frame in 0..<n {
                for cell in 0..<cells {
                    let prior = frame * priorCount + first + cell
                    for v in 0..<4 { locOut[prior * 4 + v] = l.scalars[(frame * 4 + v) * cells + cell] }
                    let at = { (channel: Int) in c.scalars[(frame * confChannels + channel) * cells + cell] }
                    if confChannels == 4 {  // max-out background (source 0)
                        confOut[prior * 2] = max(max(at(0), at(1)), at(2))
                        confOut[prior * 2 + 1] = at(3)
                    } else {
                        confOut[prior * 2] = at(0)
                        confOut[prior * 2 + 1] = at(1)
                    }
                }
            }
            first += cells
        }
        return HeadOutputs(priorCount: priorCount, loc: locOut, conf: confOut, sourceSizes: sizes)
    }

    // MARK: Priors and decoding

    /// The prior boxes (cx, cy, w, h) for a network input of `width × height` (docs/reference/networks.md §3.5),
    /// computed in double and stored as float32, cached per size.
    public func priors(width: Int, height: Int, sourceSizes: [(rows: Int, columns: Int)]) -> [Float] {
        priorCache.priors(width: width, height: height) {
            var out: [Float] = []
            for (k, size) in sourceSizes.enumerated() {
                let fw = Double(width) / Double(Self.steps[k]), fh = Double(height) / Double(Self.steps[k])
                let pw = Float(Double(Self.minSizes[k]) / Double(width))
                let ph = Float(Double(Self.minSizes[k]) / Double(height))
                for i in 0..<size.rows {
                    for j in 0..<size.columns {
                        out += [Float((Double(j) + 0.5) / fw), Float((Double(i) + 0.5) / fh), pw, ph]
                    }
                }
            }
            return out
        }
    }

    /// A box normalised to the network input, with its face probability.
    public struct Candidate: Sendable, Equatable {
        public var score: Float
        public var x1: Float, y1: Float, x2: Float, y2: Float
    }

    /// The reference's `Detect` for frame `frame` of `outputs`: decode, softmax, keep scores
    /// > 0.05, NMS at IoU 0.3 over the best 5000, at most 750 rows in decreasing score order.
    public func detect(_ outputs: HeadOutputs, frame: Int, width: Int, height: Int) -> [Candidate] {
        let priors = priors(width: width, height: height, sourceSizes: outputs.sourceSizes)
        var candidates: [Candidate] = []
        let base = frame * outputs.priorCount
        for p in 0..<outputs.priorCount {
            let b = outputs.conf[(base + p) * 2], f = outputs.conf[(base + p) * 2 + 1]
            let score = Self.faceProbability(background: b, face: f)
            guard score > Self.candidateThreshold else { continue }
            let l = (base + p) * 4
            let cx = priors[p * 4], cy = priors[p * 4 + 1], pw = priors[p * 4 + 2], ph = priors[p * 4 + 3]
            let x = cx + outputs.loc[l] * Float(0.1) * pw
            let y = cy + outputs.loc[l + 1] * Float(0.1) * ph
            let w = pw * expf(outputs.loc[l + 2] * Float(0.2))
            let h = ph * expf(outputs.loc[l + 3] * Float(0.2))
            let x1 = x - w / 2, y1 = y - h / 2
            candidates.append(Candidate(score: score, x1: x1, y1: y1, x2: w + x1, y2: h + y1))
        }
        return Self.suppress(candidates)
    }

    /// Softmax over (background, face), as PyTorch's last-dimension kernel computes it:
    /// `exp(x − max) · (1 / Σ exp(x − max))`.
    static func faceProbability(background: Float, face: Float) -> Float {
        let m = max(background, face)
        let eb = expf(background - m), ef = expf(face - m)
        return ef * (1 / (eb + ef))
    }

    /// `box_utils.nms` (IoU > 0.3 suppressed) over the best 5000 candidates, then the first 750.
    /// Equal scores are taken in prior order (the reference's sort is unstable, so ties have no
    /// defined order there).
    static func suppress(_ candidates: [Candidate]) -> [Candidate] {
        var order = candidates.indices.sorted {
            candidates[$0].score != candidates[$1].score ? candidates[$0].score > candidates[$1].score : $0 < $1
        }
        if order.count > candidateLimit { order.removeLast(order.count - candidateLimit) }
        // The candidates still in play, in score order, as columns that each round compacts in
        // place (a filtered copy of the order per kept box, reading whole candidates, took 2.5–4.7 %
        // of a `detect` with weights that pass thousands of candidates per frame). The same
        // comparisons in the same order as the plain greedy loop, so the same rows.
        let count = order.count
        var columns = [Float](repeating: 0, count: 5 * count)  // x1, y1, x2, y2, area
        var index = order
        var kept: [Candidate] = []
        columns.withUnsafeMutableBufferPointer { buffer in
            let x1 = buffer.baseAddress!, y1 = x1 + count, x2 = y1 + count, y2 = x2 + count, area = y2 + count
            for (r, i) in order.enumerated() {
                let c = candidates[i]
                (x1[r], y1[r], x2[r], y2[r], area[r]) = (c.x1, c.y1, c.x2, c.y2, (c.x2 - c.x1) * (c.y2 - c.y1))
            }
            var live = count
            while live > 0, kept.count < outputLimit {
                kept.append(candidates[index[0]])
                let (bx1, by1, bx2, by2, barea) = (x1[0], y1[0], x2[0], y2[0], area[0])
                var next = 0
                for r in 1..<live {
                    let w = max(min(x2[r], bx2) - max(x1[r], bx1), 0)
                    let h = max(min(y2[r], by2) - max(y1[r], by1), 0)
                    let inter = w * h
                    guard inter / ((area[r] - inter) + barea) <= candidateOverlap else { continue }
                    (x1[next], y1[next], x2[next], y2[next], area[next]) = (x1[r], y1[r], x2[r], y2[r], area[r])
                    index[next] = index[r]
                    next += 1
                }
                live = next
            }
        }
        return kept
    }

    // MARK: detect_faces

    /// Runs the network on one prepared frame and applies `detect_faces`: rows scoring above
    /// `threshold` (strictly), scaled by the original frame size in float32, then the second
    /// greedy NMS at IoU 0.1 in double (docs/reference/pipeline.md §6.3–6.4).
    public func detectFaces(
        _ input: Tensor, frameWidth: Int, frameHeight: Int, threshold: Float = defaultThreshold
    ) -> [FaceDetection] {
        detectFaces(batch: input, frameWidth: frameWidth, frameHeight: frameHeight, threshold: threshold)[0]
    }

    /// ``detectFaces(_:frameWidth:frameHeight:threshold:)`` for a batch `[N, 3, h, w]` of frames
    /// of the same size: one list per frame.
    public func detectFaces(
        batch input: Tensor, frameWidth: Int, frameHeight: Int, threshold: Float = defaultThreshold
    ) -> [[FaceDetection]] {
        let outputs = heads(input)
        let width = input.shape[3], height = input.shape[2]
        return (0..<input.shape[0]).map { frame in
            let rows = detect(outputs, frame: frame, width: width, height: height)
            let w = Float(frameWidth), h = Float(frameHeight)
            let boxes = rows.prefix { $0.score > threshold }.map {
                FaceDetection(
                    x1: Double($0.x1 * w), y1: Double($0.y1 * h), x2: Double($0.x2 * w), y2: Double($0.y2 * h),
                    confidence: Double($0.score))
            }
            return FaceDetection.suppress(boxes, overlap: Self.faceOverlap)
        }
    }

    // MARK: Cost

    /// Multiply-accumulates of the convolutions for one `width × height` network input
    /// (docs/reference/networks.md §4.2: 4.390 G at 160×90, 18.123 G at 320×180). FLOP = 2 × MAC.
    public static func multiplyAccumulates(width: Int, height: Int) -> Int {
        var h = height, w = width, total = 0
        var sources: [(channels: Int, rows: Int, columns: Int)] = []
        func conv(_ input: Int, _ output: Int, kernel: Int = 3) { total += h * w * input * output * kernel * kernel }
        conv(3, 64); conv(64, 64)
        h /= 2; w /= 2
        conv(64, 128); conv(128, 128)
        h /= 2; w /= 2
        conv(128, 256); conv(256, 256); conv(256, 256)
        sources.append((256, h, w))
        h = (h + 1) / 2; w = (w + 1) / 2  // ceil mode
        conv(256, 512); conv(512, 512); conv(512, 512)
        sources.append((512, h, w))
        h /= 2; w /= 2
        conv(512, 512); conv(512, 512); conv(512, 512)
        sources.append((512, h, w))
        h /= 2; w /= 2
        conv(512, 1024); conv(1024, 1024, kernel: 1)
        sources.append((1024, h, w))
        conv(1024, 256, kernel: 1)
        h = (h - 1) / 2 + 1; w = (w - 1) / 2 + 1  // 3×3, stride 2, padding 1
        conv(256, 512)
        sources.append((512, h, w))
        conv(512, 128, kernel: 1)
        h = (h - 1) / 2 + 1; w = (w - 1) / 2 + 1
        conv(128, 256)
        sources.append((256, h, w))
        for (k, source) in sources.enumerated() {
            total += source.rows * source.columns * source.channels * (4 + (k == 0 ? 4 : 2)) * 9
        }
        return total
    }

    // MARK: Weights

    /// Indices of the 13 backbone convolutions in `vgg` (the others are ReLU and pooling).
    private static let backboneIndices = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]

    /// The 65 state-dict entries of `sfd_face.pth` in file order (docs/reference/networks.md §3.9).
    public static let layout: [(name: String, shape: [Int])] = {
        typealias L = LayerLayout
        let channels = [
            (3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
            (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512),
        ]
        var entries: [(name: String, shape: [Int])] = []
        for (index, (input, output)) in zip(backboneIndices, channels) {
            entries += L.affine("vgg.\(index)", weight: [output, input, 3, 3])
        }
        entries += L.affine("vgg.31", weight: [1024, 512, 3, 3])
        entries += L.affine("vgg.33", weight: [1024, 1024, 1, 1])
        entries += [("L2Norm3_3.weight", [256]), ("L2Norm4_3.weight", [512]), ("L2Norm5_3.weight", [512])]
        entries += L.affine("extras.0", weight: [256, 1024, 1, 1])
        entries += L.affine("extras.1", weight: [512, 256, 3, 3])
        entries += L.affine("extras.2", weight: [128, 512, 1, 1])
        entries += L.affine("extras.3", weight: [256, 128, 3, 3])
        let sourceChannels = [256, 512, 512, 1024, 512, 256]
        for (k, c) in sourceChannels.enumerated() { entries += L.affine("loc.\(k)", weight: [4, c, 3, 3]) }
        for (k, c) in sourceChannels.enumerated() { entries += L.affine("conf.\(k)", weight: [k == 0 ? 4 : 2, c, 3, 3]) }
        return entries
    }()

    /// ``layout`` as a strict schema.
    public static let schema = StateDictSchema(network: "S3FD", layout: layout)

    /// The stand-in weights (``StandInWeights``) as a state dict.
    public static func standInStateDict() -> StateDict {
        StandInWeights.stateDict(layout: layout, seed: StandInWeights.s3fdSeed)
    }
}

/// One face box in frame coordinates, in the reference's detection shape
/// (`{"frame", "bbox": [x1, y1, x2, y2], "conf"}`, docs/reference/pipeline.md §6.5).
public struct FaceDetection: Sendable, Equatable, Codable {
    public var x1: Double, y1: Double, x2: Double, y2: Double
    public var confidence: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double, confidence: Double) {
        self.x1 = x1
        self.y1 = y1
        self.x2 = x2
        self.y2 = y2
        self.confidence = confidence
    }

    /// `box_utils.nms_` (Girshick's greedy NMS in double): best score first, drop every box
    /// whose IoU with it exceeds `overlap`; survivors in decreasing score order. Equal scores
    /// keep their input order (NumPy's `argsort` leaves ties unspecified).
    public static func suppress(_ boxes: [FaceDetection], overlap: Double) -> [FaceDetection] {
        var order = boxes.indices.sorted {
            boxes[$0].confidence != boxes[$1].confidence ? boxes[$0].confidence > boxes[$1].confidence : $0 < $1
        }
        let area = boxes.map { ($0.x2 - $0.x1) * ($0.y2 - $0.y1) }
        var kept: [FaceDetection] = []
        while let i = order.first {
            kept.append(boxes[i])
            let best = boxes[i]
            order = order.dropFirst().filter { r in
                let b = boxes[r]
                let w = max(0, min(best.x2, b.x2) - max(best.x1, b.x1))
                let h = max(0, min(best.y2, b.y2) - max(best.y1, b.y1))
                let inter = w * h
                return inter / (area[i] + area[r] - inter) <= overlap
            }
        }
        return kept
    }
}

/// Prior boxes per network input size (computed once per size, shared by all frames).
private final class PriorCache: Sendable {
    private let cache = Mutex<[Int: [Float]]>([:])

    func priors(width: Int, height: Int, compute: () -> [Float]) -> [Float] {
        let key = width << 32 | height
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let value = compute()
        cache.withLock { $0[key] = value }
        return value
    }
}
