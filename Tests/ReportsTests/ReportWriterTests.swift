import Foundation
import Testing
@testable import Reports

@Suite("Report files (HTML, PNG, CSV, JSON) of a hand-made report")
struct ReportWriterTests {
    @Test("every file is written: pages, sample pages, PNGs, tables")
    func files() throws {
        let (directory, files) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let relative = files.map { String($0.path.dropFirst(directory.path.count + 1)) }
        #expect(relative.first == "index.html")
        #expect(relative.contains("samples/alpha/1p_emotion__1_a.html"))
        #expect(relative.contains("samples/beta______/odd____quoted___x_y_.html"))
        #expect(relative.filter { $0.hasPrefix("samples/") }.count == 14)
        #expect(relative.contains("categories/odd____quoted_.png") && relative.contains("categories/1p_emotion.png"))
        #expect(relative.suffix(4) == ["results.csv", "results.json", "leaderboard.csv", "leaderboard.json"])
        for file in files { #expect(FileManager.default.fileExists(atPath: file.path), "\(file.path) missing") }
    }

    @Test("writing the same report twice gives byte-identical files")
    func deterministic() throws {
        let (first, files) = try ReportFixture.writeReport()
        let (second, _) = try ReportFixture.writeReport()
        defer { for d in [first, second] { try? FileManager.default.removeItem(at: d) } }
        for file in files {
            let path = String(file.path.dropFirst(first.path.count + 1))
            #expect(try Data(contentsOf: file) == Data(contentsOf: second.appendingPathComponent(path)), "\(path) differs")
        }
    }

    @Test("inlined SVG ids are unique across each page and every fragment reference resolves")
    func uniqueIDs() throws {
        let (directory, files) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in files where file.pathExtension == "html" {
            let html = try String(contentsOf: file, encoding: .utf8)
            let ids = html.matches(of: #/\sid="([^"]*)"/#).map { String($0.output.1) }
            #expect(Set(ids).count == ids.count, "duplicate ids in \(file.lastPathComponent): \(duplicates(ids).prefix(5))")
            let references = html.matches(of: #/href="#([^"]*)"/#).map { String($0.output.1) }
                + html.matches(of: #/url\(#([^)]*)\)/#).map { String($0.output.1) }
            let known = Set(ids)
            #expect(references.allSatisfy(known.contains), "unresolved: \(references.filter { !known.contains($0) }.prefix(5))")
            if file.lastPathComponent == "index.html" {
                // Per model, per group (the fixture is a MoChaBench report), per category: LSE-C and LSE-D each; scatter; offsets.
                #expect(html.matches(of: #/<svg /#).count == 8)
                #expect(ids.contains { $0.hasPrefix("chart-scatter-glyph") } && ids.contains { $0.hasPrefix("chart-lse-c-glyph") })
                #expect(!html.contains("<?xml"))
            }
        }
    }

    @Test("no page makes an external request: no http(s) URL but the SVG namespaces, no protocol-relative src, no <link>")
    func selfContained() throws {
        let (directory, files) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in files where file.pathExtension == "html" {
            var html = try String(contentsOf: file, encoding: .utf8)
            html = html.replacingOccurrences(of: #"xmlns="http://www.w3.org/2000/svg""#, with: "")
            html = html.replacingOccurrences(of: #"xmlns:xlink="http://www.w3.org/1999/xlink""#, with: "")
            for forbidden in ["http://", "https://", #"src="//"#, "<link", "@import", "url(http", "url(//"] {
                #expect(!html.contains(forbidden), "\(file.lastPathComponent) contains \(forbidden)")
            }
            #expect(html.contains("<style>") && html.contains("data-ready"))
        }
        let sample = try ReportFixture.text(directory, "samples/alpha/1p_emotion__1_a.html")
        #expect(sample.matches(of: #/<img src="data:image\/png;base64,/#).count == 2)
    }

    @Test("strings from the data are escaped everywhere")
    func escaping() throws {
        let (directory, files) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let raw = [ReportFixture.beta, ReportFixture.oddCategory, "x<y>", "mini <suite>", "<Invalid data>", "sync✓ & co"]
        for file in files where file.pathExtension == "html" {
            let html = try String(contentsOf: file, encoding: .utf8)
            for text in raw { #expect(!html.contains(text), "\(file.lastPathComponent) contains unescaped \(text)") }
        }
        let index = try ReportFixture.text(directory, "index.html")
        #expect(index.contains("beta &lt;&amp;&quot;&#39;&gt;"))
        #expect(index.contains("odd &amp; &quot;quoted&quot;/x&lt;y&gt;"))
        #expect(index.contains("cannot open &quot;2_e.mp4&quot;: &lt;Invalid data&gt; &amp; more"))
    }

    @Test("a model without a scored sample stays in every table, with 'no score'")
    func modelWithoutScores() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let index = try ReportFixture.text(directory, "index.html")
        let leaderboard = try #require(index.firstRange(of: "<tbody>").map { index[$0.upperBound...] })
        let rows = leaderboard.prefix(while: { _ in true }).components(separatedBy: "</tbody>")[0].components(separatedBy: "<tr>").dropFirst()
        #expect(rows.count == 3)
        // Sorted by mean LSE-C: alpha (5.75) before beta (4.417); gamma (no score) last.
        #expect(rows.map { $0.contains("alpha") } == [true, false, false])
        #expect(rows.last?.contains("gamma") == true && rows.last?.contains("no score") == true && rows.last?.contains("0/2") == true)
        let csv = try ReportFixture.text(directory, "leaderboard.csv")
        // No protocol numbers (MoChaBench's rule has no 'all'); gamma's one evaluation (its decode
        // error) was made with the fixture's published weights.
        #expect(csv.contains("\ngamma,all,2,0,0.0,,,,,,,0,0,,0,,True,2,,,,mochabench,1,"))
        #expect(csv.contains("\ngamma,category:1p_emotion,2,0,0.0,,,,,,,0,0,,0,,True,2,0,,,mochabench,1,"))
    }

    @Test("the excluded section lists every sample that is not ok, with its status and message")
    func excluded() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let index = try ReportFixture.text(directory, "index.html")
        let section = try #require(index.firstRange(of: #"<section id="excluded">"#).map { String(index[$0.lowerBound...]) }?
            .components(separatedBy: "</section>").first)
        let report = try ReportFixture.report()
        let notOK = report.samples.filter { !$0.score.isScored }
        #expect(notOK.count == 6)
        #expect(section.components(separatedBy: "<tr><td>").count - 1 == notOK.count)
        for sample in notOK {
            #expect(section.contains(">\(HTML.escape(sample.score.sampleID))</a>"))
            #expect(section.contains(">\(sample.score.status.rawValue)</span>"))
            #expect(section.contains(HTML.escape(sample.message)))
        }
    }

    @Test("leaderboard.json holds exactly what LeaderboardStatistics computes")
    func leaderboardJSON() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Data(contentsOf: directory.appendingPathComponent("leaderboard.json"))
        let document = try JSONDecoder().decode(LeaderboardFiles.Document.self, from: data)
        let report = try ReportFixture.report()
        let table = try report.scoreTable()
        let statistics = ReportFixture.statistics
        #expect(document.models == report.models.map { statistics.modelSummary(of: $0, in: table) })
        #expect(document.comparisons == ([Subset.all] + statistics.groups.map(Subset.group)).flatMap { statistics.comparisons(in: table, subset: $0) })
        #expect(Set(document.comparisons.map(\.subset.description)) == ["all", "group:Monologue", "group:Dialogue"])
        #expect(document.statistics == statistics)
        #expect(document.leaderboard == [ReportFixture.alpha, ReportFixture.beta, ReportFixture.gamma])
        #expect(document.provenance == ReportProvenance(report))
        #expect(document.models[0].groups.map(\.subset.description) == ["group:Monologue", "group:Dialogue"])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""databaseDigest" : "sha256:0123"#))
    }

    @Test("leaderboard.csv has one record per model and subset with the statistics' numbers")
    func leaderboardCSV() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try ReportFixture.text(directory, "leaderboard.csv").split(separator: "\n").map(String.init)
        #expect(lines[0] == LeaderboardFiles.columns.joined(separator: ","))
        // 3 models × (all + 3 categories + 2 groups).
        #expect(lines.count == 1 + 3 * 6)
        let table = try ReportFixture.report().scoreTable()
        let alpha = ReportFixture.statistics.summary(of: "alpha", in: table)
        let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields[0] == "alpha" && fields[1] == "all" && fields[2] == "6" && fields[3] == "5")
        #expect(Double(fields[5]) == alpha.lseC?.mean && Double(fields[6]) == alpha.lseC?.lower && Double(fields[10]) == alpha.lseD?.upper)
    }

    private func duplicates(_ values: [String]) -> [String] {
        Dictionary(grouping: values, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
    }
}
