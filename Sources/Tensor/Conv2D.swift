/// 2-D convolution (PyTorch `Conv2d`, groups = 1) with an optional fused activation.
///
/// Cross-correlation with zero padding, as PyTorch:
/// `y[n, o, i, j] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v] · x[n, c, s_h·i − p_h + d_h·u, s_w·j − p_w + d_w·v]`.
/// Input `[N, C, H, W]`, weight `[O, C, kH, kW]`, output `[N, O, H', W']` with
/// `H' = floor((H + 2p_h − d_h·(kH − 1) − 1) / s_h) + 1` (likewise W').
///
/// Algorithms (chosen per call from the layer and input shape, see ``Conv2D/Algorithm``):
/// 3×3 stride-1 undilated convolutions with at least ``Conv2D/winogradMinimumInChannels`` input
/// channels use Winograd F(4×4, 3×3), transforming their weights during each call from a
/// tap-by-tap copy (the Winograd-domain weights are 4× larger and are never kept: 235 MB for
/// S3FD); 1×1 stride-1 unpadded ones multiply the input directly;
/// everything else is im2col + GEMM. Bias and activation are applied in the same pass that
/// finishes each output block.
public struct Conv2D: Sendable {
    /// Weights `[O, C, kH, kW]` (after any folded BatchNorm). Rebuilt from ``stored`` on each
    /// access for a Winograd layer, which keeps its weights only tap by tap.
    public var weight: [Float] {
        usesWinograd ? Self.transposed(stored, rows: 9, columns: outChannels * inChannels) : stored
    }
    /// `weight` as given, or, for a Winograd layer, tap by tap: `[kH·kW, O·C]` with
    /// `stored[t · O·C + o·C + c] = W[o, c, t / 3, t % 3]`, so that a Winograd job reads eight
    /// consecutive kernels' tap `t` with one vector load (see ``Winograd/Weights/taps``).
    let stored: [Float]
    /// One bias per output channel (zeros when the layer has none).
    public let bias: [Float]
    public let outChannels: Int
    public let inChannels: Int
    public let kernel: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let activation: Activation
    /// The arithmetic of the layer's matrix products (``Precision/fp32`` unless set with
    /// ``with(precision:)``).
    public let precision: Precision
    /// Whether ``Algorithm/winograd`` computes this layer by default: 3×3, stride 1, undilated,
    /// at least ``winogradMinimumInChannels`` inputs.
    let usesWinograd: Bool
    /// For ``Algorithm/polyphaseWinograd`` layers: the equivalent stride-1 3×3 layer over the
    /// four input phases (an array only to allow the recursive type; zero or one element).
    let polyphase: [Conv2D]
    /// For ``Algorithm/polyphaseWinograd4x4`` layers (stride 2, 7×7 or 8×8, undilated): the
    /// Winograd F(3×3, 4×4) weights `[36, O, 4C]` of the four phase sub-kernels, computed once at
    /// load time.
    let polyphaseWinogradWeight: [Float]?

    /// The convolution algorithms of this module.
    public enum Algorithm: Sendable, Equatable {
        /// Lower the input to a `[C·kH·kW, H'·W']` matrix per image and multiply.
        case im2col
        /// 1×1 kernel, stride 1, no padding: the input already is the matrix to multiply.
        case pointwise
        /// Winograd F(4×4, 3×3): 6×6 input tiles, 36 batched GEMMs, 4×4 output tiles.
        case winograd
        /// Stride 2 with a 5×5 or 6×6 kernel: the input is split into its four (row, column)
        /// parity phases, which turns the layer into a stride-1 3×3 convolution over `4·C`
        /// channels (sub-kernels zero-padded to 3×3), computed with Winograd. 1.44× (5×5) the
        /// multiply-adds of the direct layer before Winograd's 4× saving.
        case polyphaseWinograd
        /// Stride 2 with a 7×7 or 8×8 kernel: the four parity phases turn the layer into a
        /// stride-1 4×4 convolution over `4·C` channels, computed with Winograd F(3×3, 4×4)
        /// (6×6 tiles, 36 multiplications per 9 outputs instead of 144); 1.31× (7×7) the
        /// multiply-adds of the direct layer before that 4× saving. See ``PolyphaseWinograd``.
        case polyphaseWinograd4x4
    }

