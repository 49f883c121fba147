import CFFmpeg
import Foundation

/// Keeps FFmpeg quiet and remembers what it would have said.
///
/// Library code never prints, but FFmpeg writes its diagnostics to stderr by default. At first use
/// Media installs a log callback that formats each warning or error line and keeps the last few of
/// the calling thread, so that an error can say *why* FFmpeg refused a file ("moov atom not found")
/// instead of only returning a code. The corresponding C function is `av_log_set_callback`.
enum FFmpegLog {
    /// Installs the callback once per process.
    static let install: Void = {
        av_log_set_level(AV_LOG_WARNING)
        av_log_set_callback(ffmpegLogCallback)
    }()

    private static let key = "SyncBench.FFmpegLog.lines"

    /// Forgets what the current thread's FFmpeg calls logged so far.
    static func reset() {
        Thread.current.threadDictionary.removeObject(forKey: key)
    }

    /// The warning and error lines FFmpeg logged on the current thread since the last ``reset()``.
    static func lines() -> [String] {
        (Thread.current.threadDictionary[key] as? [String]) ?? []
    }

    fileprivate static func append(_ line: String) {
        var lines = (Thread.current.threadDictionary[key] as? [String]) ?? []
        lines.append(line)
        if lines.count > 8 { lines.removeFirst(lines.count - 8) }
        Thread.current.threadDictionary[key] = lines
    }

    /// The most specific thing FFmpeg said, or `fallback`.
    static func reason(or fallback: String) -> String {
        lines().last ?? fallback
    }
}

private func ffmpegLogCallback(
    _ context: UnsafeMutableRawPointer?, _ level: Int32, _ format: UnsafePointer<CChar>?, _ arguments: CVaListPointer?
) {
    guard level <= AV_LOG_WARNING, let format, let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 1024)
    var printPrefix: Int32 = 0
    let length = av_log_format_line2(context, level, format, arguments, &buffer, Int32(buffer.count), &printPrefix)
    guard length > 0 else { return }
    let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    if !text.isEmpty { FFmpegLog.append(text) }
}
