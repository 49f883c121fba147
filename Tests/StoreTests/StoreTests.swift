import Foundation
import Testing

@testable import Store

@Suite("Opening a store")
struct StoreOpeningTests {
    @Test("A database file is in WAL mode")
    func walMode() throws {
        try withTemporaryDirectory { directory in
            let store = try Store.open(at: directory.appending(path: "wal.sqlite"))
            #expect(try store.journalMode() == "wal")
        }
    }

    @Test("Two stores on the same file see each other's writes")
    func twoStores() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "shared.sqlite")
            let first = try Store.open(at: url)
            let second = try Store.open(at: url)
            let record = MediaFileRecord.sample(sha256: String(repeating: "c", count: 64))
            try first.save(record)
            #expect(try second.mediaFile(sha256: record.sha256, mode: .clean) == record)
            try second.recordDigest(record.sha256, path: "/clips/a.mp4", byteCount: 3, modificationTime: Date(timeIntervalSince1970: 5))
            #expect(try first.cachedDigest(path: "/clips/a.mp4", byteCount: 3, modificationTime: Date(timeIntervalSince1970: 5)) == record.sha256)
            #expect(try first.appliedMigrations() == EmbeddedMigration.all.map(\.identifier))
        }
    }

    @Test("A file that is not a SQLite database gives a StoreError naming it")
    func garbageFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "garbage.sqlite")
            try Data(repeating: 0x5A, count: 4096).write(to: url)
            let error = #expect(throws: StoreError.self) { try Store.open(at: url) }
            let message = try #require(error).description
            #expect(message.contains(url.path(percentEncoded: false)))
            #expect(message.contains("not a SQLite database"))
        }
    }

    @Test("A damaged database gives a StoreError naming it")
    func damagedFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "damaged.sqlite")
            try Store.open(at: url).save(MediaFileRecord.sample())
            // Keep the 100-byte header, overwrite the rest of page 1 (the schema).
            let handle = try FileHandle(forWritingTo: url)
            try handle.seek(toOffset: 100)
            try handle.write(contentsOf: Data(repeating: 0xA5, count: 3996))
            try handle.close()
            let error = #expect(throws: StoreError.self) {
                let store = try Store.open(at: url)
                _ = try store.mediaFile(sha256: MediaFileRecord.sample().sha256, mode: .clean)
            }
            let message = try #require(error).description
            #expect(message.contains(url.path(percentEncoded: false)))
            #expect(message.contains("damaged"))
        }
    }

    @Test("A database in a missing folder gives a StoreError naming it")
    func missingFolder() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "missing/db.sqlite")
            let error = #expect(throws: StoreError.self) { try Store.open(at: url) }
            let message = try #require(error).description
            #expect(message.contains(url.path(percentEncoded: false)))
            #expect(message.contains("cannot open"))
        }
    }
}
