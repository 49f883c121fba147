import Foundation
import Testing
@testable import Models

@Suite("Checkpoint: strict schema validation and value digest")
struct CheckpointValidationTests {
    static let schema = StateDictSchema(
        network: "Tiny",
        entries: [
            .float32("conv.weight", [2, 1, 3, 3]),
            .float32("conv.bias", [2]),
            .float32("bn.running_mean", [2]),
            .numBatchesTracked("bn"),
        ])

    static func zeros(_ shape: [Int]) -> CheckpointTensor {
        CheckpointTensor(shape: shape, float32: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    static func valid(withCounter: Bool = true) throws -> StateDict {
        var entries: [(name: String, tensor: CheckpointTensor)] = [
            ("conv.weight", zeros([2, 1, 3, 3])), ("conv.bias", zeros([2])), ("bn.running_mean", zeros([2])),
        ]
        if withCounter { entries.append(("bn.num_batches_tracked", CheckpointTensor(int64: 12))) }
        return try StateDict(entries)
    }

    static func replacing(_ name: String, with tensor: CheckpointTensor?) throws -> StateDict {
        var entries = try valid().entries
        if let tensor {
            entries = entries.map { $0.name == name ? (name, tensor) : $0 }
        } else {
            entries.removeAll { $0.name == name }
        }
        return try StateDict(entries)
    }

    @Test("a complete state dict passes, with or without num_batches_tracked")
    func validDicts() throws {
        try Self.schema.validate(Self.valid())
        try Self.schema.validate(Self.valid(withCounter: false))
        #expect(Self.schema["bn.num_batches_tracked"]?.isOptional == true)
        #expect(Self.schema["bn.num_batches_tracked"]?.elementType == .int64)
        #expect(Self.schema["bn.num_batches_tracked"]?.shape == [])
    }

    @Test("a missing key is reported with the shape it should have had")
    func missingKey() throws {
        let dict = try Self.replacing("conv.bias", with: nil)
        let expected = CheckpointError.missingKey(network: "Tiny", name: "conv.bias", expectedShape: [2])
        #expect(throws: expected) { try Self.schema.validate(dict) }
        #expect(expected.description == "Tiny: missing key conv.bias: got nothing, expected shape [2]")
    }

    @Test("an unknown key is rejected")
    func unexpectedKey() throws {
        var dict = try Self.valid()
        dict.append("module.conv.weight", Self.zeros([1]))
        let expected = CheckpointError.unexpectedKey(network: "Tiny", name: "module.conv.weight")
        #expect(throws: expected) { try Self.schema.validate(dict) }
        #expect(expected.description == "Tiny: unexpected key module.conv.weight: got a tensor, expected no such key")
    }

    @Test("a wrong shape is reported as got … expected …")
    func wrongShape() throws {
        let dict = try Self.replacing("conv.weight", with: Self.zeros([2, 1, 3]))
        let expected = CheckpointError.wrongShape(name: "conv.weight", got: [2, 1, 3], expected: [2, 1, 3, 3])
        #expect(throws: expected) { try Self.schema.validate(dict) }
        #expect(expected.description == "conv.weight: got shape [2, 1, 3], expected [2, 1, 3, 3]")
    }

    @Test("a wrong element type is reported, also for num_batches_tracked")
    func wrongElementType() throws {
        let float64 = CheckpointTensor(elementType: .float64, shape: [2], bytes: Data(count: 16))
        let dict = try Self.replacing("conv.bias", with: float64)
        let expected = CheckpointError.wrongElementType(name: "conv.bias", got: .float64, expected: .float32)
        #expect(throws: expected) { try Self.schema.validate(dict) }
        #expect(expected.description == "conv.bias: got element type float64, expected float32")

        let floatCounter = try Self.replacing("bn.num_batches_tracked", with: Self.zeros([]))
        #expect(throws: CheckpointError.wrongElementType(name: "bn.num_batches_tracked", got: .float32, expected: .int64)) {
            try Self.schema.validate(floatCounter)
        }
        let vectorCounter = try Self.replacing(
            "bn.num_batches_tracked", with: CheckpointTensor(elementType: .int64, shape: [1], bytes: Data(count: 8)))
        #expect(throws: CheckpointError.wrongShape(name: "bn.num_batches_tracked", got: [1], expected: [])) {
            try Self.schema.validate(vectorCounter)
        }
    }

