import Foundation
import Testing

@testable import Tensor

#if canImport(Glibc)
    import Glibc
#endif

/// A value handed from the thread that computes it to the one that waits for it.
private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

@Suite("the C library's heap: large freed blocks kept for reuse")
struct FreedMemoryTests {
    #if canImport(Glibc)
        /// Minor page faults of the calling thread so far (other tests run on other threads).
        static func threadMinorFaults() -> Int {
            var usage = rusage()
            let thread = __rusage_who_t(1)  // RUSAGE_THREAD (Linux), not imported by the Glibc module
            guard getrusage(thread, &usage) == 0 else { return -1 }
            return usage.ru_minflt
        }

        /// Minor faults of allocating `bytes`, writing every page and freeing it again.
        static func faultsOfFreshBlock(bytes: Int) -> Int {
            let before = threadMinorFaults()
            let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            memset(block, 1, bytes)
            block.deallocate()
            return threadMinorFaults() - before
        }

        /// Bytes the C library holds in blocks that have a mapping of their own: the
        /// `<total type="mmap" size=…>` of glibc's `malloc_info` (found at run time like
        /// ``FreedMemory``'s own calls); nil without it.
        static func bytesInOwnMappings() -> Int? {
            typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
            guard let symbol = dlsym(nil, "malloc_info") else { return nil }
            var buffer: UnsafeMutablePointer<CChar>? = nil
            var size = 0
            guard let stream = open_memstream(&buffer, &size) else { return nil }
            let status = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
            fclose(stream)
            defer { free(buffer) }
            guard status == 0, let buffer else { return nil }
            let xml = String(cString: buffer)
            guard let total = xml.range(of: "<total type=\"mmap\"", options: .backwards),
                let sizeKey = xml.range(of: "size=\"", range: total.upperBound..<xml.endIndex),
                let quote = xml[sizeKey.upperBound...].firstIndex(of: "\"")
            else { return nil }
            return Int(xml[sizeKey.upperBound..<quote])
        }

        /// Runs `body` on a thread of its own and waits for it.
        static func onNewThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
            let result = ResultBox<T>(), done = DispatchSemaphore(value: 0)
            let thread = Thread {
                result.value = body()
                done.signal()
            }
            thread.start()
            done.wait()
            return result.value!
        }

        // 40 MiB: above glibc's largest dynamic mmap threshold (32 MiB), so by default every such
        // block is mapped on its own and unmapped at `free`, each allocation faulting in all its
        // pages again; and well inside the 64 MiB heap of a thread's own arena.
        static let blockBytes = 40 << 20

        @Test("after keepLargeFreedBlocks, a 40 MiB block comes from the heap, not a mapping of its own")
        func largeBlocksFromTheHeap() throws {
            #expect(FreedMemory.keepLargeFreedBlocks(), "glibc refused the mallopt settings")
            let before = try #require(Self.bytesInOwnMappings(), "no mallinfo2 in this C library")
            let block = UnsafeMutableRawPointer.allocate(byteCount: Self.blockBytes, alignment: 16)
            let during = try #require(Self.bytesInOwnMappings())
            block.deallocate()
            // Another test's block mapped meanwhile would have to be over 256 MiB.
            #expect(during - before < Self.blockBytes, "\(during - before) more bytes in own mappings while the block was held")
        }

        /// The pages themselves, measured on a thread of its own: a test thread's arena may hold
        /// so much that 40 MiB no longer fits in its 64 MiB heap, and glibc then gives the block a
        /// heap of its own that it unmaps at `free`, whatever the thresholds (CI failed once so
        /// with 48 MiB on a test thread: 12 289 faults; `syncbench` gives every thread the main
        /// heap, ``FreedMemory/shareOneHeap()``, where this cannot happen). Up to three tries:
        /// another test's evaluation may call `FreedMemory.returnToSystem()` between the free and
        /// the next allocation, which rightly hands the pages back; without the settings every try
        /// faults in all its pages.
        @Test("after keepLargeFreedBlocks, a 40 MiB block freed and allocated again is not faulted in afresh")
        func largeBlocksReused() {
            #expect(FreedMemory.keepLargeFreedBlocks(), "glibc refused the mallopt settings")
            let bytes = Self.blockBytes, pages = bytes / 4096
            let tries = Self.onNewThread { () -> [Int] in
                _ = FreedMemoryTests.faultsOfFreshBlock(bytes: bytes)  // the heap grows once
                var tries: [Int] = []
                for _ in 0..<3 {
                    let again = FreedMemoryTests.faultsOfFreshBlock(bytes: bytes)
                    tries.append(again)
                    if again >= 0 && again < pages / 10 { break }
                }
                return tries
            }
            let reused = tries.contains { $0 >= 0 && $0 < pages / 10 }
            #expect(reused, "\(tries) page faults for a block of \(pages) pages allocated again")
        }
    #endif
}
