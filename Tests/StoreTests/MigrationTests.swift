import Foundation
import GRDB
import Testing

@testable import Store

@Suite("Migrations")
struct MigrationTests {
    /// The SHA-256 of every shipped migration, by identifier.
    ///
    /// Shipped migrations are never edited: a database that already applied a migration will never
    /// run it again, so an edit would make databases created before and after it disagree in
    /// silence. Change the schema with a new `migrations/NNNN_name.sql` file instead, and add its
    /// hash here once it ships. This list only grows.
    static let shippedMigrationHashes: [String: String] = [
        "0001_media_file": "bff94237f1f9f7fcfe042c2e7c6330794ca0e5a554f05c4e7fa453fba6cf7ab4",
        "0002_evaluation_cache": "4747ac821421eb4c5890ef973c459df9a144699d8dfe56c964fa4778133fe6ce",
        "0003_benchmark_suites": "035c6bb5dd677df771b594c874cdcf10a672fb0b34c75b289f1bad66d42bc7d2",
        "0004_artifact_references": "db700a049e804b09d5efeaca1c64be8eb9944140901264736a5b9eb05fd39561",
        "0005_cache_writers": "c860d639521c0aea94ac0b92604766396f9458d82a28c7036f0442716ad07a47",
        "0006_evaluation_provenance": "bfae727c64dedffeca8cfef72f119277788ede5f831b900561a3db93349ccd7c",
    ]

    @Test("Shipped migrations are unchanged, and every embedded migration is listed")
    func shippedMigrationHashes() {
        let embedded = EmbeddedMigration.all
        for migration in embedded {
            let expected = Self.shippedMigrationHashes[migration.identifier]
            #expect(expected != nil, "add the SHA-256 of \(migration.identifier) to shippedMigrationHashes")
            if let expected {
                #expect(
                    ContentDigest.sha256(of: Data(migration.sql.utf8)) == expected,
                    "shipped migration \(migration.identifier) was edited: restore it and add a new migration")
            }
        }
        let embeddedIdentifiers = Set(embedded.map(\.identifier))
        for identifier in Self.shippedMigrationHashes.keys {
            #expect(embeddedIdentifiers.contains(identifier), "shipped migration \(identifier) was removed")
        }
    }

    @Test("Embedded migrations are numbered 0001, 0002, ... in order")
    func embeddedOrder() {
        let numbers = EmbeddedMigration.all.map { Int($0.identifier.prefix(4)) }
        #expect(numbers == Array(1...EmbeddedMigration.all.count))
    }

    @Test("Migrations apply from scratch to a new file and are recorded once")
    func applyFromScratch() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "fresh.sqlite")
            let identifiers = EmbeddedMigration.all.map(\.identifier)
            do {
                let store = try Store.open(at: url)
                #expect(try store.appliedMigrations() == identifiers)
            }
            let reopened = try Store.open(at: url)
            #expect(try reopened.appliedMigrations() == identifiers)
        }
    }

    @Test("0004 makes evaluations recorded before it refer to every artifact their result names")
    func backfillsArtifactReferences() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "old.sqlite")
            let older = Array(EmbeddedMigration.all.prefix { $0.identifier < "0004" })
            let key = String(repeating: "e", count: 64), speech = String(repeating: "5", count: 64), crops = String(repeating: "c", count: 64)
            let result = """
                {"artifacts": {"speech": "\(speech)"}, "tracks": [{"track": 0, "artifacts": {"crops": "\(crops)"}}, {"track": 1}]}
                """
            do {
                let store = try Store.open(at: url, migrations: older)
                try store.writer.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO evaluation (key, videoSHA256, videoPath, profile, clean, status, message, settingsJSON, resultJSON, seconds, evaluatedAt)
                            VALUES (?, ?, '/v.mkv', 'mochabench', 0, 'ok', '', '{}', ?, 1, '2025-01-01 00:00:00.000')
                            """,
                        arguments: [key, String(repeating: "a", count: 64), result])
                }
            }
            let store = try Store.open(at: url)
            let referenced = try store.writer.read { db in
                try String.fetchAll(db, sql: "SELECT artifactKey FROM evaluationArtifact WHERE evaluationKey = ? ORDER BY artifactKey", arguments: [key])
            }
            #expect(referenced == [speech, crops].sorted())
        }
    }

    @Test("An in-memory store is migrated")
    func inMemory() throws {
        let store = try Store.inMemory()
        #expect(try store.appliedMigrations() == EmbeddedMigration.all.map(\.identifier))
        #expect(store.location == nil)
    }

    @Test("A database migrated by a newer binary is refused, naming the unknown migration")
    func newerDatabaseIsRefused() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "newer.sqlite")
            let future = EmbeddedMigration(identifier: "9999_from_the_future", sql: "CREATE TABLE future (id INTEGER)")
            _ = try Store.open(at: url, migrations: EmbeddedMigration.all + [future])
            let error = #expect(throws: StoreError.self) { try Store.open(at: url) }
            let message = try #require(error).description
            #expect(message.contains(url.path(percentEncoded: false)))
            #expect(message.contains("9999_from_the_future"))
            #expect(message.contains("newer"))
        }
    }
}
