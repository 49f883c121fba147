import Foundation

/// Why a file could not be read, in words a user can act on (`it is a folder, not a file`, `no such
/// file`, `permission denied`) rather than Foundation's error domain and number
/// (`NSCocoaErrorDomain error 256`). Shared by every target that reads user files.
public enum FileProblem {
    /// The problem with `path`, given the error reading it raised.
    public static func describe(path: String, error: any Error) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return "it is a folder, not a file" }
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return error.localizedDescription
    }
}
