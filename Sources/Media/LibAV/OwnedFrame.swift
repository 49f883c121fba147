import CFFmpeg

/// One `AVFrame`, freed with `av_frame_free` when the value goes away.
struct OwnedFrame: ~Copyable {
    let pointer: UnsafeMutablePointer<AVFrame>

    /// An empty frame. The corresponding C function is `av_frame_alloc`.
    init(label: String) throws(MediaError) {
        guard let frame = av_frame_alloc() else { throw LibAV.outOfMemory(label, "av_frame_alloc") }
        pointer = frame
    }

    /// A new reference to `source`'s buffers with a copy of its properties.
    /// The corresponding C function is `av_frame_clone`.
    init(cloning source: UnsafeMutablePointer<AVFrame>, label: String) throws(MediaError) {
        guard let frame = av_frame_clone(source) else { throw LibAV.outOfMemory(label, "av_frame_clone") }
        pointer = frame
    }

    deinit {
        var owned: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&owned)
    }

    /// Drops the frame's buffers and resets its properties (`av_frame_unref`).
    func unreference() { av_frame_unref(pointer) }

    /// Makes the frame a new reference to `source` (`av_frame_ref`); the frame must be empty.
    func reference(_ source: UnsafeMutablePointer<AVFrame>) -> LibAVStatus { LibAVStatus(av_frame_ref(pointer, source)) }

    /// Gives the frame buffers of its own for the format, size or sample count set on it
    /// (`av_frame_get_buffer`); 0 picks FFmpeg's default alignment.
    func allocateBuffers(alignment: Int32) -> LibAVStatus { LibAVStatus(av_frame_get_buffer(pointer, alignment)) }

    /// Ensures the frame's buffers are not shared, copying them if needed (`av_frame_make_writable`).
    func makeWritable() -> LibAVStatus { LibAVStatus(av_frame_make_writable(pointer)) }
}
