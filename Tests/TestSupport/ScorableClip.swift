import Foundation
import Media

/// A small clip the whole pipeline scores with face boxes: lossless 25 fps 320x240 frames of a
/// moving diagonal pattern (`shade` varies the picture), a chirp as its audio track, and a boxes
/// file in the reference's detection JSON with one 120-pixel face per frame, so the tracker keeps
/// one track (more than 50 detections, faces above 100 px) and SyncNet scores it.
public enum ScorableClip {
    /// Writes the clip to `video` (Matroska/FFV1 + PCM; name it `.mkv`) and its boxes to `boxes`.
    public static func write(to video: URL, boxes: URL, frames: Int = 60, shade: Int = 0) throws {
        let writer = try ClipWriter(
            path: video.path, video: .init(width: 320, height: 240, frameRate: (25, 1), codec: "ffv1"),
            audio: .init(sampleRate: 16_000, channels: 1, codec: "pcm_s16le"))
        for f in 0..<frames { try writer.append(picture(f, shade: shade)) }
        try writer.append(samples: chirp(seconds: Double(frames) / 25))
        try writer.finish()
        let entries = (0..<frames).map { "{\"frame\": \($0), \"bbox\": [100.0, 60.0, 220.0, 180.0], \"conf\": 0.99}" }
        try Data(("[" + entries.joined(separator: ",\n") + "]").utf8).write(to: boxes)
    }

    /// 16 kHz samples of a rising chirp.
    public static func chirp(seconds: Double) -> [Int16] {
        (0..<Int(seconds * 16_000)).map { i in
            let t = Double(i) / 16_000
            return Int16(8000 * sin(2 * Double.pi * (200 + 300 * t) * t))
        }
    }

    static func picture(_ frame: Int, shade: Int) -> Image {
        let width = 320, height = 240
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = UInt8(truncatingIfNeeded: (x + 2 * y + 3 * frame + shade) & 0xFF)
                let i = (y * width + x) * 3
                pixels[i] = v
                pixels[i + 1] = v / 2
                pixels[i + 2] = UInt8(truncatingIfNeeded: 30 + shade)
            }
        }
        return Image(width: width, height: height, layout: .bgr, pixels: pixels)
    }
}
