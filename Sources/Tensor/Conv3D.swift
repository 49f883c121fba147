/// 3-D convolution (PyTorch `Conv3d`, groups = 1) with an optional fused activation.
///
/// Input `[N, C, T, H, W]`, weight `[O, C, kT, kH, kW]`, output `[N, O, T', H', W']`; stride,
/// padding and dilation are `(t, h, w)`, sizes per axis as for ``Conv2D``.
///
/// Computed as a 2-D convolution with `C·kT` input channels: for every output time `t'` the
/// `kT` input frames `s_t·t' − p_t + d_t·k` (zero outside) are stacked as channels `c·kT + k`,
/// which is exactly how the weight `[O, C, kT, kH, kW]` is laid out as `[O, C·kT, kH, kW]`; all
/// `N·T'` stacks form one batch. When the kernel spans the whole unpadded time axis (SyncNet's
/// first layer, `kT = T`) the input is used as it is, without a copy.
public struct Conv3D: Sendable {
    /// The equivalent 2-D layer over stacked frames.
    let planar: Conv2D
    public let outChannels: Int
    public let inChannels: Int
    public let kernel: (Int, Int, Int)
    public let stride: (Int, Int, Int)
    public let padding: (Int, Int, Int)
    public let dilation: (Int, Int, Int)

    /// - Parameters:
    ///   - weight: `[outChannels, inChannels, kT, kH, kW]`, PyTorch layout.
    ///   - bias: `outChannels` values or `nil`.
    /// - Precondition: as for ``Conv2D``, per axis.
    public init(
        weight: [Float], outChannels: Int, inChannels: Int, kernel: (Int, Int, Int), bias: [Float]?,
        stride: (Int, Int, Int) = (1, 1, 1), padding: (Int, Int, Int) = (0, 0, 0),
        dilation: (Int, Int, Int) = (1, 1, 1), activation: Activation = .identity
    ) {
        precondition(
            kernel.0 > 0 && stride.0 > 0 && dilation.0 > 0 && padding.0 >= 0,
            "Conv3D time kernel \(kernel.0) / stride \(stride.0) / dilation \(dilation.0) must be positive, padding \(padding.0) non-negative"
        )
        precondition(
            weight.count == outChannels * inChannels * kernel.0 * kernel.1 * kernel.2,
            "Conv3D \(inChannels)→\(outChannels) k\(kernel) needs \(outChannels * inChannels * kernel.0 * kernel.1 * kernel.2) weights, got \(weight.count)"
        )
        self.init(
            planar: Conv2D(
                weight: weight, outChannels: outChannels, inChannels: inChannels * kernel.0,
                kernel: (kernel.1, kernel.2), bias: bias, stride: (stride.1, stride.2),
                padding: (padding.1, padding.2), dilation: (dilation.1, dilation.2), activation: activation),
            inChannels: inChannels, kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    private init(
        planar: Conv2D, inChannels: Int, kernel: (Int, Int, Int), stride: (Int, Int, Int),
        padding: (Int, Int, Int), dilation: (Int, Int, Int)
    ) {
        self.planar = planar
        self.outChannels = planar.outChannels
        self.inChannels = inChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// Weights `[O, C, kT, kH, kW]` (after any folded BatchNorm).
    public var weight: [Float] { planar.weight }
    /// One bias per output channel (zeros when the layer has none).
    public var bias: [Float] { planar.bias }
    public var activation: Activation { planar.activation }
    /// The arithmetic of the layer's matrix products.
    public var precision: Precision { planar.precision }

    /// This layer followed by eval-mode BatchNorm3d over its output channels, as one convolution.
    public func folding(_ batchNorm: BatchNorm) -> Conv3D {
        precondition(
            batchNorm.channels == outChannels,
            "BatchNorm(\(batchNorm.channels)) cannot follow Conv3D with \(outChannels) outputs")
        return Conv3D(
            planar: planar.folding(batchNorm), inChannels: inChannels, kernel: kernel, stride: stride,
            padding: padding, dilation: dilation)
    }

    /// The same layer with another fused activation.
    public func with(activation: Activation) -> Conv3D {
        Conv3D(
            planar: planar.with(activation: activation), inChannels: inChannels, kernel: kernel, stride: stride,
            padding: padding, dilation: dilation)
    }

    /// The same layer computing its matrix products in another precision.
    public func with(precision: Precision) -> Conv3D {
        Conv3D(
            planar: planar.with(precision: precision), inChannels: inChannels, kernel: kernel, stride: stride,
            padding: padding, dilation: dilation)
    }

    /// Applies the layer to `[N, C, T, H, W]`, returning `[N, O, T', H', W']`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(
            input.shape.count == 5 && input.shape[1] == inChannels,
            "Conv3D \(inChannels)→\(outChannels) k\(kernel) expects [N, \(inChannels), T, H, W], got \(input.shape)")
        let (n, t, h, w) = (input.shape[0], input.shape[2], input.shape[3], input.shape[4])
        let kt = kernel.0
        let to = (t + 2 * padding.0 - dilation.0 * (kt - 1) - 1) / stride.0 + 1
        precondition(to > 0, "Conv3D time kernel \(kt) d\(dilation.0) p\(padding.0) does not fit \(t) frames")
        let frame = h * w
        let stacked: Tensor
        if kt == t && padding.0 == 0 && to == 1 {
            stacked = input.reshaped([n, inChannels * t, h, w])
        } else {
            var s = Tensor(zeros: [n * to, inChannels * kt, h, w])
            input.scalars.withUnsafeBufferPointer { x in
                s.scalars.withUnsafeMutableBufferPointer { y in
                    for b in 0..<n {
                        for tt in 0..<to {
                            for c in 0..<inChannels {
                                for k in 0..<kt {
                                    let source = stride.0 * tt - padding.0 + dilation.0 * k
                                    guard source >= 0 && source < t else { continue }
                                    let dst = (((b * to + tt) * inChannels + c) * kt + k) * frame
                                    let src = ((b * inChannels + c) * t + source) * frame
                                    (y.baseAddress! + dst).update(from: x.baseAddress! + src, count: frame)
                                }
                            }
                        }
                    }
                }
            }
            stacked = s
        }
        let planes = planar(stacked)  // [N·T', O, H', W']
        let (ho, wo) = (planes.shape[2], planes.shape[3])
        if to == 1 { return planes.reshaped([n, outChannels, 1, ho, wo]) }
        var out = Tensor(zeros: [n, outChannels, to, ho, wo])
        let plane = ho * wo
        planes.scalars.withUnsafeBufferPointer { x in
            out.scalars.withUnsafeMutableBufferPointer { y in
                for b in 0..<n {
                    for tt in 0..<to {
                        for o in 0..<outChannels {
                            let src = ((b * to + tt) * outChannels + o) * plane
                            let dst = ((b * outChannels + o) * to + tt) * plane
                            (y.baseAddress! + dst).update(from: x.baseAddress! + src, count: plane)
                        }
                    }
                }
            }
        }
        return out
    }
}
