import Foundation
import Media
import Models

/// Clips, speech, boxes and stand-in weights written into a temporary folder for benchmark tests.
enum BenchmarkFixtures {
    static let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
    static var hasSharedData: Bool { FileManager.default.fileExists(atPath: sharedData.appendingPathComponent("mochabench-mini/benchmark/benchmark.csv").path) }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("syncbench-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The stand-in weights as PyTorch files, written once per test process.
    static let weights: WeightsDirectory = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("syncbench-bench-weights-\(ProcessInfo.processInfo.processIdentifier)")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let directory = WeightsDirectory(url: folder)
        for file in WeightsFile.allCases where !FileManager.default.fileExists(atPath: directory.path(of: file)) {
            try! LegacyCheckpointWriter.data(for: file.standInStateDict()).write(to: URL(fileURLWithPath: directory.path(of: file)))
        }
        return directory
    }()

    /// A lossless 25 fps 320x240 clip of `frames` moving-pattern frames with a chirp as its audio
    /// track, and a boxes file with one 120-pixel face per frame: enough for one scored track.
    static func writeScorableClip(to url: URL, boxes: URL, frames: Int = 60, shade: Int = 0) throws {
        let writer = try ClipWriter(
            path: url.path, video: .init(width: 320, height: 240, frameRate: (25, 1), codec: "ffv1"),
            audio: .init(sampleRate: 16_000, channels: 1, codec: "pcm_s16le"))
        for f in 0..<frames { try writer.append(pattern(f, shade: shade)) }
        try writer.append(samples: chirp(seconds: Double(frames) / 25))
        try writer.finish()
        let entries = (0..<frames).map { "{\"frame\": \($0), \"bbox\": [100.0, 60.0, 220.0, 180.0], \"conf\": 0.99}" }
        try Data(("[" + entries.joined(separator: ",\n") + "]").utf8).write(to: boxes)
    }

    static func chirp(seconds: Double) -> [Int16] {
        (0..<Int(seconds * 16_000)).map { i in
            let t = Double(i) / 16_000
            return Int16(8000 * sin(2 * Double.pi * (200 + 300 * t) * t))
        }
    }

    static func pattern(_ frame: Int, shade: Int) -> Image {
        let width = 320, height = 240
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8(truncatingIfNeeded: (x + 2 * y + 3 * frame + shade) & 0xFF)
                let i = (y * width + x) * 3
                pixels[i] = v
                pixels[i + 1] = v / 2
                pixels[i + 2] = UInt8(truncatingIfNeeded: 30 + shade)
            }
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }
}
