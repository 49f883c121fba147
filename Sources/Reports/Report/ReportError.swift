/// Why a report could not be written: the file (or the report as a whole) and the reason.
public struct ReportError: Error, Equatable, CustomStringConvertible {
    /// The output file, or the directory, concerned.
    public var file: String
    /// What went wrong.
    public var reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
