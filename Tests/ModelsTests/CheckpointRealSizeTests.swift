import Crypto
import Foundation
import Testing
@testable import Models

/// Full-size SyncNet and S3FD state dicts (55 MB and 90 MB), written to a scratch directory by
/// the reference environment, never committed:
///
/// ```python
/// sd = syncnet_python.SyncNetModel.S().state_dict()   # and S3FDNet(); random values
/// torch.save(sd, "syncnet_zip.pth"); torch.save(sd, "syncnet_legacy.pth", _use_new_zipfile_serialization=False)
/// # expected.json: {"syncnet": {"keys": [...], "shapes": [...], "concat_sha256": sha256 of all
/// #                  tensors' bytes in order, "count": 102}, "s3fd": {...}}
/// ```
///
/// Enabled when `SYNCBENCH_REALSIZE_CHECKPOINTS` names that directory.
@Suite("Checkpoint reader: full-size SyncNet and S3FD state dicts")
struct CheckpointRealSizeTests {
    static let directory = ProcessInfo.processInfo.environment["SYNCBENCH_REALSIZE_CHECKPOINTS"].map { URL(fileURLWithPath: $0) }

    struct Expected: Decodable {
        let keys: [String]
        let shapes: [[Int]]
        let concat_sha256: String
        let count: Int
    }

    @Test("all tensors load with torch's exact bytes, in both formats", .enabled(if: directory != nil), .serialized, arguments: ["syncnet", "s3fd"])
    func realSize(network: String) throws {
        let directory = try #require(Self.directory)
        let all = try JSONDecoder().decode([String: Expected].self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let expected = try #require(all[network])
        let schema = StateDictSchema(
            network: network,
            entries: zip(expected.keys, expected.shapes).map { name, shape in
                name.hasSuffix(".num_batches_tracked") ? .numBatchesTracked(String(name.dropLast(".num_batches_tracked".count))) : .float32(name, shape)
            })
        var digests: [String] = []
        for format in ["legacy", "zip"] {
            let url = directory.appendingPathComponent("\(network)_\(format).pth")
            let start = ContinuousClock.now
            let checkpoint = try Checkpoint(contentsOf: url)
            let elapsed = ContinuousClock.now - start
            print("\(network) \(format): \(checkpoint.stateDict.count) tensors read from the file in \(elapsed)")
            #expect(checkpoint.format.rawValue == format)
            #expect(checkpoint.stateDict.count == expected.count)
            #expect(checkpoint.stateDict.names == expected.keys)
            #expect(checkpoint.stateDict.entries.map(\.tensor.shape) == expected.shapes)
            var hasher = SHA256()
            for (_, tensor) in checkpoint.stateDict.entries { hasher.update(data: tensor.bytes) }
            #expect(hasher.finalize().map { String(format: "%02x", $0) }.joined() == expected.concat_sha256)
            try schema.validate(checkpoint.stateDict)
            digests.append(checkpoint.stateDict.valueDigest())
        }
        #expect(digests[0] == digests[1])
    }
}
