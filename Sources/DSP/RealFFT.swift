/// A discrete Fourier transform of real input, as NumPy's `numpy.fft.rfft(x, n)` computes it.
///
/// For `N = length`, `X_k = Σ_{n=0}^{N−1} x_n·e^{−2πi·kn/N}` for `k = 0 … N/2`, unnormalised.
///
/// DSP stays free of C dependencies; the implementation used in production is
/// `Media.FFmpegRealFFT` (FFmpeg's `av_tx`, double precision), injected where the MFCC is built.
/// Implementations may keep scratch buffers and need not be thread-safe; callers use one
/// instance per thread.
public protocol RealFFT {
    /// The transform length n. Inputs shorter than n are zero-padded; longer ones are cut, like NumPy.
    var length: Int { get }

    /// Writes `|X_k|^2` for `k = 0 ... n/2` (n/2 + 1 values) into `powers`.
    ///
    /// - Parameters:
    ///   - input: up to `length` real samples.
    ///   - powers: receives `length / 2 + 1` squared magnitudes, in double precision.
    func squaredMagnitudes(of input: UnsafeBufferPointer<Double>, into powers: UnsafeMutableBufferPointer<Double>)
}
