import Foundation
import NPY
import TestSupport

/// Paths and loaders shared by the DSP tests.
enum Fixtures {
    /// The package root, three levels above this file (`Tests/DSPTests/Support.swift`).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let directory = packageRoot.appendingPathComponent("Tests/DSPTests/Fixtures")

    /// The real speech file; shared test data, never copied into the repository.
    static let exampleSpeech = SharedData.url("example_speech.wav")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func npy(_ name: String) throws -> NPYArray { try NPYArray(contentsOf: url(name)) }

    static func json(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url(name)))
        guard let dictionary = object as? [String: Any] else { throw FixtureError("\(name) is not a JSON object") }
        return dictionary
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads the samples of a 16-bit PCM mono RIFF/WAVE file, walking the chunks (FFmpeg puts a
/// `LIST` chunk before `data`). Only what the tests need; production audio goes through `Media`.
func readPCM16MonoWAV(_ url: URL) throws -> (sampleRate: Int, samples: [Int16]) {
    let bytes = [UInt8](try Data(contentsOf: url))
    func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
        throw FixtureError("\(url.path) is not a RIFF/WAVE file")
    }
    var offset = 12
    var sampleRate: Int?
    while offset + 8 <= bytes.count {
        let id = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
        let size = u32(offset + 4)
        let body = offset + 8
        if id == "fmt " {
            guard u16(body) == 1, u16(body + 2) == 1, u16(body + 14) == 16 else {
                throw FixtureError("\(url.path) is not 16-bit PCM mono")
            }
            sampleRate = u32(body + 4)
        } else if id == "data" {
            guard let sampleRate else { throw FixtureError("\(url.path): data chunk before fmt chunk") }
            let count = min(size, bytes.count - body) / 2
            let samples = (0..<count).map { Int16(bitPattern: UInt16(u16(body + 2 * $0))) }
            return (sampleRate, samples)
        }
        offset = body + size + (size & 1)
    }
    throw FixtureError("\(url.path) has no data chunk")
}

