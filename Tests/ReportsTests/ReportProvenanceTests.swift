import Foundation
import Store
import Testing
@testable import Reports

/// Provenance in every output of a report (issue #12): the profile and its version, both weight
/// files by SHA-256 with whether each is the published file, the FFmpeg libraries and the SyncBench
/// build, in the HTML pages, the PNGs (tEXt chunks and the drawn footer), the CSV and the JSON; and
/// the stand-in banner on the page and on every PNG.
@Suite("Report provenance and the stand-in banner")
struct ReportProvenanceTests {
    static let notice = Provenance.standInNotice

    /// The fields of `file` (a CSV of the report) as dictionaries by column.
    static func csvRows(_ directory: URL, _ file: String) throws -> [[String: String]] {
        let records = try CSVRecords.split(try ReportFixture.text(directory, file))
        let header = try #require(records.first).fields
        return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.fields)) }
    }

    static func json(_ directory: URL, _ file: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file))) as? [String: Any])
    }

    @Test("published weights: every output kind states profile, both digests, published, FFmpeg and SyncBench; no banner")
    func everyOutputKind() throws {
        let (directory, files) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ffmpeg = "libavcodec 61.19.101"
        let build = "0.9.0-test (abcdef012345)"

        for file in files where file.pathExtension == "html" {
            let html = try String(contentsOf: file, encoding: .utf8)
            let footer = try #require(html.firstRange(of: "<footer>").map { String(html[$0.lowerBound...]) }, "\(file.lastPathComponent)")
            for expected in [
                "profile mochabench v1", "syncnet_v2.model SHA-256 \(ReportFixture.syncNetDigest) published",
                "sfd_face.pth SHA-256 \(ReportFixture.s3fdDigest) published", ffmpeg, "SyncBench \(build)",
            ] {
                #expect(footer.contains(expected), "\(file.lastPathComponent) footer lacks \(expected)")
            }
            #expect(!html.contains("class=\"banner\"") && !html.contains(Self.notice), "\(file.lastPathComponent)")
        }
        let index = try ReportFixture.text(directory, "index.html")
        #expect(index.contains("<section id=\"provenance\">") && index.contains("(13 evaluations)"))

        for url in files where url.pathExtension == "png" {
            let text = Dictionary(uniqueKeysWithValues: PNGFile.textChunks(of: try Data(contentsOf: url)).map { ($0.keyword, $0.value) })
            #expect(text["Profile"] == "mochabench v1")
            #expect(text["Weights"] == """
                sfd_face.pth SHA-256 \(ReportFixture.s3fdDigest) published
                syncnet_v2.model SHA-256 \(ReportFixture.syncNetDigest) published
                """)
            #expect(text["Weights published"] == "yes")
            #expect(text["Computed by"]?.contains(ffmpeg) == true && text["Computed by"]?.contains("SyncBench \(build)") == true)
            #expect(text["Warning"] == nil)
        }

        let results = try Self.csvRows(directory, "results.csv")
        #expect(results.count == 14)
        for row in results where row["status"] != "missing" {
            #expect(row["syncnet_sha256"] == ReportFixture.syncNetDigest && row["syncnet_published"] == "True")
            #expect(row["s3fd_sha256"] == ReportFixture.s3fdDigest && row["s3fd_published"] == "True" && row["s3fd_used"] == "True")
            #expect(row["profile_version"] == "1" && row["syncbench"] == build && row["ffmpeg"]?.contains(ffmpeg) == true)
        }
        let missing = try #require(results.first { $0["status"] == "missing" })
        #expect(missing["syncnet_sha256"] == "" && missing["syncbench"] == "")

        for row in try Self.csvRows(directory, "leaderboard.csv") {
            #expect(row["profile"] == "mochabench" && row["profile_version"] == "1")
            #expect(row["weights"] == "sfd_face.pth=\(ReportFixture.s3fdDigest); syncnet_v2.model=\(ReportFixture.syncNetDigest)")
            #expect(row["weights_published"] == "yes" && row["computed_by"]?.contains(ffmpeg) == true)
        }

        for file in ["results.json", "leaderboard.json"] {
            let provenance = try #require(try Self.json(directory, file)["provenance"] as? [String: Any], "\(file)")
            #expect(provenance["profile"] as? String == "mochabench" && provenance["profileVersion"] as? Int == 1)
            #expect(provenance["standInWeights"] as? Bool == false && provenance["mixedWeights"] as? Bool == false)
            #expect((provenance["notices"] as? [Any])?.isEmpty == true)
            let sets = try #require(provenance["weights"] as? [[String: Any]])
            #expect(sets.count == 1 && sets[0]["evaluations"] as? Int == 13)
            let digests = (sets[0]["files"] as? [[String: Any]])?.compactMap { $0["sha256"] as? String }
            #expect(digests == [ReportFixture.s3fdDigest, ReportFixture.syncNetDigest])
            let software = try #require(provenance["software"] as? [[String: Any]])
            #expect(software.count == 1 && software[0]["syncbench"] as? String == build)
            #expect((software[0]["ffmpeg"] as? [String: String])?["libavcodec"] == "61.19.101")
        }
        let rows = try #require(try Self.json(directory, "results.json")["results"] as? [[String: Any]])
        #expect(rows[0]["syncnet_sha256"] as? String == ReportFixture.syncNetDigest && rows[0]["syncnet_published"] as? Bool == true)
    }

    @Test("stand-in weights: the banner on every HTML page and every PNG (tEXt, drawn text, red pixels), the notice in CSV and JSON")
    func standInBanner() throws {
        let report = try ReportFixture.report(weights: ReportFixture.weights(standIn: true))
        let (directory, files) = try ReportFixture.writeReport(report)
        defer { try? FileManager.default.removeItem(at: directory) }

        for file in files where file.pathExtension == "html" {
            let html = try String(contentsOf: file, encoding: .utf8)
            #expect(html.contains("<div class=\"banner\" role=\"alert\">\n<p>\(Self.notice)</p>"), "\(file.lastPathComponent)")
            #expect(html.contains("syncnet_v2.model SHA-256 \(ReportFixture.standInSyncNetDigest) not published (stand-in)"))
        }
        let pngs = files.filter { $0.pathExtension == "png" }
        #expect(pngs.count == 4)
        for url in pngs {
            let text = Dictionary(uniqueKeysWithValues: PNGFile.textChunks(of: try Data(contentsOf: url)).map { ($0.keyword, $0.value) })
            #expect(text["Warning"] == Self.notice && text["Weights published"] == "no", "\(url.lastPathComponent)")
        }

        // The notice and the footer are drawn on the picture, not only stored beside it.
        let analysis = try ReportAnalysis(report, statistics: ReportFixture.statistics)
        let charts = ReportCharts(analysis: analysis)
        for figure in [charts.leaderboardFigure()] + analysis.categories.indices.map(charts.categoryFigure) {
            let drawn = try ChartRenderer.drawnText(of: figure)
            #expect(drawn.contains(Self.notice), "\(figure.title)")
            #expect(drawn.contains("syncnet_v2.model SHA-256 \(ReportFixture.standInSyncNetDigest) not published (stand-in)"), "\(figure.title)")
            #expect(drawn.contains { $0.hasPrefix("SyncBench 0.9.0-test (abcdef012345), profile v1; FFmpeg libavcodec 61.19.101") }, "\(figure.title)")
        }
        // The banner's red (Palette.warning, #B3261E) fills a band under the heading of the PNG
        // with stand-in weights and appears nowhere in the one with published weights. Exact
        // colour: the band is a filled rectangle on whole pixels at scale 2 (y 36…60 + 12 px).
        func warningPixels(_ data: Data) throws -> Int {
            let image = try PNGFile.decode(data)
            return stride(from: 0, to: image.pixels.count, by: 3).filter {
                image.pixels[$0] == 0xB3 && image.pixels[$0 + 1] == 0x26 && image.pixels[$0 + 2] == 0x1E
            }.count
        }
        let (published, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: published) }
        for name in ["leaderboard.png", "categories/1p_emotion.png"] {
            let standIn = try warningPixels(try Data(contentsOf: directory.appendingPathComponent(name)))
            // The band is (width − 24) × (12 + 17 − 4) chart pixels at 2 × 2 device pixels each,
            // less the white glyphs drawn on it: more than half of it stays red.
            #expect(standIn > (760 - 24) * 25 * 4 / 2, "\(name): \(standIn) banner pixels")
            #expect(try warningPixels(try Data(contentsOf: published.appendingPathComponent(name))) == 0, "\(name)")
        }

        for row in try Self.csvRows(directory, "results.csv") where row["status"] != "missing" {
            #expect(row["syncnet_published"] == "False" && row["syncnet_sha256"] == ReportFixture.standInSyncNetDigest)
        }
        for row in try Self.csvRows(directory, "leaderboard.csv") { #expect(row["weights_published"] == "no") }
        for file in ["results.json", "leaderboard.json"] {
            let provenance = try #require(try Self.json(directory, file)["provenance"] as? [String: Any])
            #expect(provenance["standInWeights"] as? Bool == true && provenance["notices"] as? [String] == [Self.notice])
        }
        #expect(ReportWriter.notices(of: report) == [Self.notice])
    }

    @Test("a report that mixes weights says so, counts each set, and flags the stand-in one")
    func mixedWeights() throws {
        var report = try ReportFixture.report()
        // Beta's evaluations were made with a stand-in SyncNet.
        for index in report.samples.indices where report.samples[index].score.model == ReportFixture.beta && report.samples[index].provenance != nil {
            report.samples[index].provenance = EvaluationProvenance(weights: ReportFixture.weights(standIn: true), software: ReportFixture.software)
        }
        let provenance = ReportProvenance(report)
        #expect(provenance.mixedWeights && provenance.standInWeights)
        #expect(provenance.weights.map(\.evaluations) == [7, 6] && provenance.weights.map(\.standIn) == [false, true])
        #expect(provenance.notices.count == 2 && provenance.notices[0] == Self.notice)
        #expect(provenance.notices[1] == "mixed weights: the results shown were made with 2 different syncnet_v2.model; do not compare them with each other")
        #expect(provenance.weightLines.count == 4 && provenance.weightLines[0].hasPrefix("weights 1 of 2 (7 evaluations): sfd_face.pth"))
        let html = try IndexPage(analysis: try ReportAnalysis(report, statistics: ReportFixture.statistics), charts: ReportCharts(
            analysis: try ReportAnalysis(report, statistics: ReportFixture.statistics))).html()
        #expect(html.contains("<p>mixed weights: the results shown were made with 2 different syncnet_v2.model;"))

        // A file that played no part (S3FD beside face boxes) does not make a report mixed.
        var boxes = try ReportFixture.report()
        var unusedS3FD = ReportFixture.weights(standIn: false)
        unusedS3FD[0] = EvaluationProvenance.Weights(file: "sfd_face.pth", sha256: String(repeating: "ee", count: 32), published: false, used: false)
        boxes.samples[0].provenance = EvaluationProvenance(weights: unusedS3FD, software: nil)
        let unmixed = ReportProvenance(boxes)
        #expect(!unmixed.mixedWeights && !unmixed.standInWeights && unmixed.weights.count == 2 && unmixed.notices.isEmpty)
        #expect(unmixed.softwareNotRecorded == 1)
        #expect(ReportProvenance.describe(unusedS3FD[0]).hasSuffix("not published (stand-in), not used (face boxes given)"))
    }

    @Test("bf16 results: the notice in the banner, the PNG text and JSON; precision in every row, the leaderboard and the footer")
    func bf16Precision() throws {
        var report = try ReportFixture.report()
        for index in report.samples.indices where report.samples[index].provenance != nil {
            report.samples[index].provenance?.precision = "bf16"
        }
        let (directory, files) = try ReportFixture.writeReport(report)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in files where file.pathExtension == "html" {
            let html = try String(contentsOf: file, encoding: .utf8)
            #expect(html.contains("<div class=\"banner\" role=\"alert\">\n<p>\(HTML.escape(Provenance.bf16Notice))</p>"), "\(file.lastPathComponent)")
            #expect(html.contains("profile mochabench v1 · precision bf16"), "\(file.lastPathComponent)")
        }
        for url in files where url.pathExtension == "png" {
            let text = Dictionary(uniqueKeysWithValues: PNGFile.textChunks(of: try Data(contentsOf: url)).map { ($0.keyword, $0.value) })
            #expect(text["Precision"] == "bf16" && text["Warning"] == Provenance.bf16Notice, "\(url.lastPathComponent)")
        }
        for row in try Self.csvRows(directory, "results.csv") where row["status"] != "missing" { #expect(row["precision"] == "bf16") }
        for row in try Self.csvRows(directory, "leaderboard.csv") { #expect(row["precision"] == "bf16") }
        let provenance = try #require(try Self.json(directory, "results.json")["provenance"] as? [String: Any])
        #expect(provenance["notices"] as? [String] == [Provenance.bf16Notice] && provenance["bf16Evaluations"] as? Int == 13)

        // One bf16 result among fp32 ones: said with its count.
        var mixed = try ReportFixture.report()
        mixed.samples[0].provenance?.precision = "bf16"
        let some = ReportProvenance(mixed)
        #expect(some.bf16Evaluations == 1 && some.precisionText == "bf16 for 1 of 13 evaluations, fp32 for the others")
        #expect(some.notices == [Provenance.bf16Notice + "; 1 of the 13 evaluations shown, the others fp32"])
        // fp32 everywhere: no notice, and the precision still stated.
        let fp32 = ReportProvenance(try ReportFixture.report())
        #expect(fp32.notices.isEmpty && fp32.precisionText == "fp32" && fp32.pngText(title: "t").contains { $0 == ("Precision", "fp32") })
    }

    @Test("evaluations without recorded weights are counted and the outputs say the weights are unknown")
    func unrecordedWeights() throws {
        var report = try ReportFixture.report()
        report.samples[0].provenance = EvaluationProvenance(weights: [], software: nil)
        let provenance = ReportProvenance(report)
        #expect(provenance.weightsNotRecorded == 1 && !provenance.standInWeights)
        #expect(provenance.notices == ["weights not recorded for 1 of 13 evaluations (made before SyncBench recorded them): whether they are the published files is unknown"])
        #expect(provenance.pngText(title: "t").first { $0.keyword == "Weights published" }?.value == "unknown for some")
    }
}
