import ArgumentParser
import DSP
import Foundation
import Media
import NPY

/// `syncbench media decode`: writes what the scorer sees as NumPy arrays.
struct MediaDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Write the 25 fps BGR frames, the 16 kHz mono audio and its MFCC as .npy files.",
        discussion: """
            Frames are uint8 [N, H, W, 3] in BGR order, on the reference's 25 fps timeline; audio is \
            int16 [S] at 16 kHz mono, exactly as `ffmpeg -ac 1 -ar 16000` produces it; the MFCC is \
            float64 [13, T] as python_speech_features computes it. Frames are streamed to disk, so \
            memory does not grow with the clip length.
            """
    )

    @OptionGroup var input: MediaInputOptions

    @Option(help: "Write the frames to this .npy file.", completion: .file(extensions: ["npy"]))
    var frames: String?

    @Option(name: .customLong("audio-out"), help: "Write the 16 kHz samples to this .npy file.", completion: .file(extensions: ["npy"]))
    var audioOut: String?

    @Option(help: "Write the MFCC matrix to this .npy file.", completion: .file(extensions: ["npy"]))
    var mfcc: String?

    @Option(name: .customLong("max-frames"), help: "Stop after this many frames (audio is not cut).")
    var maxFrames: Int?

    func validate() throws {
        if frames == nil && audioOut == nil && mfcc == nil {
            throw ValidationError("nothing to write: give at least one of --frames, --audio-out, --mfcc")
        }
        if let maxFrames, maxFrames < 1 { throw ValidationError("--max-frames must be at least 1, got \(maxFrames)") }
        for (path, option) in [(frames, "--frames"), (audioOut, "--audio-out"), (mfcc, "--mfcc")] {
            if let path { try OutputPath.checkFile(path, option: option) }
        }
    }

    func run() throws {
        try reportingFailures {
            if let frames { try writeFrames(to: frames) }
            if audioOut != nil || mfcc != nil { try writeAudio() }
        }
    }

    private func writeFrames(to path: String) throws {
        let decoder = try VideoDecoder(path: input.file, mode: input.mode)
        let writer = try NPYStreamWriter(
            url: URL(fileURLWithPath: path), dtype: .uint8, rowShape: [decoder.height, decoder.width, 3])
        while maxFrames.map({ writer.rowCount < $0 }) ?? true, let frame = try decoder.nextFrame() {
            guard let image = frame.image, image.width == decoder.width, image.height == decoder.height else {
                throw fail("\(input.file): the picture size changes mid-stream, which .npy output cannot hold", status: .decodeFailed)
            }
            try writer.append(row: image.pixels)
        }
        if writer.rowCount == 0 { throw MediaError.emptyStream(path: input.file, stream: "video") }
        try writer.finish()
        print("frames: \(writer.rowCount) x \(decoder.height) x \(decoder.width) x 3 uint8 BGR -> \(path)")
    }

    private func writeAudio() throws {
        let samples = try AudioDecoder.decodeMono16k(path: input.audioSource)
        if let audioOut {
            try NPYArray(shape: [samples.count], int16: samples).write(to: URL(fileURLWithPath: audioOut))
            print("audio: \(samples.count) samples int16 16 kHz mono -> \(audioOut)")
        }
        if let mfcc {
            let features = try MFCC(fft: FFmpegRealFFT(length: MFCC.Configuration().fftLength)).coefficients(of: samples)
            try NPYArray(shape: [features.coefficientCount, features.frameCount], float64: features.values)
                .write(to: URL(fileURLWithPath: mfcc))
            print("mfcc: \(features.coefficientCount) x \(features.frameCount) float64 -> \(mfcc)")
        }
    }
}
