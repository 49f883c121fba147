/// The two SyncNet metrics a report ranks on.
enum Metric: CaseIterable {
    /// LSE-C, SyncNet confidence: higher is better.
    case lseC
    /// LSE-D, SyncNet distance: lower is better.
    case lseD

    var name: String {
        switch self {
        case .lseC: "LSE-C"
        case .lseD: "LSE-D"
        }
    }

    var higherIsBetter: Bool { self == .lseC }

    /// "LSE-C (higher is better)".
    var titled: String { "\(name) (\(higherIsBetter ? "higher" : "lower") is better)" }

    /// The summary's estimate of this metric.
    func estimate(in summary: ScoreSummary) -> MeanEstimate? {
        switch self {
        case .lseC: summary.lseC
        case .lseD: summary.lseD
        }
    }

    /// The sample's value of this metric.
    func value(of score: SampleScore) -> Double? {
        switch self {
        case .lseC: score.lseC
        case .lseD: score.lseD
        }
    }
}
