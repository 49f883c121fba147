import Tensor

// port of syncnet_python/SyncNetModel.py (class `S`), docs/reference/networks.md §2

/// SyncNet: a lip tower and an audio tower that map a 5-frame mouth window and the matching
/// 0.2 s of MFCCs to 1024-d embeddings whose Euclidean distance measures lip sync.
///
/// Built from the official `syncnet_v2.model` state dict (or the stand-in of
/// ``StandInWeights``). BatchNorm is folded into the preceding convolution or linear layer at
/// load time; the towers run in eval mode (the only mode the reference uses). Windows are
/// independent, so a batch of N windows gives the same embeddings as N single calls.
public struct SyncNet: Sendable {
    /// Height of a lip frame, width likewise.
    public static let frameSize = 224
    /// Frames per lip window.
    public static let windowFrames = 5
    /// MFCC coefficients per audio step.
    public static let mfccCoefficients = 13
    /// MFCC steps per audio window (4 per video frame at 25 fps and 100 MFCC frames/s).
    public static let mfccSteps = 20
    /// Size of both embeddings.
    public static let embeddingSize = 1024

    // Audio tower (netcnnaud + netfcaud): input N×1×13×20.
    private var audioConvolutions: [Conv2D]  // netcnnaud.0, .4, .8, .11, .14, .18 with BN folded, ReLU fused
    private let audioPool1 = MaxPool2D(kernel: (3, 3), stride: (1, 2))  // netcnnaud.7
    private let audioPool2 = MaxPool2D(kernel: (3, 3), stride: (2, 2))  // netcnnaud.17
    private var audioHidden: Linear  // netfcaud.0 + BatchNorm1d netfcaud.1 + ReLU
    private var audioOutput: Linear  // netfcaud.3

    // Lip tower (netcnnlip + netfclip): input N×3×5×224×224 (B, G, R; 0…255).
    private var lipInput: Conv3D  // netcnnlip.0 (5×7×7, stride 1×2×2): T collapses to 1
    private var lipConvolutions: [Conv2D]  // netcnnlip.4, .8, .11, .14, .18 (kT = 1, run as 2-D)
    private let lipPool1 = MaxPool2D(kernel: (3, 3), stride: (2, 2))  // netcnnlip.3
    private let lipPool2 = MaxPool2D(kernel: (3, 3), stride: (2, 2), padding: (1, 1))  // netcnnlip.7
    private let lipPool3 = MaxPool2D(kernel: (3, 3), stride: (2, 2))  // netcnnlip.17
    private var lipHidden: Linear  // netfclip.0 + netfclip.1 + ReLU
    private var lipOutput: Linear  // netfclip.3

    /// The arithmetic of both towers' matrix products (``Precision/fp32`` unless set with
    /// ``with(precision:)``).
    public private(set) var precision: Precision = .fp32

