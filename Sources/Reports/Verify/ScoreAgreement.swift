import Foundation
import Pipeline

/// The tolerances within which our numbers agree with published ones: the project's parity
/// tolerances (issue #12, docs/protocols.md), per video or per track.
public struct AgreementTolerance: Sendable, Equatable, Codable {
    /// Largest |ΔLSE-C| that agrees (absolute).
    public var lseC: Double
    /// Largest |ΔLSE-D| that agrees, as a fraction of the published LSE-D.
    public var lseDRelative: Double

    public init(lseC: Double, lseDRelative: Double) {
        self.lseC = lseC
        self.lseDRelative = lseDRelative
    }

    /// |ΔLSE-C| ≤ 0.01 and |ΔLSE-D| ≤ 0.5 %.
    public static let parity = AgreementTolerance(lseC: 0.01, lseDRelative: 0.005)

    /// `|ΔLSE-C| ≤ 0.01, |ΔLSE-D| ≤ 0.5 %`.
    public var text: String {
        "|ΔLSE-C| ≤ \(Self.short(lseC)), |ΔLSE-D| ≤ \(Self.short(lseDRelative * 100)) %"
    }

    private static func short(_ x: Double) -> String {
        var text = String(format: "%.4f", locale: nil, x)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Our stored result for one sample of the suite: what `verify` compares.
public struct VerifiedSample: Sendable, Equatable {
    /// One face track of the evaluation, in track order.
    public struct Track: Sendable, Equatable {
        public var status: String
        public var offset: Int?
        public var confidence: Double?
        public var minDistance: Double?

        public init(status: String, offset: Int?, confidence: Double?, minDistance: Double?) {
            self.status = status
            self.offset = offset
            self.confidence = confidence
            self.minDistance = minDistance
        }

        public var isScored: Bool { status == "ok" && confidence != nil && minDistance != nil }
    }

    /// The suite's sample ID (MoChaBench `<category>/<context_id>`; folder suites the path
    /// without extension) and the video as registered.
    public var sampleID: String
    public var videoPath: String
    /// The evaluation's status; `missing` when the input has no result (yet) under the profile.
    public var status: String
    /// Why there is no score (empty when ok).
    public var message: String
    /// The clip's numbers by the profile's rule (`ClipScore`), nil when it has none.
    public var lseC: Double?
    public var lseD: Double?
    /// The clip's offset by the profile's rule as a list of one, else the offsets of the scored
    /// tracks in track order (MoChaBench's `offsets` list).
    public var offsets: [Int]
    /// The profile's rule in words (`mochabench: the best confidence and the smallest distance over 2 tracks`).
    public var rule: String?
    public var tracks: [Track]
    /// The stored result behind the numbers: its configuration key, the settings its evaluation
    /// records, and whether the input's faces came from a boxes file (what tells which weights
    /// made it, ``ResultWeights``); nil without a result.
    public var result: StoredResult?

    /// A stored result's configuration.
    public struct StoredResult: Sendable, Equatable {
        public var configKey: String
        public var settings: EvaluationSettings?
        public var usesBoxes: Bool

        public init(configKey: String, settings: EvaluationSettings?, usesBoxes: Bool) {
            self.configKey = configKey
            self.settings = settings
            self.usesBoxes = usesBoxes
        }
    }

    public init(
        sampleID: String, videoPath: String, status: String, message: String, lseC: Double?, lseD: Double?, offsets: [Int], rule: String?,
        tracks: [Track], result: StoredResult? = nil
    ) {
        self.result = result
        self.sampleID = sampleID
        self.videoPath = videoPath
        self.status = status
        self.message = message
        self.lseC = lseC
        self.lseD = lseD
        self.offsets = offsets
        self.rule = rule
        self.tracks = tracks
    }

    /// Whether the sample has a result (scored or not).
    public var isEvaluated: Bool { status != SampleStatus.missing.rawValue }
    public var isScored: Bool { status == "ok" && lseC != nil && lseD != nil }
}

/// Per-sample agreement of our stored scores with a published score file: which rows match which
/// samples, the deltas, their summary, and the verdict (docs/verify.md).
///
/// **Matching.** A published name (the `video` field, a file-list line; MoChaBench: its sample ID)
/// is cut into path components (`\` and `/` both separate; empty and `.` components dropped) and
/// the last one loses its extension. It names a sample when those components equal the sample
/// ID's, or end the registered video path's (`1_man_guitar.mp4`, `mocha-generation/1p_emotion/x.mp4`
/// and an absolute path all name their video). A name that fits several samples is ambiguous and
/// matches none (the candidates are listed); a sample named a second time (the same track, for
/// `all_scores.txt`) keeps the first row. Every published row that matches nothing and every
/// evaluated sample (or track) that no row names is listed.
public struct ScoreAgreement: Sendable, Equatable {
    /// How a published row and our result relate.
    public enum Kind: String, Sendable, Codable {
        /// Both have numbers: compared.
        case compared
        /// The published file has numbers, we have none (our status says why).
        case publishedOnly = "published_only"
        /// We have numbers, the published file says the video has none (or has no line for this track).
        case oursOnly = "ours_only"
        /// Neither has numbers (e.g. no face on both sides): agrees, with nothing to measure.
        case neither
        /// We have no result for the sample under the profile (not evaluated yet).
        case notEvaluated = "not_evaluated"
    }

    /// A published row (or one of our tracks) and what we have for it.
    public struct Entry: Sendable, Equatable {
        public var kind: Kind
        /// The published row; nil for one of our tracks that the file has no line for.
        public var published: PublishedScore?
        public var sampleID: String
        public var track: Int?
        /// Our numbers and status.
        public var lseC: Double?
        public var lseD: Double?
        public var offsets: [Int]?
        public var status: String
        /// Our minus the published value, set when compared.
        public var deltaC: Double?
        public var deltaD: Double?
        /// |ΔLSE-D| / |published LSE-D| (nil when the published LSE-D is 0).
        public var relativeD: Double?
        /// Whether the offsets are equal, where both sides give them.
        public var offsetsEqual: Bool?
        /// Compared, within the tolerances and with equal offsets (where given).
        public var agrees: Bool

        /// `1p_emotion/3_woman_crying`, with ` track 1` for a track.
        public var label: String { track.map { "\(sampleID) track \($0)" } ?? sampleID }

        /// How far outside the tolerances: the larger of |ΔLSE-C| and |ΔLSE-D| each divided by its
        /// tolerance (≤ 1 within); orders the samples that differ most.
        public func excess(_ tolerance: AgreementTolerance) -> Double {
            guard let deltaC, let deltaD, let published = published?.lseD else { return 0 }
            let allowedD = tolerance.lseDRelative * abs(published)
            let d = allowedD > 0 ? abs(deltaD) / allowedD : (deltaD == 0 ? 0 : Double.greatestFiniteMagnitude)
            return max(abs(deltaC) / tolerance.lseC, d)
        }
    }

    /// A published row that matches no sample, and why.
    public struct Unmatched: Sendable, Equatable {
        public var published: PublishedScore
        public var reason: String
    }

    /// The median and 95th percentile (linear interpolation between order statistics, NumPy's
    /// default) and the largest of some absolute differences.
    public struct Spread: Sendable, Equatable, Codable {
        public var median: Double
        public var p95: Double
        public var max: Double

        init?(_ values: [Double]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            median = Descriptive.quantile(sorted: sorted, 0.5)
            p95 = Descriptive.quantile(sorted: sorted, 0.95)
            max = sorted[sorted.count - 1]
        }
    }

    public enum Verdict: String, Sendable, Codable {
        /// Every compared row within the tolerances with equal offsets, and no row scored on one side only.
        case agrees
        case disagrees
        /// No published row matched a sample of ours with a result.
        case nothingToCompare = "nothing_to_compare"
    }

    public var tolerance: AgreementTolerance
    /// Whether rows are tracks (`all_scores.txt`) rather than videos.
    public var perTrack: Bool
    /// Every matched published row, in file order, then our tracks that no line names.
    public var entries: [Entry]
    public var unmatchedPublished: [Unmatched]
    /// Evaluated samples that no published row names, in suite order.
    public var unmatchedOurs: [String]

    /// Matches `published` with `ours` and compares them.
    public init(published: PublishedScores, ours: [VerifiedSample], tolerance: AgreementTolerance = .parity) {
        self.tolerance = tolerance
        perTrack = published.format.isPerTrack
        entries = []
        unmatchedPublished = []
        let index = NameIndex(ours)
        var claimed: [String: String] = [:]  // sample (and track) → the published label that took it
        var named = Set<Int>()
        for row in published.rows {
            let candidates = index.candidates(for: row.video)
            guard candidates.count == 1, let position = candidates.first else {
                let reason =
                    candidates.isEmpty
                    ? "no sample of the suite has this name"
                    : "fits \(candidates.count) samples (\(candidates.prefix(4).map { ours[$0].sampleID }.joined(separator: ", "))\(candidates.count > 4 ? ", …" : "")): give more of the path"
                unmatchedPublished.append(Unmatched(published: row, reason: reason))
                continue
            }
            let sample = ours[position]
            let slot = row.track.map { "\(sample.sampleID)\u{0}\($0)" } ?? sample.sampleID
            if let first = claimed[slot] {
                unmatchedPublished.append(Unmatched(published: row, reason: "\(row.track.map { "track \($0) of " } ?? "")sample \(sample.sampleID) is already matched by \(first)"))
                continue
            }
            claimed[slot] = row.line.map { "line \($0)" } ?? row.label
            named.insert(position)
            entries.append(Self.entry(row, sample, tolerance: tolerance))
        }
        if perTrack {
            // Our scored tracks that no line names, of the samples some line names.
            for position in named.sorted() {
                let sample = ours[position]
                for (track, ourTrack) in sample.tracks.enumerated() where ourTrack.isScored && claimed["\(sample.sampleID)\u{0}\(track)"] == nil {
                    entries.append(
                        Entry(
                            kind: .oursOnly, published: nil, sampleID: sample.sampleID, track: track, lseC: ourTrack.confidence, lseD: ourTrack.minDistance,
                            offsets: ourTrack.offset.map { [$0] }, status: ourTrack.status, agrees: false))
                }
            }
        }
        unmatchedOurs = ours.indices.filter { !named.contains($0) && ours[$0].isEvaluated }.map { ours[$0].sampleID }
    }

    private static func entry(_ row: PublishedScore, _ sample: VerifiedSample, tolerance: AgreementTolerance) -> Entry {
        var entry = Entry(
            kind: .neither, published: row, sampleID: sample.sampleID, track: row.track, status: sample.status, agrees: false)
        guard sample.isEvaluated else {
            entry.kind = .notEvaluated
            return entry
        }
        var scored = sample.isScored
        if let track = row.track {
            if track < sample.tracks.count {
                let ours = sample.tracks[track]
                (entry.lseC, entry.lseD, entry.offsets, entry.status) = (ours.confidence, ours.minDistance, ours.offset.map { [$0] }, ours.status)
                scored = ours.isScored
            } else {
                entry.status = sample.status == "ok" ? "no_such_track" : sample.status
                scored = false
            }
        } else if scored {
            (entry.lseC, entry.lseD, entry.offsets) = (sample.lseC, sample.lseD, sample.offsets)
        }
        switch (row.isScored, scored) {
        case (false, false):
            entry.kind = .neither
            entry.agrees = true
        case (true, false): entry.kind = .publishedOnly
        case (false, true): entry.kind = .oursOnly
        case (true, true):
            guard let c = entry.lseC, let d = entry.lseD, let publishedC = row.lseC, let publishedD = row.lseD else { return entry }
            entry.kind = .compared
            entry.deltaC = c - publishedC
            entry.deltaD = d - publishedD
            entry.relativeD = publishedD == 0 ? nil : abs(d - publishedD) / abs(publishedD)
            if let published = row.offsets, let ours = entry.offsets { entry.offsetsEqual = published == ours }
            entry.agrees =
                abs(c - publishedC) <= tolerance.lseC && abs(d - publishedD) <= tolerance.lseDRelative * abs(publishedD) && entry.offsetsEqual != false
        }
        return entry
    }

    // MARK: Summary

    /// The rows with numbers on both sides.
    public var compared: [Entry] { entries.filter { $0.kind == .compared } }
    /// Rows with numbers on one side only (a disagreement: one side found a face track, the other not).
    public var oneSided: [Entry] { entries.filter { $0.kind == .publishedOnly || $0.kind == .oursOnly } }
    public var neither: [Entry] { entries.filter { $0.kind == .neither } }
    public var notEvaluated: [Entry] { entries.filter { $0.kind == .notEvaluated } }
    /// Published rows matched to a sample of ours (evaluated or not).
    public var matched: Int { entries.filter { $0.published != nil }.count }

    public var lseC: Spread? { Spread(compared.compactMap { $0.deltaC.map(abs) }) }
    public var lseD: Spread? { Spread(compared.compactMap { $0.deltaD.map(abs) }) }
    /// |ΔLSE-D| relative to the published LSE-D.
    public var lseDRelative: Spread? { Spread(compared.compactMap(\.relativeD)) }
    /// Compared rows where both sides give offsets, and how many of those are equal.
    public var offsetsCompared: Int { compared.filter { $0.offsetsEqual != nil }.count }
    public var offsetsEqual: Int { compared.filter { $0.offsetsEqual == true }.count }
    /// Compared rows within the tolerances (offsets aside).
    public var withinTolerance: Int {
        compared.filter { entry in
            guard let dc = entry.deltaC, let dd = entry.deltaD, let d = entry.published?.lseD else { return false }
            return abs(dc) <= tolerance.lseC && abs(dd) <= tolerance.lseDRelative * abs(d)
        }.count
    }

    public var verdict: Verdict {
        if compared.isEmpty && oneSided.isEmpty { return .nothingToCompare }
        return oneSided.isEmpty && compared.allSatisfy(\.agrees) ? .agrees : .disagrees
    }

    /// The `top` compared rows furthest outside the tolerances (then offsets that differ), most first;
    /// ties in file order.
    public func differingMost(_ top: Int) -> [Entry] {
        let rows = compared.enumerated().filter { !$0.element.agrees }
        let ordered = rows.sorted { a, b in
            let (x, y) = (a.element.excess(tolerance), b.element.excess(tolerance))
            return x != y ? x > y : a.offset < b.offset
        }
        return ordered.prefix(max(0, top)).map(\.element)
    }

    /// The verdict in one line: `agrees: …` or `disagrees: …`, with the stand-in weights said plainly.
    public func verdictLine(weights: ResultWeights?) -> String {
        let unit = perTrack ? "tracks" : "samples"
        var line: String
        switch verdict {
        case .nothingToCompare:
            line = "nothing to compare: no published row matches a \(perTrack ? "track" : "sample") of ours with a result"
        case .agrees:
            line = "agrees: all \(compared.count) compared \(unit) within the tolerances (\(tolerance.text))"
            if offsetsCompared > 0 { line += ", offsets equal on all \(offsetsCompared)" }
            if !neither.isEmpty { line += "; \(neither.count) without a score on both sides" }
        case .disagrees:
            let outside = compared.count - withinTolerance
            line = "disagrees: \(outside) of \(compared.count) compared \(unit) outside the tolerances (\(tolerance.text))"
            if offsetsCompared > 0 { line += "; offsets differ on \(offsetsCompared - offsetsEqual) of \(offsetsCompared)" }
            if !oneSided.isEmpty { line += "; \(oneSided.count) scored on one side only" }
        }
        if let weights, let note = weights.verdictNote { line += ". " + note }
        return line
    }
}

/// Which weights made the results compared, as far as the database tells: a result's
/// configuration key is SHA-256 of its settings and the weights' digests (docs/bench.md), so the
/// weight files in a folder are known to have made a result exactly when they reproduce its key.
public struct ResultWeights: Sendable, Equatable, Codable {
    /// The folder whose files were checked.
    public var directory: String
    /// Its files that played a part (S3FD only where a result used no boxes).
    public var files: [Provenance.Weights]
    /// Results whose configuration key these files reproduce, and results they do not (made with
    /// other weights, or with settings the stored evaluation does not record).
    public var identified: Int
    public var unidentified: Int

    public init(directory: String, files: [Provenance.Weights], identified: Int, unidentified: Int) {
        self.directory = directory
        self.files = files
        self.identified = identified
        self.unidentified = unidentified
    }

    /// Whether some results are known to come from files that are not the published ones.
    public var usesStandInWeights: Bool { identified > 0 && files.contains { $0.used && !$0.published } }

    /// What the verdict line adds: stand-in weights said plainly, or that the weights are unknown.
    public var verdictNote: String? {
        var notes: [String] = []
        if usesStandInWeights {
            let names = files.filter { $0.used && !$0.published }.map(\.file).joined(separator: " and ")
            let share = unidentified == 0 ? "These results were" : "\(identified) of these results were"
            notes.append("\(share) made with stand-in weights (\(names) in \(directory) \(names.contains(" and ") ? "are" : "is") not the published \(names.contains(" and ") ? "files" : "file")): scores are not comparable with published numbers")
        }
        if unidentified > 0 {
            notes.append(
                "\(unidentified) result(s) were not made with the weights in \(directory) (or with settings their evaluation does not record): which weights made them is unknown")
        }
        return notes.isEmpty ? nil : notes.joined(separator: ". ")
    }
}

/// Our samples by the path components of their IDs and videos, for matching published names.
private struct NameIndex {
    let ids: [[String]]
    let videos: [[String]]
    /// Samples by the last component of their ID and of their video path (a name can only fit
    /// those whose last component is its own).
    let byLast: [String: [Int]]

    init(_ samples: [VerifiedSample]) {
        ids = samples.map { Self.components($0.sampleID) }
        videos = samples.map { Self.components($0.videoPath) }
        var byLast: [String: [Int]] = [:]
        for index in samples.indices {
            for last in Set([ids[index].last, videos[index].last].compactMap { $0 }) { byLast[last, default: []].append(index) }
        }
        self.byLast = byLast
    }

    /// The samples `name` fits, in suite order.
    func candidates(for name: String) -> [Int] {
        let key = Self.components(name)
        guard let last = key.last else { return [] }
        return (byLast[last] ?? []).filter { ids[$0] == key || (videos[$0].count >= key.count && Array(videos[$0].suffix(key.count)) == key) }
    }

    /// `a\b/./c.mp4` → `[a, b, c]`: both separators, empty and `.` components dropped, the last
    /// component's extension removed (a name that is only an extension, `.mp4`, keeps it).
    static func components(_ path: String) -> [String] {
        var parts = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init).filter { $0 != "." }
        if let last = parts.last, let dot = last.lastIndex(of: "."), dot != last.startIndex {
            parts[parts.count - 1] = String(last[..<dot])
        }
        return parts
    }
}
