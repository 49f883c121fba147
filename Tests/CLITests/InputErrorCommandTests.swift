import Foundation
import TestSupport
import Testing

/// Issue #11 through the binary: boxes at the frame edge, absurd or malformed boxes, missing speech
/// files and moved clips each get a status or error that names the file the user gave.
@Suite("syncbench eval: edge boxes and input errors", .serialized, .timeLimit(.minutes(10)))
struct InputErrorCommandTests {
    let directory: URL
    let weights: String
    let database: String
    let video: URL
    let boxes: URL

    init() throws {
        let workspace = try BinaryWorkspace("input")
        (directory, weights, database) = (workspace.directory, workspace.weights, workspace.database)
        video = directory.appendingPathComponent("clip.mkv")
        boxes = directory.appendingPathComponent("boxes.json")
        try ScorableClip.write(to: video, boxes: boxes, frames: 60)
    }

    func eval(_ video: URL, boxes: URL? = nil, _ extra: [String] = []) throws -> SyncBenchBinary.Output {
        try SyncBenchBinary.run(["eval", video.path, "--boxes", (boxes ?? self.boxes).path, "--weights", weights, "--db", database] + extra)
    }

    /// A boxes file with `box(frame)` on each of the clip's 60 frames.
    func writeBoxes(_ name: String, _ box: (Int) -> [Double]) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let entries = (0..<60).map { f in "{\"frame\": \(f), \"bbox\": [\(box(f).map { "\($0)" }.joined(separator: ", "))], \"conf\": 0.99}" }
        try Data(("[" + entries.joined(separator: ",") + "]").utf8).write(to: url)
        return url
    }

    @Test("boxes running off the frame: crop_error (exit 5) naming the track and frame, also for the same clip at another path")
    func walkingOff() throws {
        let walking = try writeBoxes("walking.json") { f in [100 - 12 * Double(f), 60, 220 - 12 * Double(f), 180] }
        let first = try eval(video, boxes: walking)
        #expect(first.status == 5, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("crop_error") && first.stdout.contains("track 0: frame "), "\(first.stdout)")
        // The same content elsewhere: the cached verdict, with this run's path in its message.
        let moved = directory.appendingPathComponent("moved clip.mkv")
        try FileManager.default.copyItem(at: video, to: moved)
        let second = try eval(moved, boxes: walking)
        #expect(second.status == 5)
        #expect(second.stdout.contains(moved.path) && !second.stdout.contains(video.path + ":"), "\(second.stdout)")
        // Partly off the left edge crops as the reference does.
        let edge = try eval(video, boxes: try writeBoxes("edge.json") { _ in [-20, 60, 100, 180] })
        #expect(edge.status == 0, "\(edge.stdout)\(edge.stderr)")
    }

    @Test("absurd, non-finite-looking and non-integer boxes are input errors (exit 21) naming the entry and frame")
    func absurdBoxes() throws {
        let huge = try eval(video, boxes: try writeBoxes("huge.json") { f in f == 7 ? [1e9, 60, 1e9 + 100, 180] : [100, 60, 220, 180] })
        #expect(huge.status == 21 && huge.stderr.contains("(frame 7)") && huge.stderr.contains("beyond"), "\(huge.stderr)")
        let fractional = directory.appendingPathComponent("fractional.json")
        try Data(#"[{"frame": 2.5, "bbox": [1, 2, 3, 4], "conf": 1}]"#.utf8).write(to: fractional)
        let fraction = try eval(video, boxes: fractional)
        #expect(fraction.status == 21 && fraction.stderr.contains("frame 2.5 is not a whole number"), "\(fraction.stderr)")
    }

    @Test("a missing speech file is named in the message, a different one in each run")
    func missingSpeech() throws {
        for name in ["first-missing.wav", "second-missing.wav"] {
            let path = directory.appendingPathComponent(name).path
            let output = try eval(video, ["--audio", path])
            #expect(output.status == 4, "\(output.stdout)\(output.stderr)")
            #expect(output.stdout.contains(path), "\(name): \(output.stdout)")
        }
    }

    @Test(
        "eval shows each stage's progress on a terminal, and nothing when standard error is a pipe or with --json",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) (bsdutils) for a terminal"))
    func progressOnTerminal() throws {
        let command = ([SyncBenchBinary.url.path, "eval", video.path, "--boxes", boxes.path, "--weights", weights, "--db", database])
            .map { "'" + $0 + "'" }.joined(separator: " ")
        let onTerminal = try SyncBenchBinary.runProgram("/usr/bin/script", ["-qefc", command, "/dev/null"])
        #expect(onTerminal.status == 0, "\(onTerminal.stdout)")
        for stage in ["decoding  ", "cropping  ", "scoring track 0  "] { #expect(onTerminal.stdout.contains(stage), "\(stage): \(onTerminal.stdout)") }
        #expect(onTerminal.stdout.contains(" frames  ETA ") || onTerminal.stdout.contains("/60 frames"), "\(onTerminal.stdout)")

        try FileManager.default.removeItem(atPath: database)
        let piped = try eval(video)
        #expect(piped.status == 0 && !piped.stderr.contains("decoding") && !piped.stderr.contains("\r"), "\(piped.stderr)")
        try FileManager.default.removeItem(atPath: database)
        let json = try SyncBenchBinary.runProgram("/usr/bin/script", ["-qefc", command + " --json", "/dev/null"])
        #expect(json.status == 0 && !json.stdout.contains("decoding  "), "\(json.stdout)")
    }
}
