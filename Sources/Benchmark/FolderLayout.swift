import Foundation
import Media
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
        // Names are taken apart with PathText, never NSString's path methods (which trap on
        // some names, e.g. `deletingLastPathComponent` of a one-character sample id `1`).
        let base = folder.standardizedFileURL.path
        guard let enumerator = FileManager.default.enumerator(
            at: URL(fileURLWithPath: base), includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw SuiteLayoutError(path: folder.path, reason: "cannot list the folder") }
        var relativePaths: [String] = []
        for case let url as URL in enumerator {
            // Paths as listed (a symbolic link to a clip elsewhere keeps its name here).
            guard let path = PathText.relative(url.standardizedFileURL.path, to: base),
                Self.videoExtensions.contains(PathText.pathExtension(path).lowercased())
            else { continue }
            relativePaths.append(path)
        }
        guard !relativePaths.isEmpty else {
            throw SuiteLayoutError(path: folder.path, reason: "no video files (\(Self.videoExtensions.sorted().joined(separator: ", ")))")
        }
        relativePaths.sort()
        var byID: [String: String] = [:]
        for path in relativePaths {
            let id = PathText.deletingExtension(path)
            if let other = byID[id] {
                throw SuiteLayoutError(path: PathText.joined(base, path), reason: "same sample as \(other) (one video per name)")
            }
            byID[id] = path
        }
        var positionInCategory: [String: Int] = [:]
        return relativePaths.map { path in
            let id = PathText.deletingExtension(path)
            let parent = PathText.parent(id)
            let category = parent.isEmpty ? "all" : parent
            positionInCategory[category, default: 0] += 1
            return SampleInputSpec(
                model: model, sampleID: id, category: category, index: positionInCategory[category]!,
                videoPath: PathText.joined(base, path), speechPath: speech.map { speechPath(in: $0, id: id) },
                boxesPath: boxes.map { PathText.joined($0.path, id + ".json") })
        }
    }

    private func speechPath(in folder: URL, id: String) -> String {
        let candidates = Self.speechSuffixes.map { PathText.joined(folder.path, id + $0) }
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}
