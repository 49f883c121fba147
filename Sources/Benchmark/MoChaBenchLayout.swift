import Foundation
import Media
import Store

/// A MoChaBench checkout (docs/reference/pipeline.md §12.1): `benchmark/benchmark.csv` lists the samples
/// (`idx_in_category, category, context_id, prompt`), the speech of each is
/// `benchmark/speeches/<category>/<context_id>_speech.wav`, and a model's videos are
/// `<videos>/<category>/<context_id>.mp4` (MoCha's own: `mocha-generation/`).
///
/// Sample identifiers are `<category>/<context_id>`, so the same sample of two models pairs up.
public struct MoChaBenchLayout: Sendable {
    public var root: URL
    public var videos: URL
    /// Face boxes mirroring the videos' layout (`<boxes>/<category>/<context_id>.json`), used
    /// instead of S3FD.
    public var boxes: URL?

    /// - Parameters:
    ///   - videos: the model's video folder; relative paths are relative to `root`; default
    ///     `mocha-generation`.
    public init(root: URL, videos: String? = nil, boxes: URL? = nil) {
        self.root = root
        let folder = videos ?? "mocha-generation"
        self.videos = folder.hasPrefix("/") ? URL(fileURLWithPath: folder) : root.appendingPathComponent(folder)
        self.boxes = boxes
    }

    public var benchmarkCSV: URL { root.appendingPathComponent("benchmark/benchmark.csv") }

    /// The inputs `model` has in this checkout, one per row of `benchmark.csv`, in file order.
    public func inputs(model: String) throws(SuiteLayoutError) -> [SampleInputSpec] {
        let csvPath = benchmarkCSV.path
        guard FileManager.default.fileExists(atPath: csvPath) else {
            throw SuiteLayoutError(path: csvPath, reason: "no such file (is \(root.path) a MoChaBench checkout?)")
        }
        guard FileManager.default.fileExists(atPath: videos.path) else {
            throw SuiteLayoutError(path: videos.path, reason: "no such folder (the model's videos, --videos)")
        }
        let text: String
        do {
            text = try String(contentsOf: benchmarkCSV, encoding: .utf8)
        } catch {
            throw SuiteLayoutError(path: csvPath, reason: "cannot read: \(error.localizedDescription)")
        }
        let records: [CSVRecords.Record]
        do {
            records = try CSVRecords.parse(text)
        } catch {
            switch error.problem {
            case .unclosedQuote: throw SuiteLayoutError(path: csvPath, line: error.recordLine, reason: "a quoted field is not closed")
            case .quoteInUnquotedField: throw SuiteLayoutError(path: csvPath, line: error.line, reason: "a quote inside an unquoted field")
            case .textAfterClosingQuote: throw SuiteLayoutError(path: csvPath, line: error.line, reason: "text after a closing quote")
            }
        }
        guard let header = records.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw SuiteLayoutError(path: csvPath, reason: "empty file")
        }
        let columns = ["idx_in_category", "category", "context_id"]
        var position: [String: Int] = [:]
        for column in columns + ["prompt"] { position[column] = header.firstIndex(of: column) }
        let missing = columns.filter { position[$0] == nil }
        guard missing.isEmpty else {
            throw SuiteLayoutError(path: csvPath, line: 1, reason: "missing column(s) \(missing.joined(separator: ", ")) (header: \(header.joined(separator: ",")))")
        }
        var seen: Set<String> = []
        return try records.dropFirst().map { record throws(SuiteLayoutError) -> SampleInputSpec in
            let (line, fields) = (record.line, record.fields)
            func field(_ name: String) -> String? {
                position[name].flatMap { $0 < fields.count ? fields[$0].trimmingCharacters(in: .whitespaces) : nil }
            }
            guard let index = field("idx_in_category").flatMap({ Int($0) }) else {
                throw SuiteLayoutError(path: csvPath, line: line, reason: "idx_in_category is not an integer")
            }
            guard let category = field("category"), !category.isEmpty, !category.contains("/"),
                let context = field("context_id"), !context.isEmpty, !context.contains("/")
            else {
                throw SuiteLayoutError(path: csvPath, line: line, reason: "category and context_id must be non-empty names without '/'")
            }
            let sampleID = "\(category)/\(context)"
            guard seen.insert(sampleID).inserted else {
                throw SuiteLayoutError(path: csvPath, line: line, reason: "sample \(sampleID) is listed twice")
            }
            return SampleInputSpec(
                model: model, sampleID: sampleID, category: category, index: index, prompt: field("prompt"),
                videoPath: PathText.joined(videos.path, "\(category)/\(context).mp4"),
                speechPath: PathText.joined(root.path, "benchmark/speeches/\(category)/\(context)_speech.wav"),
                boxesPath: boxes.map { PathText.joined($0.path, "\(category)/\(context).json") })
        }
    }

    /// Videos under the video folder that no row of `benchmark.csv` names (a misspelt file or
    /// category would otherwise be silently ignored), as paths relative to the folder, sorted.
    public func unlistedVideos(besides specs: [SampleInputSpec]) -> [String] {
        let listed = Set(specs.map(\.videoPath))
        let base = videos.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(
            at: URL(fileURLWithPath: base), includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])
        else { return [] }
        var unlisted: [String] = []
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            guard !listed.contains(path), let relative = PathText.relative(path, to: base),
                FolderLayout.videoExtensions.contains(PathText.pathExtension(relative).lowercased())
            else { continue }
            unlisted.append(relative)
        }
        return unlisted.sorted()
    }
}
