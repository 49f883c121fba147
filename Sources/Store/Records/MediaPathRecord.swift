import Foundation
import GRDB

/// A row of the `mediaPath` table: the content digest of the file found at a path, with the size
/// and modification time the file had when it was hashed.
///
/// While a file keeps its path, size and modification time, its digest is taken from this record
/// instead of reading the file again (see ``Store/contentDigest(ofFileAt:)``).
public struct MediaPathRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "mediaPath"

    /// Absolute, standardized path of the file.
    public var path: String
    /// Size of the file in bytes when it was hashed.
    public var byteCount: Int64
    /// Modification time of the file when it was hashed; stored as seconds since 1970, with the
    /// file system's sub-second precision.
    public var modificationTime: Date
    /// SHA-256 of the file's bytes, 64 lowercase hexadecimal digits.
    public var sha256: String
    /// When the file was hashed.
    public var hashedAt: Date

    public init(path: String, byteCount: Int64, modificationTime: Date, sha256: String, hashedAt: Date = Date()) {
        self.path = path
        self.byteCount = byteCount
        self.modificationTime = modificationTime
        self.sha256 = sha256
        self.hashedAt = hashedAt
    }

    /// The columns of the `mediaPath` table.
    public enum Columns {
        public static let path = Column(CodingKeys.path)
        public static let byteCount = Column(CodingKeys.byteCount)
        public static let modificationTime = Column(CodingKeys.modificationTime)
        public static let sha256 = Column(CodingKeys.sha256)
    }

    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        column == CodingKeys.modificationTime.stringValue ? .timeIntervalSince1970 : .deferredToDate
    }

    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        column == CodingKeys.modificationTime.stringValue ? .timeIntervalSince1970 : .deferredToDate
    }
}
