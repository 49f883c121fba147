import Foundation
import Store
import Testing
import TestSupport

@testable import Benchmark

@Suite("Suite layouts: MoChaBench checkouts and plain folders")
struct SuiteLayoutTests {
    func touch(_ url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: url)
    }

    @Test("A MoChaBench checkout gives one input per benchmark.csv row with its speech, video and boxes paths")
    func mochabench() throws {
        let root = try BenchmarkFixtures.temporaryDirectory()
        try touch(root.appendingPathComponent("benchmark/benchmark.csv"))
        try Data("idx_in_category,category,context_id,prompt\n1, 1p_emotion ,a_man,\"\"\"Hi, there\"\"\"\n2,1p_emotion,b_woman,x\n1,2p_2clip_2talk,c_pair,y\n".utf8)
            .write(to: root.appendingPathComponent("benchmark/benchmark.csv"))
        try FileManager.default.createDirectory(at: root.appendingPathComponent("gen"), withIntermediateDirectories: true)
        let specs = try MoChaBenchLayout(root: root, videos: "gen", boxes: root.appendingPathComponent("boxes")).inputs(model: "M")
        #expect(specs.map(\.sampleID) == ["1p_emotion/a_man", "1p_emotion/b_woman", "2p_2clip_2talk/c_pair"])
        #expect(specs.map(\.index) == [1, 2, 1])
        #expect(specs[0].category == "1p_emotion" && specs[0].prompt == "\"Hi, there\"")
        #expect(specs[0].videoPath == root.appendingPathComponent("gen/1p_emotion/a_man.mp4").path)
        #expect(specs[0].speechPath == root.appendingPathComponent("benchmark/speeches/1p_emotion/a_man_speech.wav").path)
        #expect(specs[2].boxesPath == root.appendingPathComponent("boxes/2p_2clip_2talk/c_pair.json").path)
        // Videos no row names are reported, listed ones are not.
        try touch(root.appendingPathComponent("gen/1p_emotion/a_man.mp4"))
        try touch(root.appendingPathComponent("gen/1p_emotion/a_mna.mp4"))
        try touch(root.appendingPathComponent("gen/1p_emotoin/b_woman.mp4"))
        let layout = MoChaBenchLayout(root: root, videos: "gen")
        #expect(layout.unlistedVideos(besides: try layout.inputs(model: "M")) == ["1p_emotion/a_mna.mp4", "1p_emotoin/b_woman.mp4"])
    }

    @Test("A malformed benchmark.csv is an error naming the file and line")
    func malformed() throws {
        let root = try BenchmarkFixtures.temporaryDirectory()
        let csv = root.appendingPathComponent("benchmark/benchmark.csv")
        try touch(csv)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("mocha-generation"), withIntermediateDirectories: true)
        let layout = MoChaBenchLayout(root: root)
        try Data("idx,category,context_id\n".utf8).write(to: csv)
        #expect(throws: SuiteLayoutError.self) { try layout.inputs(model: "M") }
        try Data("idx_in_category,category,context_id\nx,c,a\n".utf8).write(to: csv)
        #expect(throws: SuiteLayoutError(path: csv.path, line: 2, reason: "idx_in_category is not an integer")) { try layout.inputs(model: "M") }
        try Data("idx_in_category,category,context_id\n1,c,a\n2,c,a\n".utf8).write(to: csv)
        #expect(throws: SuiteLayoutError(path: csv.path, line: 3, reason: "sample c/a is listed twice")) { try layout.inputs(model: "M") }
        #expect(throws: SuiteLayoutError.self) { try MoChaBenchLayout(root: root.appendingPathComponent("nowhere")).inputs(model: "M") }
    }

    @Test("The shared mochabench-mini checkout: 16 samples in 8 categories, every video, speech and boxes file present",
          .enabled(if: SharedData.has("mochabench-mini/benchmark/benchmark.csv"), "needs ../shared/data (shared test clips, not part of the repository)"))
    func mochabenchMini() throws {
        let root = BenchmarkFixtures.sharedData.appendingPathComponent("mochabench-mini")
        let specs = try MoChaBenchLayout(root: root, boxes: BenchmarkFixtures.sharedData.appendingPathComponent("boxes/mochabench-mini")).inputs(model: "MoCha")
        #expect(specs.count == 16)
        #expect(Set(specs.map(\.category)).count == 8)
        for spec in specs {
            for path in [spec.videoPath, spec.speechPath!, spec.boxesPath!] { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
        }
    }

    @Test("A folder: every video is a sample named by its relative path, sub-folders are categories, speech found by name")
    func folder() throws {
        let root = try BenchmarkFixtures.temporaryDirectory()
        let model = root.appendingPathComponent("modelA")
        for name in ["02.mp4", "01.MOV", "street/03.mkv", "notes.txt", ".hidden.mp4"] { try touch(model.appendingPathComponent(name)) }
        let speech = root.appendingPathComponent("speech")
        try touch(speech.appendingPathComponent("01_speech.wav"))
        try touch(speech.appendingPathComponent("street/03.flac"))
        let specs = try FolderLayout(folder: model, speech: speech).inputs(model: "A")
        #expect(specs.map(\.sampleID) == ["01", "02", "street/03"])
        #expect(specs.map(\.category) == ["all", "all", "street"])
        #expect(specs.map(\.index) == [1, 2, 1])
        #expect(specs[0].speechPath?.hasSuffix("speech/01_speech.wav") == true)
        #expect(specs[1].speechPath?.hasSuffix("speech/02.wav") == true)  // missing: recorded as such at registration
        #expect(specs[2].speechPath?.hasSuffix("speech/street/03.flac") == true)
        #expect(try FolderLayout(folder: model).inputs(model: "A").allSatisfy { $0.speechPath == nil && $0.boxesPath == nil })
    }

    @Test("A folder with names of one character, unicode, spaces, dots and deep folders: ids, categories and paths follow the names")
    func folderNames() throws {
        let root = try BenchmarkFixtures.temporaryDirectory()
        let model = root.appendingPathComponent("model")
        let names = ["1.mp4", "a.mp4", "é.mp4", "é clip.mp4", "a.b.c.mp4", ".hidden.mp4", "x y/z.mp4", "a/b/c/d/1.mp4", "d/1.mkv", "v1.2/3.mov"]
        for name in names { try touch(model.appendingPathComponent(name)) }
        let speech = root.appendingPathComponent("speech"), boxes = root.appendingPathComponent("boxes")
        try touch(speech.appendingPathComponent("é clip_speech.wav"))
        try touch(speech.appendingPathComponent("a/b/c/d/1.flac"))
        try FileManager.default.createDirectory(at: boxes, withIntermediateDirectories: true)
        let specs = try FolderLayout(folder: model, speech: speech, boxes: boxes).inputs(model: "M")
        let byID = Dictionary(uniqueKeysWithValues: specs.map { ($0.sampleID, $0) })
        #expect(Set(byID.keys) == ["1", "a", "é", "é clip", "a.b.c", "x y/z", "a/b/c/d/1", "d/1", "v1.2/3"], "the hidden file is skipped")
        let categories = byID.mapValues(\.category)
        #expect(categories == [
            "1": "all", "a": "all", "é": "all", "é clip": "all", "a.b.c": "all", "x y/z": "x y", "a/b/c/d/1": "a/b/c/d", "d/1": "d", "v1.2/3": "v1.2",
        ])
        for spec in specs {
            #expect(FileManager.default.fileExists(atPath: spec.videoPath), "\(spec.videoPath)")
            #expect(spec.boxesPath == boxes.path + "/" + spec.sampleID + ".json")
        }
        #expect(byID["é clip"]?.speechPath == speech.path + "/é clip_speech.wav")
        #expect(byID["a/b/c/d/1"]?.speechPath == speech.path + "/a/b/c/d/1.flac")
        #expect(byID["1"]?.speechPath == speech.path + "/1.wav", "missing: the .wav path is recorded")
        #expect(byID["a/b/c/d/1"]?.index == 1 && byID["d/1"]?.index == 1)
        #expect(specs.filter { $0.category == "all" }.map(\.index).sorted() == [1, 2, 3, 4, 5])
    }

    @Test("A folder without videos, two videos of one name, or a missing speech folder are errors")
    func folderErrors() throws {
        let root = try BenchmarkFixtures.temporaryDirectory()
        try touch(root.appendingPathComponent("empty/readme.txt"))
        #expect(throws: SuiteLayoutError.self) { try FolderLayout(folder: root.appendingPathComponent("empty")).inputs(model: "A") }
        try touch(root.appendingPathComponent("twice/07.mp4"))
        try touch(root.appendingPathComponent("twice/07.avi"))
        #expect(throws: SuiteLayoutError.self) { try FolderLayout(folder: root.appendingPathComponent("twice")).inputs(model: "A") }
        #expect(throws: SuiteLayoutError.self) {
            try FolderLayout(folder: root.appendingPathComponent("twice"), speech: root.appendingPathComponent("none")).inputs(model: "A")
        }
    }
}
