import Foundation
import TestSupport
import Testing
@testable import Reports

/// The published score files `syncbench verify` reads: MoChaBench's CSV (through
/// ``MoChaBenchScoreCSV``), Wav2Lip's `all_scores.txt` with its file list, and the plain CSV;
/// detection of the format, and every kind of bad input (file, line, column and reason named).
@Suite("Reading published score files")
struct PublishedScoresTests {
    static func parse(_ text: String, format: PublishedScoreFormat? = nil, list: String? = nil) throws(ScoreCSVError) -> PublishedScores {
        try PublishedScores.parse(text, file: "scores", format: format, fileList: list.map { (name: "list.txt", text: $0) })
    }

    static func failure(_ text: String, format: PublishedScoreFormat? = nil, list: String? = nil) -> ScoreCSVError? {
        do { _ = try parse(text, format: format, list: list) } catch { return error }
        return nil
    }

    // MARK: Formats

    @Test("MoChaBench's sync_scores.csv: sample IDs, offsets lists, has_face False without scores")
    func mochabench() throws {
        let text = """
            idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s
            1,1p_emotion,1p_emotion\\1_man.mp4,1p_emotion\\1_man_speech.wav,[0],4.421421051025391,9.274812698364258,True,4.9
            2,1p_emotion,1p_emotion\\2_girl.mp4,x.wav,"[1, -2]",6.5,7.25,True,3.0
            3,1p_emotion,1p_emotion\\3_boy.mp4,y.wav,[],0.0,0.0,False,2.0

            """
        let scores = try Self.parse(text)
        #expect(scores.format == .mochabench && scores.hasOffsets)
        #expect(scores.rows.map(\.video) == ["1p_emotion/1_man", "1p_emotion/2_girl", "1p_emotion/3_boy"])
        #expect(scores.rows[0] == PublishedScore(video: "1p_emotion/1_man", line: nil, lseC: 4.421421051025391, lseD: 9.274812698364258, offsets: [0]))
        #expect(scores.rows[1].offsets == [1, -2] && scores.rows[1].isScored)
        #expect(!scores.rows[2].isScored && scores.rows[2].offsets == [] && scores.rows[2].lseC == nil)
    }

