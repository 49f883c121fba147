import Foundation
import TestSupport
import Testing

@testable import syncbench

// Files are written atomically (a temporary file renamed over the path), which replaces whatever
// the path names. These tests check that the commands refuse paths naming a folder, a pipe or
// nothing at all, and leave them as they were. Every case that could write runs in a scratch
// folder (the binary's working folder too), never beside the repository.
@Suite("output paths: only a regular file is replaced", .timeLimit(.minutes(5)))
struct OutputPathCommandTests {
    /// A scratch folder holding `folder/kept.txt` and a named pipe `pipe`.
    struct Scratch {
        let root: URL
        var folder: String { root.appendingPathComponent("folder").path }
        var kept: String { root.appendingPathComponent("folder/kept.txt").path }
        var pipe: String { root.appendingPathComponent("pipe").path }

        init() throws {
            root = try ScratchDirectory.make("output-paths")
            try FileManager.default.createDirectory(atPath: root.appendingPathComponent("folder").path, withIntermediateDirectories: true)
            try Data("kept".utf8).write(to: URL(fileURLWithPath: root.appendingPathComponent("folder/kept.txt").path))
            try #require(mkfifo(root.appendingPathComponent("pipe").path, 0o600) == 0)
        }

        /// Runs the binary with this folder as its working folder.
        func run(_ arguments: [String]) throws -> SyncBenchBinary.Output {
            try SyncBenchBinary.runProgram(
                "/bin/sh", ["-c", "cd \"$1\" && shift && exec \"$@\"", "sh", root.path, SyncBenchBinary.url.path] + arguments)
        }

        /// Whether the folder, its file and the pipe are still what they were.
        func untouched() -> Bool {
            OutputPath.kind(of: folder) == .folder && (try? String(contentsOfFile: kept, encoding: .utf8)) == "kept"
                && OutputPath.kind(of: pipe) == .special && OutputPath.kind(of: root.path) == .folder
        }
    }

    @Test(
        "media decode refuses a folder, a pipe and an empty path for each of its .npy outputs, and still replaces a regular file",
        .enabled(if: SharedData.has("example.avi"), "needs ../shared/data/example.avi"))
    func mediaDecode() throws {
        let scratch = try Scratch()
        let clip = SharedData.url("example.avi")
        for option in ["--frames", "--audio-out", "--mfcc"] {
            for (path, reason) in [(scratch.folder, "is a folder"), (scratch.pipe, "device, pipe or socket"), ("", "the path is empty")] {
                let result = try scratch.run(["media", "decode", clip.path, "--max-frames", "1", option, path])
                #expect(result.status == 64 && result.stderr.contains("\(option): ") && result.stderr.contains(reason), "\(option) '\(path)': \(result.stderr)")
                #expect(scratch.untouched(), "\(option) '\(path)' changed the scratch folder")
            }
        }
        // A regular file is replaced, as before.
        let npy = scratch.root.appendingPathComponent("frames.npy").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: npy))
        let written = try scratch.run(["media", "decode", clip.path, "--max-frames", "1", "--frames", npy])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(FileManager.default.contents(atPath: npy)?.prefix(6) == Data([0x93]) + Data("NUMPY".utf8))
    }

    @Test("query export --out, verify --plot, report --out and --db refuse what they would replace or misread")
    func otherOutputs() throws {
        let scratch = try Scratch()
        let database = scratch.root.appendingPathComponent("cache.sqlite").path
        let npyFolder = scratch.root.appendingPathComponent("export.npy").path
        try FileManager.default.createDirectory(atPath: npyFolder, withIntermediateDirectories: true)
        let cases: [([String], String)] = [
            (["query", "export", "missing.avi", "--artifact", "crops", "--track", "0", "--out", npyFolder, "--db", database], "is a folder"),
            (["query", "export", "missing.avi", "--artifact", "crops", "--track", "0", "--out", "", "--db", database], "not ''"),
            (["verify", "scores.csv", "--plot", scratch.pipe, "--db", database], "device, pipe or socket"),
            (["verify", "scores.csv", "--plot", scratch.folder, "--db", database], "is a folder"),
            (["report", "--out", "", "--db", database], "the path is empty"),
            (["report", "--out", scratch.kept, "--db", database], "is not a folder"),
            (["report", "--out", scratch.pipe, "--db", database], "is not a folder"),
            (["cache", "stats", "--db", ""], "--db: the path is empty"),
            (["weights", "standin", scratch.kept], "is not a folder"),
            (["weights", "standin", scratch.pipe], "is not a folder"),
            (["weights", "standin", ""], "the weights folder's path is empty"),
            (["weights", "fetch", scratch.kept, "--from", "file:///nowhere"], "is not a folder"),
            (["weights", "info", "--weights", ""], "--weights: the path is empty"),
        ]
        for (arguments, reason) in cases {
            let result = try scratch.run(arguments)
            #expect(result.status == 64 && result.stderr.contains(reason), "\(arguments): \(result.status) \(result.stderr)")
            #expect(scratch.untouched() && OutputPath.kind(of: npyFolder) == .folder, "\(arguments) changed the scratch folder")
        }
        #expect(OutputPath.kind(of: database) == .nothing, "a refused command opened the database")
    }

    @Test("OutputPath.kind tells nothing, files, folders and special files apart, following links")
    func kinds() throws {
        let scratch = try Scratch()
        let link = scratch.root.appendingPathComponent("link").path, dangling = scratch.root.appendingPathComponent("dangling").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: scratch.pipe)
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: scratch.root.appendingPathComponent("none").path)
        #expect(OutputPath.kind(of: scratch.kept) == .regularFile)
        #expect(OutputPath.kind(of: scratch.folder) == .folder)
        #expect(OutputPath.kind(of: scratch.pipe) == .special && OutputPath.kind(of: link) == .special)
        #expect(OutputPath.kind(of: dangling) == .nothing && OutputPath.kind(of: scratch.root.appendingPathComponent("none").path) == .nothing)
        #expect(throws: (any Error).self) { try OutputPath.checkFile(link, option: "--x") }
        #expect(throws: Never.self) { try OutputPath.checkFile(dangling, option: "--x") }
        #expect(throws: Never.self) { try OutputPath.checkFolder(scratch.folder, option: "--x") }
    }
}
