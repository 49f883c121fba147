#if canImport(Glibc)
    import Glibc
#endif

/// The C library's free memory, handed back to the system between a network's phase and the next.
///
/// glibc keeps the pages of freed blocks below its dynamic mmap threshold (which grows to 32 MiB
/// as large blocks are freed) for reuse, so after S3FD has run its batches and been released, the
/// process still holds about 100 MB of free heap (measured on the example clip: 270 MB resident
/// while detecting, then 344 MB while scoring with SyncNet against 246 MB when no detector ran).
/// Returning it once between the phases costs a few milliseconds; a fixed small mmap threshold
/// instead would return it on every free and doubled the time of `eval`, by page faults.
public enum FreedMemory {
    /// Returns the free pages of every heap to the system: glibc's `malloc_trim(0)`, found at run
    /// time because Swift's Glibc module leaves out `<malloc.h>`; nothing with another C library.
    /// Its result only says whether anything was returned, so it is not an error.
    public static func returnToSystem() {
        #if canImport(Glibc)
            guard let trim = mallocTrim else { return }
            _ = trim(0)
        #endif
    }

    #if canImport(Glibc)
        private typealias MallocTrim = @convention(c) (Int) -> Int32
        private static let mallocTrim: MallocTrim? = {
            guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: MallocTrim.self)
        }()
    #endif
}
