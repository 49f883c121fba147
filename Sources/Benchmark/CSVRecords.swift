/// RFC 4180 CSV: fields separated by commas, records by CRLF or LF, fields optionally quoted with
/// `"` (a quoted field may hold commas, newlines and doubled quotes `""`).
enum CSVRecords {
    /// Why a CSV text cannot be split into records.
    struct Failure: Error, Equatable {
        /// 1-based line where the problem starts.
        var line: Int
        var reason: String
    }

    /// The records of `text`, each with the 1-based line it starts on. Blank lines are skipped.
    static func parse(_ text: String) throws(Failure) -> [(line: Int, fields: [String])] {
        var records: [(line: Int, fields: [String])] = []
        var fields: [String] = []
        var field = ""
        var quoted = false, afterQuote = false, fieldStarted = false
        var line = 1, recordLine = 1
        var characters = text.makeIterator()
        func endRecord() {
            if fieldStarted || !fields.isEmpty { fields.append(field); records.append((recordLine, fields)) }
            fields = []
            field = ""
            fieldStarted = false
            afterQuote = false
        }
        while let c = characters.next() {
            if quoted {
                if c == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                if afterQuote {
                    field.append("\"")  // a doubled quote inside a quoted field
                    quoted = true
                    afterQuote = false
                } else if field.isEmpty && !fieldStarted {
                    quoted = true
                    fieldStarted = true
                } else {
                    throw Failure(line: line, reason: "a quote inside an unquoted field")
                }
            case ",":
                fields.append(field)
                field = ""
                fieldStarted = false
                afterQuote = false
            case "\n", "\r\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                if afterQuote { throw Failure(line: line, reason: "text after a closing quote") }
                field.append(c)
                fieldStarted = true
            }
        }
        if quoted { throw Failure(line: recordLine, reason: "a quoted field is not closed") }
        endRecord()
        return records
    }
}
