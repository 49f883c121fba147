extension LeaderboardStatistics {
    /// The statistics a report of a suite of kind `suiteKind` shows: MoChaBench's Monologue and
    /// Dialogue groups (``MoChaBenchGroups/groups``) for `mochabench`, no groups for any other kind
    /// (a folder suite's categories are its only subsets).
    public init(
        suiteKind: String, bootstrap: Bootstrap = Bootstrap(),
        smallSampleThreshold: Int = LeaderboardStatistics.defaultSmallSampleThreshold
    ) {
        self.init(
            bootstrap: bootstrap, smallSampleThreshold: smallSampleThreshold, groups: suiteKind == "mochabench" ? MoChaBenchGroups.groups : [])
    }
}
