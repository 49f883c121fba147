/// A dense float32 tensor: a shape and its elements, contiguous and row-major (last index fastest).
///
/// Layouts used by the layers of this module: `[N, C, H, W]` for 2-D feature maps,
/// `[N, C, T, H, W]` for 3-D ones and `[N, F]` for feature vectors, as in PyTorch.
public struct Tensor: Sendable, Equatable {
    /// The extent of each axis, outermost first.
    public private(set) var shape: [Int]
    /// The elements, row-major; `scalars.count` is the product of `shape`.
    public var scalars: [Float]

    /// Wraps `scalars` as a tensor of the given shape.
    ///
    /// - Precondition: every extent is non-negative and their product equals `scalars.count`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "Tensor shape \(shape) needs \(shape.reduce(1, *)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with zeros.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent")
        self.shape = shape
        self.scalars = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor of the given shape whose elements `initialize` writes, every one of them, into the
    /// uninitialised buffer it is given: for layers that write their whole output anyway, which
    /// then skip zeroing it first.
    init(shape: [Int], initializingEvery initialize: (UnsafeMutableBufferPointer<Float>) -> Void) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent")
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialize(buffer)
            initialized = count
        }
    }

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The same elements under another shape with the same element count (a view change, no copy
    /// of the element order).
    public func reshaped(_ shape: [Int]) -> Tensor {
        precondition(
            shape.reduce(1, *) == count,
            "cannot reshape \(self.shape) (\(count) elements) to \(shape)")
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// The element-wise function applied to a layer's output, fused into the layer's epilogue.
public enum Activation: Sendable {
    /// `y = x`.
    case identity
    /// `y = max(x, 0)`.
    case relu
}

/// Eval-mode batch normalisation parameters (PyTorch `BatchNorm1d/2d/3d`), one entry per channel.
///
/// `y = (x − runningMean[c]) / sqrt(runningVariance[c] + epsilon) · weight[c] + bias[c]`,
/// evaluated as `x · α + β` with `α = weight / sqrt(var + eps)`, `β = bias − mean · α`, like
/// PyTorch's CPU kernel. Layers fold it into their weights with `folding(_:)`.
public struct BatchNorm: Sendable {
    public let weight: [Float]
    public let bias: [Float]
    public let runningMean: [Float]
    public let runningVariance: [Float]
    public let epsilon: Float

    /// - Precondition: the four vectors have the same length.
    public init(
        weight: [Float], bias: [Float], runningMean: [Float], runningVariance: [Float], epsilon: Float = 1e-5
    ) {
        precondition(
            bias.count == weight.count && runningMean.count == weight.count
                && runningVariance.count == weight.count,
            "BatchNorm vectors differ in length: weight \(weight.count), bias \(bias.count), "
                + "mean \(runningMean.count), variance \(runningVariance.count)")
        self.weight = weight
        self.bias = bias
        self.runningMean = runningMean
        self.runningVariance = runningVariance
        self.epsilon = epsilon
    }

    /// The number of channels.
    public var channels: Int { weight.count }

    /// Per-channel scale `α` and shift `β` (computed in double, rounded once to float).
    var scaleAndShift: (scale: [Double], shift: [Double]) {
        var scale = [Double](repeating: 0, count: channels)
        var shift = [Double](repeating: 0, count: channels)
        for c in 0..<channels {
            let a = Double(weight[c]) / (Double(runningVariance[c]) + Double(epsilon)).squareRoot()
            scale[c] = a
            shift[c] = Double(bias[c]) - Double(runningMean[c]) * a
        }
        return (scale, shift)
    }

    /// Applies the normalisation to a tensor whose axis 1 is the channel axis (`[N, C, …]`).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(
            input.shape.count >= 2 && input.shape[1] == channels,
            "BatchNorm(\(channels)) got input of shape \(input.shape)")
        let (scale, shift) = scaleAndShift
        let alpha = scale.map(Float.init), beta = shift.map(Float.init)
        let inner = input.shape.dropFirst(2).reduce(1, *)
        var out = input
        out.scalars.withUnsafeMutableBufferPointer { y in
            for block in 0..<(input.count / max(inner * channels, 1)) {
                for c in 0..<channels {
                    let base = (block * channels + c) * inner
                    for i in 0..<inner { y[base + i] = y[base + i] * alpha[c] + beta[c] }
                }
            }
        }
        return out
    }
}
