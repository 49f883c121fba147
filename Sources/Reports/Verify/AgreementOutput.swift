import Foundation

/// What a `verify` run compared: the suite, model and profile of our results, the published file,
/// the tool and the weights. Stated in the JSON and on the PNG.
public struct AgreementContext: Sendable, Equatable, Codable {
    public var suite: String
    public var model: String
    public var profile: String
    public var clean: Bool
    public var publishedFile: String
    public var fileList: String?
    public var format: PublishedScoreFormat
    /// `0.1.0 (1a2b3c4d5e6f)`.
    public var toolVersion: String
    public var weights: ResultWeights?

    public init(
        suite: String, model: String, profile: String, clean: Bool, publishedFile: String, fileList: String?, format: PublishedScoreFormat,
        toolVersion: String, weights: ResultWeights?
    ) {
        self.suite = suite
        self.model = model
        self.profile = profile
        self.clean = clean
        self.publishedFile = publishedFile
        self.fileList = fileList
        self.format = format
        self.toolVersion = toolVersion
        self.weights = weights
    }
}

extension ScoreAgreement {
    // MARK: JSON

    /// The `verify --json` document (docs/verify.md): sorted keys, indented, one trailing newline.
    public func json(context: AgreementContext, top: Int) throws -> Data {
        try JSONOutput.encode(JSONDocument(self, context: context, top: top))
    }

    private struct JSONDocument: Encodable {
        struct Tolerance: Encodable {
            var lse_c: Double
            var lse_d_relative: Double
        }
        struct Spreads: Encodable {
            var lse_c_abs: Spread?
            var lse_d_abs: Spread?
            var lse_d_relative: Spread?
        }
        struct Offsets: Encodable {
            var compared: Int
            var equal: Int
            var share_equal: Double?
        }
        struct Row: Encodable {
            var kind: Kind
            var video: String?
            var line: Int?
            var sample: String
            var track: Int?
            var status: String
            var published_lse_c: Double?
            var published_lse_d: Double?
            var published_offsets: [Int]?
            var lse_c: Double?
            var lse_d: Double?
            var offsets: [Int]?
            var delta_lse_c: Double?
            var delta_lse_d: Double?
            var relative_delta_lse_d: Double?
            var offsets_equal: Bool?
            var agrees: Bool

            init(_ entry: Entry) {
                kind = entry.kind
                video = entry.published?.video
                line = entry.published?.line
                sample = entry.sampleID
                track = entry.track
                status = entry.status
                published_lse_c = entry.published?.lseC
                published_lse_d = entry.published?.lseD
                published_offsets = entry.published?.offsets
                (lse_c, lse_d, offsets) = (entry.lseC, entry.lseD, entry.offsets)
                (delta_lse_c, delta_lse_d, relative_delta_lse_d) = (entry.deltaC, entry.deltaD, entry.relativeD)
                offsets_equal = entry.offsetsEqual
                agrees = entry.agrees
            }
        }
        struct Unmatched: Encodable {
            var video: String
            var line: Int?
            var track: Int?
            var reason: String
        }
        var verdict: Verdict
        var verdict_line: String
        var suite: String
        var model: String
        var profile: String
        var clean: Bool
        var published: String
        var file_list: String?
        var format: PublishedScoreFormat
        var per_track: Bool
        var syncbench: String
        var weights: ResultWeights?
        var stand_in_weights: Bool?
        var tolerance: Tolerance
        var matched: Int
        var compared: Int
        var within_tolerance: Int
        var one_sided: Int
        var unscored_both: Int
        var not_evaluated: Int
        var deltas: Spreads
        var offsets: Offsets?
        var differing_most: [Row]
        var rows: [Row]
        var unmatched_published: [Unmatched]
        var unmatched_ours: [String]

