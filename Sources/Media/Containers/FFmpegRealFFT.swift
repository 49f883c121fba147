import CFFmpeg
import DSP

/// A failure to set up FFmpeg's real FFT.
public struct FFTError: Error, Equatable, CustomStringConvertible {
    /// The transform length that was requested.
    public let length: Int
    /// The FFmpeg error code (a negative `AVERROR` value) returned by `av_tx_init`.
    public let code: Int32

    public init(length: Int, code: Int32) {
        self.length = length
        self.code = code
    }

    public var description: String {
        let message = LibAV.message(for: code)
        return "cannot create a real FFT of length \(length): FFmpeg error \(code) (\(message))"
    }
}

/// The double-precision real-to-complex FFT of FFmpeg's `av_tx` (`AV_TX_DOUBLE_RDFT`), forward,
/// unscaled (scale 1.0):
///
///     X_k = Σ_{n=0}^{N−1} x_n·e^{−2πi·kn/N},   k = 0 … N/2,
///
/// the same transform as NumPy's `numpy.fft.rfft(x, N)`, from which it differs by rounding only
/// (a few units in the last place relative to the largest bin). The input is copied into an
/// aligned scratch buffer, zero-padded to `N` or cut to `N` like NumPy; the output holds
/// `N/2 + 1` complex values (`AVComplexDouble`), and the stride argument is `sizeof(double)`, as
/// libavutil/tx.h prescribes for RDFTs. FFmpeg 5.1 does not write the (always zero) imaginary
/// part of the Nyquist bin, so this class sets it.
///
/// The instance owns its FFmpeg context and scratch buffers and reuses them on every call, so it
/// is **not thread-safe**: use one instance per thread.
///
/// ref: libavutil/tx.h `av_tx_init(AV_TX_DOUBLE_RDFT)` (FFmpeg ≥ 5.1); the reference's
/// `numpy.fft.rfft` inside python_speech_features/sigproc.py `powspec()` 0.6
public final class FFmpegRealFFT: RealFFT {
    public let length: Int
    private let context: RealTransformContext
    /// `length` doubles, 64-byte aligned.
    private let input: UnsafeMutablePointer<Double>
    /// `length / 2 + 1` complex values, 64-byte aligned.
    private let output: UnsafeMutablePointer<AVComplexDouble>

    /// Creates an FFT of `length` real samples.
    ///
    /// - Throws: ``FFTError`` for lengths below 4 or odd lengths (code `AVERROR(EINVAL)`), or
    ///   when FFmpeg rejects the length or cannot allocate the context (FFmpeg's code).
    public init(length: Int) throws(FFTError) {
        // Length 2 is rejected too: FFmpeg 5.1's RDFT returns the Nyquist bin of a 2-point
        // transform with the wrong sign (verified: x = (0.25, 1) gives X_1 = +0.75, not −0.75).
        guard length >= 4, length % 2 == 0, length <= Int(Int32.max) else {
            throw FFTError(length: length, code: LibAV.error(posix: EINVAL))
        }
        do {
            context = try RealTransformContext(length: Int32(length))
        } catch {
            throw FFTError(length: length, code: error.code)
        }
        self.length = length
        let alignment = 64
        self.input = UnsafeMutableRawPointer.allocate(
            byteCount: length * MemoryLayout<Double>.stride, alignment: alignment
        ).bindMemory(to: Double.self, capacity: length)
        self.output = UnsafeMutableRawPointer.allocate(
            byteCount: (length / 2 + 1) * MemoryLayout<AVComplexDouble>.stride, alignment: alignment
        ).bindMemory(to: AVComplexDouble.self, capacity: length / 2 + 1)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    /// Computes the transform of `input` (zero-padded or cut to ``length``) and calls `body` with
    /// the `length / 2 + 1` complex bins. The buffer is scratch: it is only valid inside `body`.
    public func withTransform<R>(
        of samples: UnsafeBufferPointer<Double>, _ body: (UnsafeBufferPointer<AVComplexDouble>) throws -> R
    ) rethrows -> R {
        let count = min(samples.count, length)
        if let base = samples.baseAddress, count > 0 {
            input.update(from: base, count: count)
        }
        if count < length {
            (input + count).update(repeating: 0, count: length - count)
        }
        context.transform(input, into: output)
        // FFmpeg 5.1's RDFT writes N + 1 doubles: the imaginary part of the Nyquist bin is left
        // untouched (verified: it keeps whatever the buffer held). For real input it is 0.
        output[length / 2].im = 0
        return try body(UnsafeBufferPointer(start: output, count: length / 2 + 1))
    }

    /// Writes `re² + im²` of the `length / 2 + 1` bins into `powers`.
    ///
    /// NumPy's `square(absolute(X))` squares `hypot(re, im)` instead; the two differ by at most a
    /// couple of units in the last place, far below the FFT's own rounding differences.
    public func squaredMagnitudes(of input: UnsafeBufferPointer<Double>, into powers: UnsafeMutableBufferPointer<Double>) {
        let bins = length / 2 + 1
        precondition(powers.count >= bins, "powers holds \(powers.count) values, needs \(bins)")
        withTransform(of: input) { spectrum in
            for k in 0..<bins {
                let z = spectrum[k]
                powers[k] = z.re * z.re + z.im * z.im
            }
        }
    }

    /// The complex spectrum of `samples` as `(re, im)` pairs, `length / 2 + 1` of them.
    public func spectrum(of samples: [Double]) -> [(re: Double, im: Double)] {
        samples.withUnsafeBufferPointer { samples in
            withTransform(of: samples) { spectrum in spectrum.map { (re: $0.re, im: $0.im) } }
        }
    }
}