    /// The same network computing its matrix products in `precision` (the weights are shared).
    public func with(precision: Precision) -> SyncNet {
        var copy = self
        copy.precision = precision
        copy.audioConvolutions = audioConvolutions.map { $0.with(precision: precision) }
        copy.audioHidden = audioHidden.with(precision: precision)
        copy.audioOutput = audioOutput.with(precision: precision)
        copy.lipInput = lipInput.with(precision: precision)
        copy.lipConvolutions = lipConvolutions.map { $0.with(precision: precision) }
        copy.lipHidden = lipHidden.with(precision: precision)
        copy.lipOutput = lipOutput.with(precision: precision)
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
        func conv(_ index: Int, _ shape: [Int], padding: (Int, Int)) throws(CheckpointError) -> Conv2D {
            let prefix = "netcnnaud.\(index)"
            return Conv2D(
                weight: try values.floats(prefix + ".weight"), outChannels: shape[0], inChannels: shape[1],
                kernel: (shape[2], shape[3]), bias: try values.floats(prefix + ".bias"), padding: padding
            ).folding(try values.batchNorm("netcnnaud.\(index + 1)")).with(activation: .relu)
        }
        audioConvolutions = [
            try conv(0, [64, 1, 3, 3], padding: (1, 1)),
            try conv(4, [192, 64, 3, 3], padding: (1, 1)),
            try conv(8, [384, 192, 3, 3], padding: (1, 1)),
            try conv(11, [256, 384, 3, 3], padding: (1, 1)),
            try conv(14, [256, 256, 3, 3], padding: (1, 1)),
            try conv(18, [512, 256, 5, 4], padding: (0, 0)),
        ]
        func lipConv(_ index: Int, _ shape: [Int], stride: Int, padding: Int) throws(CheckpointError) -> Conv2D {
            let prefix = "netcnnlip.\(index)"
            return Conv2D(
                weight: try values.floats(prefix + ".weight"), outChannels: shape[0], inChannels: shape[1],
                kernel: (shape[2], shape[3]), bias: try values.floats(prefix + ".bias"),
                stride: (stride, stride), padding: (padding, padding)
            ).folding(try values.batchNorm("netcnnlip.\(index + 1)")).with(activation: .relu)
        }
        lipInput = Conv3D(
            weight: try values.floats("netcnnlip.0.weight"), outChannels: 96, inChannels: 3, kernel: (5, 7, 7),
            bias: try values.floats("netcnnlip.0.bias"), stride: (1, 2, 2)
        ).folding(try values.batchNorm("netcnnlip.1")).with(activation: .relu)
        lipConvolutions = [
            try lipConv(4, [256, 96, 5, 5], stride: 2, padding: 1),
            try lipConv(8, [256, 256, 3, 3], stride: 1, padding: 1),
            try lipConv(11, [256, 256, 3, 3], stride: 1, padding: 1),
            try lipConv(14, [256, 256, 3, 3], stride: 1, padding: 1),
            try lipConv(18, [512, 256, 6, 6], stride: 1, padding: 0),
        ]
        func head(_ prefix: String) throws(CheckpointError) -> (Linear, Linear) {
            let hidden = Linear(
                weight: try values.floats(prefix + ".0.weight"), outFeatures: 512, inFeatures: 512,
                bias: try values.floats(prefix + ".0.bias")
            ).folding(try values.batchNorm(prefix + ".1")).with(activation: .relu)
            let output = Linear(
                weight: try values.floats(prefix + ".3.weight"), outFeatures: Self.embeddingSize, inFeatures: 512,
                bias: try values.floats(prefix + ".3.bias"))
            return (hidden, output)
        }
        (audioHidden, audioOutput) = try head("netfcaud")
        (lipHidden, lipOutput) = try head("netfclip")
    }

    /// Audio embeddings (`forward_aud`): MFCC windows `[N, 1, 13, 20]` → `[N, 1024]`.
    public func audioEmbeddings(_ mfcc: Tensor) -> Tensor {
        precondition(
            mfcc.shape.count == 4 && mfcc.shape[1] == 1 && mfcc.shape[2] == Self.mfccCoefficients && mfcc.shape[3] == Self.mfccSteps,
            "SyncNet audio input must be [N, 1, 13, 20], got \(mfcc.shape)")
        var x = audioConvolutions[0](mfcc)  // 64×13×20 (netcnnaud.3 is a 1×1 pool: identity)
        x = audioPool1(audioConvolutions[1](x))  // 192×11×9
        x = audioConvolutions[2](x)  // 384×11×9
        x = audioConvolutions[3](x)  // 256×11×9
        x = audioPool2(audioConvolutions[4](x))  // 256×5×4
        x = audioConvolutions[5](x)  // 512×1×1
        return audioOutput(audioHidden(x.reshaped([x.shape[0], 512])))
    }

    /// Lip embeddings (`forward_lip`): windows `[N, 3, 5, 224, 224]` (B, G, R planes, values
    /// 0…255) → `[N, 1024]`.
    public func lipEmbeddings(_ frames: Tensor) -> Tensor {
        lipEmbeddings(frames, inputChunk: Self.lipInputChunk)
    }

