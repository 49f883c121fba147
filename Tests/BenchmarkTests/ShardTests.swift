import Testing

@testable import Benchmark

@Suite("Shards")
struct ShardTests {
    @Test("K/N parses with 0 <= K < N only")
    func parsing() {
        #expect(Shard(parsing: "0/4") == Shard(index: 0, count: 4))
        #expect(Shard(parsing: "3/4") == Shard(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3", ""] { #expect(Shard(parsing: bad) == nil, "\(bad)") }
    }

    @Test("N shards partition the samples: each in exactly one, none empty, the same on every call")
    func partition() {
        let samples = (0..<200).map { "cat/\($0)" }
        let shards = (0..<4).map { Shard(index: $0, count: 4) }
        for model in ["A", "B"] {
            var owners: [String: Int] = [:]
            for sample in samples {
                let holding = shards.filter { $0.contains(suite: "s", model: model, sampleID: sample) }
                #expect(holding.count == 1)
                owners[sample] = holding.first?.index
            }
            let sizes = (0..<4).map { k in owners.values.filter { $0 == k }.count }
            #expect(sizes.allSatisfy { $0 >= 30 }, "unbalanced: \(sizes)")
            #expect(samples.allSatisfy { shards[owners[$0]!].contains(suite: "s", model: model, sampleID: $0) })
        }
        #expect(Shard(index: 0, count: 1).contains(suite: "s", model: "A", sampleID: "x"))
    }
}
