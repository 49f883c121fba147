import Foundation
import TestSupport
import Testing

/// Property test of everything a user feeds `syncbench eval` (issue #11, docs/reliability.md):
/// random boxes files, damaged media of several containers and codecs, random speech files. Every
/// run must end with a documented exit status (never a signal), a status and a message on the
/// JSON path or one `syncbench: error:` line naming a file otherwise, and `cache verify` must
/// find the database sound afterwards.
///
/// CI runs `SYNCBENCH_FUZZ_CASES` cases (default 90) from `SYNCBENCH_FUZZ_SEED` (default 20261206);
/// a longer local run: `SYNCBENCH_FUZZ_CASES=2000 SYNCBENCH_FUZZ_SEED=$RANDOM swift test -c release --filter InputFuzzTests`.
@Suite("Fuzzing eval's inputs", .serialized, .timeLimit(.minutes(20)))
struct InputFuzzTests {
    /// Exit statuses `eval` documents (docs/cli.md): scored or a clip status, input errors.
    static let documented: Set<Int32> = [0, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 21]

    /// SplitMix64: small, seedable, the same sequence on every platform.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    let directory: URL
    let weights: String
    let database: String
    /// Whole clips to damage: FFV1/PCM Matroska, H.264/AAC MP4 at 24 fps, MJPEG/MP3 AVI.
    var clips: [URL] = []
    let speech: URL
    let boxes: URL

    init() throws {
        let workspace = try BinaryWorkspace("fuzz", database: "fuzz.sqlite")
        (directory, weights, database) = (workspace.directory, workspace.weights, workspace.database)
        let mkv = directory.appendingPathComponent("clip.mkv")
        boxes = directory.appendingPathComponent("boxes.json")
        try ScorableClip.write(to: mkv, boxes: boxes, frames: 60)
        clips = [mkv]
        speech = directory.appendingPathComponent("speech.wav")
        let ffmpeg = ["/usr/bin/ffmpeg", "-v", "error", "-y", "-i", mkv.path]
        let conversions: [(String, [String])] = [
            ("speech.wav", ["-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"]),
            ("clip.mp4", ["-r", "24", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]),
            ("clip.avi", ["-c:v", "mjpeg", "-q:v", "5", "-c:a", "libmp3lame"]),
        ]
        for (name, options) in conversions where FileManager.default.isExecutableFile(atPath: ffmpeg[0]) {
            let out = directory.appendingPathComponent(name)
            let converted = try SyncBenchBinary.runProgram(ffmpeg[0], Array(ffmpeg.dropFirst()) + options + [out.path])
            if converted.status == 0 && name != "speech.wav" { clips.append(out) }
        }
        if !FileManager.default.fileExists(atPath: speech.path) { try FileManager.default.copyItem(at: mkv, to: speech) }
    }

    // MARK: Inputs

