import CFFmpeg

/// The one layer through which Media calls FFmpeg.
///
/// Every call into libavformat, libavcodec, libavutil, libswscale and libswresample is made by a
/// file of this folder, in the manner of swift-system's `Syscalls.swift`: the rest of Media reads
/// and sets FFmpeg's struct fields and uses its constants, but calls no FFmpeg function
/// (`tools/check-imports.sh` fails the build when it does). What the layer gives the rest:
///
/// - **Owner types** (`OwnedFrame`, `OwnedPacket`, `CodecContext`, `InputFormatContext`,
///   `OutputFormatContext`, `ScaleContext`, `ResampleContext`, `OwnedChannelLayout`,
///   `RealTransformContext`): non-copyable values that free their handle exactly once, in their
///   `deinit`, so a failed initialiser or an early return cannot leak or double-free.
/// - **One error conversion**: every FFmpeg return code comes back as a ``LibAVStatus``; its
///   ``LibAVStatus/check(_:)`` turns a negative code into the ``MediaError`` the caller names.
enum LibAV {
    /// `AVERROR(errno)`.
    static func error(posix code: Int32) -> Int32 { cffmpeg_averror(code) }

    /// FFmpeg's "no timestamp" (`AV_NOPTS_VALUE`).
    static let noTimestamp: Int64 = cffmpeg_nopts_value

    /// FFmpeg's text for an error code. The corresponding C function is `av_strerror`.
    static func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = av_strerror(code, &buffer, buffer.count)
        guard status == 0 else { return "unknown error \(code)" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The error of an allocation that returned NULL.
    static func outOfMemory(_ label: String, _ operation: String) -> MediaError {
        .ffmpeg(path: label, operation: operation, code: error(posix: ENOMEM), message: "out of memory")
    }
}

/// The return code of one FFmpeg call: non-negative is success (often a count), negative an
/// `AVERROR` code. `EAGAIN` and end-of-file are control flow for the send/receive loops and have
/// their own properties; ``check(_:)`` is how every other negative code becomes a ``MediaError``.
struct LibAVStatus: Error, Equatable {
    let code: Int32

    init(_ code: Int32) { self.code = code }

    /// The call succeeded.
    static let ok = LibAVStatus(0)

    var failed: Bool { code < 0 }
    /// `AVERROR(EAGAIN)`: the codec wants the other side of its send/receive pair first.
    var isAgain: Bool { code == cffmpeg_averror_eagain }
    /// `AVERROR_EOF`: the end of the file or of a flushed codec.
    var isEndOfFile: Bool { code == cffmpeg_averror_eof }
    /// `AVERROR_INVALIDDATA`: a damaged packet or file.
    var isInvalidData: Bool { code == cffmpeg_averror_invaliddata }

    /// FFmpeg's text for the code (`av_strerror`).
    var message: String { LibAV.message(for: code) }
    /// The last warning or error FFmpeg logged on this thread since the last ``FFmpegLog/reset()``,
    /// or else ``message``: usually the more specific of the two.
    var reason: String { FFmpegLog.reason(or: message) }

    /// Returns the code when it is non-negative; otherwise throws the error `failure` makes of
    /// this status.
    @discardableResult
    func check(_ failure: (LibAVStatus) -> MediaError) throws(MediaError) -> Int32 {
        guard code < 0 else { return code }
        throw failure(self)
    }

    /// ``MediaError/ffmpeg(path:operation:code:message:)`` for this status.
    func error(path: String, operation: String) -> MediaError {
        .ffmpeg(path: path, operation: operation, code: code, message: message)
    }
}
