import Foundation
import Media
import Testing
@testable import Reports

@Suite("PNG files (libpng)")
struct PNGFileTests {
    @Test("CRC-32 of the standard check string is 0xCBF43926")
    func crc() {
        #expect(PNGFile.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("a BGR image round-trips as RGB pixels with its tEXt chunks, and libpng accepts the chunk CRCs")
    func roundTrip() throws {
        var pixels: [UInt8] = []
        for y in 0..<7 { for x in 0..<5 { pixels += [UInt8(x * 40), UInt8(y * 30), 200] } }  // B, G, R
        let image = Image(width: 5, height: 7, layout: .bgr, pixels: pixels)
        let text = [(keyword: "Software", value: "syncbench 0.1.0"), (keyword: "Source", value: "syncbench.sqlite")]
        let data = try PNGFile.encode(image, text: text)
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let chunks = PNGFile.textChunks(of: data)
        #expect(chunks.map(\.keyword) == ["Software", "Source"] && chunks.map(\.value) == ["syncbench 0.1.0", "syncbench.sqlite"])
        // libpng verifies every chunk CRC while reading, so a wrong tEXt CRC would fail here.
        let decoded = try PNGFile.decode(data)
        #expect(decoded.width == 5 && decoded.height == 7 && decoded.layout == .rgb)
        #expect(decoded.pixels == image.swappingRedBlue().pixels)
    }

    @Test("garbage is rejected with libpng's reason")
    func garbage() {
        #expect(throws: PNGFile.Failure.self) { try PNGFile.decode(Data("not a png".utf8)) }
    }
}
