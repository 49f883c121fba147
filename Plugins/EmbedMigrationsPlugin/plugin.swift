import Foundation
import PackagePlugin

/// A build-tool plugin that compiles the package's SQL migrations into the target that uses it.
///
/// The `EmbedMigrations` tool reads the top-level `migrations/` folder of the package, checks the
/// file names and writes one Swift source file holding the SQL text of each migration. The target
/// therefore needs no resource bundle at run time, and the `syncbench` binary works from any
/// directory. Hidden files (such as `.DS_Store`) are skipped; any other file that is not named
/// `NNNN_name.sql` fails the build.
///
/// The folder and each migration file are declared as inputs of the build command: editing a file
/// or adding one reruns the tool. SwiftPM runs this plugin (and so learns about new files) only
/// when it plans the build again, which it does when `Package.swift` or a target's source folders
/// change; the tool therefore lists the folder itself, and warns when it finds files the plugin
/// did not declare, whose later edits are not tracked until the next plan.
@main
struct EmbedMigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let migrationsDirectory = context.package.directoryURL
            .appending(path: "migrations", directoryHint: .isDirectory)
        let migrationFiles = try Self.files(in: migrationsDirectory)
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        let tool = try context.tool(named: "EmbedMigrations")
        return [
            .buildCommand(
                displayName: "Embedding \(migrationFiles.count) SQL migration(s) into \(target.name)",
                executable: tool.url,
                arguments: [output, migrationsDirectory].map { $0.path(percentEncoded: false) }
                    + migrationFiles.map(\.lastPathComponent),
                inputFiles: [migrationsDirectory] + migrationFiles,
                outputFiles: [output]
            )
        ]
    }

    /// The non-hidden regular files of `directory`, sorted by name; none if it does not exist.
    private static func files(in directory: URL) throws -> [URL] {
        guard FileManager.default.fileExists(atPath: directory.path(percentEncoded: false)) else {
            return []
        }
        let entries = try FileManager.default.contentsOfDirectory(
            at: directory,
            includingPropertiesForKeys: [.isRegularFileKey],
            options: [.skipsHiddenFiles]
        )
        return try entries
            .filter { try $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
