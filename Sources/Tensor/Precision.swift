import CBFloat16

/// The arithmetic of the networks' matrix products (every convolution and linear layer ends in
/// one; docs/performance.md, "bf16").
public enum Precision: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// float32 operands and sums (OpenBLAS `sgemm`): the default, whose results the parity tests
    /// hold to the reference's.
    case fp32
    /// Operands rounded to bfloat16 (8 significant bits, round to nearest even), products summed
    /// in float32 (AVX512_BF16's `VDPBF16PS`). Faster, and no longer the reference's arithmetic:
    /// opt-in, and recorded with every result it gives.
    case bf16

    /// Whether this machine computes with it: `bf16` needs an x86-64 CPU with AVX512_BF16
    /// (AMD Zen 4 and later, Intel Cooper Lake, Sapphire Rapids and later).
    public var isSupported: Bool {
        switch self {
        case .fp32: true
        case .bf16: syncbench_bf16_supported() != 0
        }
    }

    public var description: String { rawValue }
}
