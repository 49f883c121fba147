import Foundation
import TestSupport
import Testing

@testable import Pipeline

/// What a `--boxes` file may hold, and the message for each way it can be wrong (issue #11: every
/// message names the entry and frame, and says what is wrong rather than "not valid JSON").
@Suite("DetectionBoxes (the --boxes file)")
struct DetectionBoxesTests {
    static func load(_ json: String) throws(DetectionBoxes.LoadError) -> DetectionBoxes {
        let url = FileManager.default.temporaryDirectory.appending(path: "boxes-\(UUID().uuidString).json")
        try! Data(json.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try DetectionBoxes(contentsOf: url, sha256: "x")
    }

    static func reason(_ json: String) -> String? {
        do {
            _ = try load(json)
            return nil
        } catch {
            switch error {
            case .malformed(_, let reason), .unreadable(_, let reason): return reason
            }
        }
    }

    @Test("well-formed entries load, whole-number frames written as 3.0 included")
    func wellFormed() throws {
        let boxes = try Self.load(#"[{"frame": 0, "bbox": [1, 2, 30, 40], "conf": 0.9}, {"frame": 3.0, "bbox": [-5, -6, 0.5, 0.5], "conf": 1}]"#)
        #expect(boxes.faces[0]?.count == 1 && boxes.faces[3]?.count == 1)
    }

    @Test(
        "each malformed entry gets its own message naming the entry and frame",
        arguments: [
            (#"[{"frame": 1.5, "bbox": [0, 0, 1, 1], "conf": 1}]"#, "entry 0: frame 1.5 is not a whole number"),
            (#"[{"frame": 1e12, "bbox": [0, 0, 1, 1], "conf": 1}]"#, "entry 0: frame 1000000000000.0 is beyond 10000000"),
            (#"[{"frame": -2, "bbox": [0, 0, 1, 1], "conf": 1}]"#, "entry 0: negative frame -2"),
            (#"[{"frame": 0, "bbox": [0, 0, 1, 1], "conf": 1}, {"frame": 7, "bbox": [0, 0, 1], "conf": 1}]"#, "entry 1 (frame 7): bbox has 3 numbers"),
            (#"[{"frame": 4, "bbox": [0, 0, 1e9, 1], "conf": 1}]"#, "entry 0 (frame 4): bbox [0.0, 0.0, 1000000000.0, 1.0] has a coordinate beyond ±1000000 px"),
            (#"[{"frame": 4, "bbox": [-1e300, 0, 1, 1], "conf": 1}]"#, "entry 0 (frame 4)"),
            (#"[{"frame": 5, "bbox": [10, 0, 1, 1], "conf": 1}]"#, "entry 0 (frame 5): bbox [10.0, 0.0, 1.0, 1.0] has x2 < x1"),
            (#"[{"frame": "5", "bbox": [0, 0, 1, 1], "conf": 1}]"#, "wrong type at [0].frame"),
            (#"[{"bbox": [0, 0, 1, 1], "conf": 1}]"#, "missing \"frame\" at [0]"),
            (#"[{"frame": 1, "bbox": [0, 0, 1, 1], "conf": 1},"#, "not valid JSON"),
        ])
    func malformed(_ json: String, _ expected: String) {
        let reason = Self.reason(json)
        #expect(reason?.contains(expected) == true, "got \(reason ?? "no error")")
    }

    @Test("a folder or an unreadable file is named as such, not as a Foundation error number")
    func notAFile() throws {
        let folder = try ScratchDirectory.make("boxes-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: DetectionBoxes.LoadError.unreadable(path: folder.path(percentEncoded: false), reason: "it is a folder, not a file")) {
            try DetectionBoxes(contentsOf: folder, sha256: "x")
        }
    }
}
