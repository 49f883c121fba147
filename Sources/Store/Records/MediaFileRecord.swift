import Foundation
import GRDB
import Media

/// A row of the `mediaFile` table: what probing a media file learned, keyed by the file's content
/// digest and the timeline mode.
///
/// A record is built from a ``Media/MediaInfo`` with
/// ``init(sha256:timelineMode:byteCount:info:probedAt:)``; the columns that describe the container
/// and the decoded streams are copied from the info, which is also stored whole, as JSON, in the
/// `infoJSON` column. Records are values: to change one, build a new one and save it.
///
/// ## Topics
///
/// ### Creating a Record
/// - ``init(sha256:timelineMode:byteCount:info:probedAt:)``
/// - ``TimelineMode``
///
/// ### Key
/// - ``sha256``
/// - ``timelineMode``
public struct MediaFileRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    /// How frames are laid on the 25 fps timeline; the frame counts depend on it
    /// (``Media/TimelineMode``, stored by its raw value).
    public typealias TimelineMode = Media.TimelineMode

    public static let databaseTableName = "mediaFile"

    /// SHA-256 of the file's bytes, 64 lowercase hexadecimal digits.
    public let sha256: String
    /// The timeline mode ``timelineFrames`` and ``timelinePictures`` were counted in.
    public let timelineMode: TimelineMode
    /// Size of the file in bytes.
    public let byteCount: Int64
    /// FFmpeg's short name of the demuxer.
    public let container: String
    /// Container duration in seconds, when stated.
    public let durationSeconds: Double?
    /// Overall bit rate in bits per second, when known.
    public let bitRate: Int?
    /// Codec of the decoded video stream.
    public let videoCodec: String?
    /// Width of the decoded video stream, in pixels.
    public let videoWidth: Int?
    /// Height of the decoded video stream, in pixels.
    public let videoHeight: Int?
    /// Average frame rate stated for the decoded video stream, in frames per second.
    public let videoFramesPerSecond: Double?
    /// Pixel format of the decoded video stream.
    public let videoPixelFormat: String?
    /// Codec of the decoded audio stream.
    public let audioCodec: String?
    /// Sample rate of the decoded audio stream, in Hz.
    public let audioSampleRate: Int?
    /// Channel count of the decoded audio stream.
    public let audioChannels: Int?
    /// Frames on the 25 fps timeline.
    public let timelineFrames: Int?
    /// Real pictures among ``timelineFrames``.
    public let timelinePictures: Int?
    /// 16 kHz mono samples the audio resamples to.
    public let audioSamples: Int?
    /// Everything the probe learned; stored as JSON in the `infoJSON` column.
    public let info: MediaInfo
    /// When the file was probed.
    public let probedAt: Date

    /// Creates the record of a probed file.
    ///
    /// - Parameters:
    ///   - sha256: The SHA-256 of the file's bytes, 64 lowercase hexadecimal digits (see
    ///     ``ContentDigest``).
    ///   - timelineMode: The timeline mode the probe counted frames in.
    ///   - byteCount: Size of the file in bytes.
    ///   - info: What the probe learned.
    ///   - probedAt: When the file was probed; defaults to now.
    public init(
        sha256: String, timelineMode: TimelineMode, byteCount: Int64, info: MediaInfo,
        probedAt: Date = Date()
    ) {
        self.sha256 = sha256
        self.timelineMode = timelineMode
        self.byteCount = byteCount
        self.container = info.container
        self.durationSeconds = info.durationSeconds
        self.bitRate = info.bitRate
        let video = info.video
        self.videoCodec = video?.codec
        self.videoWidth = video?.width
        self.videoHeight = video?.height
        self.videoFramesPerSecond = video?.framesPerSecond
        self.videoPixelFormat = video?.pixelFormat
        let audio = info.audio
        self.audioCodec = audio?.codec
        self.audioSampleRate = audio?.sampleRate
        self.audioChannels = audio?.channels
        self.timelineFrames = info.timelineFrames
        self.timelinePictures = info.timelinePictures
        self.audioSamples = info.audioSamples
        self.info = info
        self.probedAt = probedAt
    }

    enum CodingKeys: String, CodingKey {
        case sha256, timelineMode, byteCount, container, durationSeconds, bitRate
        case videoCodec, videoWidth, videoHeight, videoFramesPerSecond, videoPixelFormat
        case audioCodec, audioSampleRate, audioChannels
        case timelineFrames, timelinePictures, audioSamples
        case info = "infoJSON"
        case probedAt
    }

    /// The columns of the `mediaFile` table.
    public enum Columns {
        public static let sha256 = Column(CodingKeys.sha256)
        public static let timelineMode = Column(CodingKeys.timelineMode)
        public static let probedAt = Column(CodingKeys.probedAt)
    }
}
