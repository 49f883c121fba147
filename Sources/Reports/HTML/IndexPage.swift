/// `index.html`: the leaderboard, its tables and charts, and the index of sample pages.
struct IndexPage {
    let analysis: ReportAnalysis
    let charts: ReportCharts

    var report: BenchmarkReport { analysis.report }

    /// The page's HTML.
    /// - Throws: ``ChartError`` when a chart cannot be drawn.
    func html() throws(ChartError) -> String {
        var sections = [header(), leaderboard(), protocolSection(), try chartsSection(), categoryTable()]
        if !analysis.statistics.groups.isEmpty { sections.append(groupTable()) }
        sections += [comparisonTable(), excludedSection(), sampleIndex(), provenanceSection()]
        return Page.document(
            title: "SyncBench leaderboard: \(report.suite)", body: sections.joined(separator: "\n"), report: report, provenance: analysis.provenance)
    }

    private func header() -> String {
        let bootstrap = analysis.statistics.bootstrap
        let rows: [(String, String)] = [
            ("Suite", "\(report.suite) (\(report.suiteKind))"), ("Profile", analysis.provenance.profileText),
            ("Models", "\(analysis.models.count)"), ("Samples", "\(report.samples.count) (model × sample rows)"),
            ("SyncBench version", report.toolVersion), ("Database", report.databasePath), ("Database digest", report.databaseDigest),
            ("Generated at", report.generatedAt),
            ("Intervals", "\(HTML.number(bootstrap.level * 100, decimals: 0)) % percentile bootstrap, \(bootstrap.replicates) replicates, seed \(bootstrap.seed)"),
            ("Small n (†)", "fewer than \(analysis.statistics.smallSampleThreshold) scored samples"),
        ]
        let meta = rows.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd>" }.joined(separator: "\n")
        var links = [("leaderboard", "Leaderboard"), ("charts", "Charts"), ("categories", "Per category")]
        if !analysis.statistics.groups.isEmpty { links.append(("groups", "Groups")) }
        links += [("comparisons", "Pairwise comparisons"), ("excluded", "Excluded samples"), ("samples", "Samples"), ("provenance", "Provenance")]
        links.insert(("protocol", "As the protocol reports it"), at: 1)
        let toc = links.map { "<a href=\"#\($0.0)\">\($0.1)</a>" }.joined(separator: "\n")
        return """
            <header>
            <h1>SyncBench leaderboard: \(HTML.escape(report.suite))</h1>
            <dl class="meta">
            \(meta)
            </dl>
            <nav class="toc">
            \(toc)
            </nav>
            </header>
            """
    }

    private func leaderboard() -> String {
        let note = analysis.smallSampleNote
        let rows = analysis.leaderboardOrder.map { index -> String in
            let model = analysis.models[index]
            let summary = analysis.summaries[index].overall
            let offsets = summary.offsets
            let median = offsets?.median.map { HTML.number($0, decimals: 1) + (offsets!.undetermined > 0 ? " (\(offsets!.undetermined) undetermined)" : "") }
            let share = offsets?.shareWithinOneFrame.map { "\(HTML.percent($0)) (\(offsets!.withinOneFrame)/\(offsets!.count))" }
            return """
                <tr><td data-value="\(HTML.escape(model))">\(Page.model(model, style: analysis.style(of: model)))</td>\
                <td class="num" data-value="\(summary.scored)">\(summary.scored)/\(summary.total)</td>\
                \(Page.numberCell(summary.coverage.map(HTML.percent), value: summary.coverage))\
                \(Page.estimateCell(summary.lseC))\(Page.estimateCell(summary.lseD))\
                \(Page.numberCell(median, value: offsets?.median))\(Page.numberCell(share, value: offsets?.shareWithinOneFrame))\
                <td data-value="\(summary.isSmallSample ? 1 : 0)">\(summary.isSmallSample ? "<span class=\"flag\">† small n</span>" : "")</td></tr>
                """
        }
        return """
            <section id="leaderboard">
            <h2>Leaderboard</h2>
            <p class="note">Means are over the scored samples only (status <code>ok</code>, the reference's face-detected rule); \
            coverage shows how many samples that is. Intervals are 95 % bootstrap intervals. Sorted by mean LSE-C; \
            click a column header to sort. LSE-C: higher is better. LSE-D: lower is better. † \(HTML.escape(note)).\
            \(analysis.report.suiteKind == "mochabench" ? " MoChaBench's published leaderboard is its Monologue group (see <a href=\"#groups\">Groups</a>), not all categories." : "")</p>
            <div class="scroll"><table class="sortable" id="leaderboard-table">
            <thead><tr><th>Model</th><th class="num" data-type="number">Scored/total</th><th class="num" data-type="number">Coverage</th>\
            <th class="num" data-type="number">LSE-C ↑ mean [95 % CI]</th><th class="num" data-type="number">LSE-D ↓ mean [95 % CI]</th>\
            <th class="num" data-type="number">Median offset (frames)</th><th class="num" data-type="number">|offset| ≤ 1</th>\
            <th data-type="number">Small n</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table></div>
            </section>
            """
    }

    private func chartsSection() throws(ChartError) -> String {
        var figures = [
            try Page.figure(charts.leaderboardBars(.lseC), prefix: "chart-lse-c"),
            try Page.figure(charts.leaderboardBars(.lseD), prefix: "chart-lse-d"),
        ]
        if !analysis.statistics.groups.isEmpty {
            figures += [
                try Page.figure(charts.groupBars(.lseC), prefix: "chart-group-lse-c"),
                try Page.figure(charts.groupBars(.lseD), prefix: "chart-group-lse-d"),
            ]
        }
        figures += [
            try Page.figure(charts.categoryBars(.lseC), prefix: "chart-category-lse-c"),
            try Page.figure(charts.categoryBars(.lseD), prefix: "chart-category-lse-d"),
            try Page.figure(charts.scatter(), prefix: "chart-scatter"),
            try Page.figure(charts.offsetHistogram(), prefix: "chart-offsets"),
        ]
        let images = ["<a href=\"leaderboard.png\">leaderboard.png</a>"]
            + analysis.categories.indices.map { "<a href=\"\(analysis.categoryImages[$0])\">\(HTML.escape(analysis.categories[$0]))</a>" }
        return """
            <section id="charts">
            <h2>Charts</h2>
            <p class="note">The same charts as PNG files: \(images.joined(separator: ", ")).</p>
            \(figures.joined(separator: "\n"))
            </section>
            """
    }
}
