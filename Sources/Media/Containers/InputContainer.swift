import CFFmpeg
import Foundation

/// An opened input file: owns one `AVFormatContext` from `avformat_open_input` until `deinit`.
///
/// Opening checks the path first so that the common failures get their own error (missing,
/// unreadable, empty), then lets FFmpeg probe the bytes; a refusal is split into "not media at all"
/// and "recognised but damaged" by asking FFmpeg's prober whether it knows the format.
final class InputContainer {
    let path: String
    let format: InputFormatContext
    var context: UnsafeMutablePointer<AVFormatContext> { format.pointer }

    init(path: String) throws(MediaError) {
        _ = FFmpegLog.install
        self.path = path
        try Self.checkReadableFile(path)
        FFmpegLog.reset()
        format = try InputFormatContext(path: path) { Self.classifyOpenFailure(path: path, code: $0.code) }
        try format.findStreamInfo().check { .corruptContainer(path: path, container: "media", reason: $0.reason) }
    }

    /// FFmpeg's short name of the demuxer, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    var formatName: String { String(cString: context.pointee.iformat.pointee.name) }

    /// The streams of the file, in container order.
    var streams: [UnsafeMutablePointer<AVStream>] {
        (0..<Int(context.pointee.nb_streams)).compactMap { context.pointee.streams[$0] }
    }

    /// The stream FFmpeg considers best of a kind, skipping attached pictures (cover art).
    func bestStream(_ type: AVMediaType) -> UnsafeMutablePointer<AVStream>? {
        guard let index = format.bestStreamIndex(type), let stream = context.pointee.streams[index] else { return nil }
        if stream.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0 { return nil }
        return stream
    }

    /// Start time of the whole file in microseconds (`AV_TIME_BASE`), or nil when unknown.
    var startTime: Int64? {
        let value = context.pointee.start_time
        return value == LibAV.noTimestamp ? nil : value
    }

    // MARK: Failure classification

    private static func checkReadableFile(_ path: String) throws(MediaError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw .fileNotFound(path: path)
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        if size == 0 { throw .emptyFile(path: path) }
    }

    /// Decides between "no demuxer knows these bytes" and "a known container that is damaged".
    private static func classifyOpenFailure(path: String, code: Int32) -> MediaError {
        if code == LibAV.error(posix: ENOENT) { return .fileNotFound(path: path) }
        if code == LibAV.error(posix: EACCES) { return .unreadable(path: path, reason: "permission denied") }
        let said = FFmpegLog.lines()
        if let container = probedFormatName(path: path) {
            let reason = said.last ?? LibAV.message(for: code)
            if container.contains("mp4") && reason.contains("moov atom not found") {
                return .corruptContainer(
                    path: path, container: "MP4",
                    reason: "no 'moov' index (the file was cut before its index was written): \(reason)")
            }
            return .corruptContainer(path: path, container: container, reason: reason)
        }
        return .unrecognizedFormat(path: path, reason: said.last ?? LibAV.message(for: code))
    }

    /// The demuxer FFmpeg's prober picks for the first bytes of the file, if it is confident.
    ///
    /// Uses the same confidence bar as `av_probe_input_buffer` (`AVPROBE_SCORE_MAX / 4`), so random
    /// bytes that faintly resemble MP3 frames do not count as a known container.
    private static func probedFormatName(path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 20), !head.isEmpty else { return nil }
        guard let probed = LibAV.probeFormat(head: [UInt8](head), filename: path), probed.score > AVPROBE_SCORE_MAX / 4 else { return nil }
        return probed.name
    }
}
