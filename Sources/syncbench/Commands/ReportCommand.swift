import ArgumentParser
import Foundation
import Pipeline
import Reports
import Store

/// `syncbench report`: a suite's leaderboard as HTML, PNG, CSV and JSON.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a suite's leaderboard: index.html, PNG charts, results and leaderboard CSV/JSON.",
        discussion: """
            Reads the results of `syncbench bench run` from the database (the latest result of \
            every current input under --profile and --clean) and writes into --out: index.html \
            (self-contained: sortable leaderboard, per-category and per-group tables, paired \
            comparisons, charts, the samples the face-detected rule excluded), one page per \
            model and sample (tracks, framewise confidence, crop thumbnails), leaderboard.png \
            and categories/<category>.png (provenance in tEXt chunks), results.csv/.json (the \
            MoChaBench columns and ours) and leaderboard.csv/.json. Means follow the reference \
            rule: samples with status ok only; coverage shows the rest. Beside them, the suite's \
            numbers by the profile's own rule. Every file states the profile, the weight files \
            (SHA-256, published or not), the FFmpeg libraries and the SyncBench build; results \
            made with stand-in weights carry a banner (docs/reports.md).
            """
    )

    @Option(help: "Suite (default: the database's only suite).")
    var suite: String?

    @Option(help: "The output folder (created if needed; files of the same name are replaced).", completion: .directory)
    var out: String

    @Option(help: "Profile of the results shown (default: the profile the suite was registered with, or mochabench).")
    var profile: EvaluationProfile?

    @Flag(help: "Show --clean results.")
    var clean = false

    @Option(help: "Crop thumbnails per sample page (0 for none).")
    var thumbnails = 8

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (0...32).contains(thumbnails) else { throw ValidationError("--thumbnails must be in 0...32, got \(thumbnails)") }
        try OutputPath.checkFolder(out, option: "--out")
    }

    func run() throws {
        let store = try store.open()
        let suite = try resolveSuite(self.suite, in: store)
        let profile = try self.profile ?? recordedProfile(of: suite)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let report = try reportingFailures {
            try BenchmarkReport.load(
                from: store, suite: suite.name, profile: profile.rawValue, clean: clean, toolVersion: SyncBenchVersion.current,
                generatedAt: formatter.string(from: Date()), thumbnails: thumbnails)
        }
        let output = URL(fileURLWithPath: out).standardizedFileURL
        let files = try reportingFailures { try ReportWriter().write(report, statistics: LeaderboardStatistics(suiteKind: report.suiteKind), to: output) }
        let scored = report.samples.filter { $0.score.isScored }.count
        print("report of suite \(suite.name): \(report.models.count) models, \(scored) of \(report.samples.count) samples scored")
        print("\(files.count) files in \(output.path); open \(output.appendingPathComponent("index.html").path)")
        for notice in ReportWriter.notices(of: report) { FileHandle.standardError.write(Data("syncbench: warning: \(notice)\n".utf8)) }
        if scored < report.samples.count {
            let counts = Dictionary(grouping: report.samples.filter { !$0.score.isScored }, by: { $0.score.status.rawValue }).mapValues(\.count)
            print("not scored: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        // Results made with another profile are not shown: say so rather than report them missing.
        let others = try reportingFailures { try store.resultConfigurations(suite: suite.name) }
            .filter { $0.profile != profile.rawValue || $0.clean != clean }
        for other in others {
            FileHandle.standardError.write(
                Data(
                    "syncbench: note: \(other.results) results of this suite were made with --profile \(other.profile)\(other.clean ? " --clean" : "") (not shown; pass the same options to report them)\n"
                        .utf8))
        }
    }
}
