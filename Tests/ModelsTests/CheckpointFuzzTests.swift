import Foundation
import TestSupport
import Testing
@testable import Models

/// Random and mutated inputs must only ever produce a `CheckpointError` or a result: no crash
/// (out-of-bounds read, overflow trap, stack overflow), no hang, no huge allocation. Seeded with
/// `SplitMix64`, so a failure reproduces; the seed and mutation are in the failure message.
@Suite("Checkpoint reader: fuzzing")
struct CheckpointFuzzTests {
    /// Reads `bytes`, returning whether it succeeded, and records an issue if one input took
    /// unreasonably long (a hang would show up as a test timeout instead).
    static func probe(_ bytes: [UInt8], _ label: @autoclosure () -> String, outcome: inout Outcome) {
        let start = ContinuousClock.now
        do {
            let checkpoint = try Checkpoint(bytes: Data(bytes))
            // Whatever was read must be self-consistent.
            for (name, tensor) in checkpoint.stateDict.entries where tensor.bytes.count != tensor.count * tensor.elementType.size {
                Issue.record("\(label()): \(name) has inconsistent byte count")
            }
            outcome.accepted += 1
        } catch {
            // Typed throws: `error` is a CheckpointError; its message must render.
            if error.description.isEmpty { Issue.record("\(label()): empty error message") }
            outcome.rejected += 1
        }
        let elapsed = ContinuousClock.now - start
        if elapsed > .seconds(2) { Issue.record("\(label()) took \(elapsed)") }
    }

    struct Outcome {
        var accepted = 0
        var rejected = 0
        var total: Int { accepted + rejected }
    }

