/// Why a media file could not be read, decoded or written. Every case names the file.
///
/// Each case is a distinct failure a user can act on; the command-line tool maps each to its own
/// exit code (see `docs/cli.md`).
public enum MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path does not exist or is not a regular file.
    case fileNotFound(path: String)
    /// The path exists but cannot be read (permissions, I/O error).
    case unreadable(path: String, reason: String)
    /// The file has zero bytes.
    case emptyFile(path: String)
    /// No FFmpeg demuxer recognises the bytes (random data, a text file, ...).
    case unrecognizedFormat(path: String, reason: String)
    /// The container was recognised but is damaged or incomplete (e.g. an MP4 without its `moov`
    /// index, or whose media data stops early).
    case corruptContainer(path: String, container: String, reason: String)
    /// The file has no video stream, but one is needed.
    case noVideoStream(path: String)
    /// The file has no audio stream, but one is needed.
    case noAudioStream(path: String)
    /// FFmpeg has no decoder (or encoder) for the stream's codec.
    case unsupportedCodec(path: String, stream: String, codec: String)
    /// The stream exists but decodes to nothing (no frames or no samples).
    case emptyStream(path: String, stream: String)
    /// Decoding failed in the middle of the stream.
    case decodeFailed(path: String, stream: String, reason: String)
    /// Writing a media file failed.
    case encodeFailed(path: String, reason: String)
    /// An FFmpeg call failed where no more specific case applies.
    case ffmpeg(path: String, operation: String, code: Int32, message: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _), .emptyFile(let path),
            .unrecognizedFormat(let path, _), .corruptContainer(let path, _, _), .noVideoStream(let path),
            .noAudioStream(let path), .unsupportedCodec(let path, _, _), .emptyStream(let path, _),
            .decodeFailed(let path, _, _), .encodeFailed(let path, _), .ffmpeg(let path, _, _, _):
            path
        }
    }

    public var description: String {
        switch self {
        case .fileNotFound(let path): "\(path): no such file"
        case .unreadable(let path, let reason): "\(path): cannot read the file: \(reason)"
        case .emptyFile(let path): "\(path): the file is empty (0 bytes)"
        case .unrecognizedFormat(let path, let reason):
            "\(path): not a media file FFmpeg can read (\(reason))"
        case .corruptContainer(let path, let container, let reason):
            "\(path): damaged or truncated \(container) file: \(reason)"
        case .noVideoStream(let path): "\(path): the file has no video stream"
        case .noAudioStream(let path):
            "\(path): the file has no audio stream (give the speech separately with --audio)"
        case .unsupportedCodec(let path, let stream, let codec):
            "\(path): \(stream) uses codec '\(codec)', which this FFmpeg build cannot decode"
        case .emptyStream(let path, let stream): "\(path): \(stream) contains no decodable data"
        case .decodeFailed(let path, let stream, let reason): "\(path): decoding \(stream) failed: \(reason)"
        case .encodeFailed(let path, let reason): "\(path): writing failed: \(reason)"
        case .ffmpeg(let path, let operation, let code, let message):
            "\(path): \(operation) failed: \(message) (FFmpeg error \(code))"
        }
    }
}
