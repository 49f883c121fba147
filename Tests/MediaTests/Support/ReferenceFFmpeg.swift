import Foundation
import Media

/// A decoded picture reduced to what the parity tests compare: an exact content hash and a
/// thumbnail (every 4th pixel of every 4th row) for nearest-picture matching.
struct PictureFingerprint: Equatable {
    var hash: UInt64
    var thumbnail: [UInt8]

    init(bgr bytes: UnsafeBufferPointer<UInt8>, width: Int, height: Int) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = h
        var small: [UInt8] = []
        small.reserveCapacity((width / 4 + 1) * (height / 4 + 1) * 3)
        for y in stride(from: 0, to: height, by: 4) {
            for x in stride(from: 0, to: width, by: 4) {
                let i = (y * width + x) * 3
                small.append(bytes[i]); small.append(bytes[i + 1]); small.append(bytes[i + 2])
            }
        }
        thumbnail = small
    }

    init(_ image: Image) {
        self = image.pixels.withUnsafeBufferPointer { PictureFingerprint(bgr: $0, width: image.width, height: image.height) }
    }

    /// Mean squared difference of the thumbnails.
    func meanSquaredDifference(_ other: PictureFingerprint) -> Double {
        thumbnail.withUnsafeBufferPointer { a in
            other.thumbnail.withUnsafeBufferPointer { b in
                var sum = 0
                for i in 0..<min(a.count, b.count) { let d = Int(a[i]) - Int(b[i]); sum &+= d * d }
                return Double(sum) / Double(max(a.count, 1))
            }
        }
    }
}

/// Runs the reference's own FFmpeg command lines (docs/reference/pipeline.md §3–§5), so tests compare our
/// in-process decoding with what the reference pipeline really produces.
enum ReferenceFFmpeg {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs ffmpeg with `arguments`; stdout is handed to `consume` in chunks.
    static func run(_ arguments: [String], consume: ((Data) -> Void)? = nil) throws {
        guard let ffmpeg = TestEnvironment.ffmpeg else { throw Failure(description: TestEnvironment.ffmpegMissing) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-nostdin", "-v", "error"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errorData = Locked(Data())
        let errorReader = Thread { errorData.update { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        errorReader.start()
        while true {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            consume?(chunk)
        }
        process.waitUntilExit()
        while errorReader.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        guard process.terminationStatus == 0 else {
            throw Failure(description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(String(decoding: errorData.value, as: UTF8.self))")
        }
    }

    /// Raw bgr24 pictures ffmpeg writes for `arguments` (which must end in `-f rawvideo -pix_fmt bgr24 -`).
    static func pictures(_ arguments: [String], width: Int, height: Int) throws -> [PictureFingerprint] {
        let frameBytes = width * height * 3
        var buffer = Data()
        var result: [PictureFingerprint] = []
        try run(arguments) { chunk in
            buffer.append(chunk)
            while buffer.count >= frameBytes {
                let frame = buffer.prefix(frameBytes)
                frame.withUnsafeBytes { raw in
                    result.append(PictureFingerprint(bgr: raw.bindMemory(to: UInt8.self), width: width, height: height))
                }
                buffer.removeFirst(frameBytes)
            }
        }
        guard buffer.isEmpty else { throw Failure(description: "ffmpeg output is not a whole number of frames") }
        return result
    }

    /// Every picture of the source as FFmpeg decodes it, converted to bgr24, no rate conversion.
    static func sourcePictures(_ source: URL, width: Int, height: Int) throws -> [PictureFingerprint] {
        try pictures(["-i", source.path, "-map", "0:v:0", "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "-"], width: width, height: height)
    }

    /// The reference's timeline: step 1 (`-async 1 -q:v 2 -r 25` into `video.avi`), then the
    /// pictures step 2 would write as JPEGs (decoded to bgr24 instead, same frame selection), and
    /// the number of JPEG files step 2 really writes.
    static func referenceTimeline(_ source: URL, width: Int, height: Int, in directory: URL) throws -> (pictures: [PictureFingerprint], jpegCount: Int) {
        let avi = directory.appendingPathComponent("video.avi").path
        try run(["-y", "-i", source.path, "-async", "1", "-q:v", "2", "-r", "25", avi])
        let frames = directory.appendingPathComponent("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        try run(["-y", "-i", avi, "-f", "image2", "-q:v", "2", "-threads", "1", frames.appendingPathComponent("%06d.jpg").path])
        let jpegs = try FileManager.default.contentsOfDirectory(atPath: frames.path).filter { $0.hasSuffix(".jpg") }.count
        let pictures = try pictures(["-i", avi, "-f", "rawvideo", "-pix_fmt", "bgr24", "-"], width: width, height: height)
        return (pictures, jpegs)
    }

    /// `ffmpeg -i FILE -ac 1 -ar 16000 -f s16le -` (docs/reference/pipeline.md §5.1, as raw samples).
    static func speech16k(_ source: URL) throws -> [Int16] {
        var bytes = Data()
        try run(["-i", source.path, "-ac", "1", "-ar", "16000", "-f", "s16le", "-"]) { bytes.append($0) }
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
    }
}

/// A value shared between threads behind a lock (test support only).
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func update(_ body: (inout Value) -> Void) { lock.lock(); body(&stored); lock.unlock() }
}
