import Foundation
import NPY
import Testing

@testable import Media

// Shared helpers of the image tests: the SplitMix64 image generator that
// tools/reference/make_image_goldens.py also implements, a compact SHA-256, and the golden file.

/// SplitMix64 (Steele, Lea, Flood 2014), the generator behind every random test image.
///
/// `state += 0x9E3779B97F4A7C15; z = state; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
/// z = (z ^ (z >> 27)) * 0x94D049BB133111EB; return z ^ (z >> 31)`, all mod 2^64.
/// ref: `splitmix64_bytes` in tools/reference/make_image_goldens.py.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The first `count` bytes of the stream: each output's 8 little-endian bytes in turn.
    static func bytes(seed: UInt64, count: Int) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            let word = generator.next()
            for k in 0..<min(8, count - i) {
                out[i + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(k)))
            }
            i += 8
        }
        return out
    }
}

extension Image {
    /// A random BGR image: SplitMix64 bytes of `seed`, as an `(height, width, 3)` C-order array.
    static func random(seed: UInt64, width: Int, height: Int) -> Image {
        Image(width: width, height: height, layout: .bgr,
              pixels: SplitMix64.bytes(seed: seed, count: width * height * 3))
    }

    /// Every 24-bit colour once, 4096×4096: pixel `i` is `(b, g, r) = (i >> 16, (i >> 8) & 255, i & 255)`.
    static func bgrCube() -> Image {
        var pixels = [UInt8](repeating: 0, count: (1 << 24) * 3)
        pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<(1 << 24) {
                p[3 * i] = UInt8(truncatingIfNeeded: i >> 16)
                p[3 * i + 1] = UInt8(truncatingIfNeeded: i >> 8)
                p[3 * i + 2] = UInt8(truncatingIfNeeded: i)
            }
        }
        return Image(width: 4096, height: 4096, layout: .bgr, pixels: pixels)
    }

    /// Pixel `(x, y)` as a `(c0, c1, c2)` triple.
    func pixel(_ x: Int, _ y: Int) -> [UInt8] {
        let i = (y * width + x) * 3
        return Array(pixels[i..<(i + 3)])
    }
}

/// SHA-256 (FIPS 180-4) of a byte array, as lower-case hex.
///
/// Compact; written with unsafe buffers and inline rotations so that the 50 MB HSV cube hashes
/// in reasonable time at -Onone. Checked against FIPS vectors in ImageResizeTests.
func sha256Hex(_ message: [UInt8]) -> String {
    let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]
    var h: [UInt32] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]
    // Padding: 0x80, zeros to 56 mod 64, then the bit length as a big-endian UInt64.
    var tail = [UInt8](message[(message.count / 64 * 64)...])
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    let bitLength = UInt64(message.count) * 8
    for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }

    let w = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
    defer { w.deallocate() }
    k.withUnsafeBufferPointer { kb in
        h.withUnsafeMutableBufferPointer { hb in
            let kp = kb.baseAddress!
            let hp = hb.baseAddress!
            func compress(_ blocks: UnsafePointer<UInt8>, count: Int) {
                var block = blocks
                let end = blocks + count
                while block < end {
                    var t = 0
                    while t < 16 {
                        let b = block + 4 &* t
                        w[t] = UInt32(b[0]) &<< 24 | UInt32(b[1]) &<< 16 | UInt32(b[2]) &<< 8 | UInt32(b[3])
                        t &+= 1
                    }
                    while t < 64 {
                        let x = w[t &- 15]
                        let y = w[t &- 2]
                        let s0 = (x &>> 7 | x &<< 25) ^ (x &>> 18 | x &<< 14) ^ (x &>> 3)
                        let s1 = (y &>> 17 | y &<< 15) ^ (y &>> 19 | y &<< 13) ^ (y &>> 10)
                        w[t] = w[t &- 16] &+ s0 &+ w[t &- 7] &+ s1
                        t &+= 1
                    }
                    var a = hp[0], b = hp[1], c = hp[2], d = hp[3], e = hp[4], f = hp[5], g = hp[6], hh = hp[7]
                    t = 0
                    while t < 64 {
                        let s1 = (e &>> 6 | e &<< 26) ^ (e &>> 11 | e &<< 21) ^ (e &>> 25 | e &<< 7)
                        let ch = (e & f) ^ (~e & g)
                        let t1 = hh &+ s1 &+ ch &+ kp[t] &+ w[t]
                        let s0 = (a &>> 2 | a &<< 30) ^ (a &>> 13 | a &<< 19) ^ (a &>> 22 | a &<< 10)
                        let maj = (a & b) ^ (a & c) ^ (b & c)
                        hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ s0 &+ maj
                        t &+= 1
                    }
                    hp[0] &+= a; hp[1] &+= b; hp[2] &+= c; hp[3] &+= d
                    hp[4] &+= e; hp[5] &+= f; hp[6] &+= g; hp[7] &+= hh
                    block += 64
                }
            }
            message.withUnsafeBufferPointer { m in
                if m.count >= 64 { compress(m.baseAddress!, count: m.count / 64 * 64) }
            }
            tail.withUnsafeBufferPointer { compress($0.baseAddress!, count: $0.count) }
        }
    }
    return h.map { word in
        let hex = String(word, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }.joined()
}

