// Software prefetches for the Tensor target's Winograd transforms (docs/performance.md,
// "Cache lines ahead"). Swift has no prefetch of its own; these are inlined into the Swift
// callers like any static inline C function.
#ifndef SYNCBENCH_PREFETCH_H
#define SYNCBENCH_PREFETCH_H

/// Asks for the cache line holding `p` to be brought into every cache level, for reading. A hint:
/// no fault, no effect on results, whatever `p` points at.
static inline void syncbench_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// The same, for a line about to be written.
static inline void syncbench_prefetch_for_write(void *p) { __builtin_prefetch(p, 1, 3); }

#endif
