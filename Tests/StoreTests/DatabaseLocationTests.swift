import Foundation
import Testing

import Store

@Suite("Database location")
struct DatabaseLocationTests {
    let cwd = URL(filePath: "/work/project", directoryHint: .isDirectory)

    func resolve(_ explicit: String?, _ environment: [String: String]) -> DatabaseLocation {
        DatabaseLocation.resolve(explicit: explicit, environment: environment, currentDirectory: cwd)
    }

    @Test("--db wins over SYNCBENCH_DB")
    func explicitFirst() {
        let location = resolve("/data/a.sqlite", ["SYNCBENCH_DB": "/data/b.sqlite"])
        #expect(location == DatabaseLocation(url: URL(filePath: "/data/a.sqlite"), source: .option))
    }

    @Test("SYNCBENCH_DB is used without --db")
    func environmentSecond() {
        let location = resolve(nil, ["SYNCBENCH_DB": "/data/b.sqlite", "HOME": "/root"])
        #expect(location == DatabaseLocation(url: URL(filePath: "/data/b.sqlite"), source: .environment))
    }

    @Test("Without either, syncbench.sqlite in the current directory")
    func defaultLast() {
        let location = resolve(nil, ["HOME": "/root"])
        #expect(location == DatabaseLocation(url: URL(filePath: "/work/project/syncbench.sqlite"), source: .defaultFile))
    }

    @Test("Empty values count as absent")
    func emptyValues() {
        #expect(resolve("", ["SYNCBENCH_DB": "/data/b.sqlite"]).source == .environment)
        #expect(resolve(nil, ["SYNCBENCH_DB": ""]).source == .defaultFile)
        #expect(resolve("", ["SYNCBENCH_DB": ""]).url.path(percentEncoded: false) == "/work/project/syncbench.sqlite")
    }

    @Test("Relative paths resolve against the current directory", arguments: [
        ("cache/db.sqlite", "/work/project/cache/db.sqlite"),
        ("../other.sqlite", "/work/other.sqlite"),
        ("./x.sqlite", "/work/project/x.sqlite"),
        ("/abs/./y/../z.sqlite", "/abs/z.sqlite"),
    ])
    func relativePaths(value: String, expected: String) {
        #expect(resolve(value, [:]).url.path(percentEncoded: false) == expected)
        #expect(resolve(nil, ["SYNCBENCH_DB": value]).url.path(percentEncoded: false) == expected)
    }
}
