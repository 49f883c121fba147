import Foundation
import Testing

@testable import Tensor

#if canImport(Glibc)
    import Glibc
#endif

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

        @Test("after keepLargeFreedBlocks, a 48 MiB block freed and allocated again is not faulted in afresh")
        func largeBlocksReused() {
            #expect(FreedMemory.keepLargeFreedBlocks(), "glibc refused the mallopt settings")
            // glibc's default maps every block above its 32 MiB dynamic threshold on its own and
            // unmaps it at `free`: each allocation then faults in all 12 288 of its pages again.
            let bytes = 48 << 20, pages = bytes / 4096
            _ = Self.faultsOfFreshBlock(bytes: bytes)  // the heap grows once
            let again = Self.faultsOfFreshBlock(bytes: bytes)
            #expect(again >= 0 && again < pages / 10, "\(again) page faults for a block of \(pages) pages allocated a second time")
        }
    #endif
}
