import ArgumentParser
import Foundation
import Pipeline
import Store

/// `syncbench cache`: inspect, clean and check the database.
struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Show what the cache holds, drop unreferenced artifacts or a clip's recorded failures, or check its integrity.",
        subcommands: [CacheStatsCommand.self, CacheGCCommand.self, CacheVerifyCommand.self, CacheForgetCommand.self]
    )
}

func byteText(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}

struct CacheStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Artifacts per stage, sizes, evaluations per status.")
    @OptionGroup var store: StoreOptions
    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let stats = try reportingFailures { try store.open().cacheStatistics() }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(stats), as: UTF8.self))
            return
        }
        var lines = ["stage        artifacts       payload    frames   frame bytes   compute s"]
        for s in stats.stages {
            lines.append(
                s.stage.padding(toLength: 11, withPad: " ", startingAt: 0)
                    + String(format: "%10d  %12@  %8d  %12@  %10.2f", s.artifacts, byteText(s.payloadBytes), s.frames, byteText(s.frameBytes), s.computeSeconds))
        }
        let statuses = stats.evaluationsByStatus.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("")
        lines.append("evaluations: \(stats.evaluations)" + (statuses.isEmpty ? "" : " (\(statuses))"))
        lines.append("unreferenced artifacts: \(stats.unreferencedArtifacts); orphan frames: \(stats.orphanFrames)")
        if stats.writers > 0 {
            lines.append("evaluations writing: \(stats.writers) (staged frames: \(stats.stagedFrames); `cache gc` ends those whose process is gone)")
        }
        if let bytes = stats.databaseBytes { lines.append("database: \(byteText(bytes)) at \(store.location.url.path)") }
        print(lines.joined(separator: "\n"))
    }
}

struct CacheGCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete artifacts no evaluation uses and frames left by interrupted runs, then compact the file.")
    @OptionGroup var store: StoreOptions

    func run() throws {
        let report = try reportingFailures { try store.open().collectGarbage() }
        var line = "removed \(report.artifacts) artifact\(report.artifacts == 1 ? "" : "s") and \(report.frames) orphan frame\(report.frames == 1 ? "" : "s")"
        if report.deadWriters > 0 {
            line += "; ended \(report.deadWriters) interrupted evaluation\(report.deadWriters == 1 ? "" : "s") (\(report.stagedFrames) staged frames)"
        }
        if report.runningWriters > 0 {
            line += "; kept \(report.keptArtifacts) unreferenced artifact\(report.keptArtifacts == 1 ? "" : "s") and did not compact: "
                + "\(report.runningWriters) evaluation\(report.runningWriters == 1 ? " is" : "s are") running (run gc again when done)"
        } else if let before = report.bytesBefore, let after = report.bytesAfter {
            line += "; \(byteText(before)) → \(byteText(after))"
        }
        print(line)
    }
}

struct CacheVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check SQLite integrity, foreign keys, every artifact's payload digest and frame count.",
        discussion: "Exit status 0 when everything is intact, 32 when problems were found (each printed on one line).")
    @OptionGroup var store: StoreOptions

    func run() throws {
        let issues = try reportingFailures { try store.open().verify() }
        for issue in issues { print("\(issue.subject): \(issue.problem)") }
        guard issues.isEmpty else {
            throw fail("\(store.location.url.path): \(issues.count) problem\(issues.count == 1 ? "" : "s") found", status: .cacheDamaged)
        }
        print("ok: database, payload digests and frame counts are intact")
    }
}

struct CacheForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Drop a clip's recorded failures (with --all, every evaluation of it), so the next eval computes it again.",
        discussion: """
            Without --all, drops the evaluations of the clip whose status says its input could not \
            be used (decode_error, audio_error, no_audio, unsupported), and the bench results that \
            point at them, in one transaction. Cached artifacts stay; `cache gc` removes those no \
            evaluation refers to any more.
            """)

    @Argument(help: "The video (path or SHA-256 prefix of at least 6 hex digits).")
    var video: String
    @Flag(help: "Drop every recorded evaluation of the clip, whatever its status.")
    var all = false
    @OptionGroup var store: StoreOptions

    func run() throws {
        let line = try reportingFailures { () throws -> String in
            let database = try store.open()
            var sha = try EvaluationSelector.digest(of: video, in: database)
            let videos = Set(try database.evaluations(video: sha).map(\.videoSHA256))
            guard videos.count <= 1 else {
                throw CLIError(message: "\(video): the prefix matches \(videos.count) videos; give more digits", status: .invalidInput)
            }
            sha = videos.first ?? sha
            let statuses = all ? nil : Store.failedStatuses
            let count = videos.isEmpty ? 0 : try database.forgetEvaluations(videoSHA256: sha, statuses: statuses)
            let what = statuses.map { " with status " + $0.map(\.rawValue).sorted().joined(separator: ", ") } ?? ""
            return "forgot \(count) evaluation\(count == 1 ? "" : "s") of \(sha.prefix(12))\(what)"
        }
        print(line)
    }
}
