import GRDB

/// An error thrown by ``Store`` and ``ContentDigest``.
///
/// Each message names the file, the operation that failed and the reason, for example
/// `/data/syncbench.sqlite: cannot open: the file is not a SQLite database`.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// The file at the database path is not a SQLite database.
    case notADatabase(database: String, operation: String)
    /// The database file is damaged.
    case corrupt(database: String, operation: String, message: String)
    /// The database cannot be written: the file, or its folder (which must be writable for the
    /// WAL files), is read-only.
    case readOnly(database: String, operation: String)
    /// SQLite cannot open the file, for example because its folder does not exist.
    case cannotOpen(database: String, message: String)
    /// Another connection kept the database locked for longer than the busy timeout.
    case busy(database: String, operation: String)
    /// The database was migrated by a newer binary: it records migrations this binary does not
    /// embed.
    case unknownMigrations(database: String, unknown: [String], latestKnown: String?)
    /// A record could not be encoded for, or decoded from, the database.
    case invalidRecord(database: String, operation: String, reason: String)
    /// Any other SQLite failure, with SQLite's extended result code and message.
    case sqlite(database: String, operation: String, code: Int32, message: String)
    /// A file could not be read while computing its digest.
    case unreadableFile(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case let .notADatabase(database, operation):
            return "\(database): cannot \(operation): the file is not a SQLite database "
                + "(use another database path, or move this file away)"
        case let .corrupt(database, operation, message):
            return "\(database): cannot \(operation): the database file is damaged (\(message))"
        case let .readOnly(database, operation):
            return "\(database): cannot \(operation): the database is read-only "
                + "(the file and its folder must be writable)"
        case let .cannotOpen(database, message):
            return "\(database): cannot open: \(message) (does the folder exist, and is it accessible?)"
        case let .busy(database, operation):
            return "\(database): cannot \(operation): the database stayed locked by another connection"
        case let .unknownMigrations(database, unknown, latestKnown):
            return "\(database): cannot open: the database was migrated by a newer syncbench "
                + "(unknown migrations: \(unknown.joined(separator: ", "))); this binary knows migrations up to "
                + "\(latestKnown ?? "none")"
        case let .invalidRecord(database, operation, reason):
            return "\(database): cannot \(operation): \(reason)"
        case let .sqlite(database, operation, code, message):
            return "\(database): cannot \(operation): \(message) (SQLite error \(code))"
        case let .unreadableFile(path, operation, reason):
            return "\(path): cannot \(operation): \(reason)"
        }
    }
}

extension StoreError {
    /// Classifies an SQLite error by its primary result code.
    init(_ error: DatabaseError, database: String, operation: String) {
        let message = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_NOTADB:
            self = .notADatabase(database: database, operation: operation)
        case .SQLITE_CORRUPT:
            self = .corrupt(database: database, operation: operation, message: message)
        case .SQLITE_READONLY:
            self = .readOnly(database: database, operation: operation)
        case .SQLITE_CANTOPEN:
            self = .cannotOpen(database: database, message: message)
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            self = .busy(database: database, operation: operation)
        default:
            self = .sqlite(
                database: database, operation: operation, code: error.extendedResultCode.rawValue,
                message: message)
        }
    }

    /// Wraps any error thrown while the database performed `operation`.
    init(wrapping error: any Error, database: String, operation: String) {
        switch error {
        case let error as StoreError:
            self = error
        case let error as DatabaseError:
            self.init(error, database: database, operation: operation)
        default:
            self = .invalidRecord(database: database, operation: operation, reason: "\(error)")
        }
    }
}
