/// Where a number comes from, stated in every output (`eval --json`; issue #12): the tool and its
/// commit, the profile and its version, the weight files by SHA-256 and whether they are the
/// published ones, and the FFmpeg libraries. A result made with weights that are not the published
/// files cannot be compared with published numbers, and every output says so.
public struct Provenance: Codable, Equatable, Sendable {
    /// One weight file as used.
    public struct Weights: Codable, Equatable, Sendable {
        /// `syncnet_v2.model`, `sfd_face.pth`.
        public var file: String
        public var sha256: String
        /// Whether the digest is the published file's.
        public var published: Bool
        /// False when the file played no part (S3FD when boxes were given).
        public var used: Bool

        public init(file: String, sha256: String, published: Bool, used: Bool) {
            self.file = file
            self.sha256 = sha256
            self.published = published
            self.used = used
        }
    }

    /// `0.1.0 (1a2b3c4d5e6f)`: the version and the git commit of the build.
    public var syncbench: String
    public var profile: String
    public var profileVersion: Int
    public var clean: Bool
    public var weights: [Weights]
    /// `libavformat` … `libswresample` → `major.minor.micro`.
    public var ffmpeg: [String: String]
    /// The networks' arithmetic: `fp32` (the reference's) or `bf16` (`--precision bf16`).
    public var precision: String

    public init(
        syncbench: String, profile: String, profileVersion: Int, clean: Bool, weights: [Weights], ffmpeg: [String: String], precision: String = "fp32"
    ) {
        self.syncbench = syncbench
        self.profile = profile
        self.profileVersion = profileVersion
        self.clean = clean
        self.weights = weights
        self.ffmpeg = ffmpeg
        self.precision = precision
    }

    /// Whether a file that played a part is not the published one.
    public var usesStandInWeights: Bool { weights.contains { $0.used && !$0.published } }

    /// The sentence every output carries when ``usesStandInWeights``.
    public static let standInNotice = "stand-in weights: scores are not comparable with published numbers"

    /// The sentence every output carries when a result was computed with `--precision bf16`.
    public static let bf16Notice =
        "bf16 precision: the networks multiplied bfloat16 operands (--precision bf16), not the reference's float32; scores differ slightly from fp32 ones (docs/performance.md)"

    enum CodingKeys: String, CodingKey {
        case syncbench, profile, clean, weights, ffmpeg, precision
        case profileVersion = "profile_version"
    }
}
