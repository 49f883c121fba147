import Foundation
import Store

/// Why a score CSV could not be read: where (file, line, column) and what was wrong.
public struct ScoreCSVError: Error, Equatable, CustomStringConvertible {
    /// The file, when reading one.
    public var file: String?
    /// The 1-based line the offending record starts on (the header is line 1); `nil` for the file as
    /// a whole.
    public var line: Int?
    /// The column, by its header name.
    public var column: String?
    /// What was wrong, quoting the offending value.
    public var reason: String

    public var description: String {
        var place = [file, line.map { "line \($0)" }, column.map { "column \($0)" }].compactMap { $0 }.joined(separator: ", ")
        if place.isEmpty { place = "score CSV" }
        return "\(place): \(reason)"
    }
}

/// Reads the per-sample score file written by MoChaBench's batch evaluation script,
/// `eval-lipsync/mocha-eval-results/sync_scores.csv` (docs/reference/pipeline.md §12.4).
///
/// The file is pandas' `to_csv(index=False)` of one record per benchmark row, columns
/// `idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s`:
/// - `video` is `<category>/<context_id>.mp4` with the OS's separator (the published file was
///   written on Windows, with backslashes); the sample ID is that path with `/` separators and
///   without the extension, e.g. `1p_emotion/3_woman_crying`;
/// - `offsets` is the Python list of per-track offsets: `[0]`, `"[0, 15]"` (quoted because of the
///   comma), `[]`;
/// - `has_face` is `True` or `False`; a `False` row (no track was scored) has `offsets = []` and
///   `best_conf = min_dist = 0.0`, and becomes a sample with status ``SampleStatus/noFace`` and no
///   scores, so that it is counted in coverage and never in a mean.
///
/// The same reader takes SyncBench's own `results.csv` (see `docs/reports.md`): there a `False`
/// row leaves `best_conf` and `min_dist` empty, and an optional `status` column gives the status of
/// the row (`ok` exactly when `has_face` is True; any other value, e.g. `decode_error`, is kept
/// instead of `no_face`).
///
/// Columns are found by their header name (order free, extra columns ignored; `audio` and
/// `runtime_s` are not used). Quoting follows RFC 4180 (`""` inside a quoted field is a quote).
/// Every malformed value is an error naming its line and column; nothing is skipped silently.
public enum MoChaBenchScoreCSV {
    /// The columns a file must have.
    public static let requiredColumns = ["idx", "category", "video", "offsets", "best_conf", "min_dist", "has_face"]

