import Store

/// Where a report's numbers come from, recorded in every output file (issue #12, "Provenance in
/// every output"): the suite and database, the profile and its version, the weight files of the
/// evaluations shown (SHA-256, published or not), the FFmpeg libraries and SyncBench build that
/// computed them, and the notices every output carries (stand-in weights, mixed weights, weights
/// not recorded).
struct ReportProvenance: Codable, Equatable {
    /// One set of weight files and the evaluations of the report made with it.
    struct WeightSet: Codable, Equatable {
        var files: [EvaluationProvenance.Weights]
        var evaluations: Int
        /// Whether a file that played a part is not the published one.
        var standIn: Bool
    }

    /// One build (SyncBench, profile version, FFmpeg) and the evaluations of the report it computed.
    struct SoftwareSet: Codable, Equatable {
        var syncbench: String
        var profileVersion: Int
        var ffmpeg: [String: String]
        var evaluations: Int
    }

    var suite: String
    var suiteKind: String
    var profile: String
    /// The profile's version as the build that wrote the report implements it (nil: unknown profile).
    var profileVersion: Int?
    var clean: Bool
    /// The build that wrote the report.
    var toolVersion: String
    var databasePath: String
    var databaseDigest: String
    var generatedAt: String
    /// The distinct weight sets of the evaluations shown, most used first.
    var weights: [WeightSet]
    /// Evaluations shown whose weights were not recorded (made before SyncBench recorded them).
    var weightsNotRecorded: Int
    /// Whether any result shown was made with a weight file that is not the published one.
    var standInWeights: Bool
    /// Whether the results shown were made with more than one set of weight files.
    var mixedWeights: Bool
    /// The distinct builds that computed the evaluations shown, most used first.
    var software: [SoftwareSet]
    var softwareNotRecorded: Int
    /// Evaluations shown that were computed with `--precision bf16` (the rest: fp32).
    var bf16Evaluations: Int
    /// Sentences every output carries, most important first (``Provenance/standInNotice`` first
    /// when it applies); the HTML page and the PNGs show them as a banner.
    var notices: [String]

    init(_ report: BenchmarkReport) {
        self.init(report, samples: report.samples)
    }

    /// The provenance of `samples` (a model's, for `leaderboard.csv`) within `report`.
    init(_ report: BenchmarkReport, samples: [ReportSample]) {
        suite = report.suite
        suiteKind = report.suiteKind
        profile = report.profile
        profileVersion = report.profileVersion
        clean = report.clean
        toolVersion = report.toolVersion
        databasePath = report.databasePath
        databaseDigest = report.databaseDigest
        generatedAt = report.generatedAt
        let evaluated = samples.compactMap(\.provenance)
        var weightSets: [WeightSet] = []
        var unrecorded = 0
        for provenance in evaluated {
            guard !provenance.weights.isEmpty else {
                unrecorded += 1
                continue
            }
            if let index = weightSets.firstIndex(where: { $0.files == provenance.weights }) {
                weightSets[index].evaluations += 1
            } else {
                weightSets.append(
                    WeightSet(files: provenance.weights, evaluations: 1, standIn: provenance.weights.contains { $0.used && !$0.published }))
            }
        }
        // Stable: most evaluations first, then first seen.
        weights = weightSets.enumerated().sorted { ($0.element.evaluations, -$0.offset) > ($1.element.evaluations, -$1.offset) }.map(\.element)
        weightsNotRecorded = unrecorded
        standInWeights = weights.contains(where: \.standIn)
        // Mixed: some file played a part in two evaluations with two different digests. A file that
        // played no part (S3FD beside face boxes) does not count: it changed no number.
        var digests: [String: Set<String>] = [:]
        for set in weights { for file in set.files where file.used { digests[file.file, default: []].insert(file.sha256) } }
        mixedWeights = digests.values.contains { $0.count > 1 }
        var softwareSets: [SoftwareSet] = []
        var softwareUnrecorded = 0
        for provenance in evaluated {
            guard let built = provenance.software else {
                softwareUnrecorded += 1
                continue
            }
            if let index = softwareSets.firstIndex(where: {
                $0.syncbench == built.syncbench && $0.profileVersion == built.profileVersion && $0.ffmpeg == built.ffmpeg
            }) {
                softwareSets[index].evaluations += 1
            } else {
                softwareSets.append(SoftwareSet(syncbench: built.syncbench, profileVersion: built.profileVersion, ffmpeg: built.ffmpeg, evaluations: 1))
            }
        }
        software = softwareSets.enumerated().sorted { ($0.element.evaluations, -$0.offset) > ($1.element.evaluations, -$1.offset) }.map(\.element)
        softwareNotRecorded = softwareUnrecorded
        bf16Evaluations = evaluated.filter { $0.precision == "bf16" }.count
        var notices: [String] = []
        if standInWeights { notices.append(Provenance.standInNotice) }
        if bf16Evaluations > 0 {
            notices.append(
                Provenance.bf16Notice + (bf16Evaluations < evaluated.count ? "; \(bf16Evaluations) of the \(evaluated.count) evaluations shown, the others fp32" : ""))
        }
        if mixedWeights {
            let files = digests.filter { $0.value.count > 1 }.map { "\($0.value.count) different \($0.key)" }.sorted().joined(separator: ", ")
            notices.append("mixed weights: the results shown were made with \(files); do not compare them with each other")
        }
        if unrecorded > 0 {
            notices.append(
                "weights not recorded for \(unrecorded) of \(evaluated.count) evaluations (made before SyncBench recorded them): whether they are the published files is unknown")
        }
        self.notices = notices
    }

