import Foundation
import Media
import Store

/// The per-sample score files `syncbench verify` compares with (docs/verify.md).
public enum PublishedScoreFormat: String, CaseIterable, Sendable, Codable {
    /// MoChaBench's `eval-lipsync/mocha-eval-results/sync_scores.csv` (``MoChaBenchScoreCSV``):
    /// one row per video, the offsets of every track.
    case mochabench
    /// Wav2Lip's `all_scores.txt`: one `dist conf` line per face track and no video names, read
    /// together with a file list that names the video of every line.
    case allScores = "all-scores"
    /// A plain CSV with the header `video,lse_c,lse_d` and optionally `offset`.
    case csv

    /// Whether a row is one face track (all_scores.txt) rather than one video.
    public var isPerTrack: Bool { self == .allScores }
}

/// One published result: a video's numbers, or one track's (`all_scores.txt`).
public struct PublishedScore: Sendable, Equatable, Codable {
    /// The video as the file names it (MoChaBench: the sample ID `<category>/<context_id>`).
    public var video: String
    /// The 1-based line of the row in the score file, where the format keeps it (not MoChaBench's
    /// CSV, whose reader gives rows, not lines).
    public var line: Int?
    /// `all_scores.txt`: the position of this line among the lines of the same video (0, 1, …), the
    /// track it scores; nil for a video's row.
    public var track: Int?
    /// LSE-C and LSE-D; both nil when the file says the video has no score (MoChaBench
    /// `has_face = False`, a plain CSV row with both fields empty).
    public var lseC: Double?
    public var lseD: Double?
    /// The AV offsets of the video's tracks (MoChaBench's list; the plain CSV's `offset` as a list
    /// of one), nil when the file gives none.
    public var offsets: [Int]?

    public init(video: String, line: Int?, track: Int? = nil, lseC: Double?, lseD: Double?, offsets: [Int]?) {
        self.video = video
        self.line = line
        self.track = track
        self.lseC = lseC
        self.lseD = lseD
        self.offsets = offsets
    }

    public var isScored: Bool { lseC != nil && lseD != nil }

    /// `1p_emotion/3_woman_crying`, with ` track 1` for a track's line.
    public var label: String { track.map { "\(video) track \($0)" } ?? video }
}

/// A published score file, read: its format and its rows in file order.
///
/// Errors are ``ScoreCSVError`` whatever the format: the file, the line (and column) and the reason,
/// quoting the offending value. Nothing is skipped silently: a non-numeric, non-finite (`nan`,
/// `inf`) or missing number, a row with too many or too few fields, a video named twice, and a
/// file list whose length differs from the score lines are all errors.
public struct PublishedScores: Sendable, Equatable {
    public var format: PublishedScoreFormat
    /// The score file, as given.
    public var file: String
    /// The file list of `all_scores.txt`, as given.
    public var fileList: String?
    public var rows: [PublishedScore]

    public init(format: PublishedScoreFormat, file: String, fileList: String? = nil, rows: [PublishedScore]) {
        self.format = format
        self.file = file
        self.fileList = fileList
        self.rows = rows
    }

    /// Whether the file gives offsets (MoChaBench's CSV; a plain CSV with an `offset` column).
    public var hasOffsets: Bool { rows.contains { $0.offsets != nil } }

    /// The columns of the plain CSV format.
    public static let csvColumns = ["video", "lse_c", "lse_d"]

    /// Reads the score file at `path` (and `fileList`, the video of each line of an
    /// `all_scores.txt`) in `format`, or in the format its content shows when `format` is nil
    /// (``detect(_:hasFileList:)``).
    public static func read(path: String, format: PublishedScoreFormat?, fileList: String?) throws(ScoreCSVError) -> PublishedScores {
        let text = try Self.text(of: path)
        var list: (name: String, text: String)? = nil
        if let fileList { list = (fileList, try Self.text(of: fileList)) }
        return try parse(text, file: path, format: format, fileList: list)
    }