/// Tests/MediaTests/Fixtures, found next to this source file (the package declares no resources).
let imageFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// One record of image_goldens.json (written by tools/reference/make_image_goldens.py).
struct ImageGolden: Decodable, Sendable, CustomTestStringConvertible {
    struct Input: Decodable, Sendable {
        var seed: UInt64?
        var width: Int?
        var height: Int?
        var npy: String?
        var generator: String?
    }

    struct Output: Decodable, Sendable {
        var width: Int
        var height: Int
        var sha256: String
    }

    var name: String
    var op: String
    var params: [String: Double]
    var input: Input
    var output: Output?
    var error: String?
    var npy: String?

    var testDescription: String { name }

    func param(_ key: String) throws -> Double { try #require(params[key], "\(name) lacks parameter \(key)") }

    func intParam(_ key: String) throws -> Int { Int(try param(key)) }

    /// The input image the script fed to OpenCV.
    func inputImage() throws -> Image {
        if let seed = input.seed, let width = input.width, let height = input.height {
            return Image.random(seed: seed, width: width, height: height)
        }
        if let file = input.npy {
            let array = try NPYArray(contentsOf: imageFixtures.appendingPathComponent(file))
            try #require(array.dtype == .uint8 && array.shape.count == 3 && array.shape[2] == 3)
            return Image(width: array.shape[1], height: array.shape[0], layout: .bgr, pixels: try array.uint8Values())
        }
        try #require(input.generator == "bgr_cube", "\(name): unknown input \(input)")
        return Image.bgrCube()
    }

    /// The full expected output, where the script stored one.
    func expectedPixels() throws -> [UInt8]? {
        guard let npy else { return nil }
        let array = try NPYArray(contentsOf: imageFixtures.appendingPathComponent(npy))
        return try array.uint8Values()
    }
}

/// All golden cases (empty if the file is missing; `goldenFileLoads` then fails).
let imageGoldens: [ImageGolden] = (try? loadImageGoldens()) ?? []

func loadImageGoldens() throws -> [ImageGolden] {
    struct File: Decodable { var cases: [ImageGolden] }
    let data = try Data(contentsOf: imageFixtures.appendingPathComponent("image_goldens.json"))
    return try JSONDecoder().decode(File.self, from: data).cases
}

func imageGoldens(_ ops: String...) -> [ImageGolden] { imageGoldens.filter { ops.contains($0.op) } }

/// Checks `actual` against a golden: shape, the full stored output (reporting the first wrong
/// pixel) where there is one, and the SHA-256 of the bytes.
func expectMatches(_ actual: Image, _ golden: ImageGolden, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let output = try #require(golden.output, "\(golden.name) has no output", sourceLocation: sourceLocation)
    #expect(actual.width == output.width && actual.height == output.height,
            "\(golden.name): size \(actual.width)x\(actual.height), OpenCV \(output.width)x\(output.height)",
            sourceLocation: sourceLocation)
    if let expected = try golden.expectedPixels() {
        try #require(expected.count == actual.pixels.count, sourceLocation: sourceLocation)
        if let i = expected.indices.first(where: { actual.pixels[$0] != expected[$0] }) {
            let pixel = i / 3
            let at = "x=\(pixel % actual.width) y=\(pixel / actual.width) c=\(i % 3)"
            Issue.record(
                "\(golden.name): first difference at \(at): \(actual.pixels[i]) vs OpenCV \(expected[i])",
                sourceLocation: sourceLocation)
        }
    }
    #expect(sha256Hex(actual.pixels) == output.sha256, "\(golden.name): output bytes differ from OpenCV's",
            sourceLocation: sourceLocation)
}
