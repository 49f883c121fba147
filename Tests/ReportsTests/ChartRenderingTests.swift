import Foundation
import Media
import Testing
@testable import Reports

@Suite("Charts through Cairo: SVG, pixels, PNG")
struct ChartRenderingTests {
    static func bars() -> IntervalBarChart {
        IntervalBarChart(
            title: "LSE-C", subtitle: "test",
            rows: [
                .init(label: "a", style: Palette.style(ofModelAt: 0), estimate: MeanEstimate(mean: 6, lower: 5, upper: 7, count: 12), scored: 12,
                    total: 12, isSmallSample: false),
                .init(label: "b", style: Palette.style(ofModelAt: 1), estimate: nil, scored: 0, total: 3, isSmallSample: true),
            ],
            smallSampleNote: "small")
    }

    @Test("the same chart renders to an SVG document and to a picture of the chart's size times the scale")
    func svgAndPixels() throws {
        let chart = Self.bars()
        let svg = try ChartRenderer.svgDocument(of: chart)
        #expect(svg.hasPrefix("<?xml") && svg.contains("<svg") && svg.contains("glyph"))
        let image = try ChartRenderer.image(of: chart, scale: 2)
        #expect(image.width == Int(chart.width * 2) && image.height == Int(chart.height * 2) && image.layout == .rgb)
        // The first bar is drawn in Okabe-Ito blue at 90 % over white: some pixel is close to it.
        let blue = (UInt8(0x19), UInt8(0x80), UInt8(0xBA))
        var found = false
        for index in stride(from: 0, to: image.pixels.count, by: 3) {
            let p = (image.pixels[index], image.pixels[index + 1], image.pixels[index + 2])
            if abs(Int(p.0) - Int(blue.0)) < 6 && abs(Int(p.1) - Int(blue.1)) < 6 && abs(Int(p.2) - Int(blue.2)) < 6 { found = true; break }
        }
        #expect(found)
    }

    @Test("inlining renames every id, href and url() reference and drops the XML declaration")
    func inlining() {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="5pt" viewBox="0 0 10 5" version="1.1">
            <defs><symbol id="glyph0-1"/><clipPath id="clip7"><rect/></clipPath></defs>
            <g id="surface12" clip-path="url(#clip7)"><use xlink:href="#glyph0-1" x="1"/><use href="#glyph0-1"/></g>
            </svg>
            """
        let element = InlineSVG.element(from: document, prefix: "p", width: 10, height: 5, title: "a <b>")
        #expect(!element.contains("<?xml") && !element.contains("pt\""))
        #expect(element.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" class="chart" width="10" height="5""#))
        #expect(element.contains(#"aria-label="a &lt;b&gt;""#))
        #expect(element.contains(#"<symbol id="p-glyph1"/>"#) && element.contains(#"<clipPath id="p-clip2">"#))
        #expect(element.contains(##"<g id="p-surface3" clip-path="url(#p-clip2)">"##))
        #expect(element.contains(##"xlink:href="#p-glyph1""##) && element.contains(##"<use href="#p-glyph1"/>"##))
        #expect(element.components(separatedBy: "<svg").count == 2)
    }

    @Test("file names: '/' becomes '__', unsafe characters '_', no leading dot, collisions numbered")
    func fileNames() {
        #expect(FileNames.component("1p_emotion/3_woman crying") == "1p_emotion__3_woman_crying")
        #expect(FileNames.component("../etc/passwd") == "_.__etc__passwd")
        #expect(FileNames.component("") == "_")
        #expect(FileNames.unique(["a<b", "a>b", "A_B", "c"]) == ["a_b", "a_b~2", "A_B~3", "c"])
    }

    @Test("leaderboard.png and the category PNGs carry the provenance in tEXt chunks and show a real picture")
    func pngs() throws {
        let (directory, files) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pngs = files.filter { $0.pathExtension == "png" }
        #expect(pngs.count == 4)
        for url in pngs {
            let data = try Data(contentsOf: url)
            let text = Dictionary(uniqueKeysWithValues: PNGFile.textChunks(of: data).map { ($0.keyword, $0.value) })
            #expect(
                Set(text.keys) == [
                    "Title", "Software", "Suite", "Profile", "Precision", "Weights", "Weights published", "Computed by", "Database",
                    "Database digest", "Creation Time",
                ])
            #expect(text["Software"] == "SyncBench 0.9.0-test" && text["Suite"] == "mini <suite>")
            #expect(text["Precision"] == "fp32")
            #expect(text["Database"] == #"/data/sync\u{2713} & co.sqlite"#)
            #expect(text["Database digest"]?.hasPrefix("sha256:0123") == true && text["Creation Time"] == "2025-06-01T12:00:00Z")
            let image = try PNGFile.decode(data)
            #expect((800...4000).contains(image.width) && (400...6000).contains(image.height), "\(url.lastPathComponent): \(image.width)x\(image.height)")
            var colours = Set<UInt32>()
            for index in stride(from: 0, to: image.pixels.count, by: 3) {
                colours.insert(UInt32(image.pixels[index]) << 16 | UInt32(image.pixels[index + 1]) << 8 | UInt32(image.pixels[index + 2]))
            }
            #expect(colours.count > 20, "\(url.lastPathComponent) has \(colours.count) colours")
            let white = stride(from: 0, to: image.pixels.count, by: 3).filter { image.pixels[$0] == 255 && image.pixels[$0 + 1] == 255 && image.pixels[$0 + 2] == 255 }.count
            #expect(Double(white) / Double(image.width * image.height) < 0.98, "\(url.lastPathComponent) is almost blank")
        }
        let leaderboard = try Data(contentsOf: directory.appendingPathComponent("leaderboard.png"))
        #expect(PNGFile.textChunks(of: leaderboard).first?.value == "SyncBench leaderboard: mini <suite>")
    }
}
