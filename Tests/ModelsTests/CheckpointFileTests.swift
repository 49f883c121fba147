import Foundation
import TestSupport
import Testing
@testable import Models
import Tensor

@Suite("Checkpoint file: tensors read one at a time")
struct CheckpointFileTests {
    @Test(
        "each valid fixture gives the format, names, declarations and tensors Checkpoint gives",
        arguments: CheckpointFixtures.manifest.fixtures.map(\.file))
    func sameAsCheckpoint(file: String) throws {
        let url = CheckpointFixtures.url(file)
        let expected = try Checkpoint(contentsOf: url)
        let opened = try CheckpointFile(contentsOf: url)
        #expect(opened.format == expected.format)
        #expect(opened.names == expected.stateDict.names)
        for (name, tensor) in expected.stateDict.entries {
            let declaration = try #require(opened.declaration(name), "\(file): \(name)")
            #expect(declaration.elementType == tensor.elementType && declaration.shape == tensor.shape, "\(file): \(name)")
            #expect(try opened.tensor(name) == tensor, "\(file): \(name)")
        }
        #expect(try opened.tensor("no.such.key") == nil)
        #expect(opened.declaration("no.such.key") == nil)
    }

    @Test(
        "each file Checkpoint refuses is refused with the same error",
        arguments: CheckpointFixtures.manifest.rejected.map(\.file))
    func sameRejections(file: String) throws {
        let url = CheckpointFixtures.url(file)
        do throws(CheckpointError) {
            _ = try Checkpoint(contentsOf: url)
            Issue.record("\(file) was accepted by Checkpoint")
        } catch {
            #expect(throws: error) { try CheckpointFile(contentsOf: url) }
        }
    }

    /// Two float tensors saved in the legacy format: `a` (1000 values) and `b` (3).
    static func smallStateDict(offset: Float) throws -> StateDict {
        try StateDict([
            ("a", CheckpointTensor(shape: [10, 100], float32: (0..<1000).map { Float($0) / 4 + offset })),
            ("b", CheckpointTensor(shape: [3], float32: [offset, -1, 2])),
        ])
    }

    @Test("a file cut short after it was opened fails with truncated when a tensor is read; one replaced by a rename still reads as opened")
    func fileChangedAfterOpening() throws {
        let folder = try ScratchDirectory.make("checkpoint-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("w.pt")
        let original = try Self.smallStateDict(offset: 0)
        try LegacyCheckpointWriter.data(for: original).write(to: url)

        let renamedOver = try CheckpointFile(contentsOf: url)
        let replacement = folder.appendingPathComponent("new.pt")
        try LegacyCheckpointWriter.data(for: try Self.smallStateDict(offset: 7)).write(to: replacement)
        #expect(rename(replacement.path, url.path) == 0)
        #expect(try renamedOver.tensor("a") == original["a"])
        #expect(try renamedOver.tensor("b") == original["b"])

        let cutShort = try CheckpointFile(contentsOf: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 64)
        try handle.close()
        #expect {
            try cutShort.tensor("a")
        } throws: { error in
            guard case let .truncated(what, _, needed, available) = error as? CheckpointError else { return false }
            return what == "storage of a" && needed > 0 && available == 0
        }
        #expect(throws: CheckpointError.self) { try cutShort.floats("b") }
    }

    @Test("networks built from the weights directory (read one tensor at a time) equal those built from the state dict")
    func networksFromDirectory() throws {
        let folder = try ScratchDirectory.make("checkpoint-file-networks")
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = WeightsDirectory(url: folder)
        let syncNetDict = SyncNet.standInStateDict()
        let s3fdDict = S3FD.standInStateDict()
        try LegacyCheckpointWriter.data(for: syncNetDict).write(to: URL(fileURLWithPath: directory.path(of: .syncNet)))
        try LegacyCheckpointWriter.data(for: s3fdDict).write(to: URL(fileURLWithPath: directory.path(of: .s3fd)))

        // Every value the builders take, as both sources give it.
        let syncNetFile = try CheckpointFile(contentsOf: URL(fileURLWithPath: directory.path(of: .syncNet)))
        for (name, tensor) in syncNetDict.entries where tensor.elementType == .float32 {
            let same = try syncNetFile.floats(name) == syncNetDict.floats(name)  // no diff of millions of values on failure
            #expect(same, "\(name)")
        }

        // And the networks themselves, on seeded inputs.
        var generator = SplitMix64(seed: 13)
        let mfcc = Tensor(shape: [2, 1, 13, 20], scalars: (0..<520).map { _ in Float.random(in: -1...1, using: &generator) })
        let frames = Tensor(
            shape: [1, 3, 5, 224, 224], scalars: (0..<(3 * 5 * 224 * 224)).map { _ in Float.random(in: 0...255, using: &generator) })
        let fromDirectory = try directory.syncNet()
        let fromDict = try SyncNet(stateDict: syncNetDict)
        #expect(fromDirectory.audioEmbeddings(mfcc) == fromDict.audioEmbeddings(mfcc))
        #expect(fromDirectory.lipEmbeddings(frames) == fromDict.lipEmbeddings(frames))

        let image = Tensor(shape: [1, 3, 32, 48], scalars: (0..<(3 * 32 * 48)).map { _ in Float.random(in: -100...100, using: &generator) })
        let (a, b) = (try directory.s3fd().heads(image), try S3FD(stateDict: s3fdDict).heads(image))
        #expect(a.loc == b.loc && a.conf == b.conf)
    }
}
