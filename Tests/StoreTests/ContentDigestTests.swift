import Foundation
import Testing

@testable import Store

@Suite("Content digests")
struct ContentDigestTests {
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test("SHA-256 of \"abc\" and of an empty file")
    func knownDigests() throws {
        try withTemporaryDirectory { directory in
            let abc = directory.appending(path: "abc")
            try Data("abc".utf8).write(to: abc)
            #expect(try ContentDigest.sha256(ofFileAt: abc) == Self.abc)
            let empty = directory.appending(path: "empty")
            try Data().write(to: empty)
            #expect(try ContentDigest.sha256(ofFileAt: empty) == Self.empty)
            #expect(ContentDigest.sha256(of: Data("abc".utf8)) == Self.abc)
        }
    }

    @Test("A streamed 3 MiB file hashes like the one-shot digest, whatever the chunk size", arguments: [
        ContentDigest.chunkSize, 4093, 1 << 16, 3 << 20, 4 << 20,
    ])
    func streamedMatchesOneShot(chunkSize: Int) throws {
        try withTemporaryDirectory { directory in
            let bytes = Self.pseudoRandomBytes(count: (3 << 20) + 5)
            let url = directory.appending(path: "big.bin")
            try bytes.write(to: url)
            #expect(try ContentDigest.sha256(ofFileAt: url, chunkSize: chunkSize) == ContentDigest.sha256(of: bytes))
        }
    }

    /// `count` bytes from a xorshift generator with a fixed seed.
    static func pseudoRandomBytes(count: Int) -> Data {
        var data = Data(count: count)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        data.withUnsafeMutableBytes { buffer in
            for index in buffer.indices {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                buffer[index] = UInt8(truncatingIfNeeded: state >> 32)
            }
        }
        return data
    }

    @Test("A missing file gives a StoreError naming it")
    func missingFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appending(path: "nope.mp4")
            let error = #expect(throws: StoreError.self) { try ContentDigest.sha256(ofFileAt: url) }
            let message = try #require(error).description
            #expect(message.contains(url.path(percentEncoded: false)))
            #expect(message.contains("no such file"), "\(message)")
        }
    }

    @Test("A folder gives a StoreError saying so, not Foundation's error number")
    func folder() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: StoreError.self) { try ContentDigest.sha256(ofFileAt: directory) }
            let message = try #require(error).description
            #expect(message.contains("it is a folder, not a file") && !message.contains("NSCocoaErrorDomain"), "\(message)")
        }
    }
}

@Suite("Digest cache")
struct DigestCacheTests {
    let sha = String(repeating: "e", count: 64)
    let time = Date(timeIntervalSince1970: 1_700_000_000.123_456_789)

    @Test("A recorded digest is found for the same path, size and modification time only")
    func hitAndMiss() throws {
        let store = try Store.inMemory()
        #expect(try store.cachedDigest(path: "/a.mp4", byteCount: 10, modificationTime: time) == nil)
        try store.recordDigest(sha, path: "/a.mp4", byteCount: 10, modificationTime: time)
        #expect(try store.cachedDigest(path: "/a.mp4", byteCount: 10, modificationTime: time) == sha)
        #expect(try store.cachedDigest(path: "/a.mp4", byteCount: 11, modificationTime: time) == nil)
        #expect(try store.cachedDigest(path: "/a.mp4", byteCount: 10, modificationTime: time.addingTimeInterval(0.000_001)) == nil)
        #expect(try store.cachedDigest(path: "/b.mp4", byteCount: 10, modificationTime: time) == nil)
    }

    @Test("Recording a digest again replaces the path's entry")
    func replaces() throws {
        let store = try Store.inMemory()
        try store.recordDigest(sha, path: "/a.mp4", byteCount: 10, modificationTime: time)
        let newer = String(repeating: "f", count: 64)
        try store.recordDigest(newer, path: "/a.mp4", byteCount: 12, modificationTime: time.addingTimeInterval(60))
        #expect(try store.cachedDigest(path: "/a.mp4", byteCount: 10, modificationTime: time) == nil)
        #expect(try store.cachedDigest(path: "/a.mp4", byteCount: 12, modificationTime: time.addingTimeInterval(60)) == newer)
    }

    @Test("contentDigest(ofFileAt:) reads a file again only when its size or modification time changes")
    func contentDigestUsesCache() throws {
        try withTemporaryDirectory { directory in
            let store = try Store.open(at: directory.appending(path: "cache.sqlite"))
            let url = directory.appending(path: "clip.mp4")
            let manager = FileManager.default
            try Data("abc".utf8).write(to: url)
            let stamp = Date(timeIntervalSince1970: 1_600_000_000.5)
            try manager.setAttributes([.modificationDate: stamp], ofItemAtPath: url.path(percentEncoded: false))
            #expect(try store.contentDigest(ofFileAt: url) == ContentDigestTests.abc)

            // Same size and modification time: the recorded digest is returned without reading.
            try Data("xyz".utf8).write(to: url)
            try manager.setAttributes([.modificationDate: stamp], ofItemAtPath: url.path(percentEncoded: false))
            #expect(try store.contentDigest(ofFileAt: url) == ContentDigestTests.abc)

            // A new modification time: the file is read again.
            try manager.setAttributes([.modificationDate: stamp.addingTimeInterval(1)], ofItemAtPath: url.path(percentEncoded: false))
            let xyz = ContentDigest.sha256(of: Data("xyz".utf8))
            #expect(try store.contentDigest(ofFileAt: url) == xyz)

            // A new size: the file is read again.
            try Data().write(to: url)
            try manager.setAttributes([.modificationDate: stamp.addingTimeInterval(1)], ofItemAtPath: url.path(percentEncoded: false))
            #expect(try store.contentDigest(ofFileAt: url) == ContentDigestTests.empty)
        }
    }
}
