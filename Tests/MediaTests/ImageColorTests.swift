import Foundation
import Testing

@testable import Media

@Suite("Image colour conversions (OpenCV 8-bit BGR->HSV, channel swap)")
struct ImageColorTests {
    @Test("HSV matches cv2.cvtColor(COLOR_BGR2HSV) byte for byte", arguments: imageGoldens("hsv"))
    func golden(_ golden: ImageGolden) throws {
        let input = try golden.inputImage()
        let output = input.hsv()
        #expect(output.layout == .hsv)
        try expectMatches(output, golden)
    }

    @Test("BGR->RGB matches cv2.cvtColor(COLOR_BGR2RGB)", arguments: imageGoldens("bgr2rgb"))
    func swapGolden(_ golden: ImageGolden) throws {
        let output = try golden.inputImage().swappingRedBlue()
        #expect(output.layout == .rgb)
        try expectMatches(output, golden)
    }

    @Test("HSV of pure colours, greys and black, worked by hand",
          arguments: [
              // (b, g, r) -> (H, S, V). hdiv[255] = rint(737280 / 1530) = 482.
              ([0, 0, 255], [0, 255, 255]),  // red: h = g - b = 0
              ([0, 255, 0], [60, 255, 255]),  // green: (510 * 482 + 2048) >> 12 = 60
              ([255, 0, 0], [120, 255, 255]),  // blue: (1020 * 482 + 2048) >> 12 = 120
              ([0, 255, 255], [30, 255, 255]),  // yellow: (255 * 482 + 2048) >> 12 = 30
              ([255, 0, 255], [150, 255, 255]),  // magenta: h = -255 -> -30 + 180
              ([128, 128, 128], [0, 0, 128]),  // grey: d = 0
              ([0, 0, 0], [0, 0, 0]),
              ([255, 255, 255], [0, 0, 255]),
          ] as [([UInt8], [UInt8])])
    func handHSV(_ bgr: [UInt8], _ hsv: [UInt8]) {
        let image = Image(width: 1, height: 1, layout: .bgr, pixels: bgr)
        #expect(image.hsv().pixels == hsv)
    }

    @Test("the HSV division tables follow OpenCV's definition")
    func tables() {
        #expect(HSVTables.sdiv[0] == 0 && HSVTables.hdiv[0] == 0)
        #expect(HSVTables.sdiv[1] == 255 * 4096 && HSVTables.sdiv[255] == 4096)
        #expect(HSVTables.hdiv[1] == 122_880 && HSVTables.hdiv[255] == 482)
        // 255 * 4096 / 8 = 130560 exactly; 180 * 4096 / 42 = 17554.28... -> 17554.
        #expect(HSVTables.sdiv[8] == 130_560 && HSVTables.hdiv[7] == 17_554)
    }

    @Test("swapping red and blue twice is the identity and flips the layout")
    func swap() {
        let image = Image.random(seed: 21, width: 5, height: 4)
        let rgb = image.swappingRedBlue()
        #expect(rgb.layout == .rgb)
        #expect(rgb.pixel(2, 3) == image.pixel(2, 3).reversed())
        #expect(rgb.swappingRedBlue() == image)
    }
}
