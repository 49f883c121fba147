import Crypto
import Foundation
import Media
import Models

/// The SHA-256 digest of a file's bytes, the key of everything SyncBench stores about the file.
///
/// Digests are written as 64 lowercase hexadecimal digits. A file is read in chunks of
/// ``chunkSize`` bytes, so memory use does not grow with the file.
public enum ContentDigest {
    /// The number of bytes read at a time: 1 MiB.
    public static let chunkSize = 1 << 20

    /// Returns the SHA-256 digest of the bytes of the file at `url`, streamed in chunks.
    ///
    /// - Parameters:
    ///   - url: A file URL.
    ///   - chunkSize: The number of bytes read at a time; defaults to ``chunkSize``.
    /// - Returns: 64 lowercase hexadecimal digits.
    /// - Throws: ``StoreError/unreadableFile(path:operation:reason:)`` if the file cannot be opened
    ///   or read.
    public static func sha256(ofFileAt url: URL, chunkSize: Int = chunkSize) throws(StoreError) -> String {
        precondition(chunkSize > 0, "chunkSize must be positive")
        let path = url.path(percentEncoded: false)
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            var hasher = SHA256()
            while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
            return hasher.finalize().hexDigits
        } catch {
            throw .unreadableFile(path: path, operation: "compute SHA-256", reason: FileProblem.describe(path: path, error: error))
        }
    }

    /// Returns the SHA-256 digest of `bytes`, all at once.
    ///
    /// - Returns: 64 lowercase hexadecimal digits.
    public static func sha256(of bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).hexDigits
    }
}
