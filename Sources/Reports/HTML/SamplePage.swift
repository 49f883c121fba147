import Foundation

/// `samples/<model>/<sample>.html`: one model's result on one sample, with its tracks, their
/// framewise confidence and the crop thumbnails.
struct SamplePage {
    let analysis: ReportAnalysis
    let charts: ReportCharts
    /// The sample's index in the report.
    let index: Int

    private var sample: ReportSample { analysis.report.samples[index] }

    /// The page's HTML. Links are relative: the page sits two folders below `index.html`.
    /// - Throws: ``ChartError`` when a chart cannot be drawn.
    func html() throws(ChartError) -> String {
        let score = sample.score
        let offset = score.isScored ? (score.offsetInFrames.map(String.init) ?? "undetermined (tracks disagree)") : "–"
        var details: [(String, String)] = [
            ("Model", score.model), ("Sample", score.sampleID), ("Category", score.category), ("Index in category", "\(sample.index)"),
        ]
        if let prompt = sample.prompt { details.append(("Prompt", prompt)) }
        details += [
            ("Status", score.status.rawValue), ("Message", sample.message.isEmpty ? "–" : sample.message), ("Video", sample.videoPath),
            ("Audio", sample.audioPath ?? "the video's own audio"),
            ("Runtime", sample.runtimeSeconds.map { "\(HTML.number($0, decimals: 2)) s" } ?? "not evaluated"),
            ("LSE-C ↑", score.lseC.map { HTML.number($0) } ?? "no score"), ("LSE-D ↓", score.lseD.map { HTML.number($0) } ?? "no score"),
            ("Offset (frames)", offset), ("Track offsets", CSVText.list(score.trackOffsets.map { "\($0)" })),
            ("Best track", score.bestTrack.map { "\($0)" } ?? "not recorded"),
        ]
        if let clip = sample.clip {
            let numbers = [clip.lseC.map { "LSE-C \(HTML.number($0))" }, clip.lseD.map { "LSE-D \(HTML.number($0))" }].compactMap { $0 }
            details.append(("By the profile's rule", (numbers.isEmpty ? "none per video" : numbers.joined(separator: ", ")) + " (\(clip.rule))"))
        }
        if let provenance = sample.provenance {
            details.append(
                ("Weights", provenance.weights.isEmpty ? "not recorded" : provenance.weights.map(ReportProvenance.describe).joined(separator: "; ")))
            if let software = provenance.software {
                details.append(("Computed by", "SyncBench \(software.syncbench), profile v\(software.profileVersion)"))
            }
        }
        let meta = details.map { key, value in
            key == "Status" ? "<dt>Status</dt><dd>\(Page.status(value))</dd>" : "<dt>\(HTML.escape(key))</dt><dd>\(HTML.escape(value))</dd>"
        }
        let body = """
            <nav class="toc"><a href="../../index.html">← Leaderboard</a><a href="../../index.html#samples">All samples</a></nav>
            <header>
            <h1>\(HTML.escape(score.sampleID))</h1>
            <p class="note">\(Page.model(score.model, style: analysis.style(of: score.model))) · suite \(HTML.escape(analysis.report.suite)) · \
            profile \(HTML.escape(analysis.report.profile))</p>
            <dl class="meta">
            \(meta.joined(separator: "\n"))
            </dl>
            </header>
            \(tracksTable())
            \(try curves())
            \(thumbnails())
            """
        return Page.document(title: "\(score.sampleID) · \(score.model) · SyncBench", body: body, report: analysis.report, provenance: analysis.provenance)
    }

    private func tracksTable() -> String {
        let rows = sample.tracks.map { track in
            """
            <tr><td class="num">\(track.track)</td><td class="num">\(track.startFrame)–\(track.endFrame) \
            <span class="ci">(\(track.endFrame - track.startFrame + 1))</span></td><td>\(Page.status(track.status))</td>\
            \(Page.numberCell(track.offset.map(String.init), value: track.offset.map(Double.init)))\
            \(Page.numberCell(track.confidence.map { HTML.number($0) }, value: track.confidence))\
            \(Page.numberCell(track.minDistance.map { HTML.number($0) }, value: track.minDistance))</tr>
            """
        }
        let body = rows.isEmpty ? "<tr><td colspan=\"6\" class=\"none\">No face track.</td></tr>" : rows.joined(separator: "\n")
        return """
            <section id="tracks">
            <h2>Tracks</h2>
            <div class="scroll"><table id="track-table">
            <thead><tr><th class="num">Track</th><th class="num">Frames</th><th>Status</th><th class="num">Offset</th>\
            <th class="num">Confidence</th><th class="num">Min distance</th></tr></thead>
            <tbody>
            \(body)
            </tbody>
            </table></div>
            </section>
            """
    }

    private func curves() throws(ChartError) -> String {
        var figures: [String] = []
        for track in sample.tracks where track.status == "ok" {
            if track.framewiseConfidence.isEmpty {
                figures.append("<p class=\"none\">Track \(track.track): no framewise confidence recorded.</p>")
            } else {
                figures.append(try Page.figure(charts.confidenceCurve(of: track, model: sample.score.model), prefix: "chart-track-\(track.track)"))
            }
        }
        if figures.isEmpty { figures.append("<p class=\"none\">No scored track.</p>") }
        return """
            <section id="confidence">
            <h2>Framewise confidence</h2>
            \(figures.joined(separator: "\n"))
            </section>
            """
    }

    private func thumbnails() -> String {
        let count = sample.thumbnails.count
        let images = sample.thumbnails.enumerated().map { position, data -> String in
            let bytes = [UInt8](data.prefix(8))
            let type: String? =
                bytes == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] ? "image/png" : bytes.starts(with: [0xFF, 0xD8, 0xFF]) ? "image/jpeg" : nil
            guard let type else {
                return "<span class=\"none\">thumbnail \(position + 1): not a PNG or JPEG (\(data.count) bytes)</span>"
            }
            return "<img src=\"data:\(type);base64,\(data.base64EncodedString())\" alt=\"crop \(position + 1) of \(count)\">"
        }
        let strip = images.isEmpty ? "<p class=\"none\">No crop thumbnails in the cache.</p>" : "<div class=\"thumbs\">\n\(images.joined(separator: "\n"))\n</div>"
        return """
            <section id="thumbnails">
            <h2>Crops</h2>
            \(strip)
            </section>
            """
    }
}
