/// Writing CSV the way pandas' `to_csv` does, so the files read like the reference's. The one CSV
/// writer of the project (reports, `query export`, `query sql --csv`).
public enum CSVText {
    /// A field quoted per RFC 4180 when it holds a comma, a quote, a line break or leading or
    /// trailing spaces (quotes doubled); otherwise as it is.
    public static func field(_ value: String) -> String {
        let needsQuotes = value.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" } || value.hasPrefix(" ") || value.hasSuffix(" ")
        return needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    /// One record: the fields joined with commas, ended by `\n`.
    public static func record(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }

    /// A number with the shortest decimal text that reads back to the same `Double` (what Python's
    /// `repr` writes for the reference's floats, e.g. `4.421421051025391`).
    public static func number(_ value: Double) -> String { "\(value)" }

    /// An optional number; empty when `nil`.
    static func number(_ value: Double?) -> String { value.map(number) ?? "" }

    /// `True` / `False`, as pandas writes Python booleans.
    static func boolean(_ value: Bool) -> String { value ? "True" : "False" }

    /// A Python list literal: `[]`, `[0]`, `[0, 15]`; `None` for a missing element.
    static func list(_ elements: [String?]) -> String { "[" + elements.map { $0 ?? "None" }.joined(separator: ", ") + "]" }

    /// A Python string literal in single quotes (backslashes and single quotes escaped).
    static func pythonString(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
