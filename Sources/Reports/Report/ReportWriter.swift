import Foundation

/// Writes the files of `syncbench report`: the HTML pages, the PNG charts and the CSV/JSON tables.
///
/// Every output is a pure function of the ``BenchmarkReport`` and the ``LeaderboardStatistics``
/// configuration (no clock, no randomness beyond the seeded bootstrap), so writing the same report
/// twice gives byte-identical files. Files are written atomically into the directory, replacing
/// files of the same name; nothing else in the directory is touched. See `docs/reports.md` for
/// every file and column.
///
/// ## Topics
/// - ``write(_:statistics:to:)``
/// - ``chartScale``
public struct ReportWriter: Sendable {
    /// Device pixels per chart pixel in the PNG files (default 2: sharp on high-density screens).
    public var chartScale: Double

    /// - Precondition: `chartScale` is in `0.5...4`.
    public init(chartScale: Double = 2) {
        precondition((0.5...4).contains(chartScale), "chartScale must lie in 0.5...4")
        self.chartScale = chartScale
    }

    /// Writes the report into `directory` (created when needed):
    ///
    /// - `index.html`: self-contained leaderboard page (inline CSS, JavaScript and SVG);
    /// - `samples/<model>/<sample>.html`: one self-contained page per model and sample;
    /// - `leaderboard.png` and `categories/<category>.png`, with `tEXt` provenance chunks;
    /// - `results.csv`, `results.json`: one row per model and sample (MoChaBench columns first);
    /// - `leaderboard.csv`, `leaderboard.json`: the statistics of every model and subset;
    /// - `native/<model>/…`: the files the profile's upstream code writes (``NativeFiles``).
    ///
    /// - Parameters:
    ///   - report: what to show.
    ///   - statistics: how to summarise it; ``LeaderboardStatistics/init(suiteKind:bootstrap:smallSampleThreshold:)``
    ///     picks the groups for the report's suite kind.
    ///   - directory: the output folder.
    /// - Returns: the files written, in the order written.
    /// - Throws: ``ReportError`` naming the file when the samples do not form a score table, a
    ///   chart cannot be drawn (Cairo's reason), or a file cannot be written.
    public func write(_ report: BenchmarkReport, statistics: LeaderboardStatistics, to directory: URL) throws(ReportError) -> [URL] {
        let analysis = try ReportAnalysis(report, statistics: statistics)
        let charts = ReportCharts(analysis: analysis)
        let provenance = analysis.provenance
        var written: [URL] = []

        func file(_ path: String, _ make: () throws -> Data) throws(ReportError) {
            let url = directory.appendingPathComponent(path)
            do {
                let data = try make()
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url, options: .atomic)
            } catch let error as ReportError {
                throw error
            } catch {
                throw ReportError(file: url.path, reason: "\(error)")
            }
            written.append(url)
        }

        try file("index.html") { Data(try IndexPage(analysis: analysis, charts: charts).html().utf8) }
        for index in report.samples.indices {
            try file(analysis.samplePages[index]) { Data(try SamplePage(analysis: analysis, charts: charts, index: index).html().utf8) }
        }
        try file("leaderboard.png") { try png(charts.leaderboardFigure(), provenance: provenance) }
        for category in analysis.categories.indices {
            try file(analysis.categoryImages[category]) { try png(charts.categoryFigure(category), provenance: provenance) }
        }
        try file("results.csv") { Data(ResultsFiles.csv(ResultsFiles.rows(of: report)).utf8) }
        try file("results.json") { try ResultsFiles.json(report) }
        try file("leaderboard.csv") { Data(LeaderboardFiles.csv(analysis).utf8) }
        try file("leaderboard.json") { try LeaderboardFiles.json(analysis) }
        for native in NativeFiles.files(of: report) {
            try file(native.path) { Data(native.contents.utf8) }
        }
        return written
    }

    /// The notices every output of `report` carries (stand-in weights, mixed weights, weights not
    /// recorded), for the CLI to repeat.
    public static func notices(of report: BenchmarkReport) -> [String] { ReportProvenance(report).notices }

    private func png(_ chart: StackedChart, provenance: ReportProvenance) throws -> Data {
        try PNGFile.encode(ChartRenderer.image(of: chart, scale: chartScale), text: provenance.pngText(title: chart.title))
    }
}
