import Benchmark
import Foundation
import GRDB
import Media
import Models
import Pipeline
@testable import Store
import TestSupport
import Testing

@testable import Reports

/// ``BenchmarkReport/load(from:suite:profile:clean:toolVersion:generatedAt:thumbnails:thumbnailSize:)``
/// on a database filled by a real benchmark run (synthetic clips with boxes, stand-in weights).
@Suite("Reports read from the database", .serialized, .timeLimit(.minutes(5)))
struct BenchmarkReportLoadTests {
    @Test("Every model x sample is a row: scored ones with tracks, framewise confidence and thumbnails; others with their status and reason")
    func load() throws {
        let folder = try ScratchDirectory.make("report")
        let weights = folder.appendingPathComponent("weights")
        try FileManager.default.createDirectory(at: weights, withIntermediateDirectories: true)
        let directory = WeightsDirectory(url: weights)
        for file in WeightsFile.allCases {
            try LegacyCheckpointWriter.data(for: file.standInStateDict()).write(to: URL(fileURLWithPath: directory.path(of: file)))
        }
        let store = try Store.open(at: folder.appendingPathComponent("bench.sqlite"))
        try store.registerSuite(name: "s", kind: .folder, root: folder.path)
        func add(_ model: String, clips: [String], damaged: [String] = []) throws {
            let videos = folder.appendingPathComponent(model), boxes = folder.appendingPathComponent("boxes-\(model)")
            try FileManager.default.createDirectory(at: videos, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: boxes, withIntermediateDirectories: true)
            for (i, clip) in clips.enumerated() {
                try ScorableClip.write(to: videos.appendingPathComponent("\(clip).mkv"), boxes: boxes.appendingPathComponent("\(clip).json"), shade: 30 * i + model.count)
            }
            for clip in damaged {
                try Data(repeating: 1, count: 3000).write(to: videos.appendingPathComponent("\(clip).mp4"))
                try Data("[]".utf8).write(to: boxes.appendingPathComponent("\(clip).json"))
            }
            try store.registerModel(model, suite: "s", videoRoot: videos.path)
            for spec in try FolderLayout(folder: videos, boxes: boxes).inputs(model: model) { _ = try store.register(spec, suite: "s") }
        }
        try add("A", clips: ["01"], damaged: ["02"])
        try add("B", clips: ["01"])
        let settings = EvaluationSettings(profile: .mochabench, clean: false)
        let runner = BenchmarkRunner(evaluator: ClipEvaluator(store: store, weights: directory, settings: settings, syncbench: "9.9 (test)"))
        _ = try runner.run(suite: "s")
        try add("C", clips: ["01"])  // registered, not run

        func load() throws -> BenchmarkReport {
            try BenchmarkReport.load(from: store, suite: "s", profile: "mochabench", clean: false, toolVersion: "9.9", generatedAt: "2026-01-01T00:00:00Z")
        }
        let report = try load()
        #expect(report.models == ["A", "B", "C"] && report.suiteKind == "folder" && report.toolVersion == "9.9")
        #expect(
            report.samples.map { "\($0.score.model)/\($0.score.sampleID)=\($0.score.status)" } == [
                "A/01=ok", "A/02=decode_error", "B/01=ok", "B/02=missing", "C/01=missing", "C/02=missing",
            ])
        let scored = report.samples[0]
        let evaluation = try #require(try store.evaluations().first { $0.videoPath == scored.videoPath })
        #expect(scored.score.lseC == evaluation.bestConfidence.map(Double.init) && scored.score.lseD == evaluation.minDistance.map(Double.init))
        #expect(scored.score.trackOffsets == evaluation.tracks.compactMap(\.offset) && scored.score.bestTrack == 0)
        #expect(scored.tracks.count == evaluation.tracks.count && scored.tracks[0].framewiseConfidence.count == evaluation.tracks[0].windows)
        #expect(scored.runtimeSeconds == evaluation.seconds)
        #expect(scored.thumbnails.count == 8)
        for png in scored.thumbnails {
            let image = try PNGImageCodec().decode(png)
            #expect(image.width == 64 && image.height == 64)
        }
        // The clip's numbers by the profile's rule and the provenance, as recorded with the evaluation.
        let clip = try #require(evaluation.clip)
        #expect(scored.clip == ReportClipScore(lseC: clip.lseC.map(Double.init), lseD: clip.lseD.map(Double.init), rule: clip.rule))
        #expect(report.profileVersion == 1)
        let provenance = try #require(scored.provenance)
        #expect(provenance.weights.map(\.file) == ["sfd_face.pth", "syncnet_v2.model"])
        #expect(provenance.weights.allSatisfy { !$0.published } && provenance.weights.map(\.used) == [false, true])
        #expect(provenance.weights[1].sha256 == (try ContentDigest.sha256(ofFileAt: URL(fileURLWithPath: directory.path(of: .syncNet)))))
        #expect(provenance.software == EvaluationProvenance.Software(syncbench: "9.9 (test)", profileVersion: 1, ffmpeg: MediaLibraries.versions))
        // A decode error is an evaluation too (made with these weights); a missing sample has none.
        #expect(report.samples[1].provenance?.weights.count == 2 && report.samples[1].clip == nil && report.samples[3].provenance == nil)
        #expect(ReportWriter.notices(of: report) == [Provenance.standInNotice])
        #expect(report.samples[1].message.isEmpty == false && report.samples[1].thumbnails.isEmpty)
        #expect(report.samples[3].message == "the model has no video for this sample")
        #expect(report.samples[4].message.contains("not evaluated yet"))
        let table = try report.scoreTable()
        #expect(table.models == ["A", "B", "C"])

        // The digest names the rows: equal while nothing changes, different once C is scored.
        #expect(try load().databaseDigest == report.databaseDigest)
        _ = try runner.run(suite: "s")
        #expect(try load().databaseDigest != report.databaseDigest)
        #expect(try load().samples[4].score.status == .ok)

        // An evaluation recorded before weights were (migration 0006) has none in the report; found
        // again by its key (an identical evaluation), it learns them, not the software.
        try store.writer.write { db in
            try db.execute(sql: "DELETE FROM evaluationWeights WHERE evaluationKey = ?", arguments: [evaluation.key])
            try db.execute(sql: "DELETE FROM evaluationSoftware WHERE evaluationKey = ?", arguments: [evaluation.key])
        }
        #expect(try load().samples[0].provenance == EvaluationProvenance(weights: [], software: nil))
        #expect(ReportWriter.notices(of: try load()).contains { $0.hasPrefix("weights not recorded for ") })
        let again = try ClipEvaluator(store: store, weights: directory, settings: settings)
            .evaluate(video: scored.videoPath, audio: scored.audioPath, boxes: folder.appendingPathComponent("boxes-A/01.json").path)
        #expect(again.key == evaluation.key && again.stages.allSatisfy { $0.outcome == .cached })
        #expect(try load().samples[0].provenance == EvaluationProvenance(weights: provenance.weights, software: nil))
    }
}
