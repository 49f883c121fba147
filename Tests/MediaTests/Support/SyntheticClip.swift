import Foundation
import Media

/// Synthetic talking-head stand-ins made with libavcodec: every picture is a different pattern of
/// 8x8 colour blocks (seeded by its index), so any picture slip is obvious; the audio is a tone
/// plus noise, different per channel.
struct SyntheticClip: CustomStringConvertible, Sendable {
    var name: String
    var width: Int
    var height: Int
    var frameRate: (num: Int, den: Int)
    var seconds: Double = 3
    var videoCodec = "mpeg4"
    var audio: ClipWriter.Audio?

    var description: String { name }

    /// Writes the clip into `directory` and returns its URL.
    func write(in directory: URL) throws -> URL {
        let url = directory.appendingPathComponent(name)
        let options = videoCodec == "mpeg4" ? ["qscale": "3"] : [:]
        let writer = try ClipWriter(
            path: url.path,
            video: ClipWriter.Video(width: width, height: height, frameRate: frameRate, codec: videoCodec, options: options),
            audio: audio)
        let pictures = Int((seconds * Double(frameRate.num) / Double(frameRate.den)).rounded())
        for index in 0..<pictures { try writer.append(Self.picture(index: index, width: width, height: height)) }
        if let audio {
            try writer.append(samples: Self.tone(seconds: seconds, sampleRate: audio.sampleRate, channels: audio.channels))
        }
        try writer.finish()
        return url
    }

    static func picture(index: Int, width: Int, height: Int) -> Image {
        var state = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let blocksX = (width + 7) / 8
        let blocksY = (height + 7) / 8
        let colours = (0..<(blocksX * blocksY * 3)).map { _ in next() }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let block = ((y / 8) * blocksX + x / 8) * 3
                let i = (y * width + x) * 3
                pixels[i] = colours[block]; pixels[i + 1] = colours[block + 1]; pixels[i + 2] = colours[block + 2]
            }
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }

    static func tone(seconds: Double, sampleRate: Int, channels: Int) -> [Int16] {
        let count = Int(seconds * Double(sampleRate))
        var state: UInt64 = 12345
        var samples = [Int16](repeating: 0, count: count * channels)
        for n in 0..<count {
            for c in 0..<channels {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let noise = Double(Int64(bitPattern: state) >> 52) / 4096
                let value = 12000 * sin(2 * Double.pi * Double(220 * (c + 1)) * Double(n) / Double(sampleRate)) + 3000 * noise
                samples[n * channels + c] = Int16(max(-32768, min(32767, value.rounded())))
            }
        }
        return samples
    }

    /// The matrix the issue asks for: 25/24/30 fps (and 29.97), with and without audio, odd sizes,
    /// mono and stereo, 8/16/44.1/48 kHz, several containers.
    static let matrix: [SyntheticClip] = [
        SyntheticClip(name: "25fps-silent.mp4", width: 160, height: 96, frameRate: (25, 1)),
        SyntheticClip(name: "25fps-aac48k-stereo.mp4", width: 160, height: 96, frameRate: (25, 1), audio: .init(sampleRate: 48000, channels: 2)),
        SyntheticClip(name: "24fps-silent.mp4", width: 128, height: 72, frameRate: (24, 1)),
        SyntheticClip(name: "24fps-aac44k-mono.mp4", width: 128, height: 72, frameRate: (24, 1), audio: .init(sampleRate: 44100, channels: 1)),
        SyntheticClip(name: "30fps-silent.mp4", width: 144, height: 80, frameRate: (30, 1)),
        SyntheticClip(name: "30fps-mp3-16k-mono.mkv", width: 144, height: 80, frameRate: (30, 1), audio: .init(sampleRate: 16000, channels: 1, codec: "libmp3lame")),
        SyntheticClip(name: "2997fps-aac16k-stereo.mkv", width: 112, height: 64, frameRate: (30000, 1001), audio: .init(sampleRate: 16000, channels: 2)),
        SyntheticClip(name: "25fps-pcm8k-stereo-odd.mkv", width: 97, height: 61, frameRate: (25, 1), videoCodec: "ffv1", audio: .init(sampleRate: 8000, channels: 2, codec: "pcm_s16le")),
        SyntheticClip(name: "24fps-pcm8k-mono-odd.avi", width: 75, height: 53, frameRate: (24, 1), videoCodec: "ffv1", audio: .init(sampleRate: 8000, channels: 1, codec: "pcm_s16le")),
        SyntheticClip(name: "30fps-pcm44k-stereo.mov", width: 160, height: 90, frameRate: (30, 1), audio: .init(sampleRate: 44100, channels: 2, codec: "pcm_s16le")),
        SyntheticClip(name: "25fps-pcm16k-mono.avi", width: 96, height: 64, frameRate: (25, 1), audio: .init(sampleRate: 16000, channels: 1, codec: "pcm_s16le")),
    ]
}