    /// A boxes file from one of the shapes users (and detectors) produce.
    func randomBoxes(_ rng: inout Generator, name: String) throws -> (URL, String) {
        let kind = Int.random(in: 0..<12, using: &rng)
        func box(_ x: Double, _ y: Double, _ side: Double) -> String { "[\(x), \(y), \(x + side), \(y + side)]" }
        var entries: [String] = []
        var label = ""
        let frames = Int.random(in: 1...80, using: &rng)
        for f in 0..<frames {
            let x = Double.random(in: -400...700, using: &rng), y = Double.random(in: -300...500, using: &rng)
            switch kind {
            case 0: label = "off-frame"; entries.append("{\"frame\": \(f), \"bbox\": \(box(x - 1000, y - 900, 120)), \"conf\": 0.9}")
            case 1: label = "partly off"; entries.append("{\"frame\": \(f), \"bbox\": \(box(-60 + Double(f), 40, 140)), \"conf\": 0.9}")
            case 2: label = "huge"; entries.append("{\"frame\": \(f), \"bbox\": \(box(x * 1e4, y * 1e4, 1e5 * Double.random(in: 0.5...30, using: &rng))), \"conf\": 0.9}")
            case 3: label = "tiny"; entries.append("{\"frame\": \(f), \"bbox\": \(box(150, 100, Double.random(in: 0...2, using: &rng))), \"conf\": 0.9}")
            case 4: label = "non-finite"; entries.append("{\"frame\": \(f), \"bbox\": [\(["1e400", "-1e400", "NaN", "Infinity", "null"].randomElement(using: &rng)!), 1, 2, 3], \"conf\": 0.9}")
            case 5: label = "negative size"; entries.append("{\"frame\": \(f), \"bbox\": [\(x), \(y), \(x - 50), \(y - 50)], \"conf\": 0.9}")
            case 6:
                label = "many per frame"
                for k in 0..<200 { entries.append("{\"frame\": \(f), \"bbox\": \(box(Double(k % 20) * 16 - 40, Double(k / 20) * 24 - 20, 110)), \"conf\": 0.5}") }
            case 7: label = "past the end"; entries.append("{\"frame\": \(f * 997 + Int.random(in: 0...10_000_000, using: &rng)), \"bbox\": \(box(100, 60, 120)), \"conf\": 0.9}")
            case 8: label = "unsorted, duplicated"; entries.append("{\"frame\": \((f * 37) % frames), \"bbox\": \(box(100 + x / 100, 60, 120)), \"conf\": 0.9}"); entries.append(entries.last!)
            case 9: label = "fractional frames"; entries.append("{\"frame\": \(Double(f) + [0, 0.5, 1e-9].randomElement(using: &rng)!), \"bbox\": \(box(100, 60, 120)), \"conf\": 0.9}")
            case 10: label = "wrong shapes"; entries.append(["{\"frame\": \(f)}", "{\"frame\": \(f), \"bbox\": [1, 2], \"conf\": 1}", "[\(f)]", "{\"frame\": -\(f + 1), \"bbox\": [1, 2, 3, 4], \"conf\": 1}"].randomElement(using: &rng)!)
            default: label = "moving near the edges"; entries.append("{\"frame\": \(f), \"bbox\": \(box(x / 2, y / 2, Double.random(in: 80...300, using: &rng))), \"conf\": 0.9}")
            }
        }
        var text = "[" + entries.joined(separator: ",") + "]"
        if Int.random(in: 0..<10, using: &rng) == 0 { text = String(text.prefix(Int.random(in: 0...text.count, using: &rng))); label += ", truncated" }
        let url = directory.appendingPathComponent("\(name).json")
        try Data(text.utf8).write(to: url)
        return (url, "boxes: \(label)")
    }

