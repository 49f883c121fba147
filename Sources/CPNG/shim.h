#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H
// libpng >= 1.6 (Debian 12: 1.6.39). SyncBench uses only the "simplified" API
// (png_image_*), which reports errors through return values and png_image.message instead of
// longjmp, so no setjmp handling is needed on the Swift side.
#include <png.h>

// PNG_IMAGE_VERSION, PNG_FORMAT_RGB and PNG_IMAGE_ROW_STRIDE are macros.
static const unsigned int cpng_image_version = PNG_IMAGE_VERSION;
static const unsigned int cpng_format_rgb = PNG_FORMAT_RGB;
#endif
