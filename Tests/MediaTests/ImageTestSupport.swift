import TestSupport
import Foundation
import NPY
import Testing

@testable import Media

// Shared helpers of the image tests: the SplitMix64 image generator that
// tools/reference/make_image_goldens.py also implements, a compact SHA-256, and the golden file.


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
