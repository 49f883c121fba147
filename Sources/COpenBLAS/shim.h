#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
// openblas.pc points at the flavour-specific include directory that holds this cblas.h.
#include <cblas.h>
#endif
