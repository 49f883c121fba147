import CFFmpeg

extension AudioDecoder {
    /// joonson's audio (docs/reference/pipeline.md §5.4): the audio track of the reference's `video.avi`, extracted
    /// as 16 kHz mono s16 — what `ffmpeg -i IN -async 1 -q:v 2 -r 25 video.avi` followed by
    /// `ffmpeg -i video.avi -ac 1 -vn -acodec pcm_s16le -ar 16000 audio.wav` writes.
    ///
    /// The source audio goes through the CLI's `aresample=async=1:min_hard_comp=0.1:first_pts=0`
    /// (which also converts to the encoder's sample format, rate and channel count), 1152-sample
    /// frames of `libmp3lame` at its defaults, FFmpeg's MP3 decoder, and the same 16 kHz mono
    /// conversion as ``decodeMono16k(path:)``. The MP3 encoder's delay stays in the signal, as it
    /// does in the reference (an AVI has no way to say it should be skipped).
    ///
    /// ref: FFmpeg 5.1 `fftools/ffmpeg_filter.c` `configure_output_audio_filter` (`-async`),
    /// `fftools/ffmpeg.c` `decode_audio` (`av_rescale_delta` to 1/sample rate),
    /// `libavfilter/af_aresample.c` `filter_frame` (`swr_next_pts`), `libavcodec/libmp3lame.c`.
    ///
    /// - Throws: ``MediaError/noAudioStream(path:)``, ``MediaError/emptyStream(path:stream:)`` and
    ///   the other ``MediaError`` cases for unreadable or damaged files or a failing codec.
    public static func decodeMono16kThroughReferenceAVI(path: String) throws(MediaError) -> [Int16] {
        try decodeMono16k(path: path, through: .mp3InAVI)
    }

    /// LatentSync's audio (docs/reference/protocols.md §4): the audio track of its intermediate
    /// `video.mp4`, extracted as 16 kHz mono s16 — what `ffmpeg -i IN -qscale:v 2 -async 1 -r 25
    /// video.mp4` followed by `ffmpeg -i video.mp4 -ac 1 -vn -acodec pcm_s16le -ar 16000 audio.wav`
    /// writes: FFmpeg's AAC encoder at its defaults (source rate and channels), the priming the MP4
    /// edit list skips dropped, the AAC decoder, and the 16 kHz mono conversion.
    public static func decodeMono16kThroughIntermediateMP4(path: String) throws(MediaError) -> [Int16] {
        try decodeMono16k(path: path, through: .aacInMP4)
    }

    /// 16 kHz mono `samples` through an AAC round trip in an MP4 and back, as LatentSync's crops
    /// carry their speech: `ffmpeg -i crop.mp4 -i audio.wav -c:v copy -c:a aac out.mp4`, then
    /// `ffmpeg -i out.mp4 -async 1 -ac 1 -vn -acodec pcm_s16le -ar 16000 audio.wav`. The result is
    /// longer than the input: the last AAC frame's padding stays (the demuxer skips only the priming).
    public static func aacRoundTripMono16k(_ samples: [Int16], label: String) throws(MediaError) -> [Int16] {
        guard !samples.isEmpty else { return [] }
        let owned = try OwnedFrame(label: label)
        let frame = owned.pointer
        var output: [Int16] = []
        var roundTrip: AudioCodecRoundTrip? = nil
        // The wav demuxer's packets: 1024 samples (the size does not matter: the filter graph
        // re-chunks to the encoder's frame size).
        for start in stride(from: 0, to: samples.count, by: 1024) {
            let count = min(1024, samples.count - start)
            owned.unreference()
            frame.pointee.nb_samples = Int32(count)
            frame.pointee.format = AV_SAMPLE_FMT_S16.rawValue
            frame.pointee.sample_rate = Int32(sampleRate)
            LibAV.setDefaultChannelLayout(&frame.pointee.ch_layout, channels: 1)
            try owned.allocateBuffers(alignment: 0).check { $0.error(path: label, operation: "av_frame_get_buffer") }
            samples.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(frame.pointee.data.0!).copyMemory(from: bytes.baseAddress! + 2 * start, byteCount: 2 * count)
            }
            frame.pointee.pts = Int64(start)
            if roundTrip == nil { roundTrip = try AudioCodecRoundTrip(.aacMux, path: label, label: "speech", firstFrame: frame) }
            try roundTrip!.append(frame, pts: Int64(start), to: &output)
        }
        try roundTrip?.finish(appendingTo: &output)
        return output
    }

    private static func decodeMono16k(path: String, through setup: AudioCodecRoundTrip.Setup) throws(MediaError) -> [Int16] {
        let container = try InputContainer(path: path)
        guard let stream = container.bestStream(AVMEDIA_TYPE_AUDIO) else { throw .noAudioStream(path: path) }
        let decoder = try StreamDecoder(container: container, stream: stream)
        let timeBase = stream.pointee.time_base
        // ffmpeg subtracts the file's start time from every timestamp (input ts_offset).
        let startOffset =
            container.startTime.map {
                ReferenceTimeline.rescaleNearest($0, from: (1, Int64(AV_TIME_BASE)), to: (Int64(timeBase.num), Int64(timeBase.den)))
            } ?? 0
        var lastRescaled = LibAV.noTimestamp
        var roundTrip: AudioCodecRoundTrip? = nil
        var samples: [Int16] = []
        while try decoder.nextFrame() {
            let frame = decoder.frame
            if roundTrip == nil { roundTrip = try AudioCodecRoundTrip(setup, path: path, label: decoder.label, firstFrame: frame) }
            var pts = frame.pointee.best_effort_timestamp
            if pts != LibAV.noTimestamp {
                let rate = AVRational(num: 1, den: frame.pointee.sample_rate)
                pts = LibAV.rescaleDelta(pts - startOffset, from: timeBase, duration: frame.pointee.nb_samples, last: &lastRescaled, to: rate)
            }
            try roundTrip!.append(frame, pts: pts, to: &samples)
        }
        guard let roundTrip else { throw .emptyStream(path: path, stream: decoder.label) }
        try roundTrip.finish(appendingTo: &samples)
        if samples.isEmpty { throw .emptyStream(path: path, stream: decoder.label) }
        return samples
    }
}
