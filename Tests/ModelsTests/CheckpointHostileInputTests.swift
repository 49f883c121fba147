import Foundation
import TestSupport
import Testing
@testable import Models

/// Builds legacy files around a hand-written object pickle (`docs/reference/checkpoint-format.md` §3.1).
enum LegacyFile {
    static let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    static let protocolVersion: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
    static let sysInfo: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]  // {}
    static var header: [UInt8] { magic + protocolVersion + sysInfo }

    static func keyList(_ keys: [String]) -> [UInt8] {
        [0x80, 0x02, 0x5D, 0x28] + keys.flatMap(unicode) + [0x65, 0x2E]
    }

    static func unicode(_ s: String) -> [UInt8] {
        let bytes = Array(s.utf8)
        return [0x58] + le(UInt64(bytes.count), 4) + bytes
    }

    static func global(_ module: String, _ name: String) -> [UInt8] {
        [0x63] + Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A]
    }

    static func long1(_ value: Int) -> [UInt8] {
        [0x8A, 0x08] + le(UInt64(bitPattern: Int64(value)), 8)
    }

    static func le(_ value: UInt64, _ width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// `OrderedDict()` then `SETITEMS` of one tensor `name` = view (offset, size, stride) of a
    /// float storage "0" declared with `numel` elements.
    static func oneTensor(
        name: String = "w", numel: Int, offset: Int = 0, size: [Int], stride: [Int], extraArgument: [UInt8] = []
    ) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02] + global("collections", "OrderedDict") + [0x29, 0x52, 0x28]
        p += unicode(name) + global("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x28]
        p += unicode("storage") + global("torch", "FloatStorage") + unicode("0") + unicode("cpu") + long1(numel) + [0x4E, 0x74, 0x51]
        p += long1(offset) + [0x28] + size.flatMap(long1) + [0x74, 0x28] + stride.flatMap(long1) + [0x74]
        p += [0x89] + global("collections", "OrderedDict") + [0x29, 0x52] + extraArgument + [0x74, 0x52, 0x75, 0x2E]
        return p
    }

    static func file(object: [UInt8], keys: [String] = ["0"], records: [UInt8]) -> Data {
        Data(header + object + keyList(keys) + records)
    }

    static func floatRecord(_ values: [Float]) -> [UInt8] {
        le(UInt64(values.count), 8) + values.flatMap { le(UInt64($0.bitPattern), 4) }
    }
}

@Suite("Checkpoint reader: hostile and corrupt input")
struct CheckpointHostileInputTests {
    static func read(_ bytes: [UInt8]) throws(CheckpointError) -> Checkpoint { try Checkpoint(bytes: Data(bytes)) }

    @Test("the hand-built legacy file is itself valid")
    func builderSanity() throws {
        let data = LegacyFile.file(object: LegacyFile.oneTensor(numel: 4, offset: 1, size: [3], stride: [1]), records: LegacyFile.floatRecord([1, 2, 3, 4]))
        let checkpoint = try Checkpoint(bytes: data)
        #expect(checkpoint.format == .legacy)
        #expect(try checkpoint.stateDict["w"]?.float32Values() == [2, 3, 4])
    }