    /// Lip embeddings of every window of consecutive frames `[F, 3, 224, 224]` (B, G, R planes,
    /// values 0…255): window `i` is frames `i ..< i + 5`, so the result is `[F − 4, 1024]`. The
    /// same numbers as ``lipEmbeddings(_:)`` on the stacked windows, without materialising them
    /// (a batch of 20 windows is 60 MB stacked, 14 MB as its 24 frames): each chunk of
    /// ``lipInputChunk`` windows is stacked only for the first layer.
    ///
    /// The frames are consumed: once the first layer has seen every window they are let go, so a
    /// caller that hands over its only copy does not hold them through the rest of the tower
    /// (14 MB for a batch of 20 windows).
    public func lipEmbeddings(consecutiveFrames frames: consuming Tensor) -> Tensor {
        precondition(
            frames.shape.count == 4 && frames.shape[0] >= Self.windowFrames && frames.shape[1] == 3
                && frames.shape[2] == Self.frameSize && frames.shape[3] == Self.frameSize,
            "SyncNet lip frames must be [F ≥ 5, 3, 224, 224], got \(frames.shape)")
        let plane = Self.frameSize * Self.frameSize, span = Self.windowFrames
        let pooled = lipInputLayers(windows: frames.shape[0] - span + 1, inputChunk: Self.lipInputChunk) { first, count in
            var stacked = [Float](repeating: 0, count: count * 3 * span * plane)
            frames.scalars.withUnsafeBufferPointer { source in
                stacked.withUnsafeMutableBufferPointer { out in
                    for b in 0..<count {
                        for c in 0..<3 {
                            for t in 0..<span {
                                let from = source.baseAddress! + ((first + b + t) * 3 + c) * plane
                                (out.baseAddress! + ((b * 3 + c) * span + t) * plane).update(from: from, count: plane)
                            }
                        }
                    }
                }
            }
            return Tensor(shape: [count, 3, span, Self.frameSize, Self.frameSize], scalars: stacked)
        }
        _ = consume frames
        return lipLayers(after: consume pooled)
    }

    /// Windows per pass through the first lip layer and its pool. The 96×109×109 map of one
    /// window is 4.6 MB: chunks keep it far smaller than the 91 MB a batch of 20 would
    /// materialise (fewer page faults, pool input closer in cache). For 20 windows on the 2-core
    /// development machine, chunks of 2–5 ran 10–20 % faster than one pass; 1 was slower.
    static let lipInputChunk = 4

    /// ``lipEmbeddings(_:)`` with the first layer and pool run on `inputChunk` windows at a time.
    func lipEmbeddings(_ frames: Tensor, inputChunk: Int) -> Tensor {
        precondition(inputChunk > 0, "inputChunk must be positive")
        precondition(
            frames.shape.count == 5 && frames.shape[1] == 3 && frames.shape[2] == Self.windowFrames
                && frames.shape[3] == Self.frameSize && frames.shape[4] == Self.frameSize,
            "SyncNet lip input must be [N, 3, 5, 224, 224], got \(frames.shape)")
        let windowSize = 3 * 5 * 224 * 224
        let pooled = lipInputLayers(windows: frames.shape[0], inputChunk: inputChunk) { first, count in
            count == frames.shape[0]
                ? frames
                : Tensor(
                    shape: [count, 3, 5, 224, 224],
                    scalars: Array(frames.scalars[(first * windowSize)..<((first + count) * windowSize)]))
        }
        return lipLayers(after: consume pooled)
    }

