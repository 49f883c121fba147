import Foundation
import Testing

@testable import Media

@Suite("Image padding and cropping (copyMakeBorder, NumPy slicing)")
struct ImagePaddingTests {
    @Test("constant borders match cv2.copyMakeBorder byte for byte", arguments: imageGoldens("pad"))
    func golden(_ golden: ImageGolden) throws {
        let input = try golden.inputImage()
        let output = input.padded(
            top: try golden.intParam("top"), bottom: try golden.intParam("bottom"),
            left: try golden.intParam("left"), right: try golden.intParam("right"),
            value: UInt8(try golden.intParam("value")))
        try expectMatches(output, golden)
    }

    @Test("pad, slice with NumPy semantics and resize to 224 match the reference crop step",
          arguments: imageGoldens("pad_slice_resize"))
    func cropStep(_ golden: ImageGolden) throws {
        let pad = try golden.intParam("pad")
        let frame = try golden.inputImage()
        let padded = frame.padded(top: pad, bottom: pad, left: pad, right: pad, value: UInt8(try golden.intParam("value")))
        let crop = padded.sliced(
            rowStart: try golden.intParam("y1"), rowStop: try golden.intParam("y2"),
            columnStart: try golden.intParam("x1"), columnStop: try golden.intParam("x2"))
        let face = crop.resized(width: try golden.intParam("width"), height: try golden.intParam("height"))
        try expectMatches(face, golden)
    }

    @Test("a hand-checked border: the source sits at (left, top), 110 everywhere else")
    func handBorder() {
        let image = Image(width: 2, height: 1, layout: .bgr, pixels: [1, 2, 3, 4, 5, 6])
        let padded = image.padded(top: 1, bottom: 2, left: 1, right: 0, value: 110)
        #expect(padded.width == 3 && padded.height == 4)
        let f: [UInt8] = [110, 110, 110]
        let expected: [[UInt8]] = [f, f, f, f, [1, 2, 3], [4, 5, 6], f, f, f, f, f, f]
        #expect(padded.pixels == Array(expected.joined()))
        #expect(image.padded(top: 0, bottom: 0, left: 0, right: 0, value: 110) == image)
    }

    @Test("cropping copies the rectangle")
    func crop() {
        let image = Image.random(seed: 11, width: 20, height: 10)
        let crop = image.cropped(x: 3, y: 2, width: 5, height: 4)
        #expect(crop.width == 5 && crop.height == 4 && crop.layout == .bgr)
        for y in 0..<4 {
            for x in 0..<5 {
                #expect(crop.pixel(x, y) == image.pixel(x + 3, y + 2))
            }
        }
        #expect(image.cropped(x: 0, y: 0, width: 20, height: 10) == image)
        #expect(image.cropped(x: 20, y: 10, width: 0, height: 0).pixels.isEmpty)
    }

    @Test("slice ranges follow Python: negative starts count from the end, ends clip",
          arguments: [
              (10, 20, 100, 10..<20), (-100, 200, 120, 20..<120), (300, 700, 280, 280..<280),
              (5, 2, 10, 5..<5), (-3, -1, 10, 7..<9), (-30, 4, 10, 0..<4), (0, 0, 0, 0..<0),
          ])
    func sliceRange(_ start: Int, _ stop: Int, _ count: Int, _ expected: Range<Int>) {
        #expect(Image.sliceRange(start: start, stop: stop, count: count) == expected)
    }

    @Test("slicing past the edges keeps the part inside")
    func slicedClips() {
        let image = Image.random(seed: 12, width: 8, height: 6)
        let s = image.sliced(rowStart: 4, rowStop: 100, columnStart: -3, columnStop: 99)
        #expect(s == image.cropped(x: 5, y: 4, width: 3, height: 2))
    }
}
