import Media
import Models
import Tensor

/// Face detection on decoded frames, as the reference's `S3FD.detect_faces(image, conf_th, scales)`
/// does it (docs/reference/pipeline.md §6): BGR → RGB, OpenCV `INTER_LINEAR` resize by `scale`, mean
/// subtraction, the network with its built-in `Detect`, boxes above `threshold` rescaled to the
/// frame, a second NMS at IoU 0.1.
public struct FaceDetector: Sendable {
    public let network: S3FD
    /// Resize factor applied to each frame before the network (the reference's `scales=[0.25]`).
    public let scale: Double
    /// Minimum face probability, exclusive (the reference's `conf_th = 0.9`).
    public let threshold: Float

    /// Frames per network call where frames come in sequence (`eval`'s first pass, `syncbench
    /// detect`). A call transforms every Winograd layer's weights once (≈ 15–20 ms on 2 cores), and
    /// its activations take ≈ 35 MB per 976×528 frame; on the example clip, batches of 2 / 3 / 4
    /// took 19.4 / 16.8 / 15.6 s for the whole eval, and 3 keeps its peak under 300 MiB.
    public static let framesPerBatch = 3

    public init(network: S3FD, scale: Double = S3FD.inputScale, threshold: Float = S3FD.defaultThreshold) {
        precondition(scale > 0, "detector scale must be positive, got \(scale)")
        self.network = network
        self.scale = scale
        self.threshold = threshold
    }

    /// The network input of one BGR frame: `[1, 3, h, w]`, `h × w` = the frame scaled by `scale`.
    public func networkInput(_ frame: Image) -> Tensor {
        precondition(frame.layout == .bgr, "FaceDetector expects BGR frames, got \(frame.layout)")
        let scaled = frame.swappingRedBlue().resized(scaleX: scale, scaleY: scale)
        return S3FD.networkInput(rgb: scaled.pixels, width: scaled.width, height: scaled.height)
    }

    /// Faces in one BGR frame, best first, in frame coordinates.
    public func detect(_ frame: Image) -> [FaceDetection] {
        network.detectFaces(networkInput(frame), frameWidth: frame.width, frameHeight: frame.height, threshold: threshold)
    }

    /// Faces in each of several BGR frames of the same size, run through the network as one batch
    /// (the same faces as one call per frame, up to float32 rounding: a wider GEMM may block its
    /// sums differently, ~1e-7 in confidence on the example clip; larger batches use the cores
    /// better).
    public func detect(batch frames: [Image]) -> [[FaceDetection]] {
        guard let first = frames.first else { return [] }
        precondition(
            frames.allSatisfy { $0.width == first.width && $0.height == first.height },
            "a detection batch needs frames of one size")
        let inputs = frames.map(networkInput)
        let shape = inputs[0].shape
        let batch = Tensor(shape: [inputs.count, shape[1], shape[2], shape[3]], scalars: inputs.flatMap(\.scalars))
        return network.detectFaces(batch: batch, frameWidth: first.width, frameHeight: first.height, threshold: threshold)
    }
}

/// Frames that come in sequence, through a detector in batches of ``FaceDetector/framesPerBatch``
/// frames of one size (a stream that changes frame size starts a new batch), for `eval`'s first
/// pass and `syncbench detect`.
public struct SequenceDetector {
    public let detector: FaceDetector
    private var pending: [Image] = []

    public init(_ detector: FaceDetector) {
        self.detector = detector
    }

    /// Takes the next frame; returns the faces of the frames whose batch this call ran (none
    /// until a batch is full), in frame order.
    public mutating func append(_ frame: Image) -> [[FaceDetection]] {
        var faces: [[FaceDetection]] = []
        if let first = pending.first, first.width != frame.width || first.height != frame.height { faces = flush() }
        pending.append(frame)
        if pending.count == FaceDetector.framesPerBatch { faces += flush() }
        return faces
    }

    /// The faces of the frames still waiting, in frame order.
    public mutating func finish() -> [[FaceDetection]] { flush() }

    private mutating func flush() -> [[FaceDetection]] {
        defer { pending.removeAll(keepingCapacity: true) }
        return detector.detect(batch: pending)
    }
}
