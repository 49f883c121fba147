import Foundation
import Store

/// A plain folder of one model's clips. Every video file under the folder (`.mp4`, `.mov`,
/// `.mkv`, `.avi`, `.webm`, recursively, hidden files skipped) is a sample; its identifier is its
/// path relative to the folder without the extension (`07`, `street/07`), so the same file name
/// of two models is the same sample. Its category is its sub-folder (`street`), or `all` at the
/// top level.
///
/// The speech is the video's own audio, unless a speech folder is given: then the sample's speech
/// is `<speech>/<sample id>.wav` (or `_speech.wav`, `.flac`, `.mp3`, `.m4a`, the first that
/// exists; the `.wav` path when none does, so the input records a missing speech). Face boxes, when a
/// boxes folder is given, are `<boxes>/<sample id>.json`.
public struct FolderLayout: Sendable {
    public static let videoExtensions: Set<String> = ["mp4", "mov", "mkv", "avi", "webm"]
    static let speechSuffixes = [".wav", "_speech.wav", ".flac", ".mp3", ".m4a"]

    public var folder: URL
    public var speech: URL?
    public var boxes: URL?

    public init(folder: URL, speech: URL? = nil, boxes: URL? = nil) {
        self.folder = folder
        self.speech = speech
        self.boxes = boxes
    }

    /// The inputs of `model`, by sample identifier.
    public func inputs(model: String) throws(SuiteLayoutError) -> [SampleInputSpec] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SuiteLayoutError(path: folder.path, reason: "no such folder")
        }
        if let speech, !FileManager.default.fileExists(atPath: speech.path) {
            throw SuiteLayoutError(path: speech.path, reason: "no such folder (--audio-dir)")
        }
        if let boxes, !FileManager.default.fileExists(atPath: boxes.path) {
            throw SuiteLayoutError(path: boxes.path, reason: "no such folder (--boxes)")
        }
        let base = folder.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(
            at: URL(fileURLWithPath: base), includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw SuiteLayoutError(path: folder.path, reason: "cannot list the folder") }
        var relativePaths: [String] = []
        for case let url as URL in enumerator where Self.videoExtensions.contains(url.pathExtension.lowercased()) {
            // Paths as listed (a symbolic link to a clip elsewhere keeps its name here).
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base + "/") else { continue }
            relativePaths.append(String(path.dropFirst(base.count + 1)))
        }
        guard !relativePaths.isEmpty else {
            throw SuiteLayoutError(path: folder.path, reason: "no video files (\(Self.videoExtensions.sorted().joined(separator: ", ")))")
        }
        relativePaths.sort()
        var byID: [String: String] = [:]
        for path in relativePaths {
            let id = String(path.dropLast(URL(fileURLWithPath: path).pathExtension.count + 1))
            if let other = byID[id] {
                throw SuiteLayoutError(path: folder.appendingPathComponent(path).path, reason: "same sample as \(other) (one video per name)")
            }
            byID[id] = path
        }
        var positionInCategory: [String: Int] = [:]
        return relativePaths.map { path in
            let id = String(path.dropLast(URL(fileURLWithPath: path).pathExtension.count + 1))
            let parent = (id as NSString).deletingLastPathComponent
            let category = parent.isEmpty ? "all" : parent
            positionInCategory[category, default: 0] += 1
            return SampleInputSpec(
                model: model, sampleID: id, category: category, index: positionInCategory[category]!,
                videoPath: URL(fileURLWithPath: base).appendingPathComponent(path).path, speechPath: speech.map { speechPath(in: $0, id: id) },
                boxesPath: boxes?.appendingPathComponent(id + ".json").path)
        }
    }

    private func speechPath(in folder: URL, id: String) -> String {
        let candidates = Self.speechSuffixes.map { folder.appendingPathComponent(id + $0).path }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}
