import Foundation
import Models

/// Face boxes given instead of running S3FD (`--boxes`), in the reference's detection JSON shape:
/// a list of `{"frame": i, "bbox": [x1, y1, x2, y2], "conf": c}` (PIPELINE.md §6.5), frames on the
/// reference's 25 fps timeline. Within a frame, boxes keep their order in the file (the
/// reference's is best first).
public struct DetectionBoxes: Sendable, Equatable {
    /// Boxes by frame index.
    public var faces: [Int: [FaceDetection]]
    /// SHA-256 of the file's bytes (part of the detections' cache key).
    public var sha256: String
    public var path: String

    /// Why a boxes file cannot be used.
    public enum LoadError: Error, Equatable, Sendable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case malformed(path: String, reason: String)

        public var description: String {
            switch self {
            case let .unreadable(path, reason): "\(path): cannot read the boxes file: \(reason)"
            case let .malformed(path, reason):
                "\(path): not a detection list [{\"frame\", \"bbox\": [x1,y1,x2,y2], \"conf\"}]: \(reason)"
            }
        }
    }

    private struct Entry: Decodable {
        var frame: Int
        var bbox: [Double]
        var conf: Double
    }

    public init(contentsOf url: URL, sha256: String) throws(LoadError) {
        let path = url.path(percentEncoded: false)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: path, reason: error.localizedDescription) }
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: data) } catch {
            throw .malformed(path: path, reason: Self.describe(error))
        }
        var faces: [Int: [FaceDetection]] = [:]
        for (index, entry) in entries.enumerated() {
            guard entry.frame >= 0 else { throw .malformed(path: path, reason: "entry \(index): negative frame \(entry.frame)") }
            guard entry.bbox.count == 4, entry.bbox.allSatisfy(\.isFinite), entry.conf.isFinite else {
                throw .malformed(path: path, reason: "entry \(index): bbox needs 4 finite numbers and conf a finite number")
            }
            guard entry.bbox[2] >= entry.bbox[0], entry.bbox[3] >= entry.bbox[1] else {
                throw .malformed(path: path, reason: "entry \(index): bbox \(entry.bbox) has x2 < x1 or y2 < y1")
            }
            faces[entry.frame, default: []].append(
                FaceDetection(x1: entry.bbox[0], y1: entry.bbox[1], x2: entry.bbox[2], y2: entry.bbox[3], confidence: entry.conf))
        }
        self.faces = faces
        self.sha256 = sha256
        self.path = path
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, let context): "missing \"\(key.stringValue)\" at \(Self.path(context))"
        case DecodingError.typeMismatch(_, let context): "wrong type at \(Self.path(context)): \(context.debugDescription)"
        case DecodingError.valueNotFound(_, let context): "null at \(Self.path(context))"
        default: "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    /// Faces per frame for a timeline of `frames` frames; boxes on later frames are reported.
    func perFrame(count frames: Int) -> (frames: [[FaceDetection]], outside: [Int]) {
        var result = [[FaceDetection]](repeating: [], count: frames)
        var outside: [Int] = []
        for (frame, list) in faces {
            if frame < frames { result[frame] = list } else { outside.append(frame) }
        }
        return (result, outside.sorted())
    }
}