    /// Reads the score file at `url` as the scores of `model`.
    /// - Throws: ``ScoreCSVError`` when the file cannot be read or a row is malformed.
    public static func read(_ url: URL, model: String) throws(ScoreCSVError) -> [SampleScore] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ScoreCSVError(file: url.path, reason: "cannot read the file: \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScoreCSVError(file: url.path, reason: "not UTF-8 text")
        }
        do { return try parse(text, model: model) } catch {
            var located = error
            located.file = url.lastPathComponent
            throw located
        }
    }

    /// Parses the text of a score file as the scores of `model`, in file order.
    /// - Throws: ``ScoreCSVError`` naming the line and column of the first malformed value.
    public static func parse(_ text: String, model: String) throws(ScoreCSVError) -> [SampleScore] {
        let records = try CSVRecords.split(text)
        guard let header = records.first else { throw ScoreCSVError(reason: "the file is empty (no header line)") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        var position: [String: Int] = [:]
        for (index, name) in names.enumerated() {
            guard position[name] == nil else { throw ScoreCSVError(line: header.line, column: name, reason: "the header names this column twice") }
            position[name] = index
        }
        let absent = requiredColumns.filter { position[$0] == nil }
        guard absent.isEmpty else {
            throw ScoreCSVError(
                line: header.line, reason: "missing column(s) \(absent.joined(separator: ", ")); the header is \(names.joined(separator: ","))")
        }
        var scores: [SampleScore] = []
        var rowOfSample: [String: Int] = [:]
        for record in records.dropFirst() {
            guard record.fields.count == names.count else {
                throw ScoreCSVError(line: record.line, reason: "\(record.fields.count) fields, but the header has \(names.count)")
            }
            let row = Row(record: record, position: position)
            let score = try row.sampleScore(model: model)
            if let first = rowOfSample[score.sampleID] {
                throw ScoreCSVError(line: record.line, column: "video", reason: "sample \(score.sampleID) already appears on line \(first)")
            }
            rowOfSample[score.sampleID] = record.line
            scores.append(score)
        }
        return scores
    }

    /// One data record, with typed accessors that throw located errors.
    private struct Row {
        let record: CSVRecords.Record
        let position: [String: Int]

        func text(_ column: String) -> String { record.fields[position[column]!].trimmingCharacters(in: .whitespaces) }

        func error(_ column: String, _ reason: String) -> ScoreCSVError {
            ScoreCSVError(line: record.line, column: column, reason: reason)
        }

        func nonEmpty(_ column: String) throws(ScoreCSVError) -> String {
            let value = text(column)
            guard !value.isEmpty else { throw error(column, "empty") }
            return value
        }

        func integer(_ column: String) throws(ScoreCSVError) -> Int {
            let value = text(column)
            guard let number = Int(value) else { throw error(column, "expected an integer, got '\(value)'") }
            return number
        }

        func number(_ column: String) throws(ScoreCSVError) -> Double {
            let value = text(column)
            guard let number = Double(value) else { throw error(column, "expected a number, got '\(value)'") }
            return number
        }

        func boolean(_ column: String) throws(ScoreCSVError) -> Bool {
            switch text(column) {
            case "True": return true
            case "False": return false
            case let value: throw error(column, "expected True or False, got '\(value)'")
            }
        }

        /// A Python list of integers: `[]`, `[0]`, `[0, 15]`.
        func integerList(_ column: String) throws(ScoreCSVError) -> [Int] {
            let value = text(column)
            guard value.hasPrefix("["), value.hasSuffix("]"), value.count >= 2 else {
                throw error(column, "expected a list like [0] or [0, 15], got '\(value)'")
            }
            let inner = value.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
            if inner.isEmpty { return [] }
            var list: [Int] = []
            for item in inner.split(separator: ",", omittingEmptySubsequences: false) {
                let element = item.trimmingCharacters(in: .whitespaces)
                guard let number = Int(element) else { throw error(column, "list element '\(element)' of '\(value)' is not an integer") }
                list.append(number)
            }
            return list
        }

        func sampleScore(model: String) throws(ScoreCSVError) -> SampleScore {
            _ = try integer("idx")
            let category = try nonEmpty("category")
            let video = try nonEmpty("video").replacingOccurrences(of: "\\", with: "/")
            let components = video.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard components.count == 2, components[0] == category, let fileName = components.last, !fileName.isEmpty else {
                throw error("video", "expected <category>/<context_id>.mp4 with the row's category '\(category)', got '\(text("video"))'")
            }
            let stem = fileName.lastIndex(of: ".").map { String(fileName[..<$0]) } ?? fileName
            guard !stem.isEmpty else { throw error("video", "no file name in '\(text("video"))'") }
            let offsets = try integerList("offsets")
            let hasFace = try boolean("has_face")
            let sampleID = "\(category)/\(stem)"
            let status = position["status"] == nil ? "" : text("status")
            guard hasFace else {
                guard offsets.isEmpty else { throw error("offsets", "has_face is False but the offsets are \(text("offsets")), not []") }
                // The reference writes 0.0; SyncBench's results.csv leaves them empty.
                for column in ["best_conf", "min_dist"] where !text(column).isEmpty { _ = try number(column) }
                guard status != SampleStatus.ok.rawValue else { throw error("status", "has_face is False but the status is ok") }
                return SampleScore(
                    model: model, sampleID: sampleID, category: category, status: status.isEmpty ? .noFace : SampleStatus(rawValue: status))
            }
            guard status.isEmpty || status == SampleStatus.ok.rawValue else {
                throw error("status", "has_face is True but the status is '\(status)', not ok")
            }
            let bestConf = try number("best_conf")
            let minDist = try number("min_dist")
            guard !offsets.isEmpty else { throw error("offsets", "has_face is True but no track offset is given ([])") }
            guard bestConf.isFinite else { throw error("best_conf", "has_face is True but best_conf is \(text("best_conf"))") }
            guard minDist.isFinite else { throw error("min_dist", "has_face is True but min_dist is \(text("min_dist"))") }
            return SampleScore(
                model: model, sampleID: sampleID, category: category, status: .ok, lseC: bestConf, lseD: minDist, trackOffsets: offsets)
        }
    }
}

extension CSVRecords {
    /// The records of a score file; a malformed text is a ``ScoreCSVError`` on the line its record
    /// starts on.
    static func split(_ text: String) throws(ScoreCSVError) -> [Record] {
        do { return try parse(text) } catch { throw ScoreCSVError(line: error.recordLine, reason: error.reason) }
    }
}
