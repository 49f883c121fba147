/// The charts of a report, built from its ``ReportAnalysis``: the same values for the inline SVG
/// of the pages and for the PNG files.
struct ReportCharts {
    let analysis: ReportAnalysis

    private var report: BenchmarkReport { analysis.report }

    /// Per-model means of `metric` with intervals, best first (LSE-C descending, LSE-D ascending),
    /// models without a score last.
    func leaderboardBars(_ metric: Metric, subset: (ModelSummary) -> ScoreSummary = \.overall, title: String? = nil) -> IntervalBarChart {
        let summaries = analysis.models.indices.map { (model: analysis.models[$0], summary: subset(analysis.summaries[$0])) }
        let ordered = summaries.indices.sorted { a, b in
            switch (metric.estimate(in: summaries[a].summary)?.mean, metric.estimate(in: summaries[b].summary)?.mean) {
            case let (x?, y?) where x != y: metric.higherIsBetter ? x > y : x < y
            case (.some, nil): true
            case (nil, .some): false
            default: a < b
            }
        }
        return IntervalBarChart(
            title: title ?? "\(metric.titled): mean per model",
            subtitle: "Mean over scored samples (status ok, the reference rule) with its 95 % bootstrap interval.",
            rows: ordered.map { index in
                let entry = summaries[index]
                return IntervalBarChart.Row(
                    label: entry.model, style: analysis.style(of: entry.model), estimate: metric.estimate(in: entry.summary),
                    scored: entry.summary.scored, total: entry.summary.total, isSmallSample: entry.summary.isSmallSample)
            },
            smallSampleNote: analysis.smallSampleNote)
    }

    /// Means of `metric` per category (rows) and model (bars).
    func categoryBars(_ metric: Metric) -> GroupedBarChart {
        subsetBars(
            metric, title: "\(metric.titled) per category", subtitle: "Mean over each category's scored samples, per model, with 95 % bootstrap intervals.",
            labels: analysis.categories, subset: { summary, index in summary.categories[index] })
    }

    /// Means of `metric` per group (rows) and model (bars); MoChaBench's leaderboard is the
    /// Monologue group.
    func groupBars(_ metric: Metric) -> GroupedBarChart {
        subsetBars(
            metric, title: "\(metric.titled) per group",
            subtitle: "Mean over each group's scored samples (pooled over its categories), per model, with 95 % bootstrap intervals.",
            labels: analysis.statistics.groups.map(\.name), subset: { summary, index in summary.groups[index] })
    }

    private func subsetBars(
        _ metric: Metric, title: String, subtitle: String, labels: [String], subset: (ModelSummary, Int) -> ScoreSummary
    ) -> GroupedBarChart {
        GroupedBarChart(
            title: title, subtitle: subtitle, legend: legend,
            groups: labels.indices.map { index in
                GroupedBarChart.Group(
                    label: labels[index],
                    bars: analysis.summaries.map { summary in
                        let scores = subset(summary, index)
                        return GroupedBarChart.Bar(
                            style: analysis.style(of: summary.model), estimate: metric.estimate(in: scores), scored: scores.scored,
                            total: scores.total, isSmallSample: scores.isSmallSample)
                    })
            },
            smallSampleNote: analysis.smallSampleNote)
    }

    /// LSE-C against LSE-D of every scored sample.
    func scatter() -> ScatterChart {
        ScatterChart(
            title: "LSE-C against LSE-D, one point per scored sample",
            subtitle: "Better lip sync is towards the top left (high confidence, low distance).",
            series: analysis.models.map { model in
                let scores = analysis.table.scores(of: model)
                return ScatterChart.Series(
                    label: model, style: analysis.style(of: model),
                    points: scores.filter(\.isScored).map { ChartPoint(x: $0.lseD!, y: $0.lseC!) }, total: scores.count)
            })
    }

    /// The offsets of every model's scored samples.
    func offsetHistogram() -> OffsetHistogram {
        OffsetHistogram(
            title: "AV offset of the scored samples, per model",
            subtitle: "Offset of the track that gave the sample's LSE-C, in frames; 0 is in sync.",
            series: analysis.models.map { model in
                let scores = analysis.table.scores(of: model)
                let scored = scores.filter(\.isScored)
                let offsets = scored.compactMap(\.offsetInFrames)
                return OffsetHistogram.Series(
                    label: model, style: analysis.style(of: model), offsets: offsets, undetermined: scored.count - offsets.count,
                    scored: scored.count, total: scores.count)
            })
    }

    /// The leaderboard's numbers as a drawn table, in leaderboard order.
    func coverageTable() -> TableChart {
        TableChart(
            title: "Coverage and offsets",
            subtitle: "Scored: status ok (counted in the means); every other sample is listed in the report as excluded.",
            columns: ["Model", "Scored/total", "Coverage", "Median offset", "|offset| ≤ 1", "Small n"],
            rows: analysis.leaderboardOrder.map { index in
                let summary = analysis.summaries[index].overall
                return [
                    analysis.models[index], "\(summary.scored)/\(summary.total)", summary.coverage.map(HTML.percent) ?? "–",
                    summary.offsets?.median.map { HTML.number($0, decimals: 1) } ?? "–",
                    summary.offsets?.shareWithinOneFrame.map(HTML.percent) ?? "–", summary.isSmallSample ? "† yes" : "no",
                ]
            })
    }

    /// `leaderboard.png`: both interval charts, the group charts when the suite has groups, and the
    /// coverage table, under the suite's name and the notices (stand-in weights) and above the
    /// provenance.
    func leaderboardFigure() -> StackedChart {
        StackedChart(
            title: "SyncBench leaderboard: \(report.suite)",
            heading: "SyncBench leaderboard: \(report.suite) (profile \(report.profile)\(report.clean ? ", clean" : ""))",
            banner: provenance.notices,
            footer: provenance.footerLines,
            parts: [leaderboardBars(.lseC), leaderboardBars(.lseD)]
                + (analysis.statistics.groups.isEmpty ? [] : [groupBars(.lseC), groupBars(.lseD)]) + [coverageTable()])
    }

    /// `categories/<category>.png`: both interval charts of the category's samples.
    func categoryFigure(_ categoryIndex: Int) -> StackedChart {
        let category = analysis.categories[categoryIndex]
        return StackedChart(
            title: "SyncBench \(report.suite): \(category)",
            heading: "SyncBench \(report.suite): category \(category)",
            banner: provenance.notices,
            footer: provenance.footerLines,
            parts: Metric.allCases.map { metric in
                leaderboardBars(
                    metric, subset: { $0.categories[categoryIndex] }, title: "\(metric.titled): mean per model in \(category)")
            })
    }

    /// The framewise confidence of one scored track.
    func confidenceCurve(of track: ReportTrack, model: String) -> ConfidenceCurveChart {
        ConfidenceCurveChart(
            title: "Track \(track.track): framewise confidence",
            subtitle: "Frames \(track.startFrame)–\(track.endFrame); offset \(track.offset.map(String.init) ?? "–"), "
                + "confidence \(track.confidence.map { HTML.number($0) } ?? "–"), min distance \(track.minDistance.map { HTML.number($0) } ?? "–").",
            startFrame: track.startFrame, values: track.framewiseConfidence, color: analysis.style(of: model).color)
    }

    private var legend: [(label: String, style: ModelStyle)] {
        analysis.models.map { (label: $0, style: analysis.style(of: $0)) }
    }

    /// What every PNG states in its banner (stand-in or mixed weights) and its footer.
    var provenance: ReportProvenance { analysis.provenance }
}