    @Test("the module fixture validates against the schema of its network, in both formats")
    func moduleFixture() throws {
        let schema = StateDictSchema(
            network: "Conv2d+BatchNorm2d+Linear",
            entries: [
                .float32("0.weight", [3, 2, 2, 2]), .float32("0.bias", [3]),
                .float32("1.weight", [3]), .float32("1.bias", [3]), .float32("1.running_mean", [3]),
                .float32("1.running_var", [3]), .numBatchesTracked("1"),
                .float32("4.weight", [2, 3]), .float32("4.bias", [2]),
            ])
        for file in ["module_legacy.pt", "module_zip.pt", "parameters_legacy.pt", "parameters_zip.pt"] {
            let dict = try Checkpoint(contentsOf: CheckpointFixtures.url(file)).stateDict
            try schema.validate(dict)
            #expect(dict["1.num_batches_tracked"]?.bytes == CheckpointTensor(int64: 5).bytes, "\(file)")
        }
    }

    // MARK: - Digest

    static func tiny() throws -> StateDict {
        try StateDict([
            ("w", CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4])),
            ("n", CheckpointTensor(int64: 7)),
            ("bn.num_batches_tracked", CheckpointTensor(int64: 3)),
        ])
    }

    @Test("the digest is pinned: it keys caches and must never change")
    func pinnedDigest() throws {
        // Computed by value_digest() in make_checkpoint_fixtures.py from the documented layout.
        #expect(try Self.tiny().valueDigest() == "010dfe15401761bd76d06989e7f715e62f5977bf76b6f86cb66b8649bfa82ec4")
        #expect(StateDict().valueDigest() == "60257566c5f636dee8281b87c42758d33effdddcbc50b4d5fd6f6668d0a96d28")
    }

    @Test("the digest ignores key order and num_batches_tracked")
    func digestInvariants() throws {
        let tiny = try Self.tiny()
        let reversed = try StateDict(tiny.entries.reversed())
        #expect(reversed.valueDigest() == tiny.valueDigest())
        let withoutCounter = try StateDict(tiny.entries.filter { !$0.name.hasSuffix("num_batches_tracked") })
        #expect(withoutCounter.valueDigest() == tiny.valueDigest())
        var otherCount = withoutCounter
        otherCount.append("bn.num_batches_tracked", CheckpointTensor(int64: 999))
        #expect(otherCount.valueDigest() == tiny.valueDigest())
    }

    @Test("the digest changes with any value, name, shape or element type")
    func digestSensitivity() throws {
        let base = try Self.tiny().valueDigest()
        let variants: [[(name: String, tensor: CheckpointTensor)]] = [
            [("w", CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4.000001])), ("n", CheckpointTensor(int64: 7))],
            [("w", CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4])), ("n", CheckpointTensor(int64: 8))],
            [("W", CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4])), ("n", CheckpointTensor(int64: 7))],
            [("w", CheckpointTensor(shape: [4], float32: [1, 2, 3, 4])), ("n", CheckpointTensor(int64: 7))],
            [("w", CheckpointTensor(shape: [1, 2, 2], float32: [1, 2, 3, 4])), ("n", CheckpointTensor(int64: 7))],
            [
                ("w", CheckpointTensor(elementType: .int32, shape: [2, 2], bytes: CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4]).bytes)),
                ("n", CheckpointTensor(int64: 7)),
            ],
            [("w", CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4]))],
            // Name/data boundaries cannot be shifted: "n" + 8 bytes vs "n\0…" would collide without
            // the length prefixes.
            [("w", CheckpointTensor(shape: [2, 2], float32: [1, 2, 3, 4])), ("n", CheckpointTensor(int64: 7)), ("x", Self.zeros([0]))],
        ]
        var seen: Set<String> = [base]
        for variant in variants {
            let digest = try StateDict(variant).valueDigest()
            #expect(seen.insert(digest).inserted, "collision for \(variant.map(\.name))")
        }
    }
}
