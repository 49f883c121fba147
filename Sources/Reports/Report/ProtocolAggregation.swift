/// How a profile's upstream code turns per-video (or per-track) numbers into a suite's numbers,
/// shown next to SyncBench's own statistics (coverage, intervals), never instead of them
/// (docs/protocols.md, "Suite aggregation"). Plain means, as the upstream code computes them; the
/// numbers averaged are the clip's numbers by the profile's rule (``ReportClipScore``), or Wav2Lip's
/// per-track lines.
///
/// | profile | averages | over | subsets |
/// |---|---|---|---|
/// | `mochabench` | the clip's LSE-C and LSE-D | face-detected videos | each category and each group |
/// | `latentsync` | the clip's confidence | videos with a face | all |
/// | `mova` | `max_C_inperson`, `min_D_inperson` | videos with a score | each category, and all pooled |
/// | `wav2lip-real` | `dist conf` lines | every scored track (`all_scores.txt`) | all |
/// | `wav2lip-lrs` | the clip's LSE-C and LSE-D | videos | all |
///
/// `joonson`'s scripts print per-track numbers and no suite mean: no rule.
struct ProtocolAggregation: Equatable {
    /// What is averaged.
    enum Unit: String, Codable {
        /// One number pair per video: the clip's numbers by the profile's rule.
        case video
        /// One number pair per scored track (Wav2Lip's `all_scores.txt` lines).
        case track
    }

    var profile: String
    var unit: Unit
    var byCategory: Bool
    var all: Bool
    var groups: [SampleGroup]
    /// The rule in words, for the page and `leaderboard.json`.
    var description: String

    /// The rule of `profile` (nil when its upstream code has none, or the profile is unknown);
    /// `groups` are the suite's groups (MoChaBench's for a MoChaBench suite).
    init?(profile: String, groups: [SampleGroup]) {
        self.profile = profile
        self.groups = []
        switch profile {
        case "mochabench":
            (unit, byCategory, all) = (.video, true, false)
            self.groups = groups
            description = "MoChaBench: mean LSE-C and LSE-D over the face-detected videos of each category and each group"
        case "latentsync":
            (unit, byCategory, all) = (.video, false, true)
            description = "LatentSync: mean confidence over the videos with a face (no distance)"
        case "mova":
            (unit, byCategory, all) = (.video, true, true)
            description = "MOVA: mean max_C_inperson and min_D_inperson over the videos of each category, and over all videos pooled"
        case "wav2lip-real":
            (unit, byCategory, all) = (.track, false, true)
            description = "Wav2Lip (real videos): mean over the lines of all_scores.txt, one line per scored track"
        case "wav2lip-lrs":
            (unit, byCategory, all) = (.video, false, true)
            description = "Wav2Lip (LRS): mean LSE-C and LSE-D over the videos"
        default:
            return nil
        }
    }

    /// The subsets the rule reports, in order: `all` first, then categories, then groups.
    func subsets(categories: [String]) -> [Subset] {
        (all ? [Subset.all] : []) + (byCategory ? categories.map(Subset.category) : []) + groups.map(Subset.group)
    }

    /// `model`'s numbers by the rule, one per subset, from the report's samples.
    func summary(of model: String, in samples: [ReportSample], categories: [String]) -> ProtocolSummary {
        let mine = samples.filter { $0.score.model == model }
        return ProtocolSummary(
            model: model,
            subsets: subsets(categories: categories).map { subset in
                let chosen = mine.filter { subset.contains(category: $0.score.category) }
                let pairs: [(c: Double?, d: Double?)]
                switch unit {
                case .video:
                    pairs = chosen.compactMap { sample in sample.clip.map { (c: $0.lseC, d: $0.lseD) } }
                case .track:
                    pairs = chosen.filter { $0.score.isScored }.flatMap { sample in
                        sample.tracks.filter { $0.status == "ok" && $0.confidence != nil && $0.minDistance != nil }.map { (c: $0.confidence, d: $0.minDistance) }
                    }
                }
                return ProtocolSummary.Entry(
                    subset: subset.description, count: pairs.count, lseC: Self.mean(pairs.compactMap(\.c)), lseD: Self.mean(pairs.compactMap(\.d)))
            })
    }

    /// The plain mean (nil for none), summed in order as Python's `sum` and pandas do for float64.
    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}

/// One model's numbers by its profile's own rule (``ProtocolAggregation``).
struct ProtocolSummary: Codable, Equatable {
    struct Entry: Codable, Equatable {
        /// `all`, `category:<name>` or `group:<name>`, as in `leaderboard.csv`.
        var subset: String
        /// Videos (or track lines) averaged.
        var count: Int
        /// Nil when nothing was averaged, or the protocol does not report the number.
        var lseC: Double?
        var lseD: Double?

        enum CodingKeys: String, CodingKey {
            case subset, count
            case lseC = "lse_c"
            case lseD = "lse_d"
        }

        /// Every key, `null` for a missing value.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(subset, forKey: .subset)
            try container.encode(count, forKey: .count)
            try container.encode(lseC, forKey: .lseC)
            try container.encode(lseD, forKey: .lseD)
        }
    }

    var model: String
    var subsets: [Entry]

    /// The entry of the subset written `subset` (`all`, `category:<name>`, `group:<name>`).
    func entry(_ subset: String) -> Entry? { subsets.first { $0.subset == subset } }
}
