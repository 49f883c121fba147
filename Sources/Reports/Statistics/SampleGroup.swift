/// A named set of benchmark categories whose samples are pooled: the group's mean is over all its
/// videos, not a mean of its categories' means.
public struct SampleGroup: Sendable, Codable, Hashable {
    /// The group's name as a report shows it.
    public var name: String
    /// The categories pooled, in the order the report lists them.
    public var categories: [String]

    public init(name: String, categories: [String]) {
        self.name = name
        self.categories = categories
    }

    /// Whether `category` belongs to the group.
    public func contains(category: String) -> Bool { categories.contains(category) }
}

/// The categories and groups of MoChaBench (docs/reference/pipeline.md §12.2, §12.4).
public enum MoChaBenchGroups {
    /// The eight categories, sorted by name as the reference prints them, with their row counts in
    /// `benchmark.csv`: `1p_camera_movement` 19, `1p_closeup_facingcamera` 27, `1p_emotion` 34,
    /// `1p_generalize_chinese` 4, `1p_mediumshot_actioncontrol` 52, `1p_protrait` 39 (the real,
    /// misspelt name), `2p_1clip_1talk` 30, `2p_2clip_2talk` 15 — 220 in all.
    public static let categories = [
        "1p_camera_movement", "1p_closeup_facingcamera", "1p_emotion", "1p_generalize_chinese",
        "1p_mediumshot_actioncontrol", "1p_protrait", "2p_1clip_1talk", "2p_2clip_2talk",
    ]

    /// "Single-character English" in the reference script, the leaderboard's monologue columns: the
    /// five English `1p_*` categories and `2p_1clip_1talk` (two people, one of them talking).
    public static let monologue = SampleGroup(
        name: "Monologue",
        categories: [
            "1p_closeup_facingcamera", "1p_camera_movement", "1p_emotion", "1p_mediumshot_actioncontrol", "1p_protrait",
            "2p_1clip_1talk",
        ])

    /// "Turn-based dialogue": `2p_2clip_2talk`.
    public static let dialogue = SampleGroup(name: "Dialogue", categories: ["2p_2clip_2talk"])

    /// The leaderboard's groups. `1p_generalize_chinese` belongs to none of them: it only appears in
    /// the per-category table.
    public static let groups = [monologue, dialogue]
}
