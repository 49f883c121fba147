import GRDB

/// A SQL migration compiled into the binary from the package's `migrations/` folder.
///
/// The list of migrations, `EmbeddedMigration.all`, is generated at build time by `EmbedMigrationsPlugin` from
/// the files `migrations/NNNN_name.sql`, in the order of their numbers. Each migration is
/// identified by its file stem (`0001_media_file`), which is also the identifier GRDB records in
/// the `grdb_migrations` table once the migration has been applied.
///
/// Shipped migrations are never edited: a schema change is a new file with the next number.
public struct EmbeddedMigration: Sendable, Equatable {
    /// The file stem of the migration, such as `0001_media_file`.
    public var identifier: String
    /// The SQL text of the migration file, byte for byte.
    public var sql: String

    init(identifier: String, sql: String) {
        self.identifier = identifier
        self.sql = sql
    }

    /// A migrator that applies the given migrations in order, each in its own transaction.
    static func migrator(_ migrations: [EmbeddedMigration]) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }
}
