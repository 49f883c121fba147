import GRDB

extension Store {
    /// Returns the record of the file with content digest `sha256`, probed in timeline mode
    /// `mode`, or `nil` if it has not been probed in that mode.
    public func mediaFile(sha256: String, mode: MediaFileRecord.TimelineMode) throws(StoreError) -> MediaFileRecord? {
        try perform("fetch mediaFile") {
            try writer.read { db in
                try MediaFileRecord.fetchOne(db, key: [
                    MediaFileRecord.Columns.sha256.name: sha256,
                    MediaFileRecord.Columns.timelineMode.name: mode.rawValue,
                ])
            }
        }
    }

    /// Inserts `record`, or replaces the record with the same content digest and timeline mode,
    /// in one transaction.
    public func save(_ record: MediaFileRecord) throws(StoreError) {
        try perform("save mediaFile") {
            try writer.write { db in try record.upsert(db) }
        }
    }
}
