import Foundation
import GRDB

/// The SyncBench database: a SQLite file holding every artifact SyncBench computes, keyed by
/// content.
///
/// Open a store with ``open(at:)``. The database is created if needed, put in WAL mode, and
/// migrated with the SQL migrations embedded in the binary (see ``EmbeddedMigration``); each
/// migration is applied once, in order, and recorded in the `grdb_migrations` table. A database
/// that records a migration this binary does not embed was written by a newer binary, and is
/// refused with ``StoreError/unknownMigrations(database:unknown:latestKnown:)``.
///
/// Several stores, in one process or in several, may open the same file at the same time: WAL mode
/// lets readers proceed while one connection writes, and a writer waits up to ``busyTimeout`` for
/// another one to finish. Every write is one transaction, so an interrupted write leaves nothing
/// behind.
///
/// ## Topics
///
/// ### Opening a Store
/// - ``open(at:)``
/// - ``inMemory()``
/// - ``location``
/// - ``busyTimeout``
///
/// ### Inspecting the Database
/// - ``appliedMigrations()``
/// - ``journalMode()``
///
/// ### Media Files
/// - ``mediaFile(sha256:mode:)``
/// - ``save(_:)``
///
/// ### Content Digests
/// - ``cachedDigest(path:byteCount:modificationTime:)``
/// - ``recordDigest(_:path:byteCount:modificationTime:)``
/// - ``contentDigest(ofFileAt:)``
public final class Store: Sendable {
    /// The database file, or `nil` for an in-memory store.
    public let location: URL?

    /// How long a write waits for another connection's write to finish before failing with
    /// ``StoreError/busy(database:operation:)``.
    public static let busyTimeout: TimeInterval = 10

    let writer: any DatabaseWriter

    private init(writer: any DatabaseWriter, location: URL?) {
        self.writer = writer
        self.location = location
    }

    /// Opens the database file at `url`, creating it if needed, and applies the embedded
    /// migrations that it lacks.
    ///
    /// The file's folder must exist. The database is put in WAL mode, which persists in the file.
    ///
    /// - Parameter url: A file URL.
    /// - Returns: An open, migrated store.
    /// - Throws: ``StoreError``: the file is not a SQLite database, is damaged or read-only, cannot
    ///   be opened, or was migrated by a newer binary.
    public static func open(at url: URL) throws(StoreError) -> Store {
        try open(at: url, migrations: EmbeddedMigration.all)
    }

    /// Opens the database file at `url` and applies `migrations`; tests use it to play a newer
    /// binary.
    static func open(at url: URL, migrations: [EmbeddedMigration]) throws(StoreError) -> Store {
        let path = url.path(percentEncoded: false)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration())
        } catch {
            throw StoreError(wrapping: error, database: path, operation: "open")
        }
        let store = Store(writer: pool, location: url)
        try store.migrate(migrations)
        return store
    }

    /// Opens a new, empty, migrated database that lives in memory and disappears with the store.
    ///
    /// An in-memory database has no WAL; use it where only the records matter.
    public static func inMemory() throws(StoreError) -> Store {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw StoreError(wrapping: error, database: ":memory:", operation: "open")
        }
        let store = Store(writer: queue, location: nil)
        try store.migrate(EmbeddedMigration.all)
        return store
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        return configuration
    }

    /// The database path as error messages name it.
    var databaseName: String {
        location?.path(percentEncoded: false) ?? ":memory:"
    }

    private func migrate(_ migrations: [EmbeddedMigration]) throws(StoreError) {
        let known = Set(migrations.map(\.identifier))
        let applied = try appliedMigrations()
        let unknown = applied.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw .unknownMigrations(
                database: databaseName, unknown: unknown, latestKnown: migrations.last?.identifier)
        }
        try perform("migrate") {
            try EmbeddedMigration.migrator(migrations).migrate(writer)
        }
    }

    /// The identifiers of the migrations applied to the database, as recorded in its
    /// `grdb_migrations` table, sorted.
    ///
    /// Every identifier appears once. A database that has not been migrated yet has none.
    public func appliedMigrations() throws(StoreError) -> [String] {
        try perform("read applied migrations") {
            try writer.read { db in
                guard try db.tableExists("grdb_migrations") else { return [] }
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
        }
    }

    /// The journal mode of the database, as `PRAGMA journal_mode` reports it: `wal` for a
    /// database file, `memory` for an in-memory store.
    public func journalMode() throws(StoreError) -> String {
        try perform("read journal mode") {
            try writer.read { db in
                try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
            }
        }
    }

    /// Runs `body`, turning whatever it throws into a ``StoreError`` naming this database and
    /// `operation`.
    func perform<T>(_ operation: String, _ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            throw StoreError(wrapping: error, database: databaseName, operation: operation)
        }
    }
}
