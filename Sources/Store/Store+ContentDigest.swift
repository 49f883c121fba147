import Foundation
import Media
import GRDB

extension Store {
    /// Returns the digest recorded for the file at `path`, if it was hashed with the same size and
    /// modification time; `nil` otherwise.
    ///
    /// - Parameters:
    ///   - path: Absolute, standardized path of the file.
    ///   - byteCount: Current size of the file in bytes.
    ///   - modificationTime: Current modification time of the file.
    public func cachedDigest(path: String, byteCount: Int64, modificationTime: Date) throws(StoreError) -> String? {
        try perform("fetch mediaPath") {
            try writer.read { db in
                try MediaPathRecord
                    .filter(MediaPathRecord.Columns.path == path)
                    .filter(MediaPathRecord.Columns.byteCount == byteCount)
                    .filter(MediaPathRecord.Columns.modificationTime == modificationTime.timeIntervalSince1970)
                    .select(MediaPathRecord.Columns.sha256, as: String.self)
                    .fetchOne(db)
            }
        }
    }

    /// Records that the file at `path`, with this size and modification time, has content digest
    /// `sha256`, replacing what was recorded for the path, in one transaction.
    public func recordDigest(_ sha256: String, path: String, byteCount: Int64, modificationTime: Date) throws(StoreError) {
        let record = MediaPathRecord(path: path, byteCount: byteCount, modificationTime: modificationTime, sha256: sha256)
        try perform("save mediaPath") {
            try writer.write { db in try record.upsert(db) }
        }
    }

    /// Returns the SHA-256 digest of the file at `url`, reading the file only if its path, size or
    /// modification time changed since it was last hashed.
    ///
    /// A freshly computed digest is recorded, unless the file changed while it was read.
    ///
    /// - Returns: 64 lowercase hexadecimal digits.
    /// - Throws: ``StoreError``: the file cannot be read, or the database fails.
    public func contentDigest(ofFileAt url: URL) throws(StoreError) -> String {
        let path = url.standardizedFileURL.path(percentEncoded: false)
        let before = try FileStamp(path: path)
        if let digest = try cachedDigest(path: path, byteCount: before.byteCount, modificationTime: before.modificationTime) {
            return digest
        }
        let digest = try ContentDigest.sha256(ofFileAt: URL(filePath: path))
        if try FileStamp(path: path) == before {
            try recordDigest(digest, path: path, byteCount: before.byteCount, modificationTime: before.modificationTime)
        }
        return digest
    }
}

/// The size and modification time of a file, which tell whether it may have changed.
struct FileStamp: Equatable {
    var byteCount: Int64
    var modificationTime: Date

    init(path: String) throws(StoreError) {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw .unreadableFile(path: path, operation: "read file attributes", reason: FileProblem.describe(path: path, error: error))
        }
        guard let size = attributes[.size] as? NSNumber, let date = attributes[.modificationDate] as? Date else {
            throw .unreadableFile(path: path, operation: "read file attributes", reason: "no size or modification date")
        }
        byteCount = size.int64Value
        modificationTime = date
    }
}
