import Foundation
import TestSupport

/// Paths and tools the Media tests rely on, with the reasons they may be missing.
enum TestEnvironment {
    /// The package root (two levels above this file's folder).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared/data` beside the checkout: real clips, absent on a user's fresh clone.
    static let sharedData = SharedData.root
    static let sharedDataMissing = "../shared/data is absent (real clips are not part of the repository): skipped"

    /// The `ffmpeg` command-line tool, used only by tests to reproduce the reference's own steps.
    static let ffmpeg: String? = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let ffmpegMissing = "the ffmpeg command-line tool is not installed (apt-get install ffmpeg): skipped"

    /// Every video clip in the shared data, sorted.
    static func sharedClips() -> [URL] {
        guard SharedData.has("example.avi") else { return [] }
        var clips = [sharedData.appendingPathComponent("example.avi")]
        for folder in ["four-models", "mochabench-mini/mocha-generation"] {
            let root = sharedData.appendingPathComponent(folder)
            let items = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            clips += items.filter { $0.pathExtension == "mp4" }.sorted { $0.path < $1.path }
        }
        return clips
    }

    /// Every speech file in the shared data.
    static func sharedSpeech() -> [URL] {
        guard SharedData.has("example.avi") else { return [] }
        let root = sharedData.appendingPathComponent("mochabench-mini/benchmark/speeches")
        let items = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        return [sharedData.appendingPathComponent("example_speech.wav")] + items.filter { $0.pathExtension == "wav" }.sorted { $0.path < $1.path }
    }

    /// A fresh temporary directory, removed by the caller's `defer`.
    static func temporaryDirectory() throws -> URL {
        let url = try ScratchDirectory.make("media")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
