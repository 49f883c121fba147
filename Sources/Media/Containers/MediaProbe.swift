import CFFmpeg

/// Reads what a media file holds, and counts what the pipeline will get out of it.
public enum MediaProbe {
    /// Describes `path`: container, streams and codecs from FFmpeg, and — by decoding, because
    /// only decoding gives exact numbers — the frames on the 25 fps timeline and the 16 kHz samples.
    ///
    /// - Parameters:
    ///   - path: any file FFmpeg can read.
    ///   - mode: the timeline mode the frame count refers to.
    ///   - countFrames: decode the video to count timeline frames (default true).
    ///   - countSamples: decode the audio to count 16 kHz samples (default true).
    /// - Throws: ``MediaError`` naming the file and the problem.
    public static func probe(
        path: String, mode: TimelineMode = .reference, countFrames: Bool = true, countSamples: Bool = true
    ) throws(MediaError) -> MediaInfo {
        let container = try InputContainer(path: path)
        let context = container.context.pointee
        let video = container.bestStream(AVMEDIA_TYPE_VIDEO)
        let audio = container.bestStream(AVMEDIA_TYPE_AUDIO)
        var info = MediaInfo(
            container: container.formatName,
            containerLongName: context.iformat.pointee.long_name.map { String(cString: $0) } ?? container.formatName,
            durationSeconds: context.duration > 0 ? Double(context.duration) / Double(AV_TIME_BASE) : nil,
            bitRate: context.bit_rate > 0 ? Int(context.bit_rate) : nil,
            streams: container.streams.map(streamInfo),
            videoStreamIndex: video.map { Int($0.pointee.index) },
            audioStreamIndex: audio.map { Int($0.pointee.index) })
        if countFrames, video != nil {
            let decoder = try VideoDecoder(path: path, mode: mode, convertPixels: false)
            while try decoder.nextFrame() != nil {}
            if decoder.framesEmitted == 0 { throw .emptyStream(path: path, stream: "video stream #\(info.videoStreamIndex!)") }
            info.timelineFrames = decoder.framesEmitted
            info.timelinePictures = decoder.aviPictures
        }
        if countSamples, audio != nil {
            info.audioSamples = try AudioDecoder.decodeMono16k(path: path).count
        }
        return info
    }

    private static func streamInfo(_ stream: UnsafeMutablePointer<AVStream>) -> StreamInfo {
        let parameters = stream.pointee.codecpar.pointee
        let timeBase = stream.pointee.time_base
        let seconds = { (value: Int64) -> Double? in
            value == LibAV.noTimestamp ? nil : Double(value) * Double(timeBase.num) / Double(timeBase.den)
        }
        let kind: StreamInfo.Kind =
            switch parameters.codec_type {
            case AVMEDIA_TYPE_VIDEO: .video
            case AVMEDIA_TYPE_AUDIO: .audio
            case AVMEDIA_TYPE_SUBTITLE: .subtitle
            case AVMEDIA_TYPE_DATA: .data
            case AVMEDIA_TYPE_ATTACHMENT: .attachment
            default: .unknown
            }
        var info = StreamInfo(
            index: Int(stream.pointee.index), kind: kind, codec: LibAV.codecName(parameters.codec_id),
            timeBase: "\(timeBase.num)/\(timeBase.den)")
        info.startSeconds = seconds(stream.pointee.start_time)
        info.durationSeconds = seconds(stream.pointee.duration)
        info.statedFrameCount = stream.pointee.nb_frames > 0 ? Int(stream.pointee.nb_frames) : nil
        if kind == .video {
            info.width = Int(parameters.width)
            info.height = Int(parameters.height)
            info.pixelFormat = LibAV.pixelFormatName(AVPixelFormat(parameters.format))
            // The average rate the container states, else the base rate FFmpeg derives from timestamps.
            for rate in [stream.pointee.avg_frame_rate, stream.pointee.r_frame_rate] where rate.num > 0 && rate.den > 0 {
                info.framesPerSecond = Double(rate.num) / Double(rate.den)
                break
            }
        }
        if kind == .audio {
            info.sampleRate = Int(parameters.sample_rate)
            info.channels = Int(parameters.ch_layout.nb_channels)
            info.sampleFormat = LibAV.sampleFormatName(AVSampleFormat(parameters.format))
            var layout = parameters.ch_layout
            if let described = LibAV.describe(&layout) { info.channelLayout = described }
        }
        return info
    }
}