    @Test("random byte strings, bare and behind each format's magic bytes")
    func randomBytes() {
        var rng = SplitMix64(seed: 0xC0FFEE)
        var outcome = Outcome()
        let prefixes: [[UInt8]] = [[], Checkpoint.zipSignature, Checkpoint.legacyStart, LegacyFile.header, LegacyFile.header + [0x80, 0x02]]
        for i in 0..<4000 {
            let length = Int(rng.next() % 600)
            var bytes = prefixes[i % prefixes.count]
            bytes += (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            Self.probe(bytes, "random #\(i)", outcome: &outcome)
        }
        #expect(outcome.total == 4000)
        #expect(outcome.rejected > 3900)
    }

    /// Random opcode soup from the supported subset behind a valid legacy header: reaches deep
    /// into the pickle machine rather than failing on the first byte.
    @Test("random programs of supported opcodes")
    func randomPrograms() {
        var rng = SplitMix64(seed: 42)
        var outcome = Outcome()
        let opcodes: [[UInt8]] = [
            [0x28], [0x7D], [0x5D], [0x29], [0x74], [0x85], [0x86], [0x87], [0x4E], [0x88], [0x89], [0x4B, 3],
            [0x4D, 0, 1], [0x8A, 1, 0xFF], [0x8A, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9], [0x71, 0], [0x71, 1], [0x68, 0], [0x68, 1],
            [0x73], [0x75], [0x61], [0x65], [0x52], [0x62], [0x51], [0x81], [0x8F],
            LegacyFile.unicode("storage"), LegacyFile.unicode("0"), LegacyFile.unicode("cpu"),
            LegacyFile.global("collections", "OrderedDict"), LegacyFile.global("torch._utils", "_rebuild_tensor_v2"),
            LegacyFile.global("torch._utils", "_rebuild_parameter"), LegacyFile.global("torch", "FloatStorage"),
        ]
        for i in 0..<3000 {
            var program: [UInt8] = [0x80, 0x02]
            for _ in 0..<(1 + Int(rng.next() % 60)) { program += opcodes[Int(rng.next() % UInt64(opcodes.count))] }
            program += [0x2E]
            Self.probe(LegacyFile.header + program + LegacyFile.keyList(["0"]) + LegacyFile.floatRecord([1, 2]), "program #\(i)", outcome: &outcome)
        }
        #expect(outcome.total == 3000)
    }

    static let fuzzedFixtures = CheckpointFixtures.manifest.fixtures.map(\.file)
        + CheckpointFixtures.manifest.rejected.map(\.file)

    @Test("mutations of every fixture: flips, truncations, insertions, deletions", arguments: fuzzedFixtures)
    func mutations(file: String) throws {
        let original = [UInt8](try CheckpointFixtures.data(file))
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: file.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var outcome = Outcome()
        func position() -> Int { Int(rng.next() % UInt64(original.count)) }

        // Truncation at every length for small files, at 300 random ones for large ones.
        let lengths = original.count <= 8192 ? Array(0..<original.count) : (0..<300).map { _ in position() }
        for length in lengths {
            Self.probe(Array(original.prefix(length)), "\(file) truncated to \(length)", outcome: &outcome)
        }
        for i in 0..<400 {
            var bytes = original
            let at = position()
            let mask = UInt8(truncatingIfNeeded: rng.next() | 1)
            bytes[at] ^= mask
            Self.probe(bytes, "\(file) flip #\(i) at \(at) ^ \(mask)", outcome: &outcome)
        }
        for i in 0..<150 {
            // Lengths and offsets are where most parsers break: write 0xFF…/0x7F… runs.
            var bytes = original
            let at = position()
            let value: UInt8 = i.isMultiple(of: 2) ? 0xFF : 0x7F
            for k in at..<min(at + 4, bytes.count) { bytes[k] = value }
            Self.probe(bytes, "\(file) run #\(i) at \(at)", outcome: &outcome)
        }
        for i in 0..<150 {
            var bytes = original
            let at = position()
            let count = 1 + Int(rng.next() % 8)
            if i.isMultiple(of: 2) {
                bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            } else {
                bytes.removeSubrange(at..<min(at + count, bytes.count))
            }
            Self.probe(bytes, "\(file) \(i.isMultiple(of: 2) ? "insert" : "delete") #\(i) at \(at)", outcome: &outcome)
        }
        #expect(outcome.total == lengths.count + 700)
        // The untouched file still reads (or is still refused) as before.
        let valid = CheckpointFixtures.manifest.fixtures.contains { $0.file == file }
        #expect(((try? Checkpoint(bytes: Data(original))) != nil) == valid)
        // Truncations of a valid file are all refused except the full length (not in the list).
        if valid { #expect(outcome.rejected >= lengths.count) }
    }

    @Test(
        "mutated files read through CheckpointFile: accepted or refused as Checkpoint does them, the same tensors, no fault",
        arguments: fuzzedFixtures)
    func mutationsThroughFile(file: String) throws {
        let original = [UInt8](try CheckpointFixtures.data(file))
        var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: file.utf8.reduce(7919) { $0 &* 31 &+ Int($1) }))
        let folder = try ScratchDirectory.make("checkpoint-file-fuzz")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("mutated.pt")
        var accepted = 0
        for i in 0..<100 {
            var bytes = original
            let at = Int(rng.next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            if i.isMultiple(of: 4) { bytes.removeSubrange(at...) }
            try Data(bytes).write(to: url)
            let inMemory = try? Checkpoint(bytes: Data(bytes))
            let opened = try? CheckpointFile(contentsOf: url)
            #expect((inMemory == nil) == (opened == nil), "\(file) mutation #\(i) at \(at)")
            guard let inMemory, let opened else { continue }
            accepted += 1
            #expect(opened.names == inMemory.stateDict.names, "\(file) mutation #\(i) at \(at)")
            for (name, tensor) in inMemory.stateDict.entries {
                #expect(try opened.tensor(name) == tensor, "\(file) mutation #\(i) at \(at): \(name)")
            }
        }
        // Flips inside storage data leave a file readable: some mutations must have been accepted
        // for the comparison above to mean anything (a refused-only run compares nothing).
        let readable = (try? Checkpoint(bytes: Data(original))) != nil
        if readable && original.count > 4096 { #expect(accepted > 0, "\(file)") }
    }
}
