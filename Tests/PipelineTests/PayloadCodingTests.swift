import Foundation
import Testing

@testable import Pipeline

/// The byte form of cached artifacts' numbers (docs/cache.md: little-endian float32, float64 and
/// int16), which every database written so far holds: it must never change.
@Suite("Payload coding")
struct PayloadCodingTests {
    @Test("floats, doubles and int16s are stored little-endian, each value's bits as they are, and read back bit for bit")
    func littleEndianRoundTrip() throws {
        #expect([UInt8](PayloadCoding.data([Float(1), -2.5])) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0])
        #expect([UInt8](PayloadCoding.data([Double(1)])) == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect([UInt8](PayloadCoding.data([Int16(1), -2])) == [0x01, 0x00, 0xFE, 0xFF])
        #expect(PayloadCoding.data([Float]()).isEmpty)

        let floats: [Float] = [0, -0.0, .infinity, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, Float(bitPattern: 0x7FC0_1234), 3.25e-7]
        let storedFloats = try PayloadCoding.floats(PayloadCoding.data(floats), count: floats.count)
        #expect(storedFloats.map(\.bitPattern) == floats.map(\.bitPattern))
        let doubles: [Double] = [-0.0, .pi, .nan, -1e300, Double(bitPattern: 1)]
        let storedDoubles = try PayloadCoding.doubles(PayloadCoding.data(doubles), count: doubles.count)
        #expect(storedDoubles.map(\.bitPattern) == doubles.map(\.bitPattern))
        let samples: [Int16] = [.min, -1, 0, 1, .max]
        #expect(try PayloadCoding.int16s(PayloadCoding.data(samples)) == samples)

        // A long payload (an eval's embeddings: 127 windows × 1024 × 2), read back whole and from an offset.
        let long = (0..<260_096).map { Float($0) * 0.001 - 7 }
        let data = PayloadCoding.data(long)
        #expect(data.count == long.count * 4)
        #expect(try PayloadCoding.floats(data, count: long.count) == long)
        #expect(try PayloadCoding.floats(data, offset: 4 * 1000, count: 5) == Array(long[1000..<1005]))
    }
}
