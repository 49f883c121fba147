import CFFmpeg

/// The FFmpeg libraries SyncBench runs with, for the provenance every output states: their
/// versions change decoded pixels and resampled samples (docs/media.md).
public enum MediaLibraries {
    /// `libavformat` … `libswresample` as `major.minor.micro`, from the libraries loaded at run
    /// time (not the headers built against).
    public static var versions: [String: String] {
        func text(_ version: UInt32) -> String { "\(version >> 16).\((version >> 8) & 0xFF).\(version & 0xFF)" }
        return [
            "libavformat": text(avformat_version()), "libavcodec": text(avcodec_version()), "libavutil": text(avutil_version()),
            "libswscale": text(swscale_version()), "libswresample": text(swresample_version()),
        ]
    }
}
