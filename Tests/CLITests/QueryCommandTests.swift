import Foundation
import TestSupport
import Testing

/// `syncbench query sql` through the binary: the TSV default, `--csv` and `--json`, on values
/// written in the statement itself (a fresh database has the views but no rows).
// The limit catches a hang. It counts from the start of the test, including the wait for a thread
// of the test pool, which the long parity and CLI suites hold for minutes on two cores.
@Suite("syncbench query sql: TSV, CSV and JSON keep SQLite's values", .serialized, .timeLimit(.minutes(10)))
struct QueryCommandTests {
    let database: String

    init() throws {
        let directory = try ScratchDirectory.make("query")
        database = directory.appendingPathComponent("query.sqlite").path
    }

    func query(_ statement: String, _ options: [String] = []) throws -> SyncBenchBinary.Output {
        try SyncBenchBinary.run(["query", "sql", statement, "--db", database] + options)
    }

    /// The JSON objects of `--json` output, one per line.
    func objects(_ output: SyncBenchBinary.Output) throws -> [[String: Any]] {
        try output.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test("--json: integers and reals are JSON numbers (reals round-trip), NULL is null, text stays text, columns in order")
    func jsonTypes() throws {
        let output = try query(
            """
            SELECT 0 AS track, 1.4654922485351562 AS confidence, 9007199254740993 AS big, 0.1 AS tenth, 3.0 AS whole,
                   -2.5e-300 AS tiny, NULL AS missing, 'say "hi"' AS text, '12' AS digits
            """, ["--json"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.isEmpty, "no notes without blobs or infinities: \(output.stderr)")
        #expect(output.stdout.hasPrefix(#"{"track":0,"confidence":1.4654922485351562,"big":9007199254740993,"tenth":0.1,"whole":3.0,"#), "\(output.stdout)")
        let row = try #require(try objects(output).first)
        for key in ["track", "confidence", "big", "tenth", "whole", "tiny"] {
            #expect(row[key] is NSNumber && !(row[key] is String), "\(key): \(String(describing: row[key]))")
        }
        #expect((row["track"] as? NSNumber)?.int64Value == 0)
        #expect((row["big"] as? NSNumber)?.int64Value == 9_007_199_254_740_993, "integers beyond 2^53 keep every digit")
        #expect((row["confidence"] as? NSNumber)?.doubleValue == 1.4654922485351562)
        #expect((row["tenth"] as? NSNumber)?.doubleValue == 0.1)
        #expect((row["tiny"] as? NSNumber)?.doubleValue == -2.5e-300)
        #expect(row["missing"] is NSNull)
        #expect(row["text"] as? String == #"say "hi""#)
        #expect(row["digits"] as? String == "12", "text that looks like a number stays text")
    }

    @Test("--json: blobs are base64 and infinite reals null, each with one note on stderr; repeated column names stay apart")
    func jsonBlobsAndInfinities() throws {
        let output = try query("SELECT x'00ff10' AS bytes, 9e999 AS big, -9e999 AS small, 1 AS n, 2 AS n UNION ALL SELECT x'', 1.0, 2.0, 3, 4", ["--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let rows = try objects(output)
        try #require(rows.count == 2, "\(output.stdout)")
        #expect(rows[0]["bytes"] as? String == "AP8Q" && rows[1]["bytes"] as? String == "")
        #expect(rows[0]["big"] is NSNull && rows[0]["small"] is NSNull)
        #expect((rows[1]["big"] as? NSNumber)?.doubleValue == 1.0)
        #expect((rows[0]["n"] as? NSNumber)?.intValue == 1 && (rows[0]["n_2"] as? NSNumber)?.intValue == 2, "\(output.stdout)")
        let notes = output.stderr.split(separator: "\n")
        #expect(notes.count == 3, "\(output.stderr)")
        #expect(notes.filter { $0.contains("base64") }.count == 1, "\(output.stderr)")
        #expect(notes.filter { $0.contains("infinite") && $0.contains("null") }.count == 1, "\(output.stderr)")
        #expect(notes.filter { $0.contains("n_2") }.count == 1, "\(output.stderr)")
    }

    @Test("--csv: a header and RFC 4180 fields (commas, quotes, line breaks quoted), NULL empty, numbers as in --json")
    func csv() throws {
        let output = try query(
            #"SELECT 'a,b' AS "x,y", 'say "hi"' AS quote, 'two' || char(10) || 'lines' AS multi, NULL AS missing, 2.5 AS r, 7 AS i, 0.1 AS tenth"#,
            ["--csv"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout == "\"x,y\",quote,multi,missing,r,i,tenth\n\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,2.5,7,0.1\n", "\(output.stdout)")
    }

    @Test("The TSV default is unchanged; --csv with --json is a usage error; a write is refused")
    func defaultsAndErrors() throws {
        let tsv = try query("SELECT 1 AS a, NULL AS b, 0.5 AS c, 'x' AS d")
        #expect(tsv.status == 0 && tsv.stdout == "a\tb\tc\td\n1\tNULL\t0.5\tx\n", "\(tsv.stdout)")
        let both = try query("SELECT 1", ["--csv", "--json"])
        #expect(both.status == 64, "\(both.stderr)")
        let write = try query("DELETE FROM artifact", ["--json"])
        #expect(write.status == 30, "\(write.stderr)")
    }
}
