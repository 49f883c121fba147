import ArgumentParser
import DSP
import Foundation
import Media
import Tensor

/// `syncbench media bench`: times what the scorer's media front end does to one clip.
struct MediaBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time decoding to 25 fps BGR frames, resampling to 16 kHz and the MFCC of one clip.",
        discussion: """
            Everything stays in memory (nothing is written), frames stream one at a time. Prints \
            wall-clock seconds per step and the peak resident memory of the process. \
            tools/bench/media.sh runs this next to the reference's three ffmpeg steps and prints the ratio.
            """
    )

    @OptionGroup var input: MediaInputOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Result: Encodable {
        var frames = 0
        var audioSamples = 0
        var mfccFrames = 0
        var videoSeconds = 0.0
        var audioSeconds = 0.0
        var mfccSeconds = 0.0
        var totalSeconds = 0.0
        var peakResidentMiB = 0.0

        enum CodingKeys: String, CodingKey {
            case frames
            case audioSamples = "audio_samples"
            case mfccFrames = "mfcc_frames"
            case videoSeconds = "video_seconds"
            case audioSeconds = "audio_seconds"
            case mfccSeconds = "mfcc_seconds"
            case totalSeconds = "total_seconds"
            case peakResidentMiB = "peak_resident_mib"
        }
    }

    func run() throws {
        try reportingFailures {
            var result = Result()
            let clock = ContinuousClock()
            var start = clock.now
            let decoder = try VideoDecoder(path: input.file, mode: input.mode)
            var checksum: UInt64 = 0
            while let frame = try decoder.nextFrame() {
                // Touch the pixels so the conversion cannot be skipped.
                checksum &+= UInt64(frame.image?.pixels[frame.slot.index % max(frame.image?.pixels.count ?? 1, 1)] ?? 0)
                result.frames += 1
            }
            result.videoSeconds = (clock.now - start).seconds
            start = clock.now
            let samples = try AudioDecoder.decodeMono16k(path: input.audioSource)
            result.audioSamples = samples.count
            result.audioSeconds = (clock.now - start).seconds
            start = clock.now
            let mfcc = try MFCC(fft: FFmpegRealFFT(length: MFCC.Configuration().fftLength)).coefficients(of: samples)
            result.mfccFrames = mfcc.frameCount
            result.mfccSeconds = (clock.now - start).seconds
            result.totalSeconds = result.videoSeconds + result.audioSeconds + result.mfccSeconds
            result.peakResidentMiB = Self.peakResidentMiB()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(String(format: "frames  %6d  %.3f s", result.frames, result.videoSeconds))
                print(String(format: "audio   %6d  %.3f s (16 kHz samples)", result.audioSamples, result.audioSeconds))
                print(String(format: "mfcc    %6d  %.3f s", result.mfccFrames, result.mfccSeconds))
                print(String(format: "total           %.3f s, peak memory %.1f MiB (checksum %llu)", result.totalSeconds, result.peakResidentMiB, checksum))
            }
        }
    }

    /// Peak resident set size of this process (`VmHWM` in /proc/self/status), in MiB; 0 elsewhere.
    static func peakResidentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1024
        }
        return 0
    }
}
