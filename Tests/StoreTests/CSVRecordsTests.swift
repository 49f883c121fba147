import Store
import Testing

@Suite("CSV records (RFC 4180)")
struct CSVRecordsTests {
    @Test("Quoted fields keep commas, doubled quotes and newlines; CRLF and blank lines are handled")
    func quoting() throws {
        let text = "a,b,c\r\n1,\"x, y\",\"\"\"quoted\"\"\"\n\n2,\"two\nlines\",\n"
        let records = try CSVRecords.parse(text)
        #expect(records.map(\.fields) == [["a", "b", "c"], ["1", "x, y", "\"quoted\""], ["2", "two\nlines", ""]])
        #expect(records.map(\.line) == [1, 2, 4])
    }

    @Test("A file without a final newline keeps its last record")
    func lastRecord() throws {
        #expect(try CSVRecords.parse("a,b\n1,2").map(\.fields) == [["a", "b"], ["1", "2"]])
    }

    @Test("A leading byte-order mark is ignored; a lone CR ends a record")
    func byteOrderMarkAndCR() throws {
        #expect(try CSVRecords.parse("\u{FEFF}a,b\r1,2\r").map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(try CSVRecords.parse("a\r\"x\ry\"\rb").map(\.line) == [1, 2, 4])
    }

    @Test("An unclosed quote and a stray quote are errors with their line")
    func errors() {
        #expect(throws: CSVRecords.Failure(problem: .unclosedQuote, line: 2, recordLine: 2)) { try CSVRecords.parse("a\n\"open,1\n") }
        #expect(throws: CSVRecords.Failure(problem: .quoteInUnquotedField, line: 1, recordLine: 1)) { try CSVRecords.parse("ab\"c,1\n") }
        #expect(throws: CSVRecords.Failure(problem: .textAfterClosingQuote("c"), line: 1, recordLine: 1)) { try CSVRecords.parse("\"ab\"c,1\n") }
        #expect(throws: CSVRecords.Failure(problem: .textAfterClosingQuote("x"), line: 2, recordLine: 1)) { try CSVRecords.parse("1,\"two\nlines\"x\n") }
    }
}
