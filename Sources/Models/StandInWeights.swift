import Foundation

/// Deterministic stand-in weights with exactly the keys, order and shapes of the official files.
///
/// The official `syncnet_v2.model` and `sfd_face.pth` cannot be downloaded where SyncBench is
/// developed and tested, so parity with the PyTorch reference is proven with stand-ins that both
/// sides generate from the same recipe. Scores computed with them mean nothing; agreement between
/// the two implementations does.
///
/// The recipe (ref: `tools/reference/standin_weights.py`, which produces the same bits):
///
/// * Each tensor has its own SplitMix64 stream seeded with `networkSeed ^ fnv1a64(key)`.
/// * Element `i` (C order): `u = Double(out_i >> 11) * 2^-53`, then
///   `Float(offset + scale * (2u - 1))` computed in `Double` and rounded once.
/// * `offset`/`scale` by key: conv and linear weights He-uniform, `scale = gain · sqrt(6 / fanIn)`
///   (`gain` 1/64 for S3FD's first conv, 1/128 for the lip tower's, 1/16 for the audio tower's,
///   2 for S3FD's `conf.*` heads, 0.5 for its `loc.*` heads, else 1); conv and linear biases
///   `±0.05`; BatchNorm weight `1 ± 0.1`, bias `±0.1`, running mean `±0.1`, running variance
///   `1 ± 0.25`; L2Norm scales `10/8/5 ± 0.5`; `num_batches_tracked` is int64 0.
///
/// `docs/standin-weights.md` states the same recipe for people.
public enum StandInWeights {
    /// Seed of the SyncNet stand-in ("SYNCNET2").
    public static let syncNetSeed: UInt64 = 0x5359_4E43_4E45_5432
    /// Seed of the S3FD stand-in ("S3FDFACE").
    public static let s3fdSeed: UInt64 = 0x5333_4644_4641_4345

    /// The stand-in state dict for a network layout (names and shapes in state-dict order).
    ///
    /// Entries named `*.num_batches_tracked` become 0-d int64 zeros; every other entry float32.
    public static func stateDict(layout: [(name: String, shape: [Int])], seed: UInt64) -> StateDict {
        let names = Set(layout.map(\.name))
        var dict = StateDict()
        for (name, shape) in layout {
            if name.hasSuffix(".num_batches_tracked") {
                dict.append(name, CheckpointTensor(int64: 0))
                continue
            }
            let (offset, scale) = rule(name: name, shape: shape, names: names)
            dict.append(name, CheckpointTensor(shape: shape, float32: values(
                seed: seed ^ fnv1a64(name), count: shape.reduce(1, *), offset: offset, scale: scale)))
        }
        return dict
    }

    /// FNV-1a, 64-bit, over the UTF-8 bytes of `text`.
    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        return hash
    }

    static func values(seed: UInt64, count: Int, offset: Double, scale: Double) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let u = Double(z >> 11) * 0x1p-53
            return Float(offset + scale * (2 * u - 1))
        }
    }

    private static let gains: [String: Double] = [
        "vgg.0.weight": 1.0 / 64.0,
        "netcnnlip.0.weight": 1.0 / 128.0,
        "netcnnaud.0.weight": 1.0 / 16.0,
    ]
    private static let l2NormOffsets: [String: Double] = [
        "L2Norm3_3.weight": 10, "L2Norm4_3.weight": 8, "L2Norm5_3.weight": 5,
    ]

    /// `(offset, scale)` of one float tensor; `names` are all keys of the state dict (a BatchNorm
    /// module is recognised by its `running_var` entry).
    static func rule(name: String, shape: [Int], names: Set<String>) -> (offset: Double, scale: Double) {
        if let offset = l2NormOffsets[name] { return (offset, 0.5) }
        let module = name.split(separator: ".").dropLast().joined(separator: ".")
        let leaf = name.split(separator: ".").last.map(String.init) ?? name
        let isBatchNorm = names.contains(module + ".running_var")
        switch leaf {
        case "weight" where shape.count >= 2:
            let fanIn = shape.dropFirst().reduce(1, *)
            var gain = gains[name] ?? 1
            if name.hasPrefix("conf.") { gain = 2 }
            if name.hasPrefix("loc.") { gain = 0.5 }
            return (0, gain * (6.0 / Double(fanIn)).squareRoot())
        case "bias" where !isBatchNorm: return (0, 0.05)
        case "weight": return (1, 0.1)
        case "bias": return (0, 0.1)
        case "running_mean": return (0, 0.1)
        case "running_var": return (1, 0.25)
        default: preconditionFailure("no stand-in rule for \(name) \(shape)")
        }
    }
}
