import CFFmpeg

/// One libavutil `AVTXContext` for the double-precision real-to-complex FFT (`AV_TX_DOUBLE_RDFT`,
/// forward, scale 1), freed with `av_tx_uninit` when the value goes away.
struct RealTransformContext: ~Copyable {
    private let context: OpaquePointer?
    private let function: av_tx_fn

    /// A transform of `length` real samples (`av_tx_init`); nil with FFmpeg's code when FFmpeg
    /// rejects the length or cannot allocate the context.
    init(length: Int32) throws(LibAVStatus) {
        var context: OpaquePointer?
        var function: av_tx_fn?
        var scale = 1.0
        let status = av_tx_init(&context, &function, AV_TX_DOUBLE_RDFT, 0, length, &scale, 0)
        guard status >= 0, let context, let function else {
            av_tx_uninit(&context)
            throw LibAVStatus(status < 0 ? status : LibAV.error(posix: ENOMEM))
        }
        self.context = context
        self.function = function
    }

    deinit {
        var owned = context
        av_tx_uninit(&owned)
    }

    /// Transforms `input` into `output`; `stride` is `sizeof(double)` for real transforms (libavutil/tx.h).
    func transform(_ input: UnsafeMutablePointer<Double>, into output: UnsafeMutablePointer<AVComplexDouble>) {
        function(context, output, input, MemoryLayout<Double>.size)
    }
}
