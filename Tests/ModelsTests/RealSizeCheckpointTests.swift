import Foundation
import Testing
@testable import Models

/// Real-size stand-in checkpoints written by `torch.save` in both formats
/// (`tools/reference/make_standin_checkpoints.py`, ~290 MB, not in git): they must load to exactly
/// the state dict the Swift generator builds, and give one value digest for both formats.
@Suite("Real-size checkpoints written by torch")
struct RealSizeCheckpointTests {
    static let folder = NetworkFixtures.packageRoot.appendingPathComponent("tools/reference/.standin")
    static var present: Bool {
        ["legacy", "zip"].allSatisfy { form in
            WeightsFile.allCases.allSatisfy {
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("\(form)/\($0.fileName)").path)
            }
        }
    }

    @Test(
        "legacy and zip saves load to the stand-in, with equal digests",
        .enabled(if: present, "run tools/reference/make_standin_checkpoints.py (needs the pinned torch) to create them"),
        arguments: WeightsFile.allCases)
    func loadsBothFormats(_ file: WeightsFile) throws {
        let expected = file.standInStateDict()
        var digests: Set<String> = []
        for (form, format) in [("legacy", CheckpointFormat.legacy), ("zip", .zip)] {
            let checkpoint = try Checkpoint(contentsOf: Self.folder.appendingPathComponent("\(form)/\(file.fileName)"))
            #expect(checkpoint.format == format)
            #expect(checkpoint.stateDict == expected, "\(form) \(file.fileName) differs from the stand-in")
            try file.schema.validate(checkpoint.stateDict)
            digests.insert(checkpoint.stateDict.valueDigest())
        }
        #expect(digests == [expected.valueDigest()])
    }
}

@Suite("Legacy checkpoint writer")
struct LegacyCheckpointWriterTests {
    @Test("what it writes reads back identically, for both networks", arguments: WeightsFile.allCases)
    func roundTrip(_ file: WeightsFile) throws {
        let dict = file.standInStateDict()
        let checkpoint = try Checkpoint(bytes: LegacyCheckpointWriter.data(for: dict))
        #expect(checkpoint.format == .legacy)
        #expect(checkpoint.stateDict == dict)
    }

    @Test("more than 1000 entries (SETITEMS batches) and every element type round-trip")
    func manyEntries() throws {
        var dict = StateDict()
        for i in 0..<1203 { dict.append("t\(i)", CheckpointTensor(shape: [i % 3 + 1], float32: (0..<(i % 3 + 1)).map { Float(i) + Float($0) / 8 })) }
        for type in TensorElementType.allCases {
            dict.append("typed.\(type.rawValue)", CheckpointTensor(elementType: type, shape: [2, 1], bytes: Data((0..<(2 * type.size)).map { UInt8($0) })))
        }
        dict.append("scalar", CheckpointTensor(int64: -5))
        dict.append("big", CheckpointTensor(shape: [70_000], float32: (0..<70_000).map(Float.init)))
        #expect(try Checkpoint(bytes: LegacyCheckpointWriter.data(for: dict)).stateDict == dict)
    }
}
