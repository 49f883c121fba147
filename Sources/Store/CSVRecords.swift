/// RFC 4180 CSV: fields separated by commas, records by CRLF, LF or CR, fields optionally quoted with
/// `"` (a quoted field may hold commas, line breaks and doubled quotes `""`). Blank lines are skipped
/// and a leading byte-order mark is ignored.
///
/// SyncBench's one CSV reader: suite files (`benchmark.csv`) and score files; each caller words
/// a ``Failure`` for its own error type.
public enum CSVRecords {
    /// One record and the 1-based line it starts on.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// Why a CSV text cannot be split into records.
    public struct Failure: Error, Equatable, Sendable {
        public enum Problem: Equatable, Sendable {
            /// A quoted field runs to the end of the text.
            case unclosedQuote
            /// A `"` inside a field that does not start with one.
            case quoteInUnquotedField
            /// A character after a quoted field's closing quote, before the next comma or line end.
            case textAfterClosingQuote(Unicode.Scalar)
        }

        public var problem: Problem
        /// The 1-based line of the problem: for an unclosed quote, the line the quote opens on.
        public var line: Int
        /// The 1-based line the record with the problem starts on.
        public var recordLine: Int

        public init(problem: Problem, line: Int, recordLine: Int) {
            self.problem = problem
            self.line = line
            self.recordLine = recordLine
        }

        /// What is wrong, with the line of the problem: `a quoted field opened on line 3 is never
        /// closed`.
        public var reason: String {
            switch problem {
            case .unclosedQuote: "a quoted field opened on line \(line) is never closed"
            case .quoteInUnquotedField: "a quote inside an unquoted field (line \(line))"
            case .textAfterClosingQuote(let scalar): "unexpected character '\(scalar)' after a closing quote (line \(line))"
            }
        }
    }

    /// The records of `text`, in order.
    public static func parse(_ text: String) throws(Failure) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quoteLine = 0
        var afterClosingQuote = false
        var recordHasContent = false
        var scalars = text.unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }

        func endRecord() {
            fields.append(field)
            if recordHasContent || fields.count > 1 || !field.isEmpty { records.append(Record(line: recordLine, fields: fields)) }
            fields = []
            field = ""
            recordHasContent = false
            afterClosingQuote = false
        }

        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            let crlf = scalar == "\r" && index < scalars.endIndex && scalars[index] == "\n"
            if inQuotes {
                if scalar == "\"" {
                    if index < scalars.endIndex, scalars[index] == "\"" {
                        field.unicodeScalars.append("\"")
                        index = scalars.index(after: index)
                    } else {
                        inQuotes = false
                        afterClosingQuote = true
                    }
                } else {
                    if scalar == "\n" || (scalar == "\r" && !crlf) { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                afterClosingQuote = false
                recordHasContent = true
            case "\r" where crlf:
                continue  // the "\n" ends the record
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            case "\"" where field.isEmpty && !afterClosingQuote:
                inQuotes = true
                quoteLine = line
                recordHasContent = true
            default:
                if afterClosingQuote { throw Failure(problem: .textAfterClosingQuote(scalar), line: line, recordLine: recordLine) }
                if scalar == "\"" { throw Failure(problem: .quoteInUnquotedField, line: line, recordLine: recordLine) }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw Failure(problem: .unclosedQuote, line: quoteLine, recordLine: recordLine) }
        endRecord()
        return records
    }
}
