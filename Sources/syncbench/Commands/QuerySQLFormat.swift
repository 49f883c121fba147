import Foundation
import Reports
import Store

/// The text of a `query sql` result: tab-separated (the default), CSV or JSON lines (docs/cache.md).
///
/// CSV and JSON keep SQLite's types: an integer is written as an integer, a real as the shortest
/// decimal that reads back to the same `Double` (`1.4654922485351562`, `3.0`), NULL as an empty
/// field or `null`, text as text. What a format cannot hold is written the closest way and
/// explained once in ``notes``: blobs as base64 text, infinite reals as `null` in JSON (`inf`,
/// `-inf` in CSV and TSV), a repeated column name as `name_2`, `name_3` … in JSON keys. The
/// tab-separated default is for reading: `NULL`, and `<N bytes>` for a blob.
struct QuerySQLFormat {
    enum Kind { case tsv, csv, json }

    let kind: Kind
    let columns: [String]
    /// The JSON key of each column: its name, made unique.
    private let keys: [String]
    /// Explanations for the user (standard error), each at most once.
    private(set) var notes: [String] = []
    private var notedBlob = false, notedInfinity = false

    init(kind: Kind, columns: [String]) {
        self.kind = kind
        self.columns = columns
        var used = Set<String>(), keys: [String] = [], renamed: [String] = []
        for name in columns {
            var key = name, counter = 2
            while used.contains(key) {
                key = "\(name)_\(counter)"
                counter += 1
            }
            if key != name { renamed.append(key) }
            used.insert(key)
            keys.append(key)
        }
        self.keys = keys
        if kind == .json && !renamed.isEmpty {
            notes.append("repeated column names are JSON keys \(renamed.joined(separator: ", ")) (name them apart with AS)")
        }
    }

    /// The header line (none for JSON lines).
    var header: String? {
        switch kind {
        case .tsv: columns.joined(separator: "\t")
        case .csv: columns.map(CSVText.field).joined(separator: ",")
        case .json: nil
        }
    }

    /// The line of one row (without its line break; a CSV field may hold line breaks).
    mutating func line(_ row: [QueryValue]) -> String {
        switch kind {
        case .tsv:
            return row.map(Self.tsv).joined(separator: "\t")
        case .csv:
            return zip(columns, row).map { csv($1, column: $0) }.joined(separator: ",")
        case .json:
            return "{" + zip(keys, row).map { Self.jsonString($0) + ":" + json($1, column: $0) }.joined(separator: ",") + "}"
        }
    }

    private static func tsv(_ value: QueryValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let v): String(v)
        case .real(let v): CSVText.number(v)
        case .text(let v): v
        case .blob(let v): "<\(v.count) bytes>"
        }
    }

    private mutating func csv(_ value: QueryValue, column: String) -> String {
        switch value {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v): return CSVText.number(v)
        case .text(let v): return CSVText.field(v)
        case .blob(let v): return base64(v, column: column)
        }
    }

    private mutating func json(_ value: QueryValue, column: String) -> String {
        switch value {
        case .null: return "null"
        case .integer(let v): return String(v)
        case .real(let v) where v.isFinite: return CSVText.number(v)
        case .real:
            if !notedInfinity {
                notedInfinity = true
                notes.append("JSON numbers cannot be infinite: infinite reals are written as null (first in column \(column))")
            }
            return "null"
        case .text(let v): return Self.jsonString(v)
        case .blob(let v): return Self.jsonString(base64(v, column: column))
        }
    }

    private mutating func base64(_ bytes: Data, column: String) -> String {
        if !notedBlob {
            notedBlob = true
            notes.append("blobs are written as base64 text (first in column \(column))")
        }
        return bytes.base64EncodedString()
    }

    /// A JSON string literal: `"`, `\` and control characters escaped, everything else as it is
    /// (UTF-8).
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