    /// `mova v1, clean`: the profile as every output names it.
    var profileText: String {
        profile + (profileVersion.map { " v\($0)" } ?? "") + (clean ? ", clean" : "")
    }

    /// One line per weight file of each set: `syncnet_v2.model SHA-256 1a2b… published`, with
    /// the set's evaluation count when the report mixes sets. Full digests: a shortened one cannot
    /// be checked against the published one.
    var weightLines: [String] {
        guard !weights.isEmpty else { return ["weights: not recorded"] }
        return weights.enumerated().flatMap { index, set in
            let prefix = weights.count > 1 ? "weights \(index + 1) of \(weights.count) (\(set.evaluations) evaluations): " : ""
            return set.files.map { prefix + Self.describe($0) }
        }
    }

    /// `FFmpeg libavcodec 61.19.101, …; SyncBench 0.1.0 (1a2b3c4d5e6f)` per build that computed the
    /// evaluations.
    var softwareLines: [String] {
        guard !software.isEmpty else { return ["computed by: not recorded"] }
        return software.map { set in
            (software.count > 1 ? "\(set.evaluations) evaluations: " : "") + "SyncBench \(set.syncbench), profile v\(set.profileVersion); FFmpeg "
                + set.ffmpeg.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
    }

    /// `syncnet_v2.model SHA-256 <digest> published` (`stand-in` when not the published file; `not
    /// used` when it played no part).
    static func describe(_ file: EvaluationProvenance.Weights) -> String {
        "\(file.file) SHA-256 \(file.sha256) \(file.published ? "published" : "not published (stand-in)")" + (file.used ? "" : ", not used (face boxes given)")
    }

    /// `fp32`, `bf16`, or `bf16 for 3 of 40 evaluations, fp32 for the others`.
    var precisionText: String {
        let evaluated = weights.reduce(weightsNotRecorded) { $0 + $1.evaluations }
        if bf16Evaluations == 0 { return "fp32" }
        return bf16Evaluations >= evaluated ? "bf16" : "bf16 for \(bf16Evaluations) of \(evaluated) evaluations, fp32 for the others"
    }

    /// The lines of the visible footer of every PNG, and of the HTML pages.
    var footerLines: [String] {
        ["profile \(profileText) · precision \(precisionText) · suite \(suite) · report by SyncBench \(toolVersion) at \(generatedAt)"] + weightLines
            + softwareLines
            + ["database \(databasePath) · digest \(databaseDigest)"]
    }

    /// The PNG `tEXt` chunks of a chart titled `title` (keywords of the PNG specification where one
    /// fits: `Title`, `Software`, `Creation Time`, `Warning`; ours otherwise).
    func pngText(title: String) -> [(keyword: String, value: String)] {
        var chunks: [(String, String)] = [
            ("Title", title), ("Software", "SyncBench \(toolVersion)"), ("Suite", suite), ("Profile", profileText), ("Precision", precisionText),
            ("Weights", weightLines.joined(separator: "\n")),
            ("Weights published", weights.isEmpty ? "unknown" : standInWeights ? "no" : weightsNotRecorded > 0 ? "unknown for some" : "yes"),
            ("Computed by", softwareLines.joined(separator: "\n")), ("Database", databasePath), ("Database digest", databaseDigest),
            ("Creation Time", generatedAt),
        ]
        if !notices.isEmpty { chunks.append(("Warning", notices.joined(separator: "\n"))) }
        return chunks.map { (keyword: $0.0, value: Self.latin1($0.1)) }
    }

    /// `text` with every character outside Latin-1 written as its code point in hex, as in `\u{2713}` (tEXt chunks are Latin-1;
    /// a path or suite name outside it stays readable and unambiguous).
    static func latin1(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x100, scalar.value != 0 {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }
}
