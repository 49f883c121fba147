import ArgumentParser
import Models
import Pipeline

/// The evaluation settings shared by `eval` and `bench run`.
struct EvaluationOptions: ParsableArguments {
    @Option(help: "The published protocol to follow: mochabench, joonson, wav2lip-real or mova (docs/protocols.md).")
    var profile: EvaluationProfile = .mochabench

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

    func validate() throws {
        guard (0...100).contains(vshift) else { throw ValidationError("--vshift must be in 0...100, got \(vshift)") }
        guard detectorThreshold >= 0, detectorThreshold < 1 else { throw ValidationError("--threshold must be in [0, 1), got \(detectorThreshold)") }
        if let minTrack, minTrack < 0 { throw ValidationError("--min-track must be at least 0, got \(minTrack)") }
        if let mpeg4Threads, !(1...64).contains(mpeg4Threads) { throw ValidationError("--mpeg4-threads must be in 1...64, got \(mpeg4Threads)") }
    }

    var settings: EvaluationSettings {
        var settings = EvaluationSettings(profile: profile, clean: clean)
        settings.vshift = vshift
        settings.detectorThreshold = detectorThreshold
        if let minTrack { settings.minTrack = minTrack }
        settings.mpeg4Threads = mpeg4Threads
        return settings
    }
}

extension EvaluationProfile: ExpressibleByArgument {}
