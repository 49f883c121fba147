import Foundation
import Media
import Models

/// Face boxes given instead of running S3FD (`--boxes`), in the reference's detection JSON shape:
/// a list of `{"frame": i, "bbox": [x1, y1, x2, y2], "conf": c}` (docs/reference/pipeline.md §6.5), frames on the
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

    /// No picture is a million pixels wide: a coordinate beyond ±10^6 px is a broken file, refused
    /// before it reaches the integer arithmetic of tracking and cropping.
    public static let coordinateLimit = 1_000_000.0
    /// Frame numbers above this (over 110 hours at 25 fps) are refused the same way.
    public static let frameLimit = 10_000_000

    /// One entry as written; the frame is read as a number so that `1.5` or `1e12` get a message
    /// of their own rather than a JSON decoding error.
    private struct Entry: Decodable {
        var frame: Double
        var bbox: [Double]
        var conf: Double
    }

    public init(contentsOf url: URL, sha256: String) throws(LoadError) {
        let path = url.path(percentEncoded: false)
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: path, reason: FileProblem.describe(path: path, error: error)) }
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: data) } catch {
            throw .malformed(path: path, reason: Self.describe(error))
        }
        var faces: [Int: [FaceDetection]] = [:]
        for (index, entry) in entries.enumerated() {
            guard entry.frame.isFinite, entry.frame == entry.frame.rounded(.towardZero) else {
                throw .malformed(path: path, reason: "entry \(index): frame \(entry.frame) is not a whole number")
            }
            guard entry.frame >= 0 else {
                throw .malformed(path: path, reason: "entry \(index): negative frame \(abs(entry.frame) < 1e15 ? String(Int(entry.frame)) : "\(entry.frame)")")
            }
            guard entry.frame <= Double(Self.frameLimit) else {
                throw .malformed(path: path, reason: "entry \(index): frame \(entry.frame) is beyond \(Self.frameLimit) (over 110 hours at 25 fps)")
            }
            let frame = Int(entry.frame)
            guard entry.bbox.count == 4 else {
                throw .malformed(path: path, reason: "entry \(index) (frame \(frame)): bbox has \(entry.bbox.count) numbers, needs 4 (x1, y1, x2, y2)")
            }
            guard entry.bbox.allSatisfy(\.isFinite), entry.conf.isFinite else {
                throw .malformed(path: path, reason: "entry \(index) (frame \(frame)): bbox needs 4 finite numbers and conf a finite number")
            }
            guard entry.bbox.allSatisfy({ abs($0) <= Self.coordinateLimit }) else {
                throw .malformed(
                    path: path, reason: "entry \(index) (frame \(frame)): bbox \(entry.bbox) has a coordinate beyond ±\(Int(Self.coordinateLimit)) px")
            }
            guard entry.bbox[2] >= entry.bbox[0], entry.bbox[3] >= entry.bbox[1] else {
                throw .malformed(path: path, reason: "entry \(index) (frame \(frame)): bbox \(entry.bbox) has x2 < x1 or y2 < y1")
            }
            faces[frame, default: []].append(
                FaceDetection(x1: entry.bbox[0], y1: entry.bbox[1], x2: entry.bbox[2], y2: entry.bbox[3], confidence: entry.conf))
        }
        self.faces = faces
        self.sha256 = sha256
        self.path = path
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not valid JSON (\(context.underlyingError.map { "\($0)" } ?? context.debugDescription))" : "\(context.debugDescription) at \(Self.path(context))"
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
