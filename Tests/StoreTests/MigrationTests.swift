import Foundation
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
