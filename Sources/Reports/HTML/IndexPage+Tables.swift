extension IndexPage {
    /// Category rows × model columns (scored/total, LSE-C, LSE-D).
    func categoryTable() -> String {
        let rows = analysis.categories.indices.map { category in
            subsetRow(label: HTML.escape(analysis.categories[category]), summaries: analysis.summaries.map { $0.categories[category] })
        }
        return """
            <section id="categories">
            <h2>Per category</h2>
            <p class="note">Each cell: samples scored/total, mean LSE-C ↑ and LSE-D ↓ with 95 % intervals. † \(HTML.escape(analysis.smallSampleNote)).</p>
            \(subsetTable(id: "category-table", firstColumn: "Category", rows: rows))
            </section>
            """
    }

    /// Group rows × model columns; each group pools the samples of its categories.
    func groupTable() -> String {
        let rows = analysis.statistics.groups.indices.map { group in
            let definition = analysis.statistics.groups[group]
            return subsetRow(
                label: "\(HTML.escape(definition.name))<br><span class=\"ci\">\(HTML.escape(definition.categories.joined(separator: ", ")))</span>",
                summaries: analysis.summaries.map { $0.groups[group] })
        }
        return """
            <section id="groups">
            <h2>Groups</h2>
            <p class="note">A group's mean is over all scored samples of its categories (pooled), not a mean of category means.</p>
            \(subsetTable(id: "group-table", firstColumn: "Group", rows: rows))
            </section>
            """
    }

    /// Every pair of models on the samples both scored.
    func comparisonTable() -> String {
        let note = analysis.smallSampleNote
        let rows = analysis.comparisons.map { comparison -> String in
            let first = HTML.escape(comparison.firstModel)
            let second = HTML.escape(comparison.secondModel)
            func metric(_ value: PairedMetricComparison?) -> String {
                guard let value else { return "<td class=\"num none\" data-value=\"\">no pairs</td><td class=\"num none\" data-value=\"\">–</td>" }
                return Page.estimateCell(value.meanDifference)
                    + "<td class=\"num\" data-value=\"\(HTML.number(value.winRate, decimals: 6))\">\(HTML.percent(value.winRate))"
                    + "<br><span class=\"ci\">\(value.wins) / \(value.ties) / \(value.losses)</span></td>"
            }
            let subset: String
            switch comparison.subset {
            case .all: subset = "all"
            case .category(let name): subset = HTML.escape(name)
            case .group(let group): subset = HTML.escape(group.name)
            }
            return """
                <tr><td data-value="\(subset)">\(subset)</td><td data-value="\(first)">\(first)</td><td data-value="\(second)">\(second)</td>\
                <td class="num" data-value="\(comparison.pairedSampleIDs.count)">\(comparison.pairedSampleIDs.count)\(Page.smallFlag(comparison.isSmallSample, note: note))</td>\
                <td class="num">\(comparison.onlyFirstScored.count)</td><td class="num">\(comparison.onlySecondScored.count)</td>\
                \(metric(comparison.lseC))\(metric(comparison.lseD))</tr>
                """
        }
        let body = rows.isEmpty ? "<tr><td colspan=\"10\" class=\"none\">Fewer than two models: nothing to compare.</td></tr>" : rows.joined(separator: "\n")
        return """
            <section id="comparisons">
            <h2>Pairwise comparisons</h2>
            <p class="note">Paired on the samples both models scored, over all samples and over each group. Differences are A − B (LSE-C: positive favours A; \
            LSE-D: negative favours A), with 95 % bootstrap intervals over the pairs. Win rate: share of pairs where A is better \
            (wins / ties / losses below it; ties count as neither).</p>
            <div class="scroll"><table class="sortable" id="comparison-table">
            <thead><tr><th>Samples</th><th>A</th><th>B</th><th class="num" data-type="number">Paired</th><th class="num" data-type="number">Only A scored</th>\
            <th class="num" data-type="number">Only B scored</th><th class="num" data-type="number">LSE-C A − B</th>\
            <th class="num" data-type="number">A win rate, LSE-C</th><th class="num" data-type="number">LSE-D A − B</th>\
            <th class="num" data-type="number">A win rate, LSE-D</th></tr></thead>
            <tbody>
            \(body)
            </tbody>
            </table></div>
            </section>
            """
    }

    /// Every sample the reference rule kept out of the means, with its status and message.
    func excludedSection() -> String {
        let rows = analysis.models.indices.flatMap { index in
            analysis.summaries[index].overall.excluded.map { excluded -> String in
                let model = analysis.models[index]
                let found = analysis.sample(of: model, id: excluded.sampleID)
                let link = found.map { "<a href=\"\(analysis.samplePages[$0.index])\">\(HTML.escape(excluded.sampleID))</a>" } ?? HTML.escape(excluded.sampleID)
                return """
                    <tr><td>\(HTML.escape(model))</td><td class="wrap" data-value="\(HTML.escape(excluded.sampleID))">\(link)</td>\
                    <td>\(HTML.escape(excluded.category))</td><td>\(Page.status(excluded.status.rawValue))</td>\
                    <td class="wrap">\(HTML.escape(found?.sample.message ?? ""))</td></tr>
                    """
            }
        }
        let counts = analysis.summaries.map { "\(HTML.escape($0.model)): \($0.overall.excluded.count) of \($0.overall.total)" }
        let body = rows.isEmpty ? "<tr><td colspan=\"5\" class=\"none\">None: every sample is scored.</td></tr>" : rows.joined(separator: "\n")
        return """
            <section id="excluded">
            <h2>Excluded by the face-detected rule</h2>
            <p class="note">Samples without status <code>ok</code> are not in any mean (the reference averages only rows with \
            <code>has_face = True</code>). Excluded per model: \(counts.joined(separator: "; ")).</p>
            <div class="scroll"><table class="sortable" id="excluded-table">
            <thead><tr><th>Model</th><th>Sample</th><th>Category</th><th>Status</th><th>Message</th></tr></thead>
            <tbody>
            \(body)
            </tbody>
            </table></div>
            </section>
            """
    }

    /// Every sample of every model, linking to its page.
    func sampleIndex() -> String {
        let rows = report.samples.indices.map { index -> String in
            let sample = report.samples[index]
            let score = sample.score
            let offset: String? = score.isScored ? (score.offsetInFrames.map(String.init) ?? "undetermined") : nil
            return """
                <tr><td>\(HTML.escape(score.model))</td>\
                <td class="wrap" data-value="\(HTML.escape(score.sampleID))"><a href="\(analysis.samplePages[index])">\(HTML.escape(score.sampleID))</a></td>\
                <td>\(HTML.escape(score.category))</td><td>\(Page.status(score.status.rawValue))</td>\
                \(Page.numberCell(score.lseC.map { HTML.number($0) }, value: score.lseC))\
                \(Page.numberCell(score.lseD.map { HTML.number($0) }, value: score.lseD))\
                \(Page.numberCell(offset, value: score.offsetInFrames.map(Double.init)))</tr>
                """
        }
        return """
            <section id="samples">
            <h2>Samples</h2>
            <div class="scroll"><table class="sortable" id="sample-table">
            <thead><tr><th>Model</th><th>Sample</th><th>Category</th><th>Status</th><th class="num" data-type="number">LSE-C ↑</th>\
            <th class="num" data-type="number">LSE-D ↓</th><th class="num" data-type="number">Offset (frames)</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table></div>
            </section>
            """
    }

    /// A row of a subset table: the label, then per model scored/total, LSE-C and LSE-D.
    private func subsetRow(label: String, summaries: [ScoreSummary]) -> String {
        let cells = summaries.map { summary in
            "<td class=\"num\">\(summary.scored)/\(summary.total)\(Page.smallFlag(summary.isSmallSample && summary.total > 0, note: analysis.smallSampleNote))</td>"
                + Page.estimateCell(summary.lseC) + Page.estimateCell(summary.lseD)
        }
        return "<tr><th scope=\"row\">\(label)</th>\(cells.joined())</tr>"
    }

    private func subsetTable(id: String, firstColumn: String, rows: [String]) -> String {
        let models = analysis.models.map { "<th colspan=\"3\" scope=\"colgroup\">\(Page.model($0, style: analysis.style(of: $0)))</th>" }
        let metrics = analysis.models.map { _ in "<th class=\"num\">n</th><th class=\"num\">LSE-C ↑</th><th class=\"num\">LSE-D ↓</th>" }
        return """
            <div class="scroll"><table id="\(id)">
            <thead><tr><th rowspan="2">\(firstColumn)</th>\(models.joined())</tr><tr>\(metrics.joined())</tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table></div>
            """
    }
}