    /// The lip tower's first layer and its pool over `n` windows, `chunk(first, count)` giving
    /// windows `first ..< first + count` as `[count, 3, 5, 224, 224]`: `[n, 96, 54, 54]`.
    private func lipInputLayers(windows n: Int, inputChunk: Int, chunk: (Int, Int) -> Tensor) -> Tensor {
        let pooledSize = 96 * 54 * 54
        var pooled = [Float](repeating: 0, count: n * pooledSize)
        var first = 0
        while first < n {
            let count = min(inputChunk, n - first)
            let y = lipPool1(lipInput(chunk(first, count)).reshaped([count, 96, 109, 109]))  // 96×54×54
            pooled.replaceSubrange((first * pooledSize)..<((first + count) * pooledSize), with: y.scalars)
            first += count
        }
        return Tensor(shape: [n, 96, 54, 54], scalars: pooled)
    }

    /// The rest of the lip tower, from the first pool's `[n, 96, 54, 54]` to `[n, 1024]`. Each
    /// layer's input is let go as soon as its output exists.
    private func lipLayers(after pooled: consuming Tensor) -> Tensor {
        let n = pooled.shape[0]
        var x = lipConvolutions[0](consume pooled)
        x = lipPool2(x)  // 256×26×26 → 256×13×13
        x = lipConvolutions[1](x)
        x = lipConvolutions[2](x)
        x = lipPool3(lipConvolutions[3](x))  // 256×6×6
        x = lipConvolutions[4](x)  // 512×1×1
        return lipOutput(lipHidden(x.reshaped([n, 512])))
    }

    /// Multiply-accumulates of the lip tower per window (docs/reference/networks.md §4.1). FLOP = 2 × MAC.
    public static let lipMultiplyAccumulates =
        109 * 109 * 96 * (3 * 5 * 7 * 7) + 26 * 26 * 256 * (96 * 25) + 3 * (13 * 13 * 256 * (256 * 9))
        + 512 * (256 * 36) + 512 * 512 + 1024 * 512
    /// Multiply-accumulates of the audio tower per window (docs/reference/networks.md §4.1).
    public static let audioMultiplyAccumulates =
        13 * 20 * 64 * 9 + 13 * 20 * 192 * (64 * 9) + 11 * 9 * (384 * 192 * 9 + 256 * 384 * 9 + 256 * 256 * 9)
        + 512 * (256 * 20) + 512 * 512 + 1024 * 512

    /// The 102 state-dict entries of `syncnet_v2.model` in file order (docs/reference/networks.md §2.3).
    public static let layout: [(name: String, shape: [Int])] = {
        typealias L = LayerLayout
        var entries: [(name: String, shape: [Int])] = []
        let audio: [(Int, [Int])] = [
            (0, [64, 1, 3, 3]), (4, [192, 64, 3, 3]), (8, [384, 192, 3, 3]),
            (11, [256, 384, 3, 3]), (14, [256, 256, 3, 3]), (18, [512, 256, 5, 4]),
        ]
        for (index, shape) in audio {
            entries += L.affine("netcnnaud.\(index)", weight: shape)
            entries += L.batchNorm("netcnnaud.\(index + 1)", channels: shape[0])
        }
        for tower in ["netfcaud", "netfclip"] {
            entries += L.affine("\(tower).0", weight: [512, 512])
            entries += L.batchNorm("\(tower).1", channels: 512)
            entries += L.affine("\(tower).3", weight: [1024, 512])
        }
        let lip: [(Int, [Int])] = [
            (0, [96, 3, 5, 7, 7]), (4, [256, 96, 1, 5, 5]), (8, [256, 256, 1, 3, 3]),
            (11, [256, 256, 1, 3, 3]), (14, [256, 256, 1, 3, 3]), (18, [512, 256, 1, 6, 6]),
        ]
        for (index, shape) in lip {
            entries += L.affine("netcnnlip.\(index)", weight: shape)
            entries += L.batchNorm("netcnnlip.\(index + 1)", channels: shape[0])
        }
        return entries
    }()

    /// ``layout`` as a strict schema (`num_batches_tracked` optional).
    public static let schema = StateDictSchema(network: "SyncNet", layout: layout)

    /// The stand-in weights (``StandInWeights``) as a state dict.
    public static func standInStateDict() -> StateDict {
        StandInWeights.stateDict(layout: layout, seed: StandInWeights.syncNetSeed)
    }
}
