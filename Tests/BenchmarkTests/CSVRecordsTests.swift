import Testing

@testable import Benchmark

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

    @Test("An unclosed quote and a stray quote are errors with their line")
    func errors() {
        #expect(throws: CSVRecords.Failure(line: 2, reason: "a quoted field is not closed")) { try CSVRecords.parse("a\n\"open,1\n") }
        #expect(throws: CSVRecords.Failure(line: 1, reason: "a quote inside an unquoted field")) { try CSVRecords.parse("ab\"c,1\n") }
        #expect(throws: CSVRecords.Failure(line: 1, reason: "text after a closing quote")) { try CSVRecords.parse("\"ab\"c,1\n") }
    }
}
