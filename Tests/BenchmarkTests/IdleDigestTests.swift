import Foundation
import Store
import Testing

@testable import Benchmark

#if canImport(Glibc)
    import Glibc
#endif

@Suite("IdleDigest: a weights digest computed on a thread of the lowest priority")
struct IdleDigestTests {
    @Test("the digest is in the path cache once wait() returns, the same as one computed directly")
    func recordsTheDigest() throws {
        let folder = try BenchmarkFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("sfd_face.pth")
        // 3 MiB and a bit: several of ContentDigest's chunks.
        let bytes = (0..<(3 << 20) + 12_345).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        try Data(bytes).write(to: file)
        let store = try Store.inMemory()
        let path = file.standardizedFileURL.path(percentEncoded: false)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = try #require(attributes[.size] as? NSNumber).int64Value
        let modified = try #require(attributes[.modificationDate] as? Date)
        #expect(try store.cachedDigest(path: path, byteCount: size, modificationTime: modified) == nil)

        let digest = IdleDigest(store: store, path: path)
        digest.wait()
        digest.wait()  // a second wait returns at once
        let cached = try store.cachedDigest(path: path, byteCount: size, modificationTime: modified)
        #expect(cached == ContentDigest.sha256(of: bytes))
    }

    @Test("a file that is not there records nothing and does not block wait()")
    func missingFile() throws {
        let store = try Store.inMemory()
        let digest = IdleDigest(store: store, path: "/nonexistent/syncbench-idle-digest/sfd_face.pth")
        digest.wait()
        #expect(try store.cachedDigest(path: "/nonexistent/syncbench-idle-digest/sfd_face.pth", byteCount: 0, modificationTime: Date()) == nil)
    }

    #if canImport(Glibc)
        @Test("lowerThreadPriority gives the calling thread nice 19 and leaves the other threads as they were")
        func lowersOnlyItsThread() throws {
            final class Seen: @unchecked Sendable { var lowered = false, nice: Int32 = 0 }
            let seen = Seen(), done = DispatchSemaphore(value: 0)
            let thread = Thread {
                seen.lowered = IdleDigest.lowerThreadPriority()
                errno = 0
                seen.nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(IdleDigest.currentThreadID() ?? 0))
                done.signal()
            }
            thread.start()
            done.wait()
            #expect(seen.lowered)
            #expect(seen.nice == IdleDigest.niceness)
            let here = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(try #require(IdleDigest.currentThreadID())))
            #expect(here < IdleDigest.niceness, "the test's own thread kept its priority")
        }
    #endif
}
