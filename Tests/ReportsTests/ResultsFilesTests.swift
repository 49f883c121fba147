import Foundation
import Testing
@testable import Reports

@Suite("results.csv and results.json")
struct ResultsFilesTests {
    @Test("results.csv of each model reads back through MoChaBenchScoreCSV with the same statuses, scores and offsets")
    func roundTrip() throws {
        let report = try ReportFixture.report()
        for model in report.models {
            let rows = ResultsFiles.rows(of: report).filter { $0.model == model }
            let scores = try MoChaBenchScoreCSV.parse(ResultsFiles.csv(rows), model: model)
            let expected = report.samples.map(\.score).filter { $0.model == model }
            #expect(scores.map(\.sampleID) == expected.map(\.sampleID))
            #expect(scores.map(\.status) == expected.map(\.status))
            #expect(scores.map(\.lseC) == expected.map(\.lseC) && scores.map(\.lseD) == expected.map(\.lseD))
            #expect(scores.map(\.trackOffsets) == expected.map(\.trackOffsets))
        }
    }

    @Test("the written file has the MoChaBench columns first, empty scores for unscored samples, per-track lists")
    func columns() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let lines = try ReportFixture.text(directory, "results.csv").split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s,model,status,message,profile"))
        #expect(lines.count == 15)
        #expect(lines[1].hasPrefix("1,1p_emotion,1p_emotion/1_a.mp4,1p_emotion/1_a_speech.wav,[0],6.5,7.25,True,2.50,alpha,ok,,mochabench,1p_emotion/1_a,"))
        #expect(lines[2].contains(#","[1, -3]",5.75,8.0,True,"#) && lines[2].contains(#","[0, 1]","[[0, 39], [50, 89]]","['ok', 'ok']","[1, -3]","[4.0, 5.75]","[8.5, 8.0]",5.75,8.0,mochabench: the best confidence and the smallest distance,1,"#))
        #expect(lines[3].hasPrefix("3,1p_emotion,1p_emotion/3_c.mp4,1p_emotion/3_c_speech.wav,[],,,False,2.50,alpha,no_face,no face detected in 75 frames,"))
        #expect(lines[4].contains(",[0],4.5,8.75,True,2.50,alpha,ok,,mochabench,2p_2clip_2talk/1_d,/bench/alpha/2p_2clip_2talk/1_d.mp4,,,"))
        let decodeError = try #require(lines.first { $0.contains("decode_error") && $0.contains("beta") })
        #expect(decodeError.contains(#","cannot open ""2_e.mp4"": <Invalid data> & more","#))
    }

    @Test("results.json: provenance and one object per row with every key, null where there is no value")
    func json() throws {
        let (directory, _) = try ReportFixture.writeReport()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try Data(contentsOf: directory.appendingPathComponent("results.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let provenance = try #require(object["provenance"] as? [String: Any])
        let digest = try ReportFixture.report().databaseDigest
        #expect(provenance["databaseDigest"] as? String == digest)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 14)
        let keys = Set(ResultsFiles.columns.filter { !$0.hasPrefix("track_") } + ["tracks"])
        for row in results { #expect(Set(row.keys) == keys) }
        #expect(results[2]["best_conf"] is NSNull && results[2]["status"] as? String == "no_face")
        #expect((results[1]["tracks"] as? [[String: Any]])?.count == 2)
    }

    @Test("MoChaBenchScoreCSV rejects a status column that contradicts has_face")
    func contradictoryStatus() {
        let header = "idx,category,video,audio,offsets,best_conf,min_dist,has_face,runtime_s,status\n"
        #expect(throws: ScoreCSVError(line: 2, column: "status", reason: "has_face is False but the status is ok")) {
            try MoChaBenchScoreCSV.parse(header + "1,c,c/s.mp4,,[],,,False,1.0,ok\n", model: "M")
        }
        #expect(throws: ScoreCSVError(line: 2, column: "status", reason: "has_face is True but the status is 'no_face', not ok")) {
            try MoChaBenchScoreCSV.parse(header + "1,c,c/s.mp4,,[0],6.0,8.0,True,1.0,no_face\n", model: "M")
        }
        #expect(throws: ScoreCSVError(line: 2, column: "best_conf", reason: "expected a number, got 'x'")) {
            try MoChaBenchScoreCSV.parse(header + "1,c,c/s.mp4,,[],x,,False,1.0,no_face\n", model: "M")
        }
    }
}
