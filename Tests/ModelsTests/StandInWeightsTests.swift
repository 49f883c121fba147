import Foundation
import TestSupport
import Testing
@testable import Models

@Suite("Stand-in weights")
struct StandInWeightsTests {
    /// The generator must give the same bits as `tools/reference/standin_weights.py`, tensor by
    /// tensor: every golden output depends on it.
    @Test("bit-identical to the Python recipe", arguments: ["syncnet", "s3fd"])
    func matchesPython(_ network: String) throws {
        let digests = try #require(try NetworkFixtures.index()["standin_digests"] as? [String: [String: Any]])
        let expected = try #require(digests[network])
        let tensors = try #require(expected["tensors"] as? [String: String])
        let dict = network == "syncnet" ? SyncNet.standInStateDict() : S3FD.standInStateDict()
        var all = Data()
        var checked = 0
        for (name, tensor) in dict.entries where !name.hasSuffix(".num_batches_tracked") {
            #expect(tensors[name] == sha256Hex(tensor.bytes), "\(name) differs from the Python stand-in")
            all.append(tensor.bytes)
            checked += 1
        }
        #expect(checked == tensors.count)
        #expect(sha256Hex(all) == expected["all"] as? String)
    }

    @Test("layouts have the official key counts and sizes (docs/reference/networks.md §2.3, §3.9)")
    func layouts() {
        #expect(SyncNet.layout.count == 102)
        #expect(SyncNet.layout.filter { $0.name.hasSuffix("num_batches_tracked") }.count == 14)
        let syncNetFloats = SyncNet.layout.filter { !$0.name.hasSuffix("num_batches_tracked") }
            .reduce(0) { $0 + $1.shape.reduce(1, *) }
        #expect(syncNetFloats == 13_640_256)
        #expect(S3FD.layout.count == 65)
        #expect(S3FD.layout.reduce(0) { $0 + $1.shape.reduce(1, *) } == 22_459_110)
        #expect(Set(SyncNet.layout.map(\.name)).count == 102 && Set(S3FD.layout.map(\.name)).count == 65)
    }

    @Test("values follow the documented rule: He-uniform bounds, BatchNorm around 1")
    func ranges() throws {
        let dict = SyncNet.standInStateDict()
        let conv = try dict["netcnnaud.4.weight"]!.float32Values()
        let bound = Float((6.0 / 576.0).squareRoot())
        #expect(conv.allSatisfy { abs($0) <= bound } && conv.contains { abs($0) > 0.9 * bound })
        let variance = try dict["netcnnlip.5.running_var"]!.float32Values()
        #expect(variance.allSatisfy { $0 >= 0.75 && $0 <= 1.25 })
        #expect(dict["netcnnlip.5.num_batches_tracked"] == CheckpointTensor(int64: 0))
    }
}
