/// Where a report's numbers come from, recorded in every output file.
struct ReportProvenance: Codable, Equatable {
    var suite: String
    var suiteKind: String
    var profile: String
    var clean: Bool
    var toolVersion: String
    var databasePath: String
    var databaseDigest: String
    var generatedAt: String

    init(_ report: BenchmarkReport) {
        suite = report.suite
        suiteKind = report.suiteKind
        profile = report.profile
        clean = report.clean
        toolVersion = report.toolVersion
        databasePath = report.databasePath
        databaseDigest = report.databaseDigest
        generatedAt = report.generatedAt
    }

    /// The PNG `tEXt` chunks of a chart titled `title` (keywords of the PNG specification where one
    /// fits: `Title`, `Software`, `Creation Time`; ours otherwise).
    func pngText(title: String) -> [(keyword: String, value: String)] {
        [
            ("Title", title), ("Software", "SyncBench \(toolVersion)"), ("Suite", suite), ("Database", databasePath),
            ("Database digest", databaseDigest), ("Creation Time", generatedAt),
        ].map { (keyword: $0.0, value: Self.latin1($0.1)) }
    }

    /// `text` with every character outside Latin-1 written as its code point in hex, as in `\u{2713}` (tEXt chunks are Latin-1;
    /// a path or suite name outside it stays readable and unambiguous).
    static func latin1(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x100, scalar.value != 0 {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }
}
