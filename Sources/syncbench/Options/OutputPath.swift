import ArgumentParser
import Foundation

/// Checks of the paths users give for the files and folders SyncBench writes.
///
/// Files are written atomically: a temporary file is renamed over the path, which replaces
/// whatever the path names — a folder, or a device such as `/dev/null`. So an output file's path
/// may name nothing yet, or a regular file (which is replaced), and nothing else; an output
/// folder's path nothing yet, or a folder. An empty path is refused rather than read as the
/// current folder. Symbolic links are followed.
enum OutputPath {
    /// What a path names.
    enum Kind: Equatable {
        case nothing
        case regularFile
        case folder
        /// A device, pipe or socket.
        case special
    }

    /// What `path` names now (following symbolic links; a dangling link names nothing).
    static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .nothing }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regularFile
        case S_IFDIR: return .folder
        default: return .special
        }
    }

    /// A usage error unless `path` (given with `option`) can take a file SyncBench writes.
    static func checkFile(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(option): the path is empty") }
        switch kind(of: path) {
        case .nothing, .regularFile: return
        case .folder: throw ValidationError("\(option): \(path) is a folder; give the path of the file to write")
        case .special:
            throw ValidationError("\(option): \(path) is a device, pipe or socket, which writing would replace; give the path of a file")
        }
    }

    /// A usage error unless `path` (given with `option`) can take a folder SyncBench writes into.
    static func checkFolder(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(option): the path is empty") }
        guard [.nothing, .folder].contains(kind(of: path)) else {
            throw ValidationError("\(option): \(path) exists and is not a folder")
        }
    }
}
