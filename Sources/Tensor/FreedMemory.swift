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

    /// Keeps the pages of large freed blocks for the next large blocks instead of handing them
    /// back at every `free` and faulting them in again: glibc's `mallopt(M_MMAP_THRESHOLD,
    /// 256 MiB)` (blocks up to that size come from the heap, not from their own `mmap`) and
    /// `mallopt(M_TRIM_THRESHOLD, 512 MiB)` (the heap's free top is not trimmed after each
    /// batch). ``returnToSystem()`` still hands the free pages back between a network's phases.
    /// Measured on the 2-core machine (docs/performance.md, "Freed blocks kept"): the SyncNet stage
    /// of `eval` with boxes 10–25 % faster, each batch of windows no longer faulting in its
    /// activations afresh; peak RSS up to 25 MiB higher, within the 300 MiB budget.
    ///
    /// The process's allocator is the command-line tool's to configure: `syncbench` calls this
    /// once at start-up; library code does not. Returns whether the C library took both settings
    /// (false with another C library, where nothing changes).
    @discardableResult
    public static func keepLargeFreedBlocks() -> Bool {
        #if canImport(Glibc)
            guard let set = mallopt else { return false }
            let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD (<malloc.h>)
            return set(mmapThreshold, 256 << 20) == 1 && set(trimThreshold, 512 << 20) == 1
        #else
            return false
        #endif
    }

    /// One heap for every thread: glibc's `mallopt(M_ARENA_MAX, 1)`. By default glibc gives
    /// threads heaps (arenas) of their own, up to eight per core; the layers' worker threads then
    /// leave freed blocks in theirs that an allocation on another thread cannot reuse, and a
    /// process's peak depends on which thread happened to run which job. Measured alternating with
    /// the default (docs/performance.md, "One heap"): peak RSS of a cold `eval` of the example with
    /// S3FD 288–292 → 269 MiB, with boxes 266–267 → 250–255 MiB, `detect` 269–274 → 227–243 MiB,
    /// `bench run --jobs 2` 540 → 510 MiB, and no slower (`eval` 20.0–23.1 → 18.8–20.5 s). An
    /// earlier measurement of the same setting was 25 % slower, while the Winograd input transform
    /// still allocated scratch per tile (``Winograd/inputTileScratch``).
    ///
    /// It applies to threads that have not allocated yet, so `syncbench` calls it first thing, when
    /// no other thread exists; library code does not. Which heap a thread gets cannot be observed
    /// from inside a process (glibc's `mallopt` even returns 1 for parameters it does not know), so
    /// no unit test covers it: `tools/bench/eval.sh` measures its effect, the peak RSS against the
    /// 300 MiB budget. Returns false with another C library, where nothing changes.
    @discardableResult
    public static func shareOneHeap() -> Bool {
        #if canImport(Glibc)
            guard let set = mallopt else { return false }
            let arenaMax: Int32 = -8  // M_ARENA_MAX (<malloc.h>)
            return set(arenaMax, 1) == 1
        #else
            return false
        #endif
    }

    #if canImport(Glibc)
        private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        private static let mallopt: Mallopt? = {
            guard let symbol = dlsym(nil, "mallopt") else { return nil }
            return unsafeBitCast(symbol, to: Mallopt.self)
        }()

        private typealias MallocTrim = @convention(c) (Int) -> Int32
        private static let mallocTrim: MallocTrim? = {
            guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: MallocTrim.self)
        }()
    #endif
}
