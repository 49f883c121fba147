import Foundation

/// The score files the upstream protocol itself would have written for the suite, per model
/// (`report` writes them under `native/<model>/`), so existing scripts read SyncBench's numbers
/// unchanged (docs/protocols.md, "Native formats"):
///
/// - `wav2lip-real`: `all_scores.txt`, one `dist conf` line per scored track, samples in report order;
/// - `mova`: `<sample>_lip_score.json` per sample with a scored track;
/// - `latentsync`: `latentsync.txt`, LatentSync's three lines per video (or its red "Face not
///   detected" line) and its folder-mode average line;
/// - `wav2lip-lrs`: `lrs.txt`, the two average lines of `calculate_scores_LRS.py`.
///
/// `mochabench` needs none: `results.csv` starts with MoChaBench's own columns.
enum NativeFiles {
    /// Relative path and contents of every native file of `report`.
    static func files(of report: BenchmarkReport) -> [(path: String, contents: String)] {
        let models = FileNames.unique(report.models.map(FileNames.component))
        var out: [(String, String)] = []
        for (model, folder) in zip(report.models, models) {
            let samples = report.samples.filter { $0.score.model == model }
            func scored(_ sample: ReportSample) -> [ReportTrack] {
                sample.tracks.filter { $0.status == "ok" && $0.confidence != nil && $0.minDistance != nil }
            }
            switch report.profile {
            case "wav2lip-real":
                let lines = samples.map { sample in
                    NativeScoreFormats.allScoresLines(tracks: scored(sample).map { (distance: Float($0.minDistance!), confidence: Float($0.confidence!)) })
                }
                out.append(("native/\(folder)/all_scores.txt", lines.joined()))
            case "mova":
                let names = FileNames.unique(samples.map { FileNames.component($0.score.sampleID) })
                for (sample, name) in zip(samples, names) {
                    let tracks = scored(sample)
                    guard !tracks.isEmpty, let c = sample.clip?.lseC, let d = sample.clip?.lseD else { continue }
                    let text = NativeScoreFormats.movaLipScoreJSON(
                        tracks: tracks.map { (confidence: Float($0.confidence!), distance: Float($0.minDistance!)) }, maxC: Float(c), minD: Float(d))
                    out.append(("native/\(folder)/\(name)_lip_score.json", text))
                }
            case "latentsync":
                var text = "", confidences: [Double] = []
                for sample in samples {
                    let tracks = scored(sample)
                    guard !tracks.isEmpty else {
                        text += NativeScoreFormats.latentSyncNoFace(video: sample.videoPath)
                        continue
                    }
                    // fmean of the tracks' float32 confidences (exact in Double), int() of the mean offset.
                    let confidence = tracks.reduce(0.0) { $0 + $1.confidence! } / Double(tracks.count)
                    let offsets = tracks.compactMap(\.offset)
                    let offset = offsets.isEmpty ? 0 : Int((Double(offsets.reduce(0, +)) / Double(offsets.count)).rounded(.towardZero))
                    confidences.append(confidence)
                    text += NativeScoreFormats.latentSyncLines(video: sample.videoPath, confidence: confidence, offset: offset)
                }
                if let average = NativeScoreFormats.latentSyncAverageLine(confidences: confidences) { text += average }
                out.append(("native/\(folder)/latentsync.txt", text))
            case "wav2lip-lrs":
                let results = samples.compactMap { scored($0).first }.map { (confidence: Float($0.confidence!), distance: Float($0.minDistance!)) }
                if let lines = NativeScoreFormats.lrsAverageLines(tracks: results) { out.append(("native/\(folder)/lrs.txt", lines)) }
            default:
                break
            }
        }
        return out
    }
}
