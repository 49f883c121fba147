import Foundation
import TestSupport
import Testing
@testable import Models

@Suite("Checkpoint reader: fixtures written by torch.save")
struct CheckpointReaderTests {
    typealias Manifest = CheckpointFixtures.Manifest

    @Test("every fixture file matches its SHA-256 in MANIFEST.json")
    func manifestHashes() throws {
        let manifest = CheckpointFixtures.manifest
        #expect(manifest.files.count >= 20)
        #expect(manifest.torch.hasPrefix("2."))
        for (name, info) in manifest.files.sorted(by: { $0.key < $1.key }) {
            let data = try CheckpointFixtures.data(name)
            #expect(data.count == info.bytes, "\(name)")
            #expect(sha256Hex(data) == info.sha256, "\(name) differs from what make_checkpoint_fixtures.py wrote")
        }
    }

    @Test(
        "each valid fixture reads exactly as torch.load does",
        arguments: CheckpointFixtures.manifest.fixtures.map(\.file))
    func fixtureContent(file: String) throws {
        let fixture = try #require(CheckpointFixtures.manifest.fixtures.first { $0.file == file })
        let checkpoint = try Checkpoint(contentsOf: CheckpointFixtures.url(file))
        #expect(checkpoint.format.rawValue == fixture.format)
        let dict = checkpoint.stateDict
        #expect(dict.names == fixture.entries.map(\.name))
        for entry in fixture.entries {
            let tensor = try #require(dict[entry.name], "\(file): \(entry.name) missing")
            #expect(tensor.elementType.rawValue == entry.dtype, "\(file): \(entry.name)")
            #expect(tensor.shape == entry.shape, "\(file): \(entry.name)")
            #expect(sha256Hex(tensor.bytes) == entry.sha256, "\(file): \(entry.name) bytes differ from torch's")
            if let expected = entry.values {
                let got = tensor.decodedValues()
                #expect(got.count == expected.count, "\(file): \(entry.name)")
                for (g, e) in zip(got, expected) {
                    #expect(sameValue(g, e), "\(file): \(entry.name): got \(g), expected \(e)")
                }
            }
        }
        // The digest computed in Python from the documented definition.
        #expect(dict.valueDigest() == fixture.digest, "\(file)")
        // Reading from memory gives the same as reading the file.
        #expect(try Checkpoint(bytes: CheckpointFixtures.data(file)) == checkpoint)
    }

    @Test("files of the same state dict in different formats give equal state dicts and digests")
    func formatsAgree() throws {
        let groups = Dictionary(grouping: CheckpointFixtures.manifest.fixtures, by: \.group)
        var compared = 0
        for (group, fixtures) in groups where fixtures.count > 1 {
            let dicts = try fixtures.map { try Checkpoint(contentsOf: CheckpointFixtures.url($0.file)).stateDict }
            let formats = Set(fixtures.map(\.format))
            for (fixture, dict) in zip(fixtures.dropFirst(), dicts.dropFirst()) {
                #expect(dict == dicts[0], "\(group): \(fixture.file) differs from \(fixtures[0].file)")
                #expect(dict.valueDigest() == dicts[0].valueDigest(), "\(group): \(fixture.file)")
                compared += 1
            }
            if ["tensors", "dtypes", "module", "many"].contains(group) { #expect(formats == ["legacy", "zip"], "\(group)") }
        }
        #expect(compared >= 8)
    }

    @Test("the views and Python-2 fixtures carry what they were built for")
    func handAssembledFixtures() throws {
        let python2 = try Checkpoint(contentsOf: CheckpointFixtures.url("python2_legacy.pt"))
        #expect(python2.format == .legacy)
        #expect(try python2.stateDict["conv.weight"]?.float32Values() == [1.5, -2.0, 0.25, 8.0])
        #expect(try python2.stateDict["conv.bias"]?.float32Values() == [0.5, -0.75, 3.0])

        let views = try Checkpoint(contentsOf: CheckpointFixtures.url("views_legacy.pt")).stateDict
        // root = [-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]; view = root[2..<7].
        #expect(try views["through_view"]?.float32Values() == [0.5, 1.0, 1.5])
        #expect(try views["view_again"]?.float32Values() == [0, 1, 0.5, 1.5])
        #expect(try views["root"]?.float32Values() == [3, 3.5])

        let tensors = try Checkpoint(contentsOf: CheckpointFixtures.url("tensors_zip.pt")).stateDict
        // A transposed view: element (i, j) of base.t() is base[j][i].
        let base = try #require(tensors["f2"]).shape
        #expect(base == [3, 4])
        #expect(tensors["transposed"]?.shape == [4, 3])
        #expect(tensors["count"]?.shape == [])
        #expect(tensors["count"]?.bytes == CheckpointTensor(int64: -1_234_567_890_123).bytes)
        #expect(tensors["empty"]?.shape == [0, 3] && tensors["empty"]?.bytes.isEmpty == true)
        #expect(tensors["f5"]?.shape == [2, 1, 3, 2, 2])
    }

    @Test("files the reader must refuse fail with the expected error", arguments: CheckpointFixtures.manifest.rejected.map(\.file))
    func rejectedFixtures(file: String) throws {
        let rejected = try #require(CheckpointFixtures.manifest.rejected.first { $0.file == file })
        let expected: CheckpointError
        switch rejected.error {
        case "unsupportedGlobal":
            expected = .unsupportedGlobal(module: try #require(rejected.module), name: try #require(rejected.name), offset: rejected.offset)
        case "unsupportedFormat":
            expected = .unsupportedFormat("got a TorchScript archive (torch.jit.save), expected a torch.save state dict")
        case "unsupportedOpcode":
            expected = .unsupportedOpcode(UInt8(try #require(rejected.opcode)), offset: rejected.offset)
        default:
            Issue.record("unknown expected error \(rejected.error)")
            return
        }
        #expect(throws: expected) { try Checkpoint(contentsOf: CheckpointFixtures.url(file)) }
    }

    @Test("messages of rejected files name the culprit")
    func rejectionMessages() throws {
        do {
            _ = try Checkpoint(contentsOf: CheckpointFixtures.url("posix_system_legacy.pt"))
            Issue.record("posix.system was accepted")
        } catch {
            #expect(error.description.contains("unsupported global posix.system at offset 127"))
        }
        do {
            _ = try Checkpoint(contentsOf: CheckpointFixtures.url("protocol4_zip.pt"))
            Issue.record("FRAME was accepted")
        } catch {
            #expect(error.description.hasPrefix("unsupported pickle opcode FRAME (0x95) at offset 66"))
        }
    }

    @Test("a missing file is an unreadableFile error")
    func missingFile() {
        let url = CheckpointFixtures.url("no-such-file.pt")
        #expect {
            try Checkpoint(contentsOf: url)
        } throws: { error in
            guard case let .unreadableFile(path, _) = error as? CheckpointError else { return false }
            return path == url.path
        }
    }
}