    @Test("the plain CSV: columns by name in any case and order, optional offset, both numbers empty for no score")
    func plainCSV() throws {
        let text = "\u{FEFF}LSE_D,video,note,lse_c,Offset\r\n8.25,a/b.mp4,\"x, y\",6.5,-1\r\n,c.mp4,,,\r\n7,\"d e.mp4\",,5,0"
        let scores = try Self.parse(text)
        #expect(scores.format == .csv && scores.hasOffsets)
        #expect(
            scores.rows == [
                PublishedScore(video: "a/b.mp4", line: 2, lseC: 6.5, lseD: 8.25, offsets: [-1]),
                PublishedScore(video: "c.mp4", line: 3, lseC: nil, lseD: nil, offsets: []),
                PublishedScore(video: "d e.mp4", line: 4, lseC: 5, lseD: 7, offsets: [0]),
            ])
        let withoutOffsets = try Self.parse("video,lse_c,lse_d\nv.mp4,1.5,9\n")
        #expect(withoutOffsets.rows == [PublishedScore(video: "v.mp4", line: 2, lseC: 1.5, lseD: 9, offsets: nil)] && !withoutOffsets.hasOffsets)
    }

    @Test("Wav2Lip's all_scores.txt: dist then conf per line, the file list names each line's video, repeated names are further tracks")
    func allScores() throws {
        // As calculate_scores_real_videos.py prints str(dist) + " " + str(conf) of float32 values.
        let scores = try Self.parse("7.0912576 6.5\n8.25 1e-05\r\n\n9.5 0.5\n", list: "a.mp4\nb.mp4\r\n\nb.mp4\n")
        #expect(scores.format == .allScores && scores.fileList == "list.txt" && !scores.hasOffsets)
        #expect(
            scores.rows == [
                PublishedScore(video: "a.mp4", line: 1, track: 0, lseC: 6.5, lseD: 7.0912576, offsets: nil),
                PublishedScore(video: "b.mp4", line: 2, track: 0, lseC: 1e-05, lseD: 8.25, offsets: nil),
                PublishedScore(video: "b.mp4", line: 4, track: 1, lseC: 0.5, lseD: 9.5, offsets: nil),
            ])
        #expect(scores.rows[2].label == "b.mp4 track 1")
    }

    @Test("detection: by the header, all_scores.txt by its file list, --format overrides")
    func detection() throws {
        #expect(try PublishedScores.detect("idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s\n", hasFileList: false) == .mochabench)
        #expect(try PublishedScores.detect("\n video , LSE_C,lse_d\n", hasFileList: false) == .csv)
        #expect(try PublishedScores.detect("7.1 6.5\n", hasFileList: true) == .allScores)
        // A MoChaBench file forced as the plain CSV lacks lse_c and lse_d.
        let forced = Self.failure("idx,category,video,offsets,best_conf,min_dist,has_face\n1,c,c/s.mp4,[0],6,8,True\n", format: .csv)
        #expect(forced == ScoreCSVError(file: "scores", line: 1, reason: "missing column(s) lse_c, lse_d; expected the header video,lse_c,lse_d[,offset]"))
    }

    @Test("ambiguous and unknown contents, and a file list with the wrong format, are errors that say what to do")
    func detectionFailures() {
        let wav2lip = Self.failure("7.0912576 6.5\n")
        #expect(wav2lip?.file == "scores" && wav2lip?.line == 1 && wav2lip?.reason.contains("give its file list with --file-list") == true)
        let both = Self.failure("idx,category,video,offsets,best_conf,min_dist,has_face,lse_c,lse_d\n")
        #expect(both?.reason == "the header has both MoChaBench's columns and lse_c, lse_d: choose one with --format")
        let unknown = Self.failure("name,score\nx,1\n")
        #expect(unknown?.line == 1 && unknown?.reason.hasPrefix("not a score file SyncBench knows") == true && unknown?.reason.contains("'name,score'") == true)
        #expect(Self.failure("   \n\n") == ScoreCSVError(file: "scores", reason: "the file is empty"))
        #expect(Self.failure("", format: .csv) == ScoreCSVError(file: "scores", reason: "the file is empty"))
        #expect(Self.failure("7.1 6.5\n", format: .allScores)?.reason.contains("--file-list") == true)
        #expect(Self.failure("video,lse_c,lse_d\nv,1,2\n", format: .csv, list: "v\n")?.file == "list.txt")
    }

    // MARK: Bad input

    @Test(
        "plain CSV rows: every bad value named by line and column",
        arguments: [
            ("v.mp4,six,8", 2, "lse_c", "expected a number, got 'six'"),
            ("v.mp4,6,nan", 2, "lse_d", "expected a finite number, got 'nan'"),
            ("v.mp4,inf,8", 2, "lse_c", "expected a finite number, got 'inf'"),
            ("v.mp4,,8", 2, "lse_c", "empty while lse_d is set (leave both empty for a video without a score)"),
            ("v.mp4,6,", 2, "lse_d", "empty while lse_c is set (leave both empty for a video without a score)"),
            (",6,8", 2, "video", "empty"),
        ] as [(String, Int, String, String)])
    func plainRows(row: String, line: Int, column: String, reason: String) {
        #expect(Self.failure("video,lse_c,lse_d\n" + row + "\n") == ScoreCSVError(file: "scores", line: line, column: column, reason: reason))
    }

    @Test(
        "plain CSV offsets and structure",
        arguments: [
            ("video,lse_c,lse_d,offset\nv.mp4,6,8,1.5\n", ScoreCSVError(file: "scores", line: 2, column: "offset", reason: "expected an integer number of frames, got '1.5'")),
            ("video,lse_c,lse_d,offset\nv.mp4,6,8,\n", ScoreCSVError(file: "scores", line: 2, column: "offset", reason: "empty, but the row has scores")),
            ("video,lse_c,lse_d,offset\nv.mp4,,,3\n", ScoreCSVError(file: "scores", line: 2, column: "offset", reason: "'3' on a row without scores")),
            ("video,lse_c,lse_d\nv.mp4,6,8,9\n", ScoreCSVError(file: "scores", line: 2, reason: "4 fields, but the header has 3")),
            ("video,lse_c,lse_d\nv.mp4,6\n", ScoreCSVError(file: "scores", line: 2, reason: "2 fields, but the header has 3")),
            ("video,lse_c,lse_d\nv.mp4,6,8\n\nv.mp4,7,9\n", ScoreCSVError(file: "scores", line: 4, column: "video", reason: "v.mp4 already appears on line 2")),
            ("video,lse_c,video,lse_d\n", ScoreCSVError(file: "scores", line: 1, column: "video", reason: "the header names this column twice")),
            ("video,lse_c,lse_d\n\"v.mp4,6,8\n", ScoreCSVError(file: "scores", line: 2, reason: "a quoted field opened on line 2 is never closed")),
        ] as [(String, ScoreCSVError)])
    func plainStructure(text: String, error: ScoreCSVError) {
        #expect(Self.failure(text, format: .csv) == error)
    }

    @Test(
        "all_scores.txt lines and file lists: bad numbers, wrong field counts, lengths that differ",
        arguments: [
            ("7.1 6.5\n7.2\n", "a\nb\n", ScoreCSVError(file: "scores", line: 2, reason: "expected two numbers 'dist conf', got 1 field(s): '7.2'")),
            ("7.1 6.5 1\n", "a\n", ScoreCSVError(file: "scores", line: 1, reason: "expected two numbers 'dist conf', got 3 field(s): '7.1 6.5 1'")),
            ("7.1 6.5\nx 6\n", "a\nb\n", ScoreCSVError(file: "scores", line: 2, column: "dist", reason: "expected a number, got 'x'")),
            ("7.1 nan\n", "a\n", ScoreCSVError(file: "scores", line: 1, column: "conf", reason: "expected a finite number, got 'nan'")),
            ("7.1 -inf\n", "a\n", ScoreCSVError(file: "scores", line: 1, column: "conf", reason: "expected a finite number, got '-inf'")),
            ("\n\n", "a\n", ScoreCSVError(file: "scores", reason: "the file is empty")),
            ("7.1 6.5\n", "\n \n", ScoreCSVError(file: "list.txt", reason: "the file list is empty (no video named)")),
        ] as [(String, String, ScoreCSVError)])
    func allScoresErrors(scores: String, list: String, error: ScoreCSVError) {
        #expect(Self.failure(scores, format: .allScores, list: list) == error)
    }

    @Test("a file list shorter or longer than the score lines is refused with the reason (one line per track)")
    func allScoresLengths() {
        let short = Self.failure("7.1 6.5\n8 2\n9 1\n", list: "a.mp4\nb.mp4\n")
        #expect(short?.file == "list.txt")
        #expect(short?.reason.hasPrefix("names 2 video(s) but scores has 3 score line(s): Wav2Lip writes one line per face track") == true)
        #expect(Self.failure("7.1 6.5\n", list: "a\nb\n")?.reason.hasPrefix("names 2 video(s) but scores has 1 score line(s)") == true)
    }

    @Test("MoChaBench rows keep the MoChaBench reader's errors, with the file named")
    func mochabenchErrors() {
        let text = "idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s\n1,c,c/s.mp4,s.wav,[0],6.0,NaN,True,1.0\n"
        #expect(Self.failure(text) == ScoreCSVError(file: "scores", line: 2, column: "min_dist", reason: "has_face is True but min_dist is NaN"))
    }

    @Test("seeded fuzz: valid files with random damage either parse to finite numbers or fail with the file, a line in range and a reason")
    func fuzz() {
        var generator = Reports.SplitMix64(seed: 12)
        func pick<T>(_ values: [T]) -> T { values[Int(generator.next() % UInt64(values.count))] }
        let damage = [",", "\n", "\r\n", "\"", " ", "x", "nan", "inf", "-", ".", "[", "]", "\u{FEFF}", "é", "1e400", "True"]
        var parsed = 0, failed = 0
        for round in 0..<3000 {
            let format: PublishedScoreFormat = [.mochabench, .csv, .allScores][round % 3]
            let rows = Int(generator.next() % 4)
            var text: String, list: String? = nil
            switch format {
            case .mochabench:
                text = "idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s\n"
                for i in 0..<rows {
                    text += pick(["\(i),c,c\\s\(i).mp4,a.wav,[0],6.5,8.25,True,1.0\n", "\(i),c,c/s\(i).mp4,a.wav,\"[1, -2]\",5,9,True,2\n", "\(i),c,c/s\(i).mp4,a.wav,[],0.0,0.0,False,1\n"])
                }
            case .csv:
                text = pick(["video,lse_c,lse_d\n", "video,lse_c,lse_d,offset\n"])
                let offset = text.contains("offset")
                for i in 0..<rows { text += pick(["v\(i).mp4,6.5,8.25", "\"v \(i).mp4\",,"]) + (offset ? pick([",0", ","]) : "") + "\n" }
            case .allScores:
                text = ""
                for _ in 0..<max(rows, 1) { text += pick(["7.0912576 6.5\n", "8.25 1e-05\n"]) }
                list = String(repeating: "v.mp4\n", count: max(rows, 1))
            }
            for _ in 0..<pick([0, 0, 1, 1, 2, 3]) where !text.isEmpty {
                let at = text.index(text.startIndex, offsetBy: Int(generator.next() % UInt64(text.count)))
                if generator.next() % 3 == 0 { text.remove(at: at) } else { text.insert(contentsOf: pick(damage), at: at) }
            }
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { (c: Character) in c.isNewline }).count
            do throws(ScoreCSVError) {
                let scores = try Self.parse(text, format: round % 2 == 0 ? format : nil, list: list)
                parsed += 1
                #expect(scores.rows.allSatisfy { ($0.lseC?.isFinite ?? true) && ($0.lseD?.isFinite ?? true) }, "\(text.debugDescription)")
                #expect(scores.rows.count <= lines, "\(text.debugDescription)")
            } catch {
                failed += 1
                #expect(error.file == "scores" || error.file == "list.txt", "\(text.debugDescription): \(error)")
                #expect(error.line.map { (1...max(lines, 1)).contains($0) } ?? true, "\(text.debugDescription): \(error)")
                #expect(!error.reason.isEmpty)
            }
        }
        // Both outcomes are exercised (not a fuzz that only ever fails on the first byte).
        #expect(parsed > 500 && failed > 500, "parsed \(parsed), failed \(failed)")
    }

    @Test("read(path:) names the file it cannot read, and reads files from disk")
    func reading() throws {
        let directory = try ScratchDirectory.make("published")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.csv").path
        #expect(throws: ScoreCSVError(file: missing, reason: "cannot read the file: no such file")) {
            try PublishedScores.read(path: missing, format: nil, fileList: nil)
        }
        let binary = directory.appendingPathComponent("binary.csv")
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: binary)
        #expect(throws: ScoreCSVError(file: binary.path, reason: "not UTF-8 text")) { try PublishedScores.read(path: binary.path, format: nil, fileList: nil) }
        let scores = directory.appendingPathComponent("all_scores.txt"), list = directory.appendingPathComponent("list.txt")
        try Data("7.5 3.25\n".utf8).write(to: scores)
        try Data("clip.mp4\n".utf8).write(to: list)
        let read = try PublishedScores.read(path: scores.path, format: nil, fileList: list.path)
        #expect(read.rows == [PublishedScore(video: "clip.mp4", line: 1, track: 0, lseC: 3.25, lseD: 7.5, offsets: nil)] && read.fileList == list.path)
    }
}
