import Foundation
import Testing
@testable import Reports

@Suite("Reading MoChaBench sync_scores.csv")
struct MoChaBenchScoreCSVTests {
    static let header = "idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s"

    @Test("rows as the reference writes them: Windows paths, quoted offset lists, has_face False")
    func wellFormed() throws {
        let text = [
            Self.header,
            #"1,1p_emotion,1p_emotion\1_man_guitar.mp4,1p_emotion\1_man_guitar_speech.wav,[0],4.421421051025391,9.274812698364258,True,4.93"#,
            #"4,1p_camera_movement,1p_camera_movement\4_man_skateboarding.mp4,x.wav,[],0.0,0.0,False,2.7"#,
            #"3,2p_2clip_2talk,2p_2clip_2talk/3_woman_man.mp4,y.wav,"[-3, -3]",3.5,9.0,True,8.96"#,
            #"13,1p_emotion,1p_emotion\13_woman.mp4,z.wav,"[2, 1, 0]",5.5,9.25,True,7.49"#,
        ].joined(separator: "\r\n") + "\r\n"
        let scores = try MoChaBenchScoreCSV.parse(text, model: "MoCha")
        #expect(scores.map(\.sampleID) == ["1p_emotion/1_man_guitar", "1p_camera_movement/4_man_skateboarding", "2p_2clip_2talk/3_woman_man", "1p_emotion/13_woman"])
        #expect(scores.map(\.status) == [.ok, .noFace, .ok, .ok])
        #expect(scores[0].lseC == 4.421421051025391 && scores[0].lseD == 9.274812698364258 && scores[0].trackOffsets == [0])
        #expect(scores[1].lseC == nil && scores[1].lseD == nil && scores[1].trackOffsets.isEmpty)
        #expect(scores[2].trackOffsets == [-3, -3] && scores[2].offsetInFrames == -3)
        #expect(scores[3].trackOffsets == [2, 1, 0] && scores[3].offsetInFrames == nil)
        #expect(scores.allSatisfy { $0.model == "MoCha" })
    }

    @Test("columns are found by name; a byte-order mark and a missing final newline are fine")
    func columnOrder() throws {
        let text = "\u{FEFF}has_face,offsets,min_dist,best_conf,video,category,idx,extra\nTrue,[1],8.0,6.0,c/s.mp4,c,1,\"a, \"\"quoted\"\" note\""
        let scores = try MoChaBenchScoreCSV.parse(text, model: "M")
        #expect(scores == [SampleScore(model: "M", sampleID: "c/s", category: "c", status: .ok, lseC: 6, lseD: 8, trackOffsets: [1])])
    }

    static let goodRow = "1,c,c/s.mp4,s.wav,[0],6.0,8.0,True,1.0"

    @Test("malformed values are reported with their line and column", arguments: [
        ("1,c,c/s.mp4,s.wav,[0],6.0,8.0,Yes,1.0", 2, "has_face", "expected True or False, got 'Yes'"),
        ("1,c,c/s.mp4,s.wav,[0; 1],6.0,8.0,True,1.0", 2, "offsets", "list element '0; 1' of '[0; 1]' is not an integer"),
        ("1,c,c/s.mp4,s.wav,0,6.0,8.0,True,1.0", 2, "offsets", "expected a list like [0] or [0, 15], got '0'"),
        ("1,c,c/s.mp4,s.wav,[0],six,8.0,True,1.0", 2, "best_conf", "expected a number, got 'six'"),
        ("1,c,c/s.mp4,s.wav,[0],6.0,nan,True,1.0", 2, "min_dist", "has_face is True but min_dist is nan"),
        ("x,c,c/s.mp4,s.wav,[0],6.0,8.0,True,1.0", 2, "idx", "expected an integer, got 'x'"),
        ("1,c,c/s.mp4,s.wav,[],6.0,8.0,True,1.0", 2, "offsets", "has_face is True but no track offset is given ([])"),
        ("1,c,c/s.mp4,s.wav,[0],0.0,0.0,False,1.0", 2, "offsets", "has_face is False but the offsets are [0], not []"),
        ("1,c,d\\s.mp4,s.wav,[0],6.0,8.0,True,1.0", 2, "video", "expected <category>/<context_id>.mp4 with the row's category 'c', got 'd\\s.mp4'"),
        ("1,,c/s.mp4,s.wav,[0],6.0,8.0,True,1.0", 2, "category", "empty"),
    ] as [(String, Int, String, String)])
    func malformed(row: String, line: Int, column: String, reason: String) {
        let text = Self.header + "\n" + row + "\n"
        #expect(throws: ScoreCSVError(line: line, column: column, reason: reason)) { try MoChaBenchScoreCSV.parse(text, model: "M") }
    }

    @Test("structural errors: missing columns, short rows, unclosed quotes, stray quotes, duplicates, empty file")
    func structure() {
        func failure(_ text: String) -> ScoreCSVError? {
            do { _ = try MoChaBenchScoreCSV.parse(text, model: "M") } catch { return error }
            return nil
        }
        #expect(failure("idx,category,video\n1,c,c/s.mp4\n")?.reason.hasPrefix("missing column(s) offsets, best_conf, min_dist, has_face") == true)
        #expect(failure(Self.header + "\n" + Self.goodRow + "\n1,c,c/t.mp4,s.wav\n") == ScoreCSVError(line: 3, reason: "4 fields, but the header has 9"))
        #expect(failure(Self.header + "\n\n" + "1,c,c/s.mp4,s.wav,\"[0, 1],6.0,8.0,True,1.0\n")
            == ScoreCSVError(line: 3, reason: "a quoted field opened on line 3 is never closed"))
        #expect(failure(Self.header + "\n1,c,c/s.mp4,s.wav,\"[0]\"x,6.0,8.0,True,1.0\n")?.line == 2)
        #expect(failure(Self.header + "\n1,c,c/s.mp4,s\"wav,[0],6.0,8.0,True,1.0\n")?.reason.hasPrefix("a quote inside an unquoted field") == true)
        #expect(failure(Self.header + "\n" + Self.goodRow + "\n" + Self.goodRow + "\n")
            == ScoreCSVError(line: 3, column: "video", reason: "sample c/s already appears on line 2"))
        #expect(failure("") == ScoreCSVError(reason: "the file is empty (no header line)"))
        #expect(ScoreCSVError(file: "f.csv", line: 3, column: "video", reason: "bad").description == "f.csv, line 3, column video: bad")
    }

    @Test("a file that cannot be read is named in the error")
    func unreadable() {
        let url = URL(fileURLWithPath: "/nonexistent/sync_scores.csv")
        let error = #expect(throws: ScoreCSVError.self) { try MoChaBenchScoreCSV.read(url, model: "M") }
        #expect(error?.file == url.path && error?.line == nil)
    }
}