    /// 3×3 layers with fewer input channels than this use im2col: with `C` this small the 36
    /// GEMMs have `k = C` and the tile transforms dominate (SyncNet audio conv1, 1 channel:
    /// im2col 0.3 ms vs Winograd 1.5 ms for 20 windows; S3FD conv1_1 at 320×180, 3 channels:
    /// 5.0 ms vs 9.9 ms; measured on the 2-core development machine).
    public static let winogradMinimumInChannels = 8

    /// - Parameters:
    ///   - weight: `[outChannels, inChannels, kernel.0, kernel.1]`, PyTorch layout.
    ///   - bias: `outChannels` values or `nil`.
    /// - Precondition: sizes, strides and dilations are positive, padding non-negative, and the
    ///   arrays have the sizes implied by the channel counts and kernel.
    public init(
        weight: [Float], outChannels: Int, inChannels: Int, kernel: (Int, Int), bias: [Float]?,
        stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
        activation: Activation = .identity
    ) {
        precondition(
            outChannels > 0 && inChannels > 0 && kernel.0 > 0 && kernel.1 > 0,
            "Conv2D needs positive sizes: \(inChannels)→\(outChannels), kernel \(kernel)")
        precondition(
            stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
            "Conv2D stride \(stride) / dilation \(dilation) must be positive, padding \(padding) non-negative")
        precondition(
            weight.count == outChannels * inChannels * kernel.0 * kernel.1,
            "Conv2D \(inChannels)→\(outChannels) k\(kernel) needs \(outChannels * inChannels * kernel.0 * kernel.1) weights, got \(weight.count)"
        )
        precondition(bias == nil || bias!.count == outChannels, "Conv2D bias has \(bias!.count) values for \(outChannels) outputs")
        self.bias = bias ?? [Float](repeating: 0, count: outChannels)
        self.outChannels = outChannels
        self.inChannels = inChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.activation = activation
        self.precision = .fp32
        let winogradShape = kernel == (3, 3) && stride == (1, 1) && dilation == (1, 1)
        self.usesWinograd = winogradShape && inChannels >= Self.winogradMinimumInChannels
        self.stored = usesWinograd ? Self.tapMajor(weight, kernels: outChannels * inChannels) : weight
        self.polyphase =
            stride == (2, 2) && dilation == (1, 1) && (kernel.0 + 1) / 2 == 3 && (kernel.1 + 1) / 2 == 3
            ? [
                Conv2D(
                    weight: Self.phaseWeights(weight, outChannels: outChannels, inChannels: inChannels, kernel: kernel),
                    outChannels: outChannels, inChannels: 4 * inChannels, kernel: (3, 3), bias: bias,
                    activation: activation)
            ] : []
        self.polyphaseWinogradWeight =
            PolyphaseWinograd.qualifies(kernel: kernel, stride: stride, dilation: dilation)
            ? PolyphaseWinograd.transformWeights(weight, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
            : nil
    }

    /// `[K, 3, 3]` → `[9, K]`.
    static func tapMajor(_ w: [Float], kernels: Int) -> [Float] { transposed(w, rows: kernels, columns: 9) }

    /// A row-major `rows × columns` matrix transposed.
    static func transposed(_ w: [Float], rows: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        for r in 0..<rows {
            for c in 0..<columns { out[c * rows + r] = w[r * columns + c] }
        }
        return out
    }

    /// `W'[o, (a·2 + b)·C + c, i, j] = W[o, c, 2i + a, 2j + b]` (0 outside the kernel).
    static func phaseWeights(_ w: [Float], outChannels: Int, inChannels: Int, kernel: (Int, Int)) -> [Float] {
        var out = [Float](repeating: 0, count: outChannels * 4 * inChannels * 9)
        for o in 0..<outChannels {
            for a in 0..<2 {
                for b in 0..<2 {
                    for c in 0..<inChannels {
                        for i in 0..<3 {
                            for j in 0..<3 where 2 * i + a < kernel.0 && 2 * j + b < kernel.1 {
                                let src = ((o * inChannels + c) * kernel.0 + 2 * i + a) * kernel.1 + 2 * j + b
                                out[((o * 4 * inChannels + (a * 2 + b) * inChannels + c) * 3 + i) * 3 + j] = w[src]
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// This layer followed by eval-mode BatchNorm over its output channels, as one convolution:
    /// `W'[o] = α[o]·W[o]`, `b'[o] = α[o]·b[o] + β[o]` (computed in double, rounded once).
    public func folding(_ batchNorm: BatchNorm) -> Conv2D {
        precondition(
            batchNorm.channels == outChannels,
            "BatchNorm(\(batchNorm.channels)) cannot follow Conv2D with \(outChannels) outputs")
        let (w, b) = foldBatchNorm(batchNorm, weight: weight, bias: bias, rows: outChannels)
        return Conv2D(
            weight: w, outChannels: outChannels, inChannels: inChannels, kernel: kernel, bias: b,
            stride: stride, padding: padding, dilation: dilation, activation: activation
        ).with(precision: precision)
    }

    /// The same layer with another fused activation.
    public func with(activation: Activation) -> Conv2D {
        Conv2D(copying: self, activation: activation, precision: precision)
    }

    /// The same layer computing its matrix products in another precision.
    public func with(precision: Precision) -> Conv2D {
        Conv2D(copying: self, activation: activation, precision: precision)
    }

    private init(copying other: Conv2D, activation: Activation, precision: Precision) {
        stored = other.stored
        bias = other.bias
        outChannels = other.outChannels
        inChannels = other.inChannels
        kernel = other.kernel
        stride = other.stride
        padding = other.padding
        dilation = other.dilation
        usesWinograd = other.usesWinograd
        polyphase = other.polyphase.map { $0.with(activation: activation).with(precision: precision) }
        polyphaseWinogradWeight = other.polyphaseWinogradWeight
        self.activation = activation
        self.precision = precision
    }

    /// The output spatial size for an input of `height × width`.
    public func outputSize(height: Int, width: Int) -> (Int, Int) {
        (
            (height + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1,
            (width + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
        )
    }

    /// The algorithm `callAsFunction` uses for an input of the given spatial size.
    public func algorithm(height: Int, width: Int) -> Algorithm {
        if usesWinograd { return .winograd }
        if kernel == (1, 1) && stride == (1, 1) && padding == (0, 0) { return .pointwise }
        if !polyphase.isEmpty && inChannels >= 8 { return .polyphaseWinograd }
        if polyphaseWinogradWeight != nil { return .polyphaseWinograd4x4 }
        return .im2col
    }

    /// Applies the layer to `[N, C, H, W]`, returning `[N, O, H', W']`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, algorithm: nil)
    }

    /// Applies the layer with a given algorithm (`nil`: the automatic choice). For tests and
    /// measurements; `.winograd` requires a 3×3, stride-1, undilated layer.
    public func callAsFunction(_ input: Tensor, algorithm forced: Algorithm?) -> Tensor {
        precondition(
            input.shape.count == 4 && input.shape[1] == inChannels,
            "Conv2D \(inChannels)→\(outChannels) k\(kernel) expects [N, \(inChannels), H, W], got \(input.shape)")
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = outputSize(height: h, width: w)
        precondition(ho > 0 && wo > 0, "Conv2D k\(kernel) d\(dilation) p\(padding) does not fit input \(h)×\(w)")
        let chosen = forced ?? algorithm(height: h, width: w)
        if chosen == .polyphaseWinograd {
            precondition(!polyphase.isEmpty, "polyphaseWinograd needs a stride-2 5×5 or 6×6 layer")
            return polyphaseConvolution(input, outHeight: ho, outWidth: wo)
        }
        return Tensor(shape: [n, outChannels, ho, wo]) { y in apply(input, algorithm: chosen, into: y) }
    }

    /// Writes the layer's output for `input` with `algorithm` (not ``Algorithm/polyphaseWinograd``)
    /// into `y`: every one of its `[N, O, H', W']` elements, whatever `y` held before.
    func apply(_ input: Tensor, algorithm chosen: Algorithm, into y: UnsafeMutableBufferPointer<Float>) {
        let (n, h, w) = (input.shape[0], input.shape[2], input.shape[3])
        let (ho, wo) = outputSize(height: h, width: w)
        precondition(y.count == n * outChannels * ho * wo, "Conv2D output buffer of \(y.count) elements for [\(n), \(outChannels), \(ho), \(wo)]")
        let geometry = ConvGeometry(
            channels: inChannels, height: h, width: w, outHeight: ho, outWidth: wo,
            kernel: kernel, stride: stride, padding: padding, dilation: dilation)
        input.scalars.withUnsafeBufferPointer { x in
            switch chosen {
            case .winograd:
                precondition(kernel == (3, 3) && stride == (1, 1) && dilation == (1, 1), "Winograd needs 3×3/s1/d1")
                func convolve(_ weights: Winograd.Weights) {
                    Winograd.convolve(
                        input: x.baseAddress!, batch: n, geometry: geometry, weights: weights,
                        outChannels: outChannels, bias: bias, activation: activation, output: y.baseAddress!,
                        precision: precision)
                }
                // Forced on a layer with fewer inputs than the automatic choice needs, the
                // weights are put tap by tap for this call only.
                let taps = usesWinograd ? stored : Self.tapMajor(stored, kernels: outChannels * inChannels)
                taps.withUnsafeBufferPointer { convolve(.taps($0.baseAddress!)) }
            case .polyphaseWinograd:
                preconditionFailure("handled above")
            case .polyphaseWinograd4x4:
                precondition(
                    PolyphaseWinograd.qualifies(kernel: kernel, stride: stride, dilation: dilation),
                    "polyphaseWinograd4x4 needs a stride-2, undilated 7×7 or 8×8 layer")
                let u =
                    polyphaseWinogradWeight
                    ?? PolyphaseWinograd.transformWeights(
                        weight, outChannels: outChannels, inChannels: inChannels, kernel: kernel)
                PolyphaseWinograd.convolve(
                    input: x.baseAddress!, batch: n, geometry: geometry, transformedWeight: u,
                    outChannels: outChannels, bias: bias, activation: activation, output: y.baseAddress!,
                    precision: precision)
            case .pointwise, .im2col:
                precondition(
                    chosen == .im2col || (kernel == (1, 1) && stride == (1, 1) && padding == (0, 0)),
                    "pointwise needs a 1×1/s1/p0 layer")
                lowerAndMultiply(
                    input: x.baseAddress!, batch: n, geometry: geometry, pointwise: chosen == .pointwise,
                    weight: weight, outChannels: outChannels, bias: bias, activation: activation,
                    output: y.baseAddress!, precision: precision)
            }
        }
    }
}

extension Conv2D {
    /// Splits the zero-padded input into its four parity phases,
    /// `X'[n, (a·2 + b)·C + c, i, j] = x_padded[n, c, 2i + a, 2j + b]`, runs the stride-1 3×3
    /// phase layer and crops its output to `outHeight × outWidth`.
    func polyphaseConvolution(_ input: Tensor, outHeight ho: Int, outWidth wo: Int) -> Tensor {
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let h2 = (h + 2 * padding.0 + 1) / 2, w2 = (w + 2 * padding.1 + 1) / 2
        var phases = Tensor(zeros: [n, 4 * c, h2, w2])
        input.scalars.withUnsafeBufferPointer { xb in
            phases.scalars.withUnsafeMutableBufferPointer { pb in
                let x = xb.baseAddress!, p = pb.baseAddress!
                Parallel.forChunks(n * c, oversubscription: 4) { planes in
                    for plane in planes {
                        let (image, ch) = (plane / c, plane % c)
                        let src = x + plane * h * w
                        for a in 0..<2 {
                            for b in 0..<2 {
                                let dst = p + ((image * 4 + a * 2 + b) * c + ch) * h2 * w2
                                for i in 0..<h2 {
                                    let y = 2 * i + a - padding.0
                                    guard y >= 0 && y < h else { continue }
                                    let row = src + y * w, out = dst + i * w2
                                    for j in 0..<w2 {
                                        let xx = 2 * j + b - padding.1
                                        if xx >= 0 && xx < w { out[j] = row[xx] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let full = polyphase[0](phases, algorithm: .winograd)  // [N, O, h2 − 2, w2 − 2]
        let (fh, fw) = (full.shape[2], full.shape[3])
        precondition(fh >= ho && fw >= wo, "polyphase output \(fh)×\(fw) smaller than \(ho)×\(wo)")
        if fh == ho && fw == wo { return full }
        var out = Tensor(zeros: [n, outChannels, ho, wo])
        full.scalars.withUnsafeBufferPointer { fb in
            out.scalars.withUnsafeMutableBufferPointer { ob in
                for plane in 0..<(n * outChannels) {
                    for i in 0..<ho {
                        (ob.baseAddress! + (plane * ho + i) * wo).update(from: fb.baseAddress! + (plane * fh + i) * fw, count: wo)
                    }
                }
            }
        }
        return out
    }
}

/// Folds eval-mode BatchNorm into a `[rows, …]` weight and its bias (double, rounded once).
func foldBatchNorm(_ bn: BatchNorm, weight: [Float], bias: [Float], rows: Int) -> ([Float], [Float]) {
    let (scale, shift) = bn.scaleAndShift
    let perRow = weight.count / rows
    var w = weight
    var b = bias
    for o in 0..<rows {
        for i in 0..<perRow { w[o * perRow + i] = Float(Double(weight[o * perRow + i]) * scale[o]) }
        b[o] = Float(Double(bias[o]) * scale[o] + shift[o])
    }
    return (w, b)
}

/// Sizes of one 2-D convolution problem (per image).
struct ConvGeometry {
    var channels, height, width, outHeight, outWidth: Int
    var kernel, stride, padding, dilation: (Int, Int)
    var rows: Int { channels * kernel.0 * kernel.1 }
    var outPixels: Int { outHeight * outWidth }
}

/// Adds the bias to rows `rows` of a `[O, width]` block (row stride `ldc`) and applies `activation`.
@inline(__always)
func finishBlock(
    _ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, width: Int, bias: UnsafePointer<Float>,
    activation: Activation
) {
    for o in rows {
        let row = c + o * ldc
        let b = bias[o]
        switch activation {
        case .identity: for j in 0..<width { row[j] += b }
        case .relu: for j in 0..<width { row[j] = max(row[j] + b, 0) }
        }
    }
}

/// Writes columns `p0 ..< p0 + width` (flattened output pixels) of the im2col matrix of one image
/// `[C, H, W]` into `columns`, `[C·kH·kW, width]` row-major: row `(c, u, v)`, column `(i, j)` holds
/// `x[c, s_h·i − p_h + d_h·u, s_w·j − p_w + d_w·v]`, or 0 outside the image.
func im2col(
    _ x: UnsafePointer<Float>, geometry g: ConvGeometry, p0: Int, width: Int, columns: UnsafeMutablePointer<Float>
) {
    let (kh, kw) = g.kernel
    for c in 0..<g.channels {
        let plane = x + c * g.height * g.width
        for u in 0..<kh {
            for v in 0..<kw {
                let row = columns + ((c * kh + u) * kw + v) * width
                var p = p0
                let end = p0 + width
                while p < end {
                    let i = p / g.outWidth
                    let j0 = p - i * g.outWidth
                    let span = min(g.outWidth - j0, end - p)
                    let dst = row + (p - p0)
                    let y = g.stride.0 * i - g.padding.0 + g.dilation.0 * u
                    if y < 0 || y >= g.height {
                        dst.update(repeating: 0, count: span)
                    } else {
                        let src = plane + y * g.width
                        let xOffset = -g.padding.1 + g.dilation.1 * v
                        let sw = g.stride.1
                        if sw == 1 {
                            // Valid j: 0 <= j + xOffset < W.
                            let lo = min(max(j0, -xOffset), j0 + span)
                            let hi = max(min(j0 + span, g.width - xOffset), lo)
                            if lo > j0 { dst.update(repeating: 0, count: lo - j0) }
                            if hi > lo { dst.advanced(by: lo - j0).update(from: src + lo + xOffset, count: hi - lo) }
                            if j0 + span > hi { dst.advanced(by: hi - j0).update(repeating: 0, count: j0 + span - hi) }
                        } else {
                            // Valid j: 0 <= sw·j + xOffset < W, i.e. ceil(−xOffset/sw) <= j <= (W−1−xOffset)/sw.
                            let first = xOffset >= 0 ? 0 : (-xOffset + sw - 1) / sw
                            let last = g.width - 1 - xOffset >= 0 ? (g.width - 1 - xOffset) / sw + 1 : 0
                            let lo = min(max(j0, first), j0 + span)
                            let hi = max(min(j0 + span, last), lo)
                            if lo > j0 { dst.update(repeating: 0, count: lo - j0) }
                            var s = src + sw * lo + xOffset
                            var d = dst + (lo - j0)
                            for _ in lo..<hi {
                                d.pointee = s.pointee
                                d += 1
                                s += sw
                            }
                            if j0 + span > hi { dst.advanced(by: hi - j0).update(repeating: 0, count: j0 + span - hi) }
                        }
                    }
                    p += span
                }
            }
        }
    }
}

/// im2col + GEMM (or the input itself for pointwise layers), blocked over output columns so that
/// each lowered block stays in cache; work items are (image, column block), spread over the
/// workers. When there are fewer items than workers the GEMM of each item is split instead.
func lowerAndMultiply(
    input: UnsafePointer<Float>, batch: Int, geometry g: ConvGeometry, pointwise: Bool,
    weight: [Float], outChannels: Int, bias: [Float], activation: Activation,
    output: UnsafeMutablePointer<Float>, precision: Precision
) {
    let k = g.rows
    let pixels = g.outPixels
    // About 2 MB of lowered columns per block, at least 64 columns, a multiple of 16.
    let columnBlock = pointwise ? pixels : min(pixels, max(64, ((1 << 19) / k) / 16 * 16))
    let blocksPerImage = (pixels + columnBlock - 1) / columnBlock
    let items = batch * blocksPerImage
    let inputStride = g.channels * g.height * g.width
    let outputStride = outChannels * pixels
    weight.withUnsafeBufferPointer { wBuffer in
        bias.withUnsafeBufferPointer { bBuffer in
            let w = wBuffer.baseAddress!, b = bBuffer.baseAddress!
            if pixels < 256 && batch > 1 {
                // Small maps: lower several images side by side, [K, g·P], one product for all of
                // them, then scatter [O, g·P] into the g images' [O, P] planes.
                let group = min(batch, max(1, 1024 / pixels))
                let columns = UnsafeMutablePointer<Float>.allocate(capacity: k * group * pixels)
                let product = UnsafeMutablePointer<Float>.allocate(capacity: outChannels * group * pixels)
                defer {
                    columns.deallocate()
                    product.deallocate()
                }
                var first = 0
                while first < batch {
                    let count = min(group, batch - first)
                    let width = count * pixels
                    Parallel.forChunks(count) { images in
                        for image in images {
                            let x = input + (first + image) * inputStride
                            if pointwise {
                                for r in 0..<k { (columns + r * width + image * pixels).update(from: x + r * pixels, count: pixels) }
                            } else {
                                im2colRows(x, geometry: g, columns: 0..<pixels, into: columns + image * pixels, ld: width)
                            }
                        }
                    }
                    parallelProduct(m: outChannels, n: width, k: k, a: w, b: columns, c: product, precision: precision)
                    Parallel.forChunks(count) { images in
                        for image in images {
                            let y = output + (first + image) * outputStride
                            for o in 0..<outChannels {
                                (y + o * pixels).update(from: product + o * width + image * pixels, count: pixels)
                            }
                            finishBlock(y, ldc: pixels, rows: 0..<outChannels, width: pixels, bias: b, activation: activation)
                        }
                    }
                    first += count
                }
            } else if items >= Parallel.workerCount {
                Parallel.forChunks(items) { range in
                    let buffer = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * columnBlock)
                    defer { buffer?.deallocate() }
                    for item in range {
                        let image = item / blocksPerImage
                        let p0 = (item % blocksPerImage) * columnBlock
                        let width = min(columnBlock, pixels - p0)
                        let x = input + image * inputStride
                        let columns: UnsafePointer<Float>
                        if let buffer {
                            im2col(x, geometry: g, p0: p0, width: width, columns: buffer)
                            columns = UnsafePointer(buffer)
                        } else {
                            columns = x + p0
                        }
                        let c = output + image * outputStride + p0
                        GEMM.serial(
                            m: outChannels, n: width, k: k, a: w, lda: k, b: columns,
                            ldb: pointwise ? pixels : width, c: c, ldc: pixels, precision: precision)
                        finishBlock(c, ldc: pixels, rows: 0..<outChannels, width: width, bias: b, activation: activation)
                    }
                }
            } else {
                // One item per image: lower the whole image, then split the product over workers.
                let buffer = pointwise ? nil : UnsafeMutablePointer<Float>.allocate(capacity: k * pixels)
                defer { buffer?.deallocate() }
                for image in 0..<batch {
                    let x = input + image * inputStride
                    let columns: UnsafePointer<Float>
                    if let buffer {
                        Parallel.forChunks(pixels, minimumChunk: 64) { r in
                            // Lower a column range into its own slab, then scatter rows in place.
                            im2colRows(x, geometry: g, columns: r, into: buffer, ld: pixels)
                        }
                        columns = UnsafePointer(buffer)
                    } else {
                        columns = x
                    }
                    let c = output + image * outputStride
                    parallelProduct(m: outChannels, n: pixels, k: k, a: w, b: columns, c: c, precision: precision)
                    Parallel.forChunks(outChannels) { rows in
                        finishBlock(c, ldc: pixels, rows: rows, width: pixels, bias: b, activation: activation)
                    }
                }
            }
        }
    }
}

/// im2col for output columns `columns` written straight into a `[K, ld]` matrix.
private func im2colRows(
    _ x: UnsafePointer<Float>, geometry g: ConvGeometry, columns: Range<Int>, into m: UnsafeMutablePointer<Float>,
    ld: Int
) {
    let width = columns.count
    let slab = UnsafeMutablePointer<Float>.allocate(capacity: g.rows * width)
    defer { slab.deallocate() }
    im2col(x, geometry: g, p0: columns.lowerBound, width: width, columns: slab)
    for r in 0..<g.rows {
        (m + r * ld + columns.lowerBound).update(from: slab + r * width, count: width)
    }
}

/// `C[m, n] = A[m, k] · B[k, n]` (all row-major, dense) split over the workers by columns when
/// `n` is wide and by rows otherwise.
func parallelProduct(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
    precision: Precision
) {
    let workers = Parallel.workerCount
    if workers == 1 || m * n * k < GEMM.parallelThreshold {
        GEMM.serial(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n, precision: precision)
    } else if n >= 64 * workers {
        let block = ((n + workers - 1) / workers + 15) / 16 * 16
        Parallel.forEach((n + block - 1) / block) { j in
            let n0 = j * block
            GEMM.serial(m: m, n: min(block, n - n0), k: k, a: a, lda: k, b: b + n0, ldb: n, c: c + n0, ldc: n, precision: precision)
        }
    } else {
        Parallel.forChunks(m) { rows in
            GEMM.serial(
                m: rows.count, n: n, k: k, a: a + rows.lowerBound * k, lda: k, b: b, ldb: n,
                c: c + rows.lowerBound * n, ldc: n, precision: precision)
        }
    }
}
