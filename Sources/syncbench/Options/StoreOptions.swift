import ArgumentParser
import Foundation
import Store

/// `--db PATH`: where the SQLite cache lives.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The SQLite database (default: $SYNCBENCH_DB, else ./syncbench.sqlite).", valueName: "path"),
        completion: .file(extensions: ["sqlite"]))
    var database: String?

    func validate() throws {
        if database?.isEmpty == true { throw ValidationError("--db: the path is empty") }
    }

    /// The resolved location: `--db`, then `SYNCBENCH_DB`, then `./syncbench.sqlite`.
    var location: DatabaseLocation {
        DatabaseLocation.resolve(
            explicit: database, environment: ProcessInfo.processInfo.environment,
            currentDirectory: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// Opens (creating and migrating as needed) the database.
    func open() throws -> Store {
        do {
            return try Store.open(at: location.url)
        } catch {
            throw fail(error.description, status: .databaseError)
        }
    }
}
