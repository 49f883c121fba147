/// Fully connected layer (PyTorch `Linear`): `y = x · Wᵀ + b`, input `[N, in]`, output
/// `[N, out]`, weight `[out, in]`, with an optional fused activation.
public struct Linear: Sendable {
    /// Weights `[out, in]` (after any folded BatchNorm).
    public let weight: [Float]
    /// One bias per output (zeros when the layer has none).
    public let bias: [Float]
    public let outFeatures: Int
    public let inFeatures: Int
    public let activation: Activation
    /// The arithmetic of the layer's matrix product (``Precision/fp32`` unless set with
    /// ``with(precision:)``).
    public let precision: Precision

    /// - Precondition: `weight.count == outFeatures * inFeatures`; `bias` has `outFeatures` values.
    public init(weight: [Float], outFeatures: Int, inFeatures: Int, bias: [Float]?, activation: Activation = .identity) {
        self.init(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, bias: bias, activation: activation, precision: .fp32)
    }

    private init(weight: [Float], outFeatures: Int, inFeatures: Int, bias: [Float]?, activation: Activation, precision: Precision) {
        precondition(outFeatures > 0 && inFeatures > 0, "Linear needs positive sizes: \(inFeatures)→\(outFeatures)")
        precondition(
            weight.count == outFeatures * inFeatures,
            "Linear \(inFeatures)→\(outFeatures) needs \(outFeatures * inFeatures) weights, got \(weight.count)")
        precondition(bias == nil || bias!.count == outFeatures, "Linear bias has \(bias!.count) values for \(outFeatures) outputs")
        self.weight = weight
        self.bias = bias ?? [Float](repeating: 0, count: outFeatures)
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
        self.activation = activation
        self.precision = precision
    }

    /// This layer followed by eval-mode `BatchNorm1d` over its outputs, as one layer.
    public func folding(_ batchNorm: BatchNorm) -> Linear {
        precondition(
            batchNorm.channels == outFeatures,
            "BatchNorm(\(batchNorm.channels)) cannot follow Linear with \(outFeatures) outputs")
        let (w, b) = foldBatchNorm(batchNorm, weight: weight, bias: bias, rows: outFeatures)
        return Linear(weight: w, outFeatures: outFeatures, inFeatures: inFeatures, bias: b, activation: activation, precision: precision)
    }

    /// The same layer with another fused activation.
    public func with(activation: Activation) -> Linear {
        Linear(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, bias: bias, activation: activation, precision: precision)
    }

    /// The same layer computing its matrix product in another precision.
    public func with(precision: Precision) -> Linear {
        Linear(weight: weight, outFeatures: outFeatures, inFeatures: inFeatures, bias: bias, activation: activation, precision: precision)
    }

    /// Applies the layer to `[N, in]` (any shape `[N, …]` whose trailing axes hold `in` values,
    /// such as a `[N, 512, 1, 1]` feature map), returning `[N, out]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(
            input.shape.count >= 1 && input.shape[0] > 0 && input.count == input.shape[0] * inFeatures,
            "Linear \(inFeatures)→\(outFeatures) expects [N, \(inFeatures)], got \(input.shape)")
        let n = input.shape[0]
        var out = Tensor(zeros: [n, outFeatures])
        input.scalars.withUnsafeBufferPointer { x in
            weight.withUnsafeBufferPointer { w in
                out.scalars.withUnsafeMutableBufferPointer { y in
                    // y[N, out] = x[N, in] · W[out, in]ᵀ
                    GEMM.multiply(m: n, n: outFeatures, k: inFeatures, a: x, b: w, transposeB: .transposed, c: y, precision: precision)
                }
            }
        }
        out.scalars.withUnsafeMutableBufferPointer { y in
            for r in 0..<n {
                for q in 0..<outFeatures {
                    let v = y[r * outFeatures + q] + bias[q]
                    y[r * outFeatures + q] = activation == .relu ? max(v, 0) : v
                }
            }
        }
        return out
    }
}
