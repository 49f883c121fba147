#ifndef CJPEG_SHIM_H
#define CJPEG_SHIM_H

// libjpeg-turbo (Debian 12: libjpeg62-turbo-dev 2.1.5), used only by Media to decode JPEGs the way
// OpenCV's imread does. jpeglib.h needs FILE and size_t declared before it.
#include <stddef.h>
#include <stdio.h>
#include <setjmp.h>
#include <jpeglib.h>

// libjpeg reports errors by calling error_exit, whose default ends the process. Swift cannot use
// setjmp/longjmp, so the whole decode lives in this header: error_exit formats the message and
// jumps back here, and the function returns a status instead.
struct cjpeg_error_manager {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

static void cjpeg_error_exit(j_common_ptr info) {
    struct cjpeg_error_manager *manager = (struct cjpeg_error_manager *)info->err;
    (*info->err->format_message)(info, manager->message);
    longjmp(manager->jump, 1);
}

// Warnings (e.g. "Corrupt JPEG data") are ignored, as OpenCV's imread ignores them; library code
// never prints.
static void cjpeg_output_message(j_common_ptr info) { (void)info; }

enum {
    CJPEG_OK = 0,
    CJPEG_ERROR = 1,
    CJPEG_BUFFER_TOO_SMALL = 2,
};

// Decodes a JPEG held in memory to packed BGR, 8 bits per channel, with the settings OpenCV 4.x's
// JpegDecoder uses for IMREAD_COLOR (modules/imgcodecs/src/grfmt_jpeg.cpp, readHeader/readData):
// out_color_space = JCS_EXT_BGR with 3 components, and libjpeg's defaults for everything else:
// dct_method JDCT_ISLOW (integer "slow" IDCT), do_fancy_upsampling TRUE, no scaling.
// On CJPEG_BUFFER_TOO_SMALL (and on success) *width and *height hold the picture size; the
// caller retries with capacity >= width * height * 3. `message` receives libjpeg's text on error.
static inline int cjpeg_decode_bgr(const unsigned char *data, unsigned long size, unsigned char *output,
                                   size_t capacity, int *width, int *height, char *message, size_t message_size) {
    struct jpeg_decompress_struct info;
    struct cjpeg_error_manager manager;
    info.err = jpeg_std_error(&manager.base);
    manager.base.error_exit = cjpeg_error_exit;
    manager.base.output_message = cjpeg_output_message;
    manager.message[0] = 0;
    if (setjmp(manager.jump)) {
        if (message && message_size > 0) {
            size_t i = 0;
            for (; i + 1 < message_size && manager.message[i]; i++) message[i] = manager.message[i];
            message[i] = 0;
        }
        jpeg_destroy_decompress(&info);
        return CJPEG_ERROR;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, size);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = JCS_EXT_BGR;
    info.out_color_components = 3;
    jpeg_calc_output_dimensions(&info);
    *width = (int)info.output_width;
    *height = (int)info.output_height;
    size_t row_bytes = (size_t)info.output_width * 3;
    if ((size_t)info.output_height * row_bytes > capacity) {
        jpeg_destroy_decompress(&info);
        return CJPEG_BUFFER_TOO_SMALL;
    }
    jpeg_start_decompress(&info);
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = output + (size_t)info.output_scanline * row_bytes;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    return CJPEG_OK;
}

#endif