    /// Parses the text of a score file named `file` (for messages); `fileList` is the name and text
    /// of the file list of an `all_scores.txt`.
    public static func parse(
        _ text: String, file: String, format: PublishedScoreFormat?, fileList: (name: String, text: String)?
    ) throws(ScoreCSVError) -> PublishedScores {
        func located(_ body: () throws(ScoreCSVError) -> [PublishedScore]) throws(ScoreCSVError) -> [PublishedScore] {
            do { return try body() } catch {
                var error = error
                if error.file == nil { error.file = file }
                throw error
            }
        }
        guard !text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace || $0 == "\u{FEFF}" }) else {
            throw ScoreCSVError(file: file, reason: "the file is empty")
        }
        let chosen: PublishedScoreFormat
        if let format {
            chosen = format
        } else {
            do { chosen = try detect(text, hasFileList: fileList != nil) } catch {
                var located = error
                located.file = file
                throw located
            }
        }
        switch chosen {
        case .mochabench:
            if let fileList { throw ScoreCSVError(file: fileList.name, reason: "a file list goes with Wav2Lip's all_scores.txt only, not with a MoChaBench CSV") }
            let rows = try located { () throws(ScoreCSVError) in
                try MoChaBenchScoreCSV.parse(text, model: "published").map {
                    PublishedScore(video: $0.sampleID, line: nil, lseC: $0.lseC, lseD: $0.lseD, offsets: $0.trackOffsets)
                }
            }
            return PublishedScores(format: .mochabench, file: file, rows: rows)
        case .csv:
            if let fileList { throw ScoreCSVError(file: fileList.name, reason: "a file list goes with Wav2Lip's all_scores.txt only, not with a CSV") }
            return PublishedScores(format: .csv, file: file, rows: try located { () throws(ScoreCSVError) in try parsePlainCSV(text) })
        case .allScores:
            guard let fileList else {
                throw ScoreCSVError(
                    file: file, reason: "Wav2Lip's all_scores.txt names no videos: give the file list (one video per line of the scores) with --file-list")
            }
            let rows = try parseAllScores(text, file: file, fileList: fileList)
            return PublishedScores(format: .allScores, file: file, fileList: fileList.name, rows: rows)
        }
    }

    /// The format of a score file's `text`: `all_scores.txt` when a file list goes with it (or,
    /// without one, an error saying it needs one when its first line is two numbers); otherwise by
    /// the CSV header: MoChaBench's columns or `video,lse_c,lse_d`.
    /// - Throws: ``ScoreCSVError`` (without the file) when the header is neither, or both.
    public static func detect(_ text: String, hasFileList: Bool) throws(ScoreCSVError) -> PublishedScoreFormat {
        if hasFileList { return .allScores }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let index = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            throw ScoreCSVError(reason: "the file is empty")
        }
        let first = String(lines[index]).trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF}").union(.whitespacesAndNewlines))
        let tokens = first.split(whereSeparator: \.isWhitespace)
        if tokens.count == 2, tokens.allSatisfy({ Double($0) != nil }) {
            throw ScoreCSVError(
                line: index + 1,
                reason: "'\(first)' looks like a line of Wav2Lip's all_scores.txt (dist conf), which names no videos: give its file list with --file-list")
        }
        let names = Set(first.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        let isMoChaBench = MoChaBenchScoreCSV.requiredColumns.allSatisfy(names.contains)
        let isPlain = csvColumns.allSatisfy(names.contains)
        switch (isMoChaBench, isPlain) {
        case (true, false): return .mochabench
        case (false, true): return .csv
        case (true, true):
            throw ScoreCSVError(line: index + 1, reason: "the header has both MoChaBench's columns and lse_c, lse_d: choose one with --format")
        case (false, false):
            throw ScoreCSVError(
                line: index + 1,
                reason: "not a score file SyncBench knows: expected MoChaBench's header (\(MoChaBenchScoreCSV.requiredColumns.joined(separator: ","))…), "
                    + "the header video,lse_c,lse_d[,offset], or Wav2Lip's 'dist conf' lines; the first line is '\(first.prefix(120))'")
        }
    }

    // MARK: Plain CSV

    /// `video,lse_c,lse_d[,offset]` (column names in any case and order, other columns ignored): a
    /// row with both numbers empty is a video without a score (its offset empty too).
    static func parsePlainCSV(_ text: String) throws(ScoreCSVError) -> [PublishedScore] {
        let records = try CSVRecords.split(text)
        guard let header = records.first else { throw ScoreCSVError(reason: "the file is empty (no header line)") }
        var position: [String: Int] = [:]
        for (index, field) in header.fields.enumerated() {
            let name = field.trimmingCharacters(in: .whitespaces).lowercased()
            guard position[name] == nil else { throw ScoreCSVError(line: header.line, column: name, reason: "the header names this column twice") }
            position[name] = index
        }
        let absent = csvColumns.filter { position[$0] == nil }
        guard absent.isEmpty else {
            throw ScoreCSVError(
                line: header.line, reason: "missing column(s) \(absent.joined(separator: ", ")); expected the header video,lse_c,lse_d[,offset]")
        }
        var rows: [PublishedScore] = []
        var lineOfVideo: [String: Int] = [:]
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw ScoreCSVError(line: record.line, reason: "\(record.fields.count) fields, but the header has \(header.fields.count)")
            }
            func text(_ column: String) -> String? { position[column].map { record.fields[$0].trimmingCharacters(in: .whitespaces) } }
            func error(_ column: String, _ reason: String) -> ScoreCSVError { ScoreCSVError(line: record.line, column: column, reason: reason) }
            func number(_ column: String) throws(ScoreCSVError) -> Double? {
                let value = text(column) ?? ""
                if value.isEmpty { return nil }
                guard let number = Double(value) else { throw error(column, "expected a number, got '\(value)'") }
                guard number.isFinite else { throw error(column, "expected a finite number, got '\(value)'") }
                return number
            }
            let video = text("video") ?? ""
            guard !video.isEmpty else { throw error("video", "empty") }
            if let first = lineOfVideo[video] { throw error("video", "\(video) already appears on line \(first)") }
            lineOfVideo[video] = record.line
            let c = try number("lse_c"), d = try number("lse_d")
            guard (c == nil) == (d == nil) else {
                throw error(c == nil ? "lse_c" : "lse_d", "empty while \(c == nil ? "lse_d" : "lse_c") is set (leave both empty for a video without a score)")
            }
            var offsets: [Int]? = nil
            if let offset = text("offset") {
                if offset.isEmpty {
                    guard c == nil else { throw error("offset", "empty, but the row has scores") }
                    offsets = []
                } else {
                    guard c != nil else { throw error("offset", "'\(offset)' on a row without scores") }
                    guard let value = Int(offset) else { throw error("offset", "expected an integer number of frames, got '\(offset)'") }
                    offsets = [value]
                }
            }
            rows.append(PublishedScore(video: video, line: record.line, lseC: c, lseD: d, offsets: offsets))
        }
        return rows
    }

    // MARK: all_scores.txt

    /// Wav2Lip's `all_scores.txt` (`calculate_scores_real_videos.sh`: `str(dist) + " " + str(conf)`
    /// per track, videos one after the other) with its file list: line k of the list names the
    /// video of score line k, so a video with two tracks is listed twice, in track order. Blank
    /// lines are skipped in both files.
    static func parseAllScores(_ text: String, file: String, fileList: (name: String, text: String)) throws(ScoreCSVError) -> [PublishedScore] {
        var scores: [(line: Int, dist: Double, conf: Double)] = []
        for (index, raw) in lines(of: text) {
            let tokens = raw.split(whereSeparator: \.isWhitespace)
            guard !tokens.isEmpty else { continue }
            guard tokens.count == 2 else {
                throw ScoreCSVError(file: file, line: index, reason: "expected two numbers 'dist conf', got \(tokens.count) field(s): '\(raw.prefix(120))'")
            }
            var values: [Double] = []
            for (token, name) in zip(tokens, ["dist", "conf"]) {
                guard let value = Double(token) else {
                    throw ScoreCSVError(file: file, line: index, column: name, reason: "expected a number, got '\(token)'")
                }
                guard value.isFinite else {
                    throw ScoreCSVError(file: file, line: index, column: name, reason: "expected a finite number, got '\(token)'")
                }
                values.append(value)
            }
            scores.append((index, values[0], values[1]))
        }
        guard !scores.isEmpty else { throw ScoreCSVError(file: file, reason: "the file is empty (no 'dist conf' line)") }
        var videos: [(line: Int, name: String)] = []
        for (index, raw) in lines(of: fileList.text) {
            let name = raw.trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { videos.append((index, name)) }
        }
        guard !videos.isEmpty else { throw ScoreCSVError(file: fileList.name, reason: "the file list is empty (no video named)") }
        guard videos.count == scores.count else {
            throw ScoreCSVError(
                file: fileList.name,
                reason: "names \(videos.count) video(s) but \(file) has \(scores.count) score line(s): Wav2Lip writes one line per face track, "
                    + "so the list needs one line per score line (a video with two tracks listed twice, in track order)")
        }
        var tracksSoFar: [String: Int] = [:]
        return zip(videos, scores).map { video, score in
            let track = tracksSoFar[video.name, default: 0]
            tracksSoFar[video.name] = track + 1
            return PublishedScore(video: video.name, line: score.line, track: track, lseC: score.conf, lseD: score.dist, offsets: nil)
        }
    }

    /// The lines of `text` with their 1-based numbers (`\n` or `\r\n` ends; a leading byte-order
    /// mark dropped).
    private static func lines(of text: String) -> [(Int, String)] {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated().map {
            ($0.offset + 1, String($0.element.hasSuffix("\r") ? $0.element.dropLast() : $0.element))
        }
    }

    /// The text of the file at `path`, UTF-8.
    private static func text(of path: String) throws(ScoreCSVError) -> String {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ScoreCSVError(file: path, reason: "cannot read the file: \(FileProblem.describe(path: path, error: error))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ScoreCSVError(file: path, reason: "not UTF-8 text") }
        return text
    }
}
