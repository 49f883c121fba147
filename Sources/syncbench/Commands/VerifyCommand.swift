import ArgumentParser
import Benchmark
import Foundation
import Models
import Pipeline
import Reports
import Store

extension PublishedScoreFormat: ExpressibleByArgument {}

/// `syncbench verify`: our stored scores of a suite against a published per-sample score file.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare a suite's stored scores with published per-sample scores (does this install reproduce them?).",
        discussion: """
            Reads a published score file — MoChaBench's sync_scores.csv, Wav2Lip's all_scores.txt \
            with --file-list (the video of each line, a video with two tracks listed twice), or a \
            CSV with the header video,lse_c,lse_d[,offset] — matches its rows to the samples of the \
            suite by video name (docs/verify.md), and compares them with the latest results of \
            `bench run` under --profile and --clean: the clip's numbers by the profile's rule, or \
            each track's for all_scores.txt. Prints the number matched, the median and 95th \
            percentile of |ΔLSE-C| and |ΔLSE-D|, the share of equal offsets, the rows that differ \
            most and a verdict against the parity tolerances (|ΔLSE-C| ≤ 0.01, |ΔLSE-D| ≤ 0.5 %, \
            offsets equal); it says so when the results were made with stand-in weights.

            Exit status: 0 agrees; 33 disagrees; 34 nothing to compare (no published row matches \
            a sample with a result); 21 a malformed score file or file list (file, line and \
            reason named); others as in docs/cli.md.
            """
    )

    @Argument(help: "The published score file.", completion: .file())
    var published: String

    @Option(help: "For all_scores.txt: the video of each score line, one per line, in the same order.", completion: .file())
    var fileList: String?

    @Option(help: "mochabench (sync_scores.csv), all-scores (Wav2Lip) or csv (video,lse_c,lse_d[,offset]); default: from the content.")
    var format: PublishedScoreFormat?

    @Option(help: "Suite (default: the database's only suite).")
    var suite: String?

    @Option(help: "The model whose videos the file scores (default: the suite's only model).")
    var model: String?

    @Option(help: "Profile of the results compared (default: the profile the suite was registered with, else mochabench).")
    var profile: EvaluationProfile?

    @Flag(help: "Compare --clean results.")
    var clean = false

    @Option(help: "How many of the rows that differ most to list.")
    var top = 10

    @Option(help: "Write the scatter plots (ours against published, LSE-C and LSE-D) to this PNG file.", completion: .file(extensions: ["png"]))
    var plot: String?

    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    @OptionGroup var weights: WeightsOptions
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (0...10_000).contains(top) else { throw ValidationError("--top must be in 0...10000, got \(top)") }
        if let format, fileList != nil, format != .allScores {
            throw ValidationError("--file-list goes with --format all-scores (Wav2Lip's all_scores.txt) only")
        }
        if format == .allScores && fileList == nil {
            throw ValidationError("--format all-scores needs --file-list: all_scores.txt names no videos")
        }
        if let plot { try OutputPath.checkFile(plot, option: "--plot") }
    }

    func run() throws {
        let scores = try reportingFailures { try readPublished() }
        let store = try store.open()
        let suite = try resolveSuite(self.suite, in: store)
        let profile = try self.profile ?? recordedProfile(of: suite)
        let description = profile.description
        if !scores.format.isPerTrack && description.combination == .perTrack {
            throw fail(
                "profile \(profile.rawValue) reports one line per track and no number per video: compare its results with Wav2Lip's all_scores.txt "
                    + "and its file list (--format all-scores --file-list LIST)", status: .invalidInput)
        }
        if !description.reports.contains(.distance) {
            throw fail("profile \(profile.rawValue) reports confidence only; verify compares LSE-C and LSE-D", status: .invalidInput)
        }
        let model = try resolveModel(in: store, suite: suite.name)
        let ours = try reportingFailures {
            try VerifiedSample.load(from: store, suite: suite.name, model: model, profile: profile.rawValue, clean: clean)
        }
        let agreement = ScoreAgreement(published: scores, ours: ours)
        let context = AgreementContext(
            suite: suite.name, model: model, profile: profile.rawValue, clean: clean, publishedFile: published, fileList: fileList,
            format: scores.format, toolVersion: SyncBenchVersion.current, weights: identifyWeights(of: ours, store: store, profile: profile))
        if let plot {
            let url = URL(fileURLWithPath: plot)
            try reportingFailures {
                let data = try agreement.scatterPNG(context: context, file: plot)
                do { try data.write(to: url, options: .atomic) } catch { throw ReportError(file: plot, reason: "\(error.localizedDescription)") }
            }
        }
        if json {
            print(String(decoding: try reportingFailures { try agreement.json(context: context, top: top) }, as: UTF8.self), terminator: "")
        } else {
            print(summary(agreement, scores: scores, context: context))
        }
        if agreement.verdict == .nothingToCompare {
            // Results made with another profile are not compared: say so rather than leave it a puzzle.
            let others = try reportingFailures { try store.resultConfigurations(suite: suite.name) }
                .filter { $0.profile != profile.rawValue || $0.clean != clean }
            for other in others {
                FileHandle.standardError.write(
                    Data(
                        "syncbench: note: \(other.results) results of this suite were made with --profile \(other.profile)\(other.clean ? " --clean" : "") (not compared; pass the same options to compare them)\n"
                            .utf8))
            }
        }
        switch agreement.verdict {
        case .agrees: return
        case .disagrees: throw ExitCode(ExitStatus.disagrees.rawValue)
        case .nothingToCompare: throw ExitCode(ExitStatus.nothingToCompare.rawValue)
        }
    }

    /// The published file (and file list), read after checking that each is a regular, non-empty file.
    private func readPublished() throws -> PublishedScores {
        for (path, role) in [(published, "published scores"), (fileList, "file list")] {
            guard let path else { continue }
            try IrregularInputFile.check(path, role: role)
            let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
            if size == 0 { throw CLIError(message: "\(path): the file is empty (\(role))", status: .emptyFile) }
        }
        do {
            return try PublishedScores.read(path: published, format: format, fileList: fileList)
        } catch {
            throw CLIError(message: error.description, status: .invalidInput)
        }
    }

    private func resolveModel(in store: Store, suite: String) throws -> String {
        let models = try reportingFailures { try store.models(ofSuite: suite) }
        if let model {
            guard models.contains(model) else {
                throw fail("suite \(suite) has no model \(model) (models: \(models.joined(separator: ", ")))", status: .invalidInput)
            }
            return model
        }
        guard models.count == 1, let only = models.first else {
            throw fail(
                models.isEmpty
                    ? "suite \(suite) has no model (register one with `syncbench bench add`)"
                    : "suite \(suite) has several models; choose the one the file scores with --model (\(models.joined(separator: ", ")))",
                status: .invalidInput)
        }
        return only
    }

    /// Which weights made the results: the files of --weights made a result exactly when they
    /// reproduce its configuration key (settings and weight digests, docs/bench.md).
    private func identifyWeights(of samples: [VerifiedSample], store: Store, profile: EvaluationProfile) -> ResultWeights? {
        let results = samples.compactMap(\.result).filter { $0.settings != nil }
        guard !results.isEmpty else { return nil }
        let directory = weights.resolved
        var identified = 0, usedS3FD = false
        var keys: [String: String?] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for result in results {
            guard let settings = result.settings else { continue }
            let id = (try? String(decoding: encoder.encode(settings), as: UTF8.self)).map { "\($0)\u{0}\(result.usesBoxes)" } ?? ""
            if keys[id] == nil {
                keys[id] = try? ClipEvaluator(store: store, weights: directory, settings: settings).configurationKey(usesS3FD: !result.usesBoxes)
            }
            if let expected = keys[id], expected == result.configKey {
                identified += 1
                if !result.usesBoxes { usedS3FD = true }
            }
        }
        let evaluator = ClipEvaluator(store: store, weights: directory, settings: EvaluationSettings(profile: profile, clean: clean))
        let files = WeightsFile.allCases.compactMap { file -> Provenance.Weights? in
            guard let sha = try? evaluator.digest(of: file) else { return nil }
            return Provenance.Weights(file: file.fileName, sha256: sha, published: file.matchesPublishedDigest(sha), used: file == .syncNet || usedS3FD)
        }
        return ResultWeights(directory: directory.url.path, files: files, identified: identified, unidentified: results.count - identified)
    }

    // MARK: Summary

    private func summary(_ agreement: ScoreAgreement, scores: PublishedScores, context: AgreementContext) -> String {
        let unit = agreement.perTrack ? "tracks" : "samples"
        var lines: [String] = []
        lines.append(
            "verify: suite \(context.suite), model \(context.model), profile \(context.profile)\(clean ? " (clean)" : ""); "
                + "published \(published)\(fileList.map { " with \($0)" } ?? "") (\(scores.format.rawValue), \(scores.rows.count) rows)")
        lines.append(
            "matched \(agreement.matched) of \(scores.rows.count) published rows; compared \(agreement.compared.count) \(unit); "
                + "no score on both sides \(agreement.neither.count); scored on one side only \(agreement.oneSided.count); "
                + "not evaluated \(agreement.notEvaluated.count)")
        if let c = agreement.lseC, let d = agreement.lseD {
            lines.append("|ΔLSE-C|  median \(number(c.median))  95th percentile \(number(c.p95))  max \(number(c.max))")
            var line = "|ΔLSE-D|  median \(number(d.median))  95th percentile \(number(d.p95))  max \(number(d.max))"
            if let r = agreement.lseDRelative { line += "  (relative: median \(percent(r.median)), 95th percentile \(percent(r.p95)))" }
            lines.append(line)
            lines.append("within the tolerances (\(agreement.tolerance.text)): \(agreement.withinTolerance) of \(agreement.compared.count)")
        }
        if agreement.offsetsCompared > 0 {
            lines.append(
                "offsets equal: \(agreement.offsetsEqual) of \(agreement.offsetsCompared) "
                    + "(\(percent(Double(agreement.offsetsEqual) / Double(agreement.offsetsCompared))))")
        } else if !agreement.compared.isEmpty {
            lines.append("offsets: not compared (the published file gives none)")
        }
        let most = agreement.differingMost(top)
        if !most.isEmpty {
            lines.append("")
            lines.append("differing most (\(most.count) of \(agreement.compared.count - agreement.compared.filter(\.agrees).count)):")
            var table = [["", "LSE-C pub", "ours", "Δ", "LSE-D pub", "ours", "Δ", "offsets pub", "ours"]]
            for entry in most {
                table.append([
                    entry.label, number(entry.published?.lseC), number(entry.lseC), signed(entry.deltaC), number(entry.published?.lseD),
                    number(entry.lseD), signed(entry.deltaD), offsets(entry.published?.offsets), offsets(entry.offsets),
                ])
            }
            lines += aligned(table).map { "  " + $0 }
        }
        if !agreement.oneSided.isEmpty {
            lines.append("")
            lines.append("scored on one side only:")
            for entry in agreement.oneSided {
                let theirs = entry.published.map { $0.isScored ? "\(number($0.lseC)) / \(number($0.lseD))" : "no score" } ?? "no line"
                let ours = entry.kind == .oursOnly ? "\(number(entry.lseC)) / \(number(entry.lseD))" : "no score (\(entry.status))"
                lines.append("  \(entry.label): published \(theirs), ours \(ours)")
            }
        }
        if !agreement.notEvaluated.isEmpty {
            lines.append("")
            lines.append(
                "not evaluated under profile \(context.profile)\(clean ? " (clean)" : ""): \(listed(agreement.notEvaluated.map(\.label))) (run `syncbench bench run`)")
        }
        if !agreement.unmatchedPublished.isEmpty {
            lines.append("")
            let reasons = Dictionary(grouping: agreement.unmatchedPublished, by: \.reason)
            lines.append("published rows matching no sample: \(agreement.unmatchedPublished.count)")
            for (reason, rows) in reasons.sorted(by: { $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key < $1.key) }) {
                lines.append("  \(rows.count) × \(reason): \(listed(rows.map(\.published.label)))")
            }
        }
        if !agreement.unmatchedOurs.isEmpty {
            lines.append("")
            lines.append("evaluated samples no published row names: \(agreement.unmatchedOurs.count): \(listed(agreement.unmatchedOurs))")
        }
        if let plot { lines.append("plot: \(plot)") }
        lines.append("")
        lines.append(agreement.verdictLine(weights: context.weights))
        return lines.joined(separator: "\n")
    }

    private func listed(_ names: [String], limit: Int = 5) -> String {
        names.prefix(limit).joined(separator: ", ") + (names.count > limit ? ", … (all in --json)" : "")
    }

    private func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
    private func signed(_ value: Double?) -> String { value.map { String(format: "%+.3f", $0) } ?? "–" }
    private func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
    private func offsets(_ value: [Int]?) -> String { value.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" } ?? "–" }

    /// Columns padded to their widest cell (the first left-aligned, the rest right-aligned).
    private func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: max(0, widths[column] - cell.count))
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