    @Test("things that are not checkpoints are named")
    func notCheckpoints() {
        #expect(throws: CheckpointError.notACheckpoint("got an empty file, expected a zip or legacy torch.save file")) {
            try Self.read([])
        }
        let lfs = Array("version https://git-lfs.github.com/spec/v1\noid sha256:961e8696\nsize 54577523\n".utf8)
        #expect { try Self.read(lfs) } throws: { error in
            (error as? CheckpointError)?.description.contains("Git LFS pointer") == true
        }
        let html = Array("\n  <!DOCTYPE html><html><body>404</body></html>".utf8)
        #expect { try Self.read(html) } throws: { error in
            (error as? CheckpointError)?.description.contains("HTML") == true
        }
        var tar = [UInt8](repeating: 0, count: 1024)
        tar.replaceSubrange(0..<8, with: Array("sys_info".utf8))
        tar.replaceSubrange(257..<262, with: Array("ustar".utf8))
        #expect { try Self.read(tar) } throws: { error in
            guard case let .unsupportedFormat(message) = error as? CheckpointError else { return false }
            return message.contains("tar")
        }
        #expect(throws: CheckpointError.notACheckpoint("got first bytes 68 65 6C 6C 6F (5 bytes in all), expected 50 4B 03 04 (zip) or 80 02 8A 0A (legacy)")) {
            try Self.read(Array("hello".utf8))
        }
    }

    @Test("a wrong magic number or protocol version is refused")
    func legacyHeader() {
        var data = [UInt8](LegacyFile.file(object: LegacyFile.oneTensor(numel: 1, size: [], stride: []), records: LegacyFile.floatRecord([1])))
        data[6] ^= 1
        #expect { try Self.read(data) } throws: { error in
            guard case let .malformedLegacy(message) = error as? CheckpointError else { return false }
            return message.hasPrefix("magic number: got int 0x1950A86A20F9469DFC6C")
        }
        var version = [UInt8](LegacyFile.file(object: LegacyFile.oneTensor(numel: 1, size: [], stride: []), records: LegacyFile.floatRecord([1])))
        version[18] = 0xEA  // 1002
        #expect(throws: CheckpointError.malformedLegacy("protocol version: got 1002, expected 1001")) { try Self.read(version) }
    }

    @Test("storages and views that do not fit are refused before anything is allocated")
    func oversizedDeclarations() {
        // A storage that claims 2^40 floats.
        let huge = LegacyFile.file(object: LegacyFile.oneTensor(numel: 1 << 40, size: [1], stride: [1]), records: LegacyFile.floatRecord([1]))
        #expect { try Checkpoint(bytes: huge) } throws: { error in
            guard case let .malformedStorage(key, reason) = error as? CheckpointError else { return false }
            return key == "0" && reason.hasPrefix("got 1099511627776 elements of float32")
        }
        // A view reaching past its storage.
        let outside = LegacyFile.file(object: LegacyFile.oneTensor(numel: 4, offset: 2, size: [3], stride: [1]), records: LegacyFile.floatRecord([1, 2, 3, 4]))
        #expect { try Checkpoint(bytes: outside) } throws: { error in
            guard case let .malformedPickle(_, reason) = error as? CheckpointError else { return false }
            return reason.contains("reaching element 4") && reason.contains("storage's 4 elements")
        }
        // A broadcast view (stride 0) larger than the file.
        let broadcast = LegacyFile.file(object: LegacyFile.oneTensor(numel: 1, size: [1 << 30], stride: [0]), records: LegacyFile.floatRecord([1]))
        #expect { try Checkpoint(bytes: broadcast) } throws: { error in
            guard case let .malformedPickle(_, reason) = error as? CheckpointError else { return false }
            return reason.contains("1073741824 elements")
        }
        // Sizes whose product overflows Int.
        let overflow = LegacyFile.file(object: LegacyFile.oneTensor(numel: 1, size: [1 << 32, 1 << 32, 0], stride: [0, 0, 0]), records: LegacyFile.floatRecord([1]))
        #expect { try Checkpoint(bytes: overflow) } throws: { error in
            guard case let .malformedPickle(_, reason) = error as? CheckpointError else { return false }
            return reason.contains("overflows")
        }
        // Strides whose extent overflows Int.
        let farStride = LegacyFile.file(object: LegacyFile.oneTensor(numel: 1, size: [3], stride: [1 << 62]), records: LegacyFile.floatRecord([1]))
        #expect { try Checkpoint(bytes: farStride) } throws: { error in
            guard case let .malformedPickle(_, reason) = error as? CheckpointError else { return false }
            return reason.contains("overflows")
        }
        // A string length of 4 GiB in a 100-byte file.
        let longString: [UInt8] = LegacyFile.header + [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0xFF, 0x41]
        #expect { try Self.read(longString) } throws: { error in
            guard case let .truncated(what, _, needed, available) = error as? CheckpointError else { return false }
            return what.hasPrefix("BINUNICODE") && needed == 0xFFFF_FFFF && available == 1
        }
    }

    @Test("storage records must match their persistent ids, and nothing may follow them")
    func legacyRecords() {
        let object = LegacyFile.oneTensor(numel: 2, size: [2], stride: [1])
        let short = LegacyFile.file(object: object, records: LegacyFile.floatRecord([1, 2, 3]))
        #expect(throws: CheckpointError.malformedStorage(key: "0", reason: "got a record of 3 elements, expected 2 as its persistent id says")) {
            try Checkpoint(bytes: short)
        }
        let trailing = LegacyFile.file(object: object, records: LegacyFile.floatRecord([1, 2]) + [0])
        #expect { try Checkpoint(bytes: trailing) } throws: { error in
            guard case let .malformedLegacy(message) = error as? CheckpointError else { return false }
            return message.hasPrefix("got 1 bytes after the last storage record")
        }
        let missing = LegacyFile.file(object: object, keys: [], records: [])
        #expect(throws: CheckpointError.malformedLegacy("storage 0: got no record, expected one for every referenced storage")) {
            try Checkpoint(bytes: missing)
        }
        let unreferenced = LegacyFile.file(object: object, keys: ["0", "1"], records: LegacyFile.floatRecord([1, 2]))
        #expect { try Checkpoint(bytes: unreferenced) } throws: { error in
            guard case let .malformedLegacy(message) = error as? CheckpointError else { return false }
            return message.hasPrefix("storage record 1")
        }
    }

    @Test("unsupported pickle constructs are refused with their offset")
    func pickleConstructs() {
        let header = LegacyFile.header
        let objectStart = header.count
        // A memo read before any write.
        #expect(throws: CheckpointError.malformedPickle(offset: objectStart + 2, reason: "memo entry 5 read before it was written")) {
            try Self.read(header + [0x80, 0x02, 0x68, 0x05, 0x2E])
        }
        // An opcode outside the subset: POP (0x30).
        #expect(throws: CheckpointError.unsupportedOpcode(0x30, offset: objectStart + 3)) {
            try Self.read(header + [0x80, 0x02, 0x4E, 0x30, 0x2E])
        }
        // SETITEMS with an odd number of items, APPEND to a dict, REDUCE of a non-global.
        #expect { try Self.read(header + [0x80, 0x02, 0x7D, 0x28, 0x4E, 0x75, 0x2E]) } throws: { error in
            (error as? CheckpointError)?.description.contains("key/value pairs") == true
        }
        #expect { try Self.read(header + [0x80, 0x02, 0x7D, 0x4E, 0x61, 0x2E]) } throws: { error in
            (error as? CheckpointError)?.description.contains("APPEND: got dict, expected a list") == true
        }
        #expect { try Self.read(header + [0x80, 0x02, 0x4E, 0x29, 0x52, 0x2E]) } throws: { error in
            (error as? CheckpointError)?.description.contains("REDUCE callable: got None") == true
        }
        // Stack underflow across a MARK.
        #expect(throws: CheckpointError.malformedPickle(offset: objectStart + 4, reason: "stack underflow")) {
            try Self.read(header + [0x80, 0x02, 0x4E, 0x28, 0x85, 0x2E])
        }
        // A persistent id in the sys_info pickle.
        #expect { try Self.read(LegacyFile.magic + LegacyFile.protocolVersion + [0x80, 0x02, 0x4E, 0x51, 0x2E]) } throws: { error in
            (error as? CheckpointError)?.description.contains("BINPERSID") == true
        }
        // Tensor metadata (conjugate bit) in a 7th argument.
        let conj = LegacyFile.oneTensor(
            numel: 1, size: [], stride: [],
            extraArgument: [0x7D, 0x71, 0x63] + LegacyFile.unicode("conj") + [0x88, 0x73])
        #expect { try Checkpoint(bytes: LegacyFile.file(object: conj, records: LegacyFile.floatRecord([1]))) } throws: { error in
            (error as? CheckpointError)?.description.contains("conjugate or negative bits") == true
        }
    }

    @Test("a pickle that is not a state dict is refused")
    func notAStateDict() {
        let header = LegacyFile.header
        #expect(throws: CheckpointError.notAStateDict("got a pickled list, expected an OrderedDict of tensors")) {
            try Self.read(header + [0x80, 0x02, 0x5D, 0x2E] + LegacyFile.keyList([]))
        }
        let epoch = [0x80, 0x02, 0x7D, 0x28] + LegacyFile.unicode("epoch") + [0x4B, 0x03, 0x75, 0x2E]
        #expect(throws: CheckpointError.notAStateDict("epoch: got int, expected a tensor")) {
            try Self.read(header + epoch + LegacyFile.keyList([]))
        }
    }

    @Test("deep nesting and cycles are torn down without recursion")
    func deepGraphs() {
        let header = LegacyFile.header
        // ((((…)))) 300 000 levels deep.
        let tuples = header + [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 300_000) + [0x2E]
        #expect(throws: CheckpointError.notAStateDict("got a pickled tuple of 1, expected an OrderedDict of tensors")) {
            try Self.read(tuples)
        }
        // [[[[…]]]] 300 000 levels: EMPTY_LIST repeated, then APPEND repeated (each appends the
        // top list to the one below it).
        let lists = header + [0x80, 0x02] + [UInt8](repeating: 0x5D, count: 300_001) + [UInt8](repeating: 0x61, count: 300_000) + [0x2E]
        #expect(throws: CheckpointError.notAStateDict("got a pickled list, expected an OrderedDict of tensors")) {
            try Self.read(lists)
        }
        // A list that contains itself.
        let cycle = header + [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        #expect(throws: CheckpointError.notAStateDict("got a pickled list, expected an OrderedDict of tensors")) {
            try Self.read(cycle)
        }
    }

    @Test("resource caps stop runaway pickles")
    func caps() {
        let header = LegacyFile.header
        let pushes = header + [0x80, 0x02] + [UInt8](repeating: 0x4E, count: PickleMachine.Limits.stackDepth + 1) + [0x2E]
        #expect(throws: CheckpointError.limitExceeded(what: "pickle stack depth", limit: PickleMachine.Limits.stackDepth, offset: header.count + 2 + PickleMachine.Limits.stackDepth)) {
            try Self.read(pushes)
        }
        let marks = header + [0x80, 0x02] + [UInt8](repeating: 0x28, count: PickleMachine.Limits.marks + 1) + [0x2E]
        #expect { try Self.read(marks) } throws: { error in
            guard case let .limitExceeded(what, _, _) = error as? CheckpointError else { return false }
            return what == "number of open MARKs"
        }
        let longName = header + [0x80, 0x02, 0x63] + [UInt8](repeating: 0x41, count: 1000) + [0x0A, 0x41, 0x0A, 0x2E]
        #expect { try Self.read(longName) } throws: { error in
            guard case let .limitExceeded(what, _, _) = error as? CheckpointError else { return false }
            return what == "GLOBAL module length"
        }
    }

    @Test("zip entries must be stored, and their sizes must match")
    func zipStructure() throws {
        var bytes = [UInt8](try CheckpointFixtures.data("tensors_zip.pt"))
        // The first central-directory entry is data.pkl; set its method to deflate (8).
        let central = try #require(Self.find([0x50, 0x4B, 0x01, 0x02], in: bytes))
        bytes[central + 10] = 8
        #expect(throws: CheckpointError.malformedZip("tensors_zip/data.pkl: got compression method 8, expected 0 (stored)")) {
            try Self.read(bytes)
        }
        // Without its end record the archive is refused.
        let original = [UInt8](try CheckpointFixtures.data("tensors_zip.pt"))
        #expect(throws: CheckpointError.malformedZip("got no end-of-central-directory record, expected one in the last 65 557 bytes")) {
            try Self.read(Array(original.dropLast(22)))
        }
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
