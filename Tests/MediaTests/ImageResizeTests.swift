import TestSupport
import Foundation
import Testing

@testable import Media

@Suite("Image resize (OpenCV INTER_LINEAR, bit-exact)")
struct ImageResizeTests {
    @Test("golden cases match OpenCV byte for byte", arguments: imageGoldens("resize_fx", "resize"))
    func golden(_ golden: ImageGolden) throws {
        let input = try golden.inputImage()
        if golden.error != nil {
            // OpenCV refuses these (`!dsize.empty()`); the size rule must give an empty output.
            let size = Image.resizedSize(
                width: input.width, height: input.height, scaleX: try golden.param("fx"), scaleY: try golden.param("fy"))
            #expect(size.width == 0 || size.height == 0)
            return
        }
        let output: Image
        if golden.op == "resize_fx" {
            output = input.resized(scaleX: try golden.param("fx"), scaleY: try golden.param("fy"))
        } else {
            output = input.resized(width: try golden.intParam("width"), height: try golden.intParam("height"))
        }
        #expect(output.layout == input.layout)
        try expectMatches(output, golden)
    }

    @Test("the golden file lists every required case")
    func goldenFileLoads() throws {
        let cases = try loadImageGoldens()
        #expect(cases.count >= 90)
        #expect(cases.filter { $0.name.hasPrefix("crop224_") }.count >= 40)
        for name in ["quarter_976x528", "quarter_1x1", "scene_976x528", "resize_1x1_to_5x5", "resize_2x3_to_7x4"] {
            #expect(cases.contains { $0.name == name }, "missing \(name)")
        }
        #expect(cases.first { $0.name == "scene_976x528" }?.params == ["width": 256, "height": 138])
    }

    @Test("output size of the fx/fy mode rounds half to even",
          arguments: [(850, 212), (854, 214), (853, 213), (976, 244), (481, 120), (1, 0), (2, 0), (3, 1), (6, 2), (10, 2), (14, 4)])
    func outputSize(_ source: Int, _ expected: Int) {
        let size = Image.resizedSize(width: source, height: source, scaleX: 0.25, scaleY: 0.25)
        #expect(size.width == expected && size.height == expected)
    }

    @Test("an exact quarter reduction averages the four central pixels, rounding half up")
    func quarterRule() {
        let image = Image.random(seed: 7, width: 64, height: 48)
        let small = image.resized(scaleX: 0.25, scaleY: 0.25)
        #expect(small.width == 16 && small.height == 12)
        for y in 0..<small.height {
            for x in 0..<small.width {
                for c in 0..<3 {
                    func p(_ px: Int, _ py: Int) -> Int { Int(image.pixels[(py * image.width + px) * 3 + c]) }
                    let sum = p(4 * x + 1, 4 * y + 1) + p(4 * x + 2, 4 * y + 1) + p(4 * x + 1, 4 * y + 2) + p(4 * x + 2, 4 * y + 2)
                    #expect(Int(small.pixels[(y * small.width + x) * 3 + c]) == (sum + 2) >> 2)
                }
            }
        }
    }

    @Test("a hand-worked vertical upscale 1x2 -> 1x4")
    func handWorkedUpscale() {
        // sy = 0.5; rows (β0, β1, r0, r1): (512, 1536, 0, 0), (1536, 512, 0, 1), (512, 1536, 0, 1), (1536, 512, 1, 1).
        // With S = 2048 p: 255 -> S >> 4 = 32640; 512 * 32640 >> 16 = 255, 1536 * 32640 >> 16 = 765.
        let column = Image(width: 1, height: 2, layout: .bgr, pixels: [0, 0, 0, 255, 255, 255])
        let tall = column.resized(width: 1, height: 4)
        #expect(tall.pixels == [0, 0, 0, 64, 64, 64, 191, 191, 191, 255, 255, 255])
    }

    @Test("resizing to the same size returns the image unchanged")
    func identity() {
        let image = Image.random(seed: 9, width: 31, height: 17)
        #expect(image.resized(width: 31, height: 17) == image)
        #expect(image.resized(scaleX: 1, scaleY: 1) == image)
    }

    @Test("a 1x1 image stretched to any size is that colour everywhere")
    func constantUpscale() {
        let dot = Image(width: 1, height: 1, layout: .rgb, pixels: [1, 128, 255])
        let big = dot.resized(width: 9, height: 5)
        #expect(big.layout == .rgb)
        #expect(big.pixels == Array([[UInt8]](repeating: [1, 128, 255], count: 45).joined()))
    }

    @Test("an exact 2x reduction of odd sizes averages the partial edge blocks (OpenCV's area path)")
    func halfOfOddSize() {
        // 3x1 rows of a 3x3 grey ramp: full block (0,0) = (0+1+3+4+2)>>2 = 2; right column averages
        // (2, 5) -> rint(3.5) = 4; bottom row averages (6, 7) -> rint(6.5) = 6; corner = 8.
        let ramp = Image(width: 3, height: 3, layout: .bgr, pixels: (0..<9).flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
        let half = ramp.resized(scaleX: 0.5, scaleY: 0.5)
        #expect(half.width == 2 && half.height == 2)
        #expect(half.pixels == [2, 2, 2, 4, 4, 4, 6, 6, 6, 8, 8, 8])
    }

    @Test("OpenCV's empty-output assertion is a precondition failure")
    func emptyOutputTraps() async {
        await #expect(processExitsWith: .failure) {
            let dot = Image(width: 1, height: 1, layout: .bgr, filledWith: 5)
            _ = dot.resized(scaleX: 0.25, scaleY: 0.25)
        }
    }
}

@Suite("Image test support")
struct ImageTestSupportTests {
    @Test("SHA-256 matches the FIPS 180-4 vectors")
    func sha256Vectors() {
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            sha256Hex([UInt8](repeating: 0x61, count: 1_000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test("every image fixture matches its SHA-256 in image_goldens.MANIFEST.json")
    func manifest() throws {
        struct Manifest: Decodable {
            var opencv: String
            var files: [String: String]
        }
        let data = try Data(contentsOf: imageFixtures.appendingPathComponent("image_goldens.MANIFEST.json"))
        let manifest = try JSONDecoder().decode(Manifest.self, from: data)
        #expect(manifest.opencv == "4.14.0")
        #expect(manifest.files["image_goldens.json"] != nil)
        for (file, digest) in manifest.files {
            let bytes = try Data(contentsOf: imageFixtures.appendingPathComponent(file))
            #expect(sha256Hex([UInt8](bytes)) == digest, "\(file) changed since the manifest was written")
        }
    }

    @Test("SplitMix64 gives the published sequence for seed 0")
    func splitMixVector() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(SplitMix64.bytes(seed: 0, count: 3) == [0xAF, 0xCD, 0x1D])
    }
}
