/// What `syncbench media probe` learns about a media file: its container and streams as FFmpeg
/// reports them, plus the two numbers the scoring pipeline will actually use.
public struct MediaInfo: Sendable, Codable, Equatable {
    /// FFmpeg's short name of the demuxer, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `avi`.
    public var container: String
    /// FFmpeg's descriptive name of the demuxer.
    public var containerLongName: String
    /// Container duration in seconds, when the container states one.
    public var durationSeconds: Double?
    /// Overall bit rate in bits per second, when known.
    public var bitRate: Int?
    /// Every stream of the file, in container order.
    public var streams: [StreamInfo]
    /// Index (into ``streams``) of the video stream the pipeline decodes, if any.
    public var videoStreamIndex: Int?
    /// Index (into ``streams``) of the audio stream the pipeline decodes, if any.
    public var audioStreamIndex: Int?
    /// Number of frames on the reference's 25 fps timeline (what the scorer sees), in the
    /// timeline mode the probe was run with; `nil` without a video stream.
    public var timelineFrames: Int?
    /// Number of real pictures among ``timelineFrames`` (the frames OpenCV would read back from
    /// the reference's intermediate AVI); the rest are repeats filling empty slots.
    public var timelinePictures: Int?
    /// Number of 16 kHz mono samples the audio resamples to; `nil` without an audio stream.
    public var audioSamples: Int?

    public init(
        container: String, containerLongName: String, durationSeconds: Double?, bitRate: Int?,
        streams: [StreamInfo], videoStreamIndex: Int?, audioStreamIndex: Int?,
        timelineFrames: Int? = nil, timelinePictures: Int? = nil, audioSamples: Int? = nil
    ) {
        self.container = container
        self.containerLongName = containerLongName
        self.durationSeconds = durationSeconds
        self.bitRate = bitRate
        self.streams = streams
        self.videoStreamIndex = videoStreamIndex
        self.audioStreamIndex = audioStreamIndex
        self.timelineFrames = timelineFrames
        self.timelinePictures = timelinePictures
        self.audioSamples = audioSamples
    }

    /// The decoded video stream, if any.
    public var video: StreamInfo? { videoStreamIndex.map { streams[$0] } }
    /// The decoded audio stream, if any.
    public var audio: StreamInfo? { audioStreamIndex.map { streams[$0] } }
}

/// One stream of a media file, as FFmpeg's demuxer and codec parameters describe it.
public struct StreamInfo: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case video, audio, subtitle, data, attachment, unknown
    }

    /// Stream index in the container.
    public var index: Int
    public var kind: Kind
    /// Codec short name (`h264`, `aac`, `mpeg4`, `mp3`, ...), `none` if FFmpeg has no id for it.
    public var codec: String
    /// Time base of the stream's timestamps, as `num/den`.
    public var timeBase: String
    /// Start time in seconds, when known.
    public var startSeconds: Double?
    /// Duration in seconds, when known.
    public var durationSeconds: Double?
    /// Frame (or packet) count stated by the container, when known; not necessarily what decodes.
    public var statedFrameCount: Int?

    // Video
    public var width: Int?
    public var height: Int?
    public var pixelFormat: String?
    /// Average frame rate stated by the container (`avg_frame_rate`), else FFmpeg's base rate
    /// (`r_frame_rate`), in frames per second.
    public var framesPerSecond: Double?

    // Audio
    public var sampleRate: Int?
    public var channels: Int?
    public var channelLayout: String?
    public var sampleFormat: String?

    public init(index: Int, kind: Kind, codec: String, timeBase: String) {
        self.index = index
        self.kind = kind
        self.codec = codec
        self.timeBase = timeBase
    }
}