    /// A damaged copy of one of the clips: truncated, bytes flipped, or a block zeroed.
    func damagedClip(_ rng: inout Generator, name: String) throws -> (URL, String) {
        let source = clips.randomElement(using: &rng)!
        var bytes = [UInt8](try Data(contentsOf: source))
        let label: String
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            let keep = Int.random(in: 0...bytes.count, using: &rng)
            bytes = Array(bytes.prefix(keep))
            label = "truncated to \(keep) of \(try Data(contentsOf: source).count) bytes"
        case 1:
            let flips = Int.random(in: 1...64, using: &rng)
            for _ in 0..<flips where !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            label = "\(flips) bytes flipped"
        default:
            let start = Int.random(in: 0..<max(1, bytes.count), using: &rng), length = min(bytes.count - start, Int.random(in: 1...4096, using: &rng))
            for i in start..<(start + max(0, length)) { bytes[i] = 0 }
            label = "\(length) bytes zeroed at \(start)"
        }
        let url = directory.appendingPathComponent("\(name).\(source.pathExtension)")
        try Data(bytes).write(to: url)
        return (url, "\(source.lastPathComponent) \(label)")
    }

    /// A speech file: random bytes, a truncated or flipped WAV, an empty file, or a folder.
    func randomSpeech(_ rng: inout Generator, name: String) throws -> (URL, String) {
        let url = directory.appendingPathComponent("\(name).wav")
        var bytes = [UInt8](try Data(contentsOf: speech))
        let label: String
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            bytes = (0..<Int.random(in: 0...20_000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            label = "random bytes"
        case 1:
            bytes = Array(bytes.prefix(Int.random(in: 0...min(200, bytes.count), using: &rng)))
            label = "truncated header"
        case 2:
            for _ in 0..<Int.random(in: 1...16, using: &rng) { bytes[Int.random(in: 0..<min(64, bytes.count), using: &rng)] ^= 0xFF }
            label = "header bytes flipped"
        case 3:
            bytes = []
            label = "empty"
        default:
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return (url, "speech: a folder")
        }
        try Data(bytes).write(to: url)
        return (url, "speech: \(label)")
    }

    // MARK: The property

    @Test("every fuzzed eval ends with a documented status and a message naming the file; the cache stays sound")
    func fuzzEval() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = UInt64(environment["SYNCBENCH_FUZZ_SEED"] ?? "") ?? 20_261_206
        let cases = Int(environment["SYNCBENCH_FUZZ_CASES"] ?? "") ?? 90
        var rng = Generator(state: seed)
        var seen: [Int32: Int] = [:]
        for index in 0..<cases {
            var video = clips[0], boxes = self.boxes, audio: URL? = nil
            let what: String
            switch index % 3 {
            case 0: (boxes, what) = try randomBoxes(&rng, name: "boxes-\(index)")
            case 1: (video, what) = try damagedClip(&rng, name: "clip-\(index)")
            default: (audio, what) = try randomSpeech(&rng, name: "speech-\(index)")
            }
            let arguments = ["eval", video.path, "--boxes", boxes.path, "--weights", weights, "--db", database, "--json"] + (audio.map { ["--audio", $0.path] } ?? [])
            let output = try SyncBenchBinary.run(arguments)
            let label = "case \(index) of seed \(seed) (\(what)): syncbench \(arguments.joined(separator: " "))"
            seen[output.signalled ? -output.status : output.status, default: 0] += 1
            #expect(!output.signalled, "\(label) died of signal \(output.status): \(output.stderr.suffix(2000))")
            guard !output.signalled else { continue }
            #expect(Self.documented.contains(output.status), "\(label) exited \(output.status): \(output.stderr)")
            if [0, 3, 4, 5].contains(output.status) {
                let object = (try? JSONSerialization.jsonObject(with: Data(output.stdout.utf8))) as? [String: Any]
                let status = object?["status"] as? String, message = object?["message"] as? String ?? ""
                #expect(status != nil, "\(label): \(output.stdout)")
                #expect(output.status == 0 || !message.isEmpty, "\(label): no message")
                #expect(!message.contains("NSCocoaErrorDomain"), "\(label): a Foundation error number is not a message: \(message)")
            } else {
                let line = output.stderr.split(separator: "\n").first { $0.hasPrefix("syncbench: error: ") }.map(String.init) ?? ""
                let paths: [String] = [video.path, boxes.path] + (audio.map { [$0.path] } ?? [])
                #expect(paths.contains { line.contains($0) }, "\(label): \(output.stderr)")
                #expect(!line.contains("NSCocoaErrorDomain"), "\(label): a Foundation error number is not a message: \(line)")
            }
        }
        let verify = try SyncBenchBinary.run(["cache", "verify", "--db", database])
        #expect(verify.status == 0, "cache verify after \(cases) fuzzed runs: \(verify.stdout)\(verify.stderr)")
        // The generator must reach the interesting outcomes, or the property says little.
        #expect(seen.keys.contains(0) && seen.keys.contains(21), "exit statuses seen: \(seen)")
    }
}
