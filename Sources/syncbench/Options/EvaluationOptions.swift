import ArgumentParser
import Models
import Pipeline
import Tensor

/// The evaluation settings shared by `eval` and `bench run`.
struct EvaluationOptions: ParsableArguments {
    @Option(help: "The published protocol to follow: \(EvaluationProfile.allCases.map(\.rawValue).joined(separator: ", ")) (docs/protocols.md; default: mochabench, or for `bench run` the profile the suite was registered with).")
    var profile: EvaluationProfile?

    @Flag(help: "Skip the reference's lossy media steps and its MP3-induced one-frame delay.")
    var clean = false

    @Option(help: "Offsets searched: -vshift ... +vshift frames.")
    var vshift: Int = SyncScorer.defaultVShift

    @Option(name: .customLong("threshold"), help: "S3FD face probability threshold.")
    var detectorThreshold: Float = S3FD.defaultThreshold

    @Option(name: .customLong("min-track"), help: "Detections a track needs, exclusive (default: the profile's).")
    var minTrack: Int?

    @Option(
        name: .customLong("mpeg4-threads"),
        help: "Slice threads of the reference's MPEG-4 step (default: the ffmpeg CLI's automatic count on this machine, min(CPUs, height/16) + 1; the reference's pixels depend on it).")
    var mpeg4Threads: Int?

    @Option(help: ArgumentHelp(Precision.optionHelp))
    var precision: Precision = .fp32

    func validate() throws {
        guard (0...100).contains(vshift) else { throw ValidationError("--vshift must be in 0...100, got \(vshift)") }
        guard detectorThreshold >= 0, detectorThreshold < 1 else { throw ValidationError("--threshold must be in [0, 1), got \(detectorThreshold)") }
        if let minTrack, minTrack < 0 { throw ValidationError("--min-track must be at least 0, got \(minTrack)") }
        if let mpeg4Threads, !(1...64).contains(mpeg4Threads) { throw ValidationError("--mpeg4-threads must be in 1...64, got \(mpeg4Threads)") }
        try precision.checkSupported()
    }

    /// The settings with `--profile`, or `mochabench` without it.
    var settings: EvaluationSettings { settings(defaultProfile: .mochabench) }

    /// The settings with `--profile`, or `defaultProfile` without it (a suite's recorded profile).
    func settings(defaultProfile: EvaluationProfile) -> EvaluationSettings {
        var settings = EvaluationSettings(profile: profile ?? defaultProfile, clean: clean)
        settings.vshift = vshift
        settings.detectorThreshold = detectorThreshold
        if let minTrack { settings.minTrack = minTrack }
        settings.mpeg4Threads = mpeg4Threads
        settings.precision = precision == .fp32 ? nil : precision
        return settings
    }
}

extension EvaluationProfile: ExpressibleByArgument {}

extension Precision: ExpressibleByArgument {
    /// `--precision`'s help, the same on every command that has it.
    static let optionHelp =
        "Arithmetic of the networks' matrix products: fp32 (default: the reference's) or bf16 (bfloat16 operands, float32 sums; faster, not the reference's numbers, recorded with every result; needs AVX512_BF16)."

    /// Refuses a precision this machine cannot compute with (`--precision bf16` without AVX512_BF16).
    func checkSupported() throws {
        guard isSupported else {
            throw ValidationError(
                "--precision \(rawValue): this CPU has no AVX512_BF16 (AMD Zen 4 or later, Intel Cooper Lake or Sapphire Rapids and later); use fp32")
        }
    }
}
