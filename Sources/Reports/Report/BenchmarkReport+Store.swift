import Foundation
import Media
import Pipeline
import Store

/// Why a report cannot be made from the database.
public struct ReportLoadError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

extension BenchmarkReport {
    /// Reads what a report of `suite` shows from the database: for every model and every sample of
    /// the suite, the current input's latest result under `profile` and `clean`, its evaluation's
    /// tracks and framewise confidence, and thumbnails of the best track's crops.
    ///
    /// A sample a model has no input for, or no result yet, is kept with the status `missing`
    /// (coverage counts it; the means do not).
    ///
    /// - Parameters:
    ///   - thumbnails: crops per sample, evenly spaced over the best track (0: none).
    ///   - thumbnailSize: side of a thumbnail in pixels.
    public static func load(
        from store: Store, suite: String, profile: String, clean: Bool, toolVersion: String, generatedAt: String, thumbnails: Int = 8,
        thumbnailSize: Int = 64
    ) throws -> BenchmarkReport {
        guard let record = try store.suite(named: suite) else { throw ReportLoadError(reason: "no suite named \(suite)") }
        let models = try store.models(ofSuite: suite)
        let samples = try store.samples(ofSuite: suite)
        let inputs = Dictionary(
            try store.currentInputs(suite: suite).map { ("\($0.model)\u{0}\($0.sampleID)", $0) }, uniquingKeysWith: { first, _ in first })
        let codec = try PNGImageCodec()
        var rows: [ReportSample] = []
        var results: [(input: SampleInput, result: BenchResult?)] = []
        for model in models {
            for sample in samples {
                guard let input = inputs["\(model)\u{0}\(sample.sampleID)"] else {
                    rows.append(
                        ReportSample(
                            score: SampleScore(model: model, sampleID: sample.sampleID, category: sample.category, status: .missing), index: sample.index,
                            videoPath: "", audioPath: nil, message: "the model has no video for this sample", runtimeSeconds: nil, tracks: [],
                            thumbnails: [], prompt: sample.prompt))
                    continue
                }
                let result = try store.latestBenchResult(inputKey: input.key, profile: profile, clean: clean)
                results.append((input, result))
                var row = try row(
                    input: input, result: result, model: model, store: store, codec: codec, thumbnails: thumbnails, thumbnailSize: thumbnailSize)
                row.prompt = sample.prompt
                rows.append(row)
            }
        }
        return BenchmarkReport(
            suite: suite, suiteKind: record.kind.rawValue, models: models, samples: rows, profile: profile, clean: clean, toolVersion: toolVersion,
            databasePath: store.location?.path ?? ":memory:", databaseDigest: Store.resultsDigest(of: results),
            generatedAt: generatedAt, profileVersion: EvaluationProfile(rawValue: profile)?.description.version)
    }

    private static func row(
        input: SampleInput, result: BenchResult?, model: String, store: Store, codec: PNGImageCodec, thumbnails: Int, thumbnailSize: Int
    ) throws -> ReportSample {
        func unscored(_ status: SampleStatus, _ message: String, runtime: Double? = nil) -> ReportSample {
            ReportSample(
                score: SampleScore(model: model, sampleID: input.sampleID, category: input.category, status: status), index: input.index,
                videoPath: input.videoPath, audioPath: input.speechPath, message: message, runtimeSeconds: runtime, tracks: [], thumbnails: [])
        }
        guard let result else {
            return unscored(.missing, input.problem ?? "not evaluated yet (run `syncbench bench run`)")
        }
        guard let key = result.evaluationKey else { return unscored(SampleStatus(rawValue: result.status), result.message, runtime: result.seconds) }
        guard let evaluation = try store.evaluation(key: key) else {
            return unscored(.missing, "the evaluation \(key.prefix(12)) of this result is not in the database (deleted?); rerun `syncbench bench run`")
        }
        var tracks: [ReportTrack] = []
        for track in evaluation.tracks {
            var framewise: [Double] = []
            if let scoresKey = track.artifacts?["scores"], let stored = try store.artifact(key: scoresKey) {
                framewise = try ScoresArtifact(stored).score.framewiseConfidence.map(Double.init)
            }
            tracks.append(
                ReportTrack(
                    track: track.track, startFrame: track.startFrame, endFrame: track.endFrame, status: track.status.rawValue, offset: track.offset,
                    confidence: track.confidence.map(Double.init), minDistance: track.minDistance.map(Double.init), framewiseConfidence: framewise))
        }
        let scored = evaluation.tracks.filter { $0.offset != nil && $0.confidence != nil }
        let status = SampleStatus(rawValue: evaluation.status.rawValue)
        let score: SampleScore
        var strip: [Data] = []
        if status == .ok, let c = evaluation.bestConfidence, let d = evaluation.minDistance {
            // The best track is the one whose confidence is the clip's LSE-C (the first, on ties).
            let best = scored.indices.max { scored[$0].confidence! < scored[$1].confidence! || (scored[$0].confidence! == scored[$1].confidence! && $0 > $1) }
            score = SampleScore(
                model: model, sampleID: input.sampleID, category: input.category, status: .ok, lseC: Double(c), lseD: Double(d),
                trackOffsets: scored.map { $0.offset! }, bestTrack: best)
            if let best, thumbnails > 0, let cropsKey = scored[best].artifacts?["crops"] {
                strip = try thumbnailStrip(of: cropsKey, store: store, codec: codec, count: thumbnails, size: thumbnailSize)
            }
        } else {
            score = SampleScore(model: model, sampleID: input.sampleID, category: input.category, status: status == .ok ? .missing : status)
        }
        // The clip's numbers by the profile's rule as recorded; evaluations stored before profiles
        // had rules get them from the same rule now.
        let clip = evaluation.clip ?? ClipScore.combining(evaluation.tracks, profile: evaluation.settings.profileDescription)
        return ReportSample(
            score: score, index: input.index, videoPath: input.videoPath, audioPath: input.speechPath, message: evaluation.message,
            runtimeSeconds: evaluation.seconds, tracks: tracks, thumbnails: strip,
            clip: status == .ok ? clip.map { ReportClipScore(lseC: $0.lseC.map(Double.init), lseD: $0.lseD.map(Double.init), rule: $0.rule) } : nil,
            provenance: try store.provenance(ofEvaluation: key))
    }

    /// `count` crops evenly spaced over a crops artifact, shrunk to `size`×`size` PNGs.
    private static func thumbnailStrip(of key: String, store: Store, codec: PNGImageCodec, count: Int, size: Int) throws -> [Data] {
        guard let stored = try store.artifact(key: key), stored.frameCount > 0 else { return [] }
        let frames = stored.frameCount
        let picks = (0..<min(count, frames)).map { i in count == 1 ? frames / 2 : i * (frames - 1) / max(1, min(count, frames) - 1) }
        return try picks.map { index in
            guard let png = try store.frames(of: key, range: index..<(index + 1)).first else {
                throw ReportLoadError(reason: "crop \(index) of artifact \(key.prefix(12)) is missing (run `syncbench cache verify`)")
            }
            return try codec.encode(try codec.decode(png).resized(width: size, height: size))
        }
    }
}
