import CFFmpeg

/// One `AVChannelLayout`, released with `av_channel_layout_uninit` when the value goes away.
struct OwnedChannelLayout: ~Copyable {
    var layout = AVChannelLayout()

    /// FFmpeg's default layout for `channels` channels (`av_channel_layout_default`).
    init(defaultFor channels: Int32) {
        av_channel_layout_default(&layout, channels)
    }

    /// A copy of `source` (`av_channel_layout_copy`); an unspecified order gets the default layout
    /// for its channel count, as the ffmpeg CLI gives it.
    init(copying source: UnsafePointer<AVChannelLayout>, defaultWhenUnspecified: Bool, label: String) throws(MediaError) {
        if defaultWhenUnspecified && source.pointee.order == AV_CHANNEL_ORDER_UNSPEC {
            av_channel_layout_default(&layout, source.pointee.nb_channels)
            return
        }
        let status = av_channel_layout_copy(&layout, source)
        try LibAVStatus(status).check { $0.error(path: label, operation: "av_channel_layout_copy") }
    }

    deinit {
        var layout = layout
        av_channel_layout_uninit(&layout)
    }

    var channels: Int32 { layout.nb_channels }

    /// Copies this layout into `destination` (a codec's or frame's field), releasing what it held.
    func copy(into destination: UnsafeMutablePointer<AVChannelLayout>, label: String) throws(MediaError) {
        var source = layout
        let status = av_channel_layout_copy(destination, &source)
        try LibAVStatus(status).check { $0.error(path: label, operation: "av_channel_layout_copy") }
    }
}

extension LibAV {
    /// Sets `destination` to FFmpeg's default layout for `channels` channels.
    static func setDefaultChannelLayout(_ destination: UnsafeMutablePointer<AVChannelLayout>, channels: Int32) {
        av_channel_layout_default(destination, channels)
    }
}
