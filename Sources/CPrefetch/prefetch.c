// The target's functions are static inline, in include/prefetch.h; SwiftPM wants a source file.
#include "prefetch.h"
