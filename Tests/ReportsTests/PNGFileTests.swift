import Foundation
import Media
import Testing
@testable import Reports

@Suite("PNG files (Media's PNG codec with tEXt chunks)")
struct PNGFileTests {
    @Test("CRC-32 of the standard check string is 0xCBF43926")
    func crc() {
        #expect(PNGFile.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test("a BGR image round-trips as RGB pixels with its tEXt chunks, whose CRCs the reader checks")
    func roundTrip() throws {
        var pixels: [UInt8] = []
        for y in 0..<7 { for x in 0..<5 { pixels += [UInt8(x * 40), UInt8(y * 30), 200] } }  // B, G, R
        let image = Image(width: 5, height: 7, layout: .bgr, pixels: pixels)
        let text = [(keyword: "Software", value: "syncbench 0.1.0"), (keyword: "Source", value: "syncbench.sqlite")]
        let data = try PNGFile.encode(image, text: text)
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let chunks = PNGFile.textChunks(of: data)
        #expect(chunks.map(\.keyword) == ["Software", "Source"] && chunks.map(\.value) == ["syncbench 0.1.0", "syncbench.sqlite"])
        // decode checks every chunk's CRC, so a wrong tEXt CRC would fail here.
        let decoded = try PNGFile.decode(data)
        #expect(decoded.width == 5 && decoded.height == 7 && decoded.layout == .rgb)
        #expect(decoded.pixels == image.swappingRedBlue().pixels)
    }

    @Test("garbage, a flipped byte in a tEXt chunk and a truncated file are rejected with the reason")
    func garbage() throws {
        #expect(throws: PNGFile.Failure.self) { try PNGFile.decode(Data("not a png".utf8)) }
        let image = Image(width: 3, height: 2, layout: .rgb, pixels: [UInt8](0..<18))
        var data = try PNGFile.encode(image, text: [(keyword: "Software", value: "syncbench")])
        let clean = data
        // The tEXt chunk starts at byte 33 (after the signature and IHDR); its text at 33 + 8.
        data[33 + 8] ^= 0x20
        do {
            _ = try PNGFile.decode(data)
            Issue.record("a corrupted tEXt chunk was accepted")
        } catch {
            #expect(error.reason.contains("CRC mismatch in the tEXt chunk"))
        }
        #expect(throws: PNGFile.Failure.self) { try PNGFile.decode(clean.prefix(40)) }
        #expect(try PNGFile.decode(clean).pixels == image.pixels)
    }
}
