import Foundation
import Testing
@testable import Reports

/// `index.html` and one sample page compared with committed snapshots in `Fixtures/snapshots/`.
///
/// The SVG bodies Cairo writes (glyph outlines, path coordinates) depend on the installed Cairo
/// and DejaVu font versions, so each `<svg …>…</svg>` is reduced to its root element before
/// comparing; the charts themselves are checked by `ReportWriterTests` and `ChartRenderingTests`.
/// Re-record with `SYNCBENCH_UPDATE_SNAPSHOTS=1 swift test --filter ReportSnapshotTests`.
@Suite("HTML snapshots")
struct ReportSnapshotTests {
    static let snapshots = ReportFixture.fixtures.appendingPathComponent("snapshots")

    @Test("index.html and two sample pages match their snapshots", arguments: [
        ("index.html", "index.html"), ("samples/alpha/1p_emotion__2_b.html", "sample-alpha-1p_emotion__2_b.html"),
        ("samples/beta______/1p_emotion__2_b.html", "sample-beta-1p_emotion__2_b.html"),
    ])
    func snapshot(page: String, snapshot: String) throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let actual = Self.normalized(try ReportFixture.text(directory, page))
        let url = Self.snapshots.appendingPathComponent(snapshot)
        if ProcessInfo.processInfo.environment["SYNCBENCH_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.snapshots, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        guard actual != expected else { return }
        let actualLines = actual.components(separatedBy: "\n")
        let expectedLines = expected.components(separatedBy: "\n")
        let line = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actualLines.count, expectedLines.count)
        Issue.record(
            """
            \(page) differs from \(url.path) at line \(line + 1):
              expected: \(line < expectedLines.count ? expectedLines[line] : "<end of file>")
              actual:   \(line < actualLines.count ? actualLines[line] : "<end of file>")
            (re-record with SYNCBENCH_UPDATE_SNAPSHOTS=1 if the change is intended)
            """)
    }

    @Test("the normalisation keeps the root element and drops only the SVG body")
    func normalization() {
        let page = "<p>a</p>\n<svg xmlns=\"x\" width=\"2\">\n<defs><g id=\"g1\"/></defs>\n</svg>\n<p>b</p>"
        #expect(Self.normalized(page) == "<p>a</p>\n<svg xmlns=\"x\" width=\"2\"><!-- Cairo's drawing, not snapshotted --></svg>\n<p>b</p>")
    }

    static func normalized(_ html: String) -> String {
        html.replacing(#/(<svg [^>]*>)[\s\S]*?</svg>/#) { "\($0.output.1)<!-- Cairo's drawing, not snapshotted --></svg>" }
    }
}
