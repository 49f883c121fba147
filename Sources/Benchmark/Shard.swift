import Foundation
import Store

/// One part of a suite split over machines: `--shard K/N` takes the samples whose stable hash
/// falls in part `K` of `N` (0-based, as Slurm's `--array=0-(N-1)` and Kubernetes'
/// `JOB_COMPLETION_INDEX` count).
///
/// The hash is SHA-256 of the suite, model and sample identifier, so a sample stays in its shard
/// when its files change, when other samples are added, and on every machine.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index)/\(count) out of range")
        self.index = index
        self.count = count
    }

    /// Parses `K/N` with `0 <= K < N`.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(k) else { return nil }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the sample `sampleID` of `model` in `suite` belongs to this shard.
    public func contains(suite: String, model: String, sampleID: String) -> Bool {
        let digest = ContentDigest.sha256(of: Data([suite, model, sampleID].joined(separator: "\u{0}").utf8))
        let prefix = UInt64(digest.prefix(15), radix: 16)!
        return Int(prefix % UInt64(count)) == index
    }
}
