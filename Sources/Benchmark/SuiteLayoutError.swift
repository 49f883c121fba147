/// Why a suite's files cannot be registered: the layout itself is wrong (a missing
/// `benchmark.csv`, a malformed row, a folder without clips). Missing videos or speeches of single
/// samples are not errors: they are registered as inputs with a problem, and reported.
public struct SuiteLayoutError: Error, Equatable, CustomStringConvertible {
    /// The file or folder at fault.
    public var path: String
    /// 1-based line, for CSV files.
    public var line: Int?
    public var reason: String

    public init(path: String, line: Int? = nil, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)"
    }
}