        init(_ agreement: ScoreAgreement, context: AgreementContext, top: Int) {
            verdict = agreement.verdict
            verdict_line = agreement.verdictLine(weights: context.weights)
            (suite, model, profile, clean) = (context.suite, context.model, context.profile, context.clean)
            (published, file_list, format, per_track) = (context.publishedFile, context.fileList, context.format, agreement.perTrack)
            syncbench = context.toolVersion
            weights = context.weights
            stand_in_weights = context.weights.map(\.usesStandInWeights)
            tolerance = Tolerance(lse_c: agreement.tolerance.lseC, lse_d_relative: agreement.tolerance.lseDRelative)
            matched = agreement.matched
            compared = agreement.compared.count
            within_tolerance = agreement.withinTolerance
            one_sided = agreement.oneSided.count
            unscored_both = agreement.neither.count
            not_evaluated = agreement.notEvaluated.count
            deltas = Spreads(lse_c_abs: agreement.lseC, lse_d_abs: agreement.lseD, lse_d_relative: agreement.lseDRelative)
            offsets =
                agreement.offsetsCompared == 0
                ? nil
                : Offsets(
                    compared: agreement.offsetsCompared, equal: agreement.offsetsEqual,
                    share_equal: Double(agreement.offsetsEqual) / Double(agreement.offsetsCompared))
            differing_most = agreement.differingMost(top).map(Row.init)
            rows = agreement.entries.map(Row.init)
            unmatched_published = agreement.unmatchedPublished.map {
                Unmatched(video: $0.published.video, line: $0.published.line, track: $0.published.track, reason: $0.reason)
            }
            unmatched_ours = agreement.unmatchedOurs
        }
    }

    // MARK: PNG

    /// The scatter plots, ours against published (LSE-C, then LSE-D), one point per compared
    /// row, within the tolerances or not, with y = x dashed, as a PNG with the context in `tEXt`
    /// chunks and in the footer (and the stand-in notice when the weights are stand-ins).
    /// - Throws: ``ReportError`` naming `file` when Cairo or the PNG encoder fails.
    public func scatterPNG(context: AgreementContext, file: String, scale: Double = 2) throws(ReportError) -> Data {
        let figure = scatterFigure(context: context)
        var text: [(keyword: String, value: String)] = [
            ("Title", figure.title), ("Software", "SyncBench \(context.toolVersion)"), ("Suite", context.suite), ("Model", context.model),
            ("Profile", context.profile + (context.clean ? " (clean)" : "")), ("Published scores", context.publishedFile),
            ("Verdict", verdictLine(weights: context.weights)),
        ]
        if context.weights?.usesStandInWeights == true { text.append(("Warning", Provenance.standInNotice)) }
        do {
            return try PNGFile.encode(
                ChartRenderer.image(of: figure, scale: scale), text: text.map { (keyword: $0.keyword, value: ReportProvenance.latin1($0.value)) })
        } catch let error as ChartError {
            throw ReportError(file: file, reason: "\(error)")
        } catch {
            throw ReportError(file: file, reason: "\(error)")
        }
    }

    func scatterFigure(context: AgreementContext) -> StackedChart {
        let unit = perTrack ? "track" : "sample"
        let within = ModelStyle(color: Palette.models[2], marker: .circle)
        let outside = ModelStyle(color: Palette.models[3], marker: .square)
        func panel(_ name: String, _ value: (Entry) -> (published: Double, ours: Double)?) -> ScatterChart {
            var agreeing: [ChartPoint] = [], differing: [ChartPoint] = []
            for entry in compared {
                guard let pair = value(entry) else { continue }
                let point = ChartPoint(x: pair.published, y: pair.ours)
                if entry.agrees { agreeing.append(point) } else { differing.append(point) }
            }
            return ScatterChart(
                title: "\(name): ours against published, one point per compared \(unit)",
                subtitle: "On the dashed line the numbers are equal; tolerances \(tolerance.text).",
                series: [
                    ScatterChart.Series(label: "within tolerance", style: within, points: agreeing, total: compared.count),
                    ScatterChart.Series(label: "outside", style: outside, points: differing, total: compared.count),
                ],
                xLabel: "\(name), published", yLabel: "\(name), ours", identityLine: true)
        }
        var footer = [
            "SyncBench \(context.toolVersion) · suite \(context.suite) · model \(context.model) · profile \(context.profile)\(context.clean ? " (clean)" : "")",
            "published: \(context.publishedFile)\(context.fileList.map { " with \($0)" } ?? "") (\(context.format.rawValue))",
            verdictLine(weights: nil),
        ]
        if context.weights?.usesStandInWeights == true { footer.append(Provenance.standInNotice) }
        return StackedChart(
            title: "SyncBench verify: \(context.suite), \(context.model) against \(context.publishedFile)",
            heading: "Ours against published: \(context.model) in \(context.suite) (\(compared.count) compared)",
            footer: footer,
            parts: [
                panel("LSE-C") { entry in entry.lseC.flatMap { c in entry.published?.lseC.map { ($0, c) } } },
                panel("LSE-D") { entry in entry.lseD.flatMap { d in entry.published?.lseD.map { ($0, d) } } },
            ])
    }
}
