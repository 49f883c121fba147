/// The index page's sections on the profile's own suite rule and on where the numbers come from.
extension IndexPage {
    /// The suite's numbers by the profile's own rule, beside (never instead of) the leaderboard.
    func protocolSection() -> String {
        guard let rule = ProtocolAggregation(profile: report.profile, groups: analysis.statistics.groups),
            let summaries = analysis.protocolSummaries
        else {
            return """
                <section id="protocol">
                <h2>As the protocol reports it</h2>
                <p class="note">The \(HTML.escape(report.profile)) profile's upstream code has no suite mean (it prints per-track \
                numbers); the leaderboard above is SyncBench's.</p>
                </section>
                """
        }
        let subsets = rule.subsets(categories: analysis.categories).map(\.description)
        func counted(_ count: Int) -> String {
            "\(count) " + (rule.unit == .video ? (count == 1 ? "video" : "videos") : (count == 1 ? "track line" : "track lines"))
        }
        let header = subsets.map { "<th class=\"num\">\(HTML.escape($0))</th>" }.joined()
        let rows = analysis.leaderboardOrder.map { index -> String in
            let model = analysis.models[index]
            let cells = subsets.map { subset -> String in
                guard let entry = summaries[index].entry(subset), entry.count > 0 else { return "<td class=\"num none\">–</td>" }
                let numbers = [entry.lseC.map { "C \(HTML.number($0))" }, entry.lseD.map { "D \(HTML.number($0))" }].compactMap { $0 }
                return "<td class=\"num\">\(numbers.joined(separator: " · "))<br><span class=\"ci\">n = \(counted(entry.count))</span></td>"
            }
            return "<tr><td>\(Page.model(model, style: analysis.style(of: model)))</td>\(cells.joined())</tr>"
        }
        return """
            <section id="protocol">
            <h2>As the protocol reports it</h2>
            <p class="note">\(HTML.escape(rule.description)). Plain means as the upstream code computes them, of the clip numbers by the \
            profile's rule (<code>lse_c</code>, <code>lse_d</code> in <code>results.csv</code>: <code>protocol_lse_c</code>, \
            <code>protocol_lse_d</code>), shown beside SyncBench's statistics above (coverage, intervals), which they do not replace. \
            C: LSE-C, higher is better; D: LSE-D, lower is better.</p>
            <div class="scroll"><table id="protocol-table">
            <thead><tr><th>Model</th>\(header)</tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table></div>
            </section>
            """
    }

    /// The profile, the weights, the software and the database behind every number of the report.
    func provenanceSection() -> String {
        let provenance = analysis.provenance
        var rows: [(String, String)] = [("Profile", provenance.profileText)]
        if provenance.weights.isEmpty {
            rows.append(("Weights", "not recorded"))
        }
        for (index, set) in provenance.weights.enumerated() {
            let label = provenance.weights.count > 1 ? "Weights \(index + 1) of \(provenance.weights.count)" : "Weights"
            rows.append((label, set.files.map(ReportProvenance.describe).joined(separator: "\n") + "\n(\(set.evaluations) evaluations)"))
        }
        if provenance.weightsNotRecorded > 0 { rows.append(("Weights not recorded", "\(provenance.weightsNotRecorded) evaluations")) }
        rows += provenance.softwareLines.map { ("Computed by", $0) }
        rows += [
            ("Report by", "SyncBench \(provenance.toolVersion)"), ("Database", provenance.databasePath),
            ("Database digest", provenance.databaseDigest), ("Generated at", provenance.generatedAt),
        ]
        let meta = rows.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1).replacingOccurrences(of: "\n", with: "<br>"))</dd>" }
        return """
            <section id="provenance">
            <h2>Provenance</h2>
            <p class="note">What made every number on this page: the profile, the weight files by SHA-256 (and whether each is the \
            published file), the SyncBench build and FFmpeg libraries that computed the evaluations, as recorded with each \
            evaluation. The same is in every PNG (tEXt chunks and footer), CSV and JSON file of the report.</p>
            <dl class="meta">
            \(meta.joined(separator: "\n"))
            </dl>
            </section>
            """
    }
}
