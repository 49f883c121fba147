import Foundation
import Media
import TestSupport
import Testing

@Suite("PNG crop codec")
struct PNGImageCodecTests {
    @Test("pictures survive encode and decode bit for bit, at any size", arguments: [(224, 224), (1, 1), (7, 3), (333, 17)])
    func roundTrip(width: Int, height: Int) throws {
        let pixels = SplitMix64.bytes(seed: UInt64(width * 1000 + height), count: width * height * 3)
        let image = Image(width: width, height: height, layout: .bgr, pixels: pixels)
        let codec = try PNGImageCodec()
        let png = try codec.encode(image)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG signature")
        let back = try codec.decode(png)
        #expect(back == image)
    }

    @Test("the file stores red, green and blue in PNG order (a BGR blue pixel is PNG blue)")
    func channelOrder() throws {
        // One pure-blue BGR pixel; PNG rows are filtered, so decode and check the IHDR colour type too.
        let image = Image(width: 1, height: 1, layout: .bgr, pixels: [255, 0, 0])
        let codec = try PNGImageCodec()
        let png = try codec.encode(image)
        #expect(png[25] == 2, "colour type must be truecolour RGB")
        #expect(try codec.decode(png).pixels == [255, 0, 0])
    }

    @Test("smooth pictures compress")
    func compresses() throws {
        var pixels = [UInt8](repeating: 0, count: 224 * 224 * 3)
        for y in 0..<224 { for x in 0..<224 { for c in 0..<3 { pixels[(y * 224 + x) * 3 + c] = UInt8((x + y + 40 * c) % 256) } } }
        let png = try PNGImageCodec().encode(Image(width: 224, height: 224, layout: .bgr, pixels: pixels))
        #expect(png.count < pixels.count / 4)
    }

    @Test("bytes that are not a PNG are a decode error, not a crash")
    func garbage() throws {
        let codec = try PNGImageCodec()
        #expect(throws: MediaError.self) { try codec.decode(Data(SplitMix64.bytes(seed: 3, count: 500))) }
        #expect(throws: MediaError.self) { try codec.decode(Data()) }
    }
}

extension PNGImageCodecTests {
    @Test("one codec encodes and decodes a sequence of different pictures, each one right")
    func sequence() throws {
        let codec = try PNGImageCodec()
        let images = (0..<6).map { i in
            Image(width: 64, height: 48, layout: .bgr, pixels: SplitMix64.bytes(seed: UInt64(100 + i), count: 64 * 48 * 3))
        }
        let pngs = try images.map { try codec.encode($0) }
        for (png, image) in zip(pngs, images) {
            #expect(try codec.decode(png) == image)
        }
        // And in another order, with a fresh codec reading what the first wrote.
        let other = try PNGImageCodec()
        for index in [4, 1, 5, 0] {
            #expect(try other.decode(pngs[index]) == images[index])
        }
    }
}
