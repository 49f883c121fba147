import Foundation
import Testing
@testable import Models

@Suite("StateDict")
struct StateDictTests {
    @Test("float32 values round-trip through the little-endian bytes")
    func float32RoundTrip() throws {
        let values: [Float] = [1, -2.5, .pi, 0, -0.0, 1e-30]
        let tensor = CheckpointTensor(shape: [2, 3], float32: values)
        #expect(tensor.bytes.count == 24)
        #expect(tensor.bytes.prefix(4) == Data([0x00, 0x00, 0x80, 0x3F]))
        #expect(try tensor.float32Values().map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("a repeated key is rejected, lookups follow insertion order")
    func duplicateKeys() throws {
        let a = CheckpointTensor(shape: [1], float32: [1])
        #expect(throws: CheckpointError.duplicateKey("a")) { try StateDict([("a", a), ("b", a), ("a", a)]) }
        let dict = try StateDict([("z", a), ("b", CheckpointTensor(int64: 7))])
        #expect(dict.names == ["z", "b"])
        #expect(dict["b"]?.elementType == .int64)
        #expect(throws: CheckpointError.wrongElementType(name: "b", got: .int64, expected: .float32)) {
            try dict["b"]!.float32Values(name: "b")
        }
    }
}
