#ifndef CFFMPEG_SHIM_H
#define CFFMPEG_SHIM_H

// FFmpeg >= 5.1 (libavformat 59, Debian 12). Only the libraries Media uses; no libavfilter:
// frame-rate selection is done in Swift, where it can be tested.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>
#include <libavutil/tx.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>

// AVERROR() is a function-like macro: Swift cannot import it.
static inline int cffmpeg_averror(int errnum) { return AVERROR(errnum); }
// AVERROR_EOF is built with FFERRTAG (a macro with arguments): not importable.
static const int cffmpeg_averror_eof = AVERROR_EOF;
// AVERROR_INVALIDDATA, AVERROR_DECODER_NOT_FOUND, AVERROR_DEMUXER_NOT_FOUND: FFERRTAG again.
static const int cffmpeg_averror_invaliddata = AVERROR_INVALIDDATA;
static const int cffmpeg_averror_decoder_not_found = AVERROR_DECODER_NOT_FOUND;
static const int cffmpeg_averror_demuxer_not_found = AVERROR_DEMUXER_NOT_FOUND;
static const int cffmpeg_averror_eagain = AVERROR(EAGAIN);
// AV_NOPTS_VALUE is a cast expression ((int64_t)UINT64_C(0x8000000000000000)): not importable.
static const int64_t cffmpeg_nopts_value = AV_NOPTS_VALUE;
// AV_TIME_BASE_Q is a compound literal: not importable.
static inline AVRational cffmpeg_time_base_q(void) { return (AVRational){1, AV_TIME_BASE}; }

#endif
